//! Which SIMD instructions the workspace's hand-written kernels may use: the
//! one place that asks the CPU, for every kernel of this crate and of the
//! compositor (which builds its dispatch on [`level`]).
//!
//! Every kernel has a scalar twin with the same integer arithmetic, so the
//! level changes the speed, never the bytes. To check that on one machine,
//! the level can be capped: for the whole process with the environment
//! variable `VIDEOAGENT_SIMD` (`scalar`, `ssse3` or `avx2`, read once), or
//! for the calling thread with [`with_ceiling`] (tests comparing the paths).

use std::cell::Cell;
use std::sync::OnceLock;

/// The instruction sets a kernel may use, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Portable code only (what the compiler's baseline target allows).
    Scalar,
    /// Up to SSSE3 (`pshufb`, `pmaddubsw`).
    Ssse3,
    /// Up to AVX2.
    Avx2,
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" | "none" => Ok(Level::Scalar),
            "ssse3" => Ok(Level::Ssse3),
            "avx2" => Ok(Level::Avx2),
            other => Err(format!("unknown SIMD level {other:?} (use scalar, ssse3 or avx2)")),
        }
    }
}

/// The environment variable that caps the level for a whole process.
pub const ENV_CEILING: &str = "VIDEOAGENT_SIMD";

thread_local! {
    static THREAD_CEILING: Cell<Option<Level>> = const { Cell::new(None) };
}

/// What this CPU offers, asked once.
fn detected() -> Level {
    static DETECTED: OnceLock<Level> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("ssse3") {
                return Level::Avx2;
            }
            if std::arch::is_x86_feature_detected!("ssse3") {
                return Level::Ssse3;
            }
        }
        Level::Scalar
    })
}

/// The process's cap from [`ENV_CEILING`], read once. A value that is not a
/// level is reported on stderr and ignored: speed is all it could change.
fn process_ceiling() -> Level {
    static CEILING: OnceLock<Level> = OnceLock::new();
    *CEILING.get_or_init(|| match std::env::var(ENV_CEILING) {
        Ok(v) => v.parse().unwrap_or_else(|e| {
            eprintln!("warning: {ENV_CEILING}: {e}; using what the CPU offers");
            Level::Avx2
        }),
        Err(_) => Level::Avx2,
    })
}

/// The level kernels use now: what the CPU offers, capped by the process's
/// and the thread's ceilings.
#[inline]
pub fn level() -> Level {
    let thread = THREAD_CEILING.with(Cell::get).unwrap_or(Level::Avx2);
    detected().min(process_ceiling()).min(thread)
}

/// Whether AVX2 kernels may run (the CPU has AVX2 and nothing caps it).
#[inline]
pub fn has_avx2() -> bool {
    level() >= Level::Avx2
}

/// Whether SSSE3 kernels may run.
#[inline]
pub fn has_ssse3() -> bool {
    level() >= Level::Ssse3
}

/// Runs `f` with kernels on this thread capped at `ceiling` (work `f` sends
/// to other threads is not capped; use [`ENV_CEILING`] for a whole process).
pub fn with_ceiling<R>(ceiling: Level, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Level>);
    impl Drop for Restore {
        fn drop(&mut self) {
            THREAD_CEILING.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(THREAD_CEILING.with(|c| c.replace(Some(ceiling))));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_ceiling_caps_the_level_and_is_restored() {
        let free = level();
        assert_eq!(with_ceiling(Level::Scalar, level), Level::Scalar);
        assert!(!with_ceiling(Level::Scalar, has_ssse3));
        assert_eq!(with_ceiling(Level::Ssse3, level), free.min(Level::Ssse3));
        assert_eq!(level(), free, "restored");
        let other = std::thread::spawn(move || with_ceiling(Level::Scalar, || std::thread::spawn(level).join()));
        assert_eq!(other.join().unwrap().unwrap(), free, "other threads are not capped");
    }

    #[test]
    fn levels_parse() {
        assert_eq!("scalar".parse(), Ok(Level::Scalar));
        assert_eq!(" AVX2".parse(), Ok(Level::Avx2));
        assert_eq!("ssse3".parse(), Ok(Level::Ssse3));
        assert!("sse9".parse::<Level>().unwrap_err().contains("use scalar, ssse3 or avx2"));
    }
}
