//! Client-side throttling: the small trait the request path waits on.
//!
//! Mirrors client-go's use of `flowcontrol.RateLimiter` in `rest/request.go` (`tryThrottle`). The
//! trait is deliberately tiny (reserve a token, learn how long to wait) so any limiter plugs in
//! through [`Config::rate_limiter`](crate::Config); the default is clientgo-flowcontrol's
//! [`TokenBucketRateLimiter`] built from QPS and Burst.

use std::time::Duration;

use clientgo_flowcontrol::TokenBucketRateLimiter;

/// A limiter every request of a client passes through before it is sent.
///
/// Mirrors client-go `flowcontrol.RateLimiter` as used by `rest.Request`: `reserve` takes one token
/// now and returns how long the caller must wait before using it (zero when one was available). The
/// caller does the waiting, so implementations stay sans-IO.
pub trait RateLimiter: Send + Sync {
    /// Takes one token; returns the delay before the request may go.
    fn reserve(&self) -> Duration;
}

impl RateLimiter for TokenBucketRateLimiter {
    fn reserve(&self) -> Duration {
        TokenBucketRateLimiter::reserve(self)
    }
}

/// A limiter that lets every request go at once, for tests that must not wait. Mirrors client-go
/// `flowcontrol.NewFakeAlwaysRateLimiter`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FakeAlwaysRateLimiter;

impl RateLimiter for FakeAlwaysRateLimiter {
    fn reserve(&self) -> Duration {
        Duration::ZERO
    }
}

/// A limiter that never lets a request go: each waits until its timeout or deadline ends it (or
/// forever, without one), for tests of what callers do when the client is starved. Mirrors
/// client-go `flowcontrol.NewFakeNeverRateLimiter`, whose `Accept` blocks until stopped; its
/// `Wait`, which fails at once, corresponds to a request with a timeout here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FakeNeverRateLimiter;

impl RateLimiter for FakeNeverRateLimiter {
    fn reserve(&self) -> Duration {
        Duration::MAX
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use clientgo_flowcontrol::FakeClock;

    use super::*;

    #[test]
    fn the_flowcontrol_bucket_queues_callers_after_the_burst() {
        let clock = Arc::new(FakeClock::new());
        let b = TokenBucketRateLimiter::with_clock(5.0, 10, clock.clone()).unwrap();
        let limiter: &dyn RateLimiter = &b;
        for _ in 0..10 {
            assert_eq!(limiter.reserve(), Duration::ZERO);
        }
        assert_eq!(limiter.reserve(), Duration::from_millis(200));
        assert_eq!(limiter.reserve(), Duration::from_millis(400));
        clock.advance(Duration::from_secs(10));
        assert_eq!(limiter.reserve(), Duration::ZERO);
    }
}
