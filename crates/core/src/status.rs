//! The task status machine: `Preparing → Processing → Success | Fail`, or
//! `Preparing → Fail`. Status never moves backwards and terminal states never change.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Accepted; waiting for a worker, or inputs being downloaded and checked.
    Preparing,
    /// The video is being rendered.
    Processing,
    Success,
    Fail,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] =
        [TaskStatus::Preparing, TaskStatus::Processing, TaskStatus::Success, TaskStatus::Fail];

    /// The exact wire spelling used by the query endpoint.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Preparing => "Preparing",
            TaskStatus::Processing => "Processing",
            TaskStatus::Success => "Success",
            TaskStatus::Fail => "Fail",
        }
    }

    pub const fn is_terminal(self) -> bool {
        matches!(self, TaskStatus::Success | TaskStatus::Fail)
    }

    /// Whether `self → next` is an allowed transition.
    pub const fn can_become(self, next: TaskStatus) -> bool {
        matches!(
            (self, next),
            (TaskStatus::Preparing, TaskStatus::Processing)
                | (TaskStatus::Preparing, TaskStatus::Fail)
                | (TaskStatus::Processing, TaskStatus::Success)
                | (TaskStatus::Processing, TaskStatus::Fail)
        )
    }

    /// The states a task may be in just before becoming `next`.
    pub fn predecessors(next: TaskStatus) -> Vec<TaskStatus> {
        TaskStatus::ALL.into_iter().filter(|s| s.can_become(next)).collect()
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown task status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for TaskStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::TaskStatus::*;
    use super::*;

    #[test]
    fn allowed_transitions_are_exactly_the_documented_ones() {
        let allowed = [(Preparing, Processing), (Preparing, Fail), (Processing, Success), (Processing, Fail)];
        for from in TaskStatus::ALL {
            for to in TaskStatus::ALL {
                assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn terminal_states_never_change_and_nothing_moves_backwards() {
        for to in TaskStatus::ALL {
            assert!(!Success.can_become(to));
            assert!(!Fail.can_become(to));
            assert!(!to.can_become(Preparing));
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>().unwrap(), s);
        }
        assert!("success".parse::<TaskStatus>().is_err());
        assert!("Queueing".parse::<TaskStatus>().is_err());
        assert_eq!(TaskStatus::predecessors(Fail), vec![Preparing, Processing]);
    }
}
