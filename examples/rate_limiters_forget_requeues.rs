//! `when`, `forget` and `num_requeues` for every rate limiter of client-go's workqueue, and the
//! worker loop that uses them.
//!
//! Mirrors seed L6161-6272 (Forget and NumRequeues of `BucketRateLimiter`) and client-go's
//! `default_rate_limiters.go`, which the seed does not show (inventory section 6.1). Everything
//! runs on a fake clock, so the output is exact.
//!
//! Run: `cargo run --example rate_limiters_forget_requeues`

use std::sync::Arc;
use std::time::Duration;

use clientgo::util::flowcontrol::{Clock, FakeClock, TokenBucketRateLimiter};
use clientgo::util::workqueue::{
    default_controller_rate_limiter, BucketRateLimiter, ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter, MaxOfRateLimiter, QueueConfig, RateLimiter, RateLimitingQueue,
    WithMaxWaitRateLimiter,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn show<R: RateLimiter<&'static str>>(name: &str, limiter: &R, calls: usize) {
    let whens: Vec<String> = (0..calls)
        .map(|_| format!("{:?}", limiter.when(&"item")))
        .collect();
    let before = limiter.num_requeues(&"item");
    limiter.forget(&"item");
    println!(
        "{name}: when = [{}], num_requeues = {before}, after forget = {}, next when = {:?}",
        whens.join(", "),
        limiter.num_requeues(&"item"),
        limiter.when(&"item"),
    );
    limiter.forget(&"item");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let clock = FakeClock::new();
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let bucket = |qps: f64, burst: u32| {
        let limiter = TokenBucketRateLimiter::with_clock(qps, burst, shared.clone())
            .expect("a positive qps and burst are valid");
        BucketRateLimiter::from_limiter(Arc::new(limiter))
    };

    show("bucket(qps 1, burst 3)", &bucket(1.0, 3), 5);
    show(
        "exponential(5ms, 1000s)",
        &ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000)),
        6,
    );
    let capped = ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000));
    for _ in 0..30 {
        capped.when(&"item");
    }
    println!(
        "exponential after 30 failures: when = {:?} (capped)",
        capped.when(&"item")
    );
    show(
        "fast_slow(5ms, 10s, 3)",
        &ItemFastSlowRateLimiter::new(ms(5), Duration::from_secs(10), 3),
        5,
    );
    show(
        "max_of(exponential(1ms, 1s), fast_slow(3ms, 50ms, 2))",
        &MaxOfRateLimiter::new(vec![
            Box::new(ItemExponentialFailureRateLimiter::new(
                ms(1),
                Duration::from_secs(1),
            )),
            Box::new(ItemFastSlowRateLimiter::new(ms(3), ms(50), 2)),
        ]),
        5,
    );
    show(
        "with_max_wait(exponential(10ms, 10s), 25ms)",
        &WithMaxWaitRateLimiter::new(
            Box::new(ItemExponentialFailureRateLimiter::new(
                ms(10),
                Duration::from_secs(10),
            )),
            ms(25),
        ),
        4,
    );
    show("default_controller", &default_controller_rate_limiter(), 4);

    // The worker loop: forget on success, add_rate_limited on failure up to max retries; done always.
    let q = RateLimitingQueue::with_config(
        ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000)),
        QueueConfig::new().clock(shared.clone()),
    );
    const MAX_RETRIES: usize = 3;
    q.add("default/web");
    let mut attempts = 0;
    while let Some(key) = q.get().await {
        attempts += 1;
        let failed = attempts <= 5; // this key always fails
        if !failed {
            q.forget(&key);
        } else if q.num_requeues(&key) < MAX_RETRIES {
            q.add_rate_limited(key);
            println!(
                "attempt {attempts}: failed, requeued (num_requeues = {})",
                q.num_requeues(&key)
            );
        } else {
            println!("attempt {attempts}: failed, giving up after {MAX_RETRIES} retries");
            q.forget(&key);
        }
        q.done(&key);
        if q.num_requeues(&key) == 0 {
            q.shut_down();
        } else {
            // Time passes on the fake clock until the retry is due.
            clock.advance(Duration::from_secs(1));
        }
    }
    println!(
        "worker stopped: num_requeues = {}",
        q.num_requeues(&"default/web")
    );
}
