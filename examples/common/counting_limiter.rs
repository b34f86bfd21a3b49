//! client-go's client-side rate limiter (a QPS/Burst token bucket) that also counts what it did:
//! how many requests passed through it, how many had to wait, and for how long in all. Plugged in
//! through `Config::rate_limiter`, it shows the throttling an example is about.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo::rest::{Config, RateLimiter};
use clientgo::util::flowcontrol::TokenBucketRateLimiter;
use clientgo_example::BoxError;

/// A token bucket of `qps` and `burst` that counts requests and waits.
pub struct CountingLimiter {
    bucket: TokenBucketRateLimiter,
    qps: f32,
    burst: u32,
    requests: AtomicU64,
    waited: AtomicU64,
    wait_micros: AtomicU64,
}

impl CountingLimiter {
    /// A limiter of `qps` requests per second with bursts of `burst`, installed in `config` (every
    /// client built from it afterwards shares it).
    ///
    /// # Errors
    /// When `qps` is not a positive number or `burst` is zero.
    pub fn install(config: &mut Config, qps: f32, burst: u32) -> Result<Arc<Self>, BoxError> {
        let limiter = Arc::new(CountingLimiter {
            bucket: TokenBucketRateLimiter::new(f64::from(qps), burst)?,
            qps,
            burst,
            requests: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            wait_micros: AtomicU64::new(0),
        });
        config.rate_limiter = Some(limiter.clone());
        Ok(limiter)
    }

    /// Requests that went through the limiter (one per request sent, retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests that had to wait for a token.
    pub fn waited(&self) -> u64 {
        self.waited.load(Ordering::Relaxed)
    }

    /// `QPS 5, burst 10`.
    pub fn limits(&self) -> String {
        format!("QPS {}, burst {}", self.qps, self.burst)
    }

    /// `21 requests, 11 waited for the client-side rate limiter (2.20 s in all)`.
    pub fn summary(&self) -> String {
        let wait = Duration::from_micros(self.wait_micros.load(Ordering::Relaxed));
        format!(
            "{} requests, {} waited for the client-side rate limiter ({:.2} s in all)",
            self.requests(),
            self.waited(),
            wait.as_secs_f64()
        )
    }
}

impl RateLimiter for CountingLimiter {
    fn reserve(&self) -> Duration {
        let wait = self.bucket.reserve();
        self.requests.fetch_add(1, Ordering::Relaxed);
        if !wait.is_zero() {
            self.waited.fetch_add(1, Ordering::Relaxed);
            let micros = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX);
            self.wait_micros.fetch_add(micros, Ordering::Relaxed);
        }
        wait
    }
}
