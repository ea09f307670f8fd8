//! Times the first-use costs and the raster speed:
//! `cargo run --release -p videoagent-art --example timing`
//!
//! Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID on Linux), so
//! other work on a busy machine does not inflate them; elsewhere, wall time.

use std::time::Duration;

/// A stopwatch over the thread's CPU time.
struct Instant(Duration);

impl Instant {
    fn now() -> Instant {
        Instant(cpu_time())
    }
    fn elapsed(&self) -> Duration {
        cpu_time().saturating_sub(self.0)
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two 64-bit fields on 64-bit Linux) through the pointer.
    let ok = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    assert!(ok, "clock_gettime");
    Duration::new(ts.sec as u64, ts.nsec as u32)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_time() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

use videoagent_art::{names, pick, rasterize, svg, ArtRef, Kind, Set};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    for set in Set::ALL {
        let t = Instant::now();
        let n = names(set).unwrap().len();
        println!("first use of {set:<18} (inflate + index {n} names): {}", ms(t.elapsed()));
    }
    let t = Instant::now();
    let picks = pick("一只猫在写周报", Kind::Any);
    println!("first pick (inflate emoji words + build dictionary): {}", ms(t.elapsed()));
    let t = Instant::now();
    let runs = 1000;
    for _ in 0..runs {
        assert_eq!(pick("一只猫在写周报, then a lion and a shark at the beach 🎧", Kind::Any).len(), picks.len() + 4);
    }
    println!("pick, a 45-character sentence: {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / runs as f64);

    for (art, tint) in [
        ("fluent-emoji-flat:lion", None),
        ("fluent-emoji-flat:laptop", None),
        ("fluent-emoji-flat:cat-face", None),
        ("fluent-emoji:lion", None),
        ("noto:lion", None),
        ("game-icons:lion", Some([200, 30, 60])),
    ] {
        let art: ArtRef = art.parse().unwrap();
        rasterize(&art, 512, tint).unwrap();
        let runs = 50;
        let t = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(svg(&art, tint).unwrap());
        }
        let svg_time = t.elapsed() / runs;
        let t = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(rasterize(&art, 512, tint).unwrap());
        }
        println!("{art:<28} svg {}, rasterize 512 px {}", ms(svg_time), ms(t.elapsed() / runs));
    }

    // All of Fluent Flat at 512 px.
    let all = names(Set::FluentFlat).unwrap();
    let t = Instant::now();
    for name in &all {
        std::hint::black_box(rasterize(&ArtRef::new(Set::FluentFlat, *name), 512, None).unwrap());
    }
    let total = t.elapsed();
    println!("every Fluent Flat icon at 512 px: {} icons, {} each on average", all.len(), ms(total / all.len() as u32));
}
