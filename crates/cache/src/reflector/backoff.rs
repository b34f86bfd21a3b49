//! The reflector's retry delays: jittered exponential backoff that forgets after a healthy period.
//!
//! Mirrors client-go `wait.NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0, clock)` as
//! `NewReflector` configures it. Sans-IO: the caller passes `now` and sleeps itself.

use std::time::Duration;

use tokio::time::Instant;

/// First delay.
pub const INITIAL: Duration = Duration::from_millis(800);
/// Largest delay (before jitter).
pub const MAX: Duration = Duration::from_secs(30);
/// A failure this long after the previous one starts over at [`INITIAL`].
pub const RESET_AFTER: Duration = Duration::from_secs(120);

/// Exponential backoff with jitter. Mirrors client-go's `exponentialBackoffManagerImpl`.
#[derive(Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
    last: Option<Instant>,
    rng: fastrand::Rng,
}

impl Backoff {
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self::with(INITIAL, MAX)
    }

    pub(crate) fn with(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            current: initial,
            last: None,
            rng: fastrand::Rng::new(),
        }
    }

    /// The delay before the next attempt after a failure at `now`: doubles up to [`MAX`], starts
    /// over after [`RESET_AFTER`] without failures, plus up to 100 % jitter.
    pub(crate) fn next_delay(&mut self, now: Instant) -> Duration {
        if let Some(last) = self.last {
            if now.saturating_duration_since(last) > RESET_AFTER {
                self.current = self.initial;
            }
        }
        self.last = Some(now);
        let base = self.current;
        self.current = (self.current * 2).min(self.max);
        let jitter = self.rng.f64();
        base + base.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_with_jitter_and_resets_after_a_healthy_period() {
        let mut b = Backoff::new();
        let t0 = Instant::now();
        let mut expected = INITIAL;
        for i in 0..10u32 {
            let d = b.next_delay(t0 + Duration::from_secs(u64::from(i)));
            assert!(d >= expected && d <= expected * 2, "{i}: {d:?} vs {expected:?}");
            expected = (expected * 2).min(MAX);
        }
        let later = t0 + Duration::from_secs(10) + RESET_AFTER + Duration::from_secs(1);
        let d = b.next_delay(later);
        assert!(d >= INITIAL && d <= INITIAL * 2, "{d:?}");
    }
}
