//! Client-side throttling: a small trait the request path waits on, and the default QPS/Burst bucket.
//!
//! Mirrors client-go's use of `flowcontrol.RateLimiter` in `rest/request.go` (`tryThrottle`). The
//! trait is deliberately tiny (reserve a token, learn how long to wait) so any limiter, including the
//! token bucket of clientgo-flowcontrol, plugs in through [`Config::rate_limiter`](crate::Config).

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A limiter every request of a client passes through before it is sent.
///
/// Mirrors client-go `flowcontrol.RateLimiter` as used by `rest.Request`: `reserve` takes one token
/// now and returns how long the caller must wait before using it (zero when one was available). The
/// caller does the waiting, so implementations stay sans-IO.
pub trait RateLimiter: Send + Sync {
    /// Takes one token; returns the delay before the request may go.
    fn reserve(&self) -> Duration;
}

/// A token bucket of `qps` tokens per second holding at most `burst`, starting full.
///
/// Mirrors client-go `flowcontrol.NewTokenBucketRateLimiter` (golang.org/x/time/rate underneath):
/// tokens may go negative, which queues callers fairly behind each other. Reads tokio's clock, so
/// tests with paused time see deterministic delays.
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

struct BucketState {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket refilling at `qps` per second up to `burst` (at least 1), full at creation.
    pub fn new(qps: f32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket {
            qps: f64::from(qps).max(f64::MIN_POSITIVE),
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: Instant::now(),
            }),
        }
    }
}

impl RateLimiter for TokenBucket {
    fn reserve(&self) -> Duration {
        let now = Instant::now();
        // A poisoned lock only means another thread panicked mid-update; the arithmetic state is
        // still usable, so keep throttling rather than propagate the panic.
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.qps).min(self.burst);
        s.last = now;
        s.tokens -= 1.0;
        if s.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((-s.tokens / self.qps).min(1e9))
        }
    }
}

impl fmt::Debug for TokenBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBucket")
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_one_token_per_interval() {
        let b = TokenBucket::new(5.0, 10);
        for _ in 0..10 {
            assert_eq!(b.reserve(), Duration::ZERO);
        }
        // The 11th waits one interval (200 ms), the 12th two: callers queue behind each other.
        assert_eq!(b.reserve(), Duration::from_millis(200));
        assert_eq!(b.reserve(), Duration::from_millis(400));
        tokio::time::advance(Duration::from_secs(10)).await;
        // After a long idle the bucket is full again, never fuller.
        for _ in 0..10 {
            assert_eq!(b.reserve(), Duration::ZERO);
        }
        assert!(b.reserve() > Duration::ZERO);
    }
}
