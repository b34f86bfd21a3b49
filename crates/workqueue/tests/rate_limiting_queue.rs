//! The rate-limited queue: add_rate_limited, forget, num_requeues, the bucket demo from the seed,
//! and the backoff-inflation decision, with client-go's `util/workqueue/rate_limiting_queue_test.go`
//! (`TestRateLimitingQueue`) ported under its Go name.

mod support;

use std::sync::Arc;
use std::time::Duration;

use clientgo_flowcontrol::TokenBucketRateLimiter;
use clientgo_workqueue::{
    BucketRateLimiter, Clock, FailureCounting, FakeClock, ItemExponentialFailureRateLimiter,
    RateLimitingQueue,
};
use support::{eventually, fake_config, guarded};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn bucket_on(clock: &FakeClock, qps: f64, burst: u32) -> BucketRateLimiter {
    let limiter = TokenBucketRateLimiter::with_clock(qps, burst, Arc::new(clock.clone()) as Arc<dyn Clock>)
        .expect("valid bucket");
    BucketRateLimiter::from_limiter(Arc::new(limiter))
}

/// Gets every item, recording at which fake-clock offset (ms) each arrives. The clock is advanced
/// in `step` increments whenever the queue is empty.
async fn drain_with_clock(
    q: &RateLimitingQueue<u32>,
    clock: &FakeClock,
    n: usize,
    step: Duration,
) -> Vec<(u32, u128)> {
    let start = clock.now();
    let mut out = Vec::new();
    while out.len() < n {
        if q.is_empty() {
            clock.advance(step);
            for _ in 0..5 {
                tokio::task::yield_now().await;
            }
            continue;
        }
        let item = guarded("item", q.get()).await.expect("not shut down");
        q.done(&item);
        out.push((item, (clock.now() - start).as_millis()));
    }
    out
}

/// One failed pass of `item`: `add_rate_limited`, then wait (on the fake clock) for the retry and
/// finish it, as a worker would. Returns the delay the limiter gave.
async fn fail_and_retry(
    q: &RateLimitingQueue<&'static str>,
    clock: &FakeClock,
    item: &'static str,
) -> Duration {
    q.add_rate_limited(item);
    let due = q.delaying_queue().next_ready_at().expect("the retry waits");
    let delay = due - clock.now();
    clock.set(due);
    assert_eq!(guarded("the retry", q.get()).await, Some(item));
    q.done(&item);
    delay
}

/// Mirrors `TestRateLimitingQueue`: each failure waits the limiter's delay (1 ms, then 2 ms),
/// items are counted separately, and `forget` starts an item over. Go reads each delay off the
/// channel into its waiting loop; here each retry is taken and finished before the next failure,
/// which gives the same delays under both failure-counting policies.
///
/// Failing a waiting item again before its retry is due is where they differ: client-go (and
/// [`FailureCounting::EveryCall`]) counts a second failure, our default
/// ([`FailureCounting::OncePerBackoff`], documented in `rate_limiting_queue.rs`) keeps the pending
/// retry and counts one.
#[tokio::test]
async fn test_rate_limiting_queue() {
    for counting in [FailureCounting::OncePerBackoff, FailureCounting::EveryCall] {
        let (clock, config) = fake_config();
        let q = RateLimitingQueue::with_failure_counting(
            ItemExponentialFailureRateLimiter::new(ms(1), Duration::from_secs(1)),
            config,
            counting,
        );
        assert_eq!(fail_and_retry(&q, &clock, "one").await, ms(1));
        assert_eq!(fail_and_retry(&q, &clock, "one").await, ms(2));
        assert_eq!(q.num_requeues(&"one"), 2);

        assert_eq!(fail_and_retry(&q, &clock, "two").await, ms(1));
        assert_eq!(fail_and_retry(&q, &clock, "two").await, ms(2));

        q.forget(&"one");
        assert_eq!(q.num_requeues(&"one"), 0);
        assert_eq!(fail_and_retry(&q, &clock, "one").await, ms(1));

        // Go's back-to-back calls: the second comes while the first retry still waits.
        q.add_rate_limited("three");
        q.add_rate_limited("three");
        assert_eq!(q.delaying_queue().waiting_len(), 1, "one pending retry");
        assert_eq!(
            q.delaying_queue().next_ready_at(),
            Some(clock.now() + ms(1)),
            "the earlier time"
        );
        let expected = match counting {
            FailureCounting::EveryCall => 2,
            _ => 1,
        };
        assert_eq!(q.num_requeues(&"three"), expected, "{counting:?}");
    }
}

#[tokio::test]
async fn bucket_qps_1_burst_10_gives_ten_at_once_then_one_per_second() {
    let (clock, config) = fake_config();
    let q = RateLimitingQueue::with_config(bucket_on(&clock, 1.0, 10), config);
    for i in 1..=20u32 {
        q.add_rate_limited(i);
        assert_eq!(q.len(), (i as usize).min(10), "len sticks at 10 after the burst");
    }
    let got = drain_with_clock(&q, &clock, 20, ms(250)).await;
    let items: Vec<u32> = got.iter().map(|(i, _)| *i).collect();
    assert_eq!(items, (1..=20).collect::<Vec<_>>());
    let times: Vec<u128> = got.iter().map(|(_, t)| *t).collect();
    assert!(times[..10].iter().all(|&t| t == 0));
    assert_eq!(
        &times[10..],
        &[1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]
    );
}

#[tokio::test]
async fn bucket_qps_2_gives_the_eleventh_at_half_a_second_then_two_per_second() {
    let (clock, config) = fake_config();
    let q = RateLimitingQueue::with_config(bucket_on(&clock, 2.0, 10), config);
    for i in 1..=20u32 {
        q.add_rate_limited(i);
    }
    let got = drain_with_clock(&q, &clock, 20, ms(250)).await;
    let times: Vec<u128> = got.iter().map(|(_, t)| *t).collect();
    assert_eq!(
        &times[10..],
        &[500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000]
    );
}

#[tokio::test]
async fn add_rate_limited_waits_for_the_limiters_delay() {
    let (clock, config) = fake_config();
    let q = RateLimitingQueue::with_config(
        ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000)),
        config,
    );
    q.add_rate_limited("a");
    assert_eq!(q.len(), 0);
    eventually("timer armed", || clock.sleepers() == 1).await;
    assert_eq!(clock.next_deadline(), Some(clock.now() + ms(5)));
    clock.advance(ms(5));
    assert_eq!(guarded("a", q.get()).await, Some("a"));
    assert_eq!(q.num_requeues(&"a"), 1);
}

#[tokio::test]
async fn forget_clears_the_failures_but_done_is_still_required() {
    let (clock, config) = fake_config();
    let q = RateLimitingQueue::with_config(
        ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000)),
        config,
    );
    q.add("a");
    let a = q.get().await.expect("a");
    q.add_rate_limited(a);
    q.forget(&"a");
    assert_eq!(q.num_requeues(&"a"), 0);
    assert_eq!(q.queue().processing(), 1, "forget did not finish the item");
    clock.advance(ms(5));
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(q.len(), 0, "still processing: the retry is only marked dirty");
    q.done(&"a");
    assert_eq!(q.len(), 1);
}

#[tokio::test]
async fn num_requeues_counts_failures_once_per_backoff_window() {
    let (clock, config) = fake_config();
    let q = RateLimitingQueue::with_config(
        ItemExponentialFailureRateLimiter::new(ms(10), Duration::from_secs(1000)),
        config,
    );
    for expected in 1..=4usize {
        q.add_rate_limited(7u32);
        assert_eq!(q.num_requeues(&7), expected);
        eventually("timer armed", || clock.sleepers() == 1).await;
        let due = clock.next_deadline().expect("deadline");
        clock.set(due);
        let item = guarded("retry", q.get()).await.expect("item");
        q.done(&item);
    }
}

/// Simulates a controller whose reconcile keeps failing while events keep arriving: every event
/// (plain `add`) makes the item ready at once, and every failed pass calls `add_rate_limited`.
/// Returns the failure count after 100 events spread over 200 ms.
async fn failures_after_event_storm(counting: FailureCounting) -> (usize, Duration) {
    let (clock, config) = fake_config();
    let q = RateLimitingQueue::with_failure_counting(
        ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000)),
        config,
        counting,
    );
    for _ in 0..100 {
        q.add("key");
        let key = guarded("key", q.get()).await.expect("key");
        q.add_rate_limited(key); // reconcile failed
        q.done(&key);
        clock.advance(ms(2));
        // Let the timer move retries that came due into the queue, as real time would.
        let delaying = q.delaying_queue();
        eventually("due retries queued", || {
            delaying.next_ready_at().is_none_or(|due| due > clock.now())
        })
        .await;
    }
    let failures = q.num_requeues(&"key");
    let next_retry = q
        .delaying_queue()
        .next_ready_at()
        .map_or(Duration::ZERO, |d| d.saturating_duration_since(clock.now()));
    (failures, next_retry)
}

#[tokio::test]
async fn backoff_does_not_inflate_when_plain_add_bypasses_a_pending_delay() {
    let (failures, next_retry) = failures_after_event_storm(FailureCounting::OncePerBackoff).await;
    // 200 ms of failures at 5, 10, 20, 40, 80 ms windows: a handful of doublings, not 100.
    assert!(failures <= 7, "failures counted per window: {failures}");
    assert!(next_retry <= ms(640), "next retry soon: {next_retry:?}");
}

#[tokio::test]
async fn every_call_counting_reproduces_client_go_backoff_inflation() {
    let (failures, next_retry) = failures_after_event_storm(FailureCounting::EveryCall).await;
    assert_eq!(failures, 100);
    assert!(
        next_retry > Duration::from_secs(900),
        "parked near the 1000 s cap: {next_retry:?}"
    );
}
