//! The shared, clock-driven token-bucket rate limiter.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::clock::{Clock, RealClock};
use crate::error::Error;
use crate::rate::{Reservation, TokenBucket};

/// A thread-safe token-bucket rate limiter reading time from a [`Clock`].
///
/// Mirrors client-go `flowcontrol.NewTokenBucketRateLimiter` (`throttle.go`): `TryAccept`,
/// `Accept`, `Wait(ctx)`, `QPS()`. The arithmetic lives in the sans-IO [`TokenBucket`]; this type
/// only adds a short lock, the clock and the sleep. Share it with `Arc` (the REST client and a
/// workqueue's `BucketRateLimiter` both do).
///
/// # Cancellation
/// Dropping an [`accept`](Self::accept) or [`wait`](Self::wait) future before it completes gives the
/// token back (as Go's `Wait` does when its context is cancelled), so abandoned requests do not
/// slow down the others.
#[doc(alias = "tokenBucketRateLimiter")]
pub struct TokenBucketRateLimiter {
    bucket: Mutex<TokenBucket>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TokenBucketRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bucket = self.lock();
        f.debug_struct("TokenBucketRateLimiter")
            .field("qps", &bucket.qps())
            .field("burst", &bucket.burst())
            .field("clock", &self.clock)
            .finish()
    }
}

impl TokenBucketRateLimiter {
    /// A limiter admitting `qps` events per second with bursts of up to `burst`, on the real clock.
    /// The bucket starts full.
    ///
    /// # Errors
    /// See [`TokenBucket::new`]: `qps` must be finite and positive, `burst` at least 1.
    pub fn new(qps: f64, burst: u32) -> Result<Self, Error> {
        Self::with_clock(qps, burst, Arc::new(RealClock))
    }

    /// Like [`new`](Self::new) but on the given clock. Mirrors `NewTokenBucketRateLimiterWithClock`.
    ///
    /// # Errors
    /// See [`TokenBucket::new`].
    pub fn with_clock(qps: f64, burst: u32, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        let bucket = TokenBucket::new(qps, burst, clock.now())?;
        Ok(TokenBucketRateLimiter {
            bucket: Mutex::new(bucket),
            clock,
        })
    }

    fn lock(&self) -> MutexGuard<'_, TokenBucket> {
        // The bucket is a few numbers updated in one assignment; a poisoned lock still holds a
        // consistent value.
        self.bucket.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a token if one is available now, without waiting. Mirrors `TryAccept`.
    pub fn try_accept(&self) -> bool {
        let now = self.clock.now();
        self.lock().try_take(now)
    }

    /// Reserves the next token and returns how long the caller must wait before acting (zero if a
    /// token is available). The token is taken whether or not the caller waits.
    ///
    /// This is what workqueue's `BucketRateLimiter.When` does (`Reserve().Delay()`).
    pub fn reserve(&self) -> Duration {
        let now = self.clock.now();
        self.lock().reserve(now).delay_from(now)
    }

    /// Waits until a token is available and takes it. Never fails. Mirrors `Accept`.
    pub async fn accept(&self) {
        let now = self.clock.now();
        let reservation = self.lock().reserve(now);
        self.sleep_for(reservation, now).await;
    }

    /// Waits for a token, but refuses at once (taking nothing) if the token would only come after
    /// `deadline`. Mirrors `Wait(ctx)` with a context deadline; `None` means no deadline.
    ///
    /// # Errors
    /// [`Error::WouldExceedDeadline`] with the wait that would have been needed.
    pub async fn wait(&self, deadline: Option<Instant>) -> Result<(), Error> {
        let now = self.clock.now();
        let reservation = {
            let mut bucket = self.lock();
            match deadline {
                None => bucket.reserve(now),
                Some(deadline) => {
                    let max_wait = deadline.saturating_duration_since(now);
                    match bucket.reserve_within(now, max_wait) {
                        Some(r) => r,
                        None => {
                            return Err(Error::WouldExceedDeadline {
                                wait: bucket.wait_at(now),
                            })
                        }
                    }
                }
            }
        };
        self.sleep_for(reservation, now).await;
        Ok(())
    }

    async fn sleep_for(&self, reservation: Reservation, now: Instant) {
        if reservation.time_to_act() <= now {
            return;
        }
        // Refund the token if this future is dropped mid-sleep.
        let guard = CancelOnDrop {
            limiter: self,
            reservation: Some(reservation),
        };
        self.clock.sleep_until(reservation.time_to_act()).await;
        guard.disarm();
    }

    /// Refill rate in events per second. Mirrors `QPS()`.
    pub fn qps(&self) -> f64 {
        self.lock().qps()
    }

    /// Bucket capacity.
    pub fn burst(&self) -> u32 {
        self.lock().burst()
    }

    /// The clock this limiter reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

struct CancelOnDrop<'a> {
    limiter: &'a TokenBucketRateLimiter,
    reservation: Option<Reservation>,
}

impl CancelOnDrop<'_> {
    fn disarm(mut self) {
        self.reservation = None;
    }
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(r) = self.reservation.take() {
            let now = self.limiter.clock.now();
            self.limiter.lock().cancel(r, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FakeClock;

    fn limiter(qps: f64, burst: u32) -> (FakeClock, Arc<TokenBucketRateLimiter>) {
        let clock = FakeClock::new();
        let l =
            TokenBucketRateLimiter::with_clock(qps, burst, Arc::new(clock.clone())).expect("valid config");
        (clock, Arc::new(l))
    }

    #[test]
    fn try_accept_admits_burst_then_one_per_interval() {
        let (clock, l) = limiter(10.0, 3);
        assert!((0..3).all(|_| l.try_accept()));
        assert!(!l.try_accept());
        clock.advance(Duration::from_millis(100));
        assert!(l.try_accept());
        assert!(!l.try_accept());
        assert_eq!(l.qps(), 10.0);
        assert_eq!(l.burst(), 3);
    }

    #[tokio::test]
    async fn accept_sleeps_on_the_clock_until_the_token_is_due() {
        let (clock, l) = limiter(1.0, 1);
        l.accept().await; // the burst token
        let task = {
            let l = l.clone();
            tokio::spawn(async move { l.accept().await })
        };
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(clock.next_deadline(), Some(clock.now() + Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        task.await.expect("accept completes");
    }

    #[tokio::test]
    async fn wait_refuses_when_the_token_would_come_after_the_deadline() {
        let (clock, l) = limiter(1.0, 1);
        assert!(l.try_accept());
        let err = l
            .wait(Some(clock.now() + Duration::from_millis(500)))
            .await
            .expect_err("would exceed");
        assert!(err.is_timeout());
        assert_eq!(
            err,
            Error::WouldExceedDeadline {
                wait: Duration::from_secs(1)
            }
        );
        // Nothing was taken: one second later exactly one token is there.
        clock.advance(Duration::from_secs(1));
        assert!(l.try_accept());
    }

    #[tokio::test]
    async fn dropped_accept_gives_its_token_back() {
        let (clock, l) = limiter(1.0, 1);
        assert!(l.try_accept());
        let task = {
            let l = l.clone();
            tokio::spawn(async move { l.accept().await })
        };
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
        task.abort();
        let _ = task.await;
        clock.advance(Duration::from_secs(1));
        assert!(l.try_accept(), "the abandoned reservation was refunded");
    }
}
