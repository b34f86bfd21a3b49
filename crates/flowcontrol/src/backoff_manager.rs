//! One caller's retry delays: exponential, capped, jittered, and forgotten after a quiet period.

use std::time::{Duration, Instant};

/// The delays between one loop's retries: each [`next_delay`](Self::next_delay) returns the current
/// step plus jitter and doubles the step up to `max`; a call more than `reset_after` after the
/// previous one starts over from `initial`.
///
/// Mirrors `wait.NewExponentialBackoffManager(initial, max, reset, 2.0, jitter, clock)` from
/// apimachinery, which client-go's reflector uses with `(800ms, 30s, 2min, 2.0, 1.0)`: the step is
/// capped before the jitter is added, so with a jitter factor of 1.0 the delays end in `[max, 2 *
/// max)`. Sans-IO: the caller passes the current instant and a uniform draw in `[0, 1)` (its one
/// source of randomness), and sleeps on its own [`Clock`](crate::Clock).
#[derive(Debug, Clone)]
pub struct BackoffManager {
    initial: Duration,
    max: Duration,
    reset_after: Duration,
    jitter: f64,
    step: Duration,
    last: Option<Instant>,
}

impl BackoffManager {
    /// Delays from `initial` doubling to `max`, plus up to `jitter * delay` extra, starting over
    /// after `reset_after` without a call. A jitter that is not a positive finite number means
    /// none.
    pub fn new(initial: Duration, max: Duration, reset_after: Duration, jitter: f64) -> Self {
        BackoffManager {
            initial,
            max,
            reset_after,
            jitter: if jitter.is_finite() && jitter > 0.0 {
                jitter
            } else {
                0.0
            },
            step: initial,
            last: None,
        }
    }

    /// The delay to wait after a failure at `now`; `draw` is a uniform random number in `[0, 1)`
    /// that scales the jitter. Mirrors `Backoff()` (its `getNextBackoff`).
    pub fn next_delay(&mut self, now: Instant, draw: f64) -> Duration {
        if self
            .last
            .is_some_and(|last| now.saturating_duration_since(last) > self.reset_after)
        {
            self.step = self.initial;
        }
        self.last = Some(now);
        let base = self.step.min(self.max);
        self.step = self.step.saturating_mul(2).min(self.max);
        let extra = Duration::try_from_secs_f64(draw.clamp(0.0, 1.0) * self.jitter * base.as_secs_f64())
            .unwrap_or(Duration::ZERO);
        base.saturating_add(extra)
    }

    /// Forgets the failures: the next delay is `initial` again.
    pub fn reset(&mut self) {
        self.step = self.initial;
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reflector_manager() -> BackoffManager {
        BackoffManager::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            1.0,
        )
    }

    #[test]
    fn doubles_to_the_cap_before_jitter_like_the_reflectors_manager() {
        let mut b = reflector_manager();
        let t0 = Instant::now();
        let without: Vec<u128> = (0..8u64)
            .map(|i| b.next_delay(t0 + Duration::from_secs(i), 0.0).as_millis())
            .collect();
        assert_eq!(without, vec![800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
        let mut b = reflector_manager();
        let with: Vec<u128> = (0..8u64)
            .map(|i| b.next_delay(t0 + Duration::from_secs(i), 0.5).as_millis())
            .collect();
        assert_eq!(with, vec![1200, 2400, 4800, 9600, 19200, 38400, 45000, 45000]);
    }

    #[test]
    fn starts_over_after_the_reset_period() {
        let mut b = reflector_manager();
        let t0 = Instant::now();
        b.next_delay(t0, 0.0);
        b.next_delay(t0, 0.0);
        assert_eq!(
            b.next_delay(t0 + Duration::from_secs(120), 0.0),
            Duration::from_millis(3200)
        );
        assert_eq!(
            b.next_delay(t0 + Duration::from_secs(241), 0.0),
            Duration::from_millis(800)
        );
        b.reset();
        assert_eq!(
            b.next_delay(t0 + Duration::from_secs(242), 0.0),
            Duration::from_millis(800)
        );
    }
}
