//! Task IDs: 18-digit decimal strings, time-ordered and unique across processes
//! sharing a database: `10^17 + ms_since_2025 * 10^6 + node * 10^3 + seq`.

use std::sync::Mutex;

/// 2025-01-01T00:00:00Z in Unix milliseconds.
const EPOCH_2025_MS: i64 = 1_735_689_600_000;
const BASE: u64 = 100_000_000_000_000_000;

/// Hands out task IDs for one process. `node` (0..1000) must be unique among
/// the processes sharing a database; the store hands it out.
pub struct IdGenerator {
    node: u64,
    state: Mutex<(i64, u64)>,
}

impl IdGenerator {
    pub fn new(node: u64) -> Self {
        IdGenerator { node: node % 1000, state: Mutex::new((0, 0)) }
    }

    pub fn next_id(&self) -> String {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut now = crate::now_ms().max(EPOCH_2025_MS);
        // The clock may step back; never hand out a smaller ID.
        if now < st.0 {
            now = st.0;
        }
        if now == st.0 {
            st.1 += 1;
            if st.1 >= 1000 {
                // Out of sequence numbers in this millisecond: borrow the next one.
                now += 1;
                st.1 = 0;
            }
        } else {
            st.1 = 0;
        }
        st.0 = now;
        let ms = (now - EPOCH_2025_MS) as u64;
        (BASE + ms * 1_000_000 + self.node * 1000 + st.1).to_string()
    }
}

/// A task ID as clients send it: 18 ASCII digits.
pub fn is_valid_task_id(s: &str) -> bool {
    s.len() == 18 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_18_digits_unique_and_increasing() {
        let g = IdGenerator::new(7);
        let ids: Vec<String> = (0..5000).map(|_| g.next_id()).collect();
        for w in ids.windows(2) {
            assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
        }
        assert!(ids.iter().all(|i| is_valid_task_id(i)));
    }

    #[test]
    fn different_nodes_never_collide() {
        let a = IdGenerator::new(1);
        let b = IdGenerator::new(2);
        let ia: Vec<String> = (0..100).map(|_| a.next_id()).collect();
        let ib: Vec<String> = (0..100).map(|_| b.next_id()).collect();
        assert!(ia.iter().all(|x| !ib.contains(x)));
    }

    #[test]
    fn task_id_syntax() {
        assert!(is_valid_task_id("401047179385389059"));
        assert!(!is_valid_task_id("40104717938538905"));
        assert!(!is_valid_task_id("40104717938538905a"));
        assert!(!is_valid_task_id(""));
    }
}
