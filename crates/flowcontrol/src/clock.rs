//! The injectable clock: everything in clientgo that waits reads time through [`Clock`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// A boxed sleep future returned by [`Clock::sleep_until`]. It is `Send` and owns everything it
/// needs, so it can be stored in a struct or raced in `tokio::select!`.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of time that can also sleep.
///
/// Mirrors `k8s.io/utils/clock.Clock` (`Now`, `Since`, timers), which client-go's workqueue and
/// backoff take from their config. Ours is async: [`Clock::sleep_until`] returns a future, so a fake
/// implementation ([`crate::FakeClock`]) completes sleeps only when a test advances it.
///
/// Implementations must be monotonic: `now()` never goes backwards.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant.
    fn now(&self) -> Instant;

    /// A future that completes once `now() >= deadline`.
    fn sleep_until(&self, deadline: Instant) -> Sleep;

    /// A future that completes after `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep {
        self.sleep_until(saturating_add(self.now(), duration))
    }

    /// Time elapsed since `earlier`, zero if `earlier` is in the future. Mirrors `clock.Since`.
    fn since(&self, earlier: Instant) -> Duration {
        self.now().saturating_duration_since(earlier)
    }
}

/// `instant + duration`, saturating at a far-future instant instead of panicking on overflow.
///
/// Callers pass durations from configuration (a 1000 s backoff cap, `Duration::MAX` from an
/// overflowing exponential), so plain `+` could panic; a deadline decades away means "never".
pub fn saturating_add(instant: Instant, duration: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(60 * 60 * 24 * 365 * 30);
    instant
        .checked_add(duration)
        .or_else(|| instant.checked_add(FAR))
        .unwrap_or(instant)
}

/// The real clock, backed by tokio's time driver.
///
/// Mirrors `clock.RealClock`. `now()` reads `tokio::time::Instant::now()`, so under a paused tokio
/// test runtime it follows the paused time too. Sleeping requires a tokio runtime with the time
/// driver enabled.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturating_add_never_panics_on_huge_durations() {
        let now = Instant::now();
        let far = saturating_add(now, Duration::MAX);
        assert!(far > now + Duration::from_secs(60 * 60 * 24 * 365));
        assert_eq!(
            saturating_add(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn real_clock_sleep_follows_paused_tokio_time() {
        let clock = RealClock;
        let start = clock.now();
        clock.sleep(Duration::from_secs(5)).await;
        assert!(clock.since(start) >= Duration::from_secs(5));
    }
}
