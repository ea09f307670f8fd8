//! Replays the committed fuzz corpora on stable (the fuzzer itself needs
//! nightly; see README), and runs a bounded, deterministic mutation pass over
//! the image fixtures so decoder panics are caught by every `cargo test`.

use std::path::Path;
use std::time::{Duration, Instant};

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let started = Instant::now();
        run(&data);
        assert!(started.elapsed() < Duration::from_secs(10), "{} is too slow", path.display());
        n += 1;
    }
    n
}

#[test]
fn create_body_corpus_replays() {
    assert!(replay("create_body", videoagent_media::fuzz::create_body) >= 5);
}

#[test]
fn image_decode_corpus_replays() {
    assert!(replay("image_decode", videoagent_media::fuzz::image_decode) >= 5);
}

/// Flips, truncates and splices bytes of small fixtures; nothing may panic.
#[test]
fn mutated_images_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images");
    let seeds: Vec<Vec<u8>> = ["short_side_301.jpg", "alpha.png", "photo_rocket.webp", "bomb_40000x40000_header.png"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let started = Instant::now();
    for i in 0..400 {
        let seed = &seeds[i % seeds.len()];
        let mut data = seed.clone();
        match next() % 3 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let at = (next() as usize) % data.len();
                    data[at] ^= 1 << (next() % 8);
                }
            }
            1 => data.truncate((next() as usize) % data.len()),
            _ => {
                let at = (next() as usize) % data.len();
                let len = (next() as usize) % 64;
                let junk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                data.splice(at..at, junk);
            }
        }
        videoagent_media::fuzz::image_decode(&data);
    }
    assert!(started.elapsed() < Duration::from_secs(120));
}
