//! Seed 003 §5.27 "Rate-limiting queue", its structs (L6161-6272): a rate limiter says how long an
//! item waits (`when`), counts its failures (`num_requeues`) and forgets them on success
//! (`forget`); `BucketRateLimiter` counts nothing (its `forget` does nothing, its `num_requeues` is
//! 0), and `forget` clears the limiter only, so the worker still calls `done`.
//!
//! Shows `when`, `forget` and `num_requeues` for every limiter of client-go's
//! `default_rate_limiters.go`, which the seed does not show (inventory section 6.1), then the worker
//! loop that uses them: requeue with backoff on failure up to a retry limit, forget on success or
//! when giving up, `done` always. Everything runs on a fake clock, so the output is exact.
//!
//! Run: `cargo run --example rate_limiters_forget_requeues`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser as _;
use clientgo::util::flowcontrol::{Clock, FakeClock, TokenBucketRateLimiter};
use clientgo::util::workqueue::{
    default_controller_rate_limiter, BucketRateLimiter, ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter, MaxOfRateLimiter, QueueConfig, RateLimiter, RateLimitingQueue,
    WithMaxWaitRateLimiter,
};
use clientgo_example::{outln, BoxError, Out};

/// What each rate limiter's when, forget and num_requeues do, and the worker loop (seed 003 §5.27).
#[derive(Debug, Clone, Default, clap::Parser)]
pub struct Args {}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Calls `when` `calls` times for one item, then `forget`, printing what each says.
fn show<R: RateLimiter<&'static str>>(out: &Out, name: &str, limiter: &R, calls: usize) {
    let whens: Vec<String> = (0..calls)
        .map(|_| format!("{:?}", limiter.when(&"item")))
        .collect();
    let before = limiter.num_requeues(&"item");
    limiter.forget(&"item");
    outln!(
        out,
        "{name}: when = [{}], num_requeues = {before}, after forget = {}, next when = {:?}",
        whens.join(", "),
        limiter.num_requeues(&"item"),
        limiter.when(&"item"),
    );
    limiter.forget(&"item");
}

/// Every limiter's semantics, then a worker loop over a key that always fails.
pub async fn run(out: &Out, _args: &Args) -> Result<(), BoxError> {
    let clock = FakeClock::new();
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let bucket = TokenBucketRateLimiter::with_clock(1.0, 3, shared.clone())?;
    show(
        out,
        "bucket(qps 1, burst 3)",
        &BucketRateLimiter::from_limiter(Arc::new(bucket)),
        5,
    );
    show(
        out,
        "exponential(5ms, 1000s)",
        &ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000)),
        6,
    );
    let capped = ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000));
    for _ in 0..30 {
        capped.when(&"item");
    }
    outln!(
        out,
        "exponential after 30 failures: when = {:?} (capped)",
        capped.when(&"item")
    );
    show(
        out,
        "fast_slow(5ms, 10s, 3)",
        &ItemFastSlowRateLimiter::new(ms(5), Duration::from_secs(10), 3),
        5,
    );
    show(
        out,
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
        out,
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
    show(out, "default_controller", &default_controller_rate_limiter(), 4);

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
            outln!(
                out,
                "attempt {attempts}: failed, requeued (num_requeues = {})",
                q.num_requeues(&key)
            );
        } else {
            outln!(
                out,
                "attempt {attempts}: failed, giving up after {MAX_RETRIES} retries"
            );
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
    outln!(
        out,
        "worker stopped: num_requeues = {}",
        q.num_requeues(&"default/web")
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
