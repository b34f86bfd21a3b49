//! The rate limiters, with the cases of client-go's `util/workqueue/default_rate_limiters_test.go`
//! ported under their Go names.
//!
//! Not ported: `TestTypedItemExponentialFailureRateLimiterBound` and
//! `TestTypedItemFastSlowRateLimiterBound` come from kubernetes/kubernetes PR 138743, which is not
//! merged (a cap of 1000 tracked items, beyond which new items get the maximum delay); released
//! client-go tracks every item until `Forget`, and so do we.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clientgo_workqueue::{
    ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter, MaxOfRateLimiter, RateLimiter,
    WithMaxWaitRateLimiter,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Mirrors `TestItemExponentialFailureRateLimiter`: the delay doubles per failure, per item, and
/// `forget` starts the item over.
#[test]
fn test_item_exponential_failure_rate_limiter() {
    let limiter = ItemExponentialFailureRateLimiter::new(ms(1), secs(1));
    let one: Vec<Duration> = (0..5).map(|_| limiter.when(&"one")).collect();
    assert_eq!(one, [ms(1), ms(2), ms(4), ms(8), ms(16)]);
    assert_eq!(limiter.num_requeues(&"one"), 5);

    assert_eq!(limiter.when(&"two"), ms(1));
    assert_eq!(limiter.when(&"two"), ms(2));
    assert_eq!(limiter.num_requeues(&"two"), 2);

    limiter.forget(&"one");
    assert_eq!(limiter.num_requeues(&"one"), 0);
    assert_eq!(limiter.when(&"one"), ms(1));
}

/// Mirrors `TestItemExponentialFailureRateLimiterOverFlow`: a thousand failures stop at the
/// maximum instead of overflowing, for millisecond and minute bases alike.
#[test]
fn test_item_exponential_failure_rate_limiter_over_flow() {
    let limiter = ItemExponentialFailureRateLimiter::new(ms(1), secs(1000));
    for _ in 0..5 {
        limiter.when(&"one");
    }
    assert_eq!(limiter.when(&"one"), ms(32));
    for _ in 0..1000 {
        limiter.when(&"overflow1");
    }
    assert_eq!(limiter.when(&"overflow1"), secs(1000));

    let limiter = ItemExponentialFailureRateLimiter::new(secs(60), secs(1000 * 3600));
    for _ in 0..2 {
        limiter.when(&"two");
    }
    assert_eq!(limiter.when(&"two"), secs(4 * 60));
    for _ in 0..1000 {
        limiter.when(&"overflow2");
    }
    assert_eq!(limiter.when(&"overflow2"), secs(1000 * 3600));
}

/// Mirrors `TestItemFastSlowRateLimiter`: the fast delay for the first attempts, then the slow
/// one, per item; `forget` starts the item over.
#[test]
fn test_item_fast_slow_rate_limiter() {
    let limiter = ItemFastSlowRateLimiter::new(ms(5), secs(10), 3);
    let one: Vec<Duration> = (0..5).map(|_| limiter.when(&"one")).collect();
    assert_eq!(one, [ms(5), ms(5), ms(5), secs(10), secs(10)]);
    assert_eq!(limiter.num_requeues(&"one"), 5);

    assert_eq!(limiter.when(&"two"), ms(5));
    assert_eq!(limiter.when(&"two"), ms(5));
    assert_eq!(limiter.num_requeues(&"two"), 2);

    limiter.forget(&"one");
    assert_eq!(limiter.num_requeues(&"one"), 0);
    assert_eq!(limiter.when(&"one"), ms(5));
}

/// Mirrors `TestMaxOfRateLimiter`: the longest of the limiters' delays, failures counted in each,
/// `forget` forwarded to all.
#[test]
fn test_max_of_rate_limiter() {
    let limiter: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(vec![
        Box::new(ItemFastSlowRateLimiter::new(ms(5), secs(3), 3)),
        Box::new(ItemExponentialFailureRateLimiter::new(ms(1), secs(1))),
    ]);
    let one: Vec<Duration> = (0..5).map(|_| limiter.when(&"one")).collect();
    assert_eq!(one, [ms(5), ms(5), ms(5), secs(3), secs(3)]);
    assert_eq!(limiter.num_requeues(&"one"), 5);

    assert_eq!(limiter.when(&"two"), ms(5));
    assert_eq!(limiter.when(&"two"), ms(5));
    assert_eq!(limiter.num_requeues(&"two"), 2);

    limiter.forget(&"one");
    assert_eq!(limiter.num_requeues(&"one"), 0);
    assert_eq!(limiter.when(&"one"), ms(5));
}

/// client-go's `StepRateLimiter` from the same test file: `base` for the first `threshold` calls
/// (whatever the item), `max` after that.
struct StepRateLimiter {
    calls: AtomicUsize,
    threshold: usize,
    base: Duration,
    max: Duration,
}

impl<T> RateLimiter<T> for StepRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.threshold {
            self.base
        } else {
            self.max
        }
    }
    fn forget(&self, _item: &T) {}
    fn num_requeues(&self, _item: &T) -> usize {
        0
    }
}

/// Mirrors `TestWithMaxWaitRateLimiter`: delays under the cap pass through, longer ones are cut to
/// the cap.
#[test]
fn test_with_max_wait_rate_limiter() {
    let step = StepRateLimiter {
        calls: AtomicUsize::new(0),
        threshold: 100,
        base: ms(5),
        max: secs(1000),
    };
    let limiter: WithMaxWaitRateLimiter<u32> = WithMaxWaitRateLimiter::new(Box::new(step), secs(500));
    for i in 0..100 {
        assert_eq!(limiter.when(&i), ms(5), "call {i}");
    }
    for i in 100..200 {
        assert_eq!(limiter.when(&i), secs(500), "call {i}");
    }
}
