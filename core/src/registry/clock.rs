//! Which "now" a registry write uses (SPEC v3 §9, "Clocks are not trusted for forgetting").
//!
//! A process' clock can be wrong: a test library fakes it (freezegun, libfaketime), a
//! container or VM keeps its own. A write then stamped leases with a wrong time, and a
//! clock weeks ahead dropped every lease as unused. The kernel's time, read off a file the
//! writer just wrote (its mtime), is what every writer on the host shares: a write uses it
//! whenever the host could read it, and the process clock only where there is none.
//! Leases whose `used` lies ahead of that time (stamped by a wrong clock before this rule)
//! are re-stamped with it at the next write, so they live 30 real days from then
//! (`registry::Registry::prune`).

/// The time a write uses (Unix seconds): the kernel's (`kernel_ms`, a file's mtime just
/// written; 0 or less when unknown), else the process clock's.
pub fn now_seconds(process_ms: f64, kernel_ms: f64) -> u64 {
    let ms = if kernel_ms.is_finite() && kernel_ms > 0.0 {
        kernel_ms
    } else {
        process_ms
    };
    if ms.is_finite() && ms > 0.0 {
        (ms / 1000.0) as u64
    } else {
        0
    }
}

/// How far ahead of "now" a lease's `used` may lie before it is re-stamped: more than any
/// drift between hosts sharing a home folder, less than a day of a clock set wrong.
pub const FUTURE_SLACK_SECONDS: u64 = 3600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernels_time_wins_over_a_process_clock_31_days_ahead() {
        let real = 1_800_000_000_000.0;
        let ahead = real + 31.0 * 86_400_000.0;
        assert_eq!(now_seconds(ahead, real), 1_800_000_000);
    }

    #[test]
    fn without_the_kernels_time_the_process_clock_is_used() {
        assert_eq!(now_seconds(1_800_000_000_500.0, 0.0), 1_800_000_000);
        assert_eq!(now_seconds(1_800_000_000_500.0, f64::NAN), 1_800_000_000);
        assert_eq!(now_seconds(-5.0, -1.0), 0);
    }
}
