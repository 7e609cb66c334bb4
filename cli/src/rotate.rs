//! `pqpsk rotate`: the client as a long-lived service instead of a cron one-liner.
//!
//! One exchange at a time (the loop is sequential, so two exchanges of this process never
//! overlap); after a success it sleeps the interval plus a random jitter (so that many clients
//! configured alike do not arrive together), after a failure it retries with exponential
//! backoff from [`FIRST_RETRY`], capped at the interval. Failures are logged and never end the
//! service; only `--count` does.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::fail::{event, Outcome};
use crate::{ConnectPlan, Ui};

/// The longest interval accepted: a week.
pub const MAX_INTERVAL_SECS: u64 = 7 * 86_400;
/// The first retry after a failure; each further one doubles, up to the interval.
pub const FIRST_RETRY: Duration = Duration::from_secs(5);

/// When to rotate.
pub struct Schedule {
    pub interval: Duration,
    pub jitter: Duration,
    /// Stop after this many successful rotations (0: never).
    pub count: u64,
}

/// Delay before retry number `failures` (1 for the first): 5 s, 10 s, 20 s ... capped.
pub fn backoff(failures: u32, cap: Duration) -> Duration {
    let factor = 1u32
        .checked_shl(failures.saturating_sub(1))
        .unwrap_or(u32::MAX);
    FIRST_RETRY.saturating_mul(factor).min(cap.max(FIRST_RETRY))
}

/// A delay in `0..=max`, spread by the clock, the process id and a counter (not a secret: it
/// only keeps clients apart).
fn jitter(max: Duration, round: u64) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut h = Sha256::new();
    h.update(now.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(round.to_le_bytes());
    let digest = h.finalize();
    let mut eight = [0u8; 8];
    for (e, d) in eight.iter_mut().zip(digest.iter()) {
        *e = *d;
    }
    let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(u64::from_le_bytes(eight) % millis.saturating_add(1))
}

pub fn run(plan: &ConnectPlan, schedule: &Schedule, ui: Ui) -> Outcome<()> {
    let (mut done, mut failures, mut round) = (0u64, 0u32, 0u64);
    loop {
        round += 1;
        let wait = match plan.run_once(ui) {
            Ok(()) => {
                done += 1;
                failures = 0;
                if schedule.count != 0 && done >= schedule.count {
                    ui.log(&format!(
                        "[{}] {done} rotation(s) done (--count), exiting",
                        event::SCHEDULE
                    ));
                    return Ok(());
                }
                schedule.interval + jitter(schedule.jitter, round)
            }
            Err(f) => {
                failures = failures.saturating_add(1);
                let wait = backoff(failures, schedule.interval);
                ui.error(&format!(
                    "[{}] rotation failed: {f} (failure {failures} in a row; retrying in {} s)",
                    event::EXCHANGE_FAILED,
                    wait.as_secs()
                ));
                wait
            }
        };
        ui.log(&format!(
            "[{}] next rotation in {:.1} s",
            event::SCHEDULE,
            wait.as_secs_f64()
        ));
        std::thread::sleep(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        let cap = Duration::from_secs(60);
        let seen: Vec<u64> = (1..=6).map(|n| backoff(n, cap).as_secs()).collect();
        assert_eq!(seen, [5, 10, 20, 40, 60, 60]);
        assert_eq!(backoff(200, cap).as_secs(), 60);
        // An interval shorter than the first retry does not make retries faster than 5 s.
        assert_eq!(backoff(1, Duration::from_secs(1)).as_secs(), 5);
    }

    #[test]
    fn jitter_stays_in_range() {
        let max = Duration::from_millis(1500);
        for round in 0..200 {
            assert!(jitter(max, round) <= max);
        }
        assert_eq!(jitter(Duration::ZERO, 1), Duration::ZERO);
    }
}
