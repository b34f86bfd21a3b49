//! The delaying queue's semantics on a fake clock, plus a loose real-clock check, with the cases of
//! client-go's `util/workqueue/delaying_queue_test.go` ported under their Go names.
//!
//! Not ported: `BenchmarkDelayingQueue_AddAfter` (a benchmark). The `delayed` gauge that newer
//! versions of `TestDeduping` check comes from an unmerged client-go PR (135543); the same count is
//! our `waiting_len`, which `test_deduping` checks instead.

mod support;

use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo_workqueue::{Clock, DelayingQueue, FakeClock, InMemoryMetrics, MetricsProvider};
use support::{eventually, fake_config, guarded, is_pending};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn timer_sleeping(clock: &FakeClock) {
    eventually("the timer sleeps on the clock", || clock.sleepers() == 1).await;
}

/// Lets the timer task run (Go's `synctest.Wait`), so a check that nothing was added means it.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Waits until `depth` items are ready (Go's `waitForAdded`).
async fn wait_for_added<T: std::hash::Hash + Eq + Clone + Send + 'static>(
    q: &DelayingQueue<T>,
    depth: usize,
) {
    eventually("the due items are queued", || q.len() == depth).await;
    settle().await;
    assert_eq!(q.len(), depth);
}

/// Mirrors `TestSimpleQueue`: an item waits for its delay, then arrives once; nothing else arrives
/// later (Go steps past its 10 s heartbeat; we have none, the check still holds).
#[tokio::test]
async fn test_simple_queue() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after("foo", ms(50));
    timer_sleeping(&clock).await;
    assert_eq!(q.len(), 0, "not before its delay");
    clock.advance(ms(60));
    wait_for_added(&q, 1).await;
    let item = q.get().await.expect("foo");
    q.done(&item);
    clock.advance(secs(10));
    settle().await;
    assert_eq!(q.len(), 0, "added only once");
}

/// Mirrors `TestDeduping`: an item added again while waiting keeps its earliest ready time and
/// waits once; every `add_after` counts as a retry.
#[tokio::test]
async fn test_deduping() {
    let (clock, config) = fake_config();
    let metrics = InMemoryMetrics::new();
    let q = DelayingQueue::with_config(
        config
            .name("test-delay")
            .metrics_provider(Arc::new(metrics.clone()) as Arc<dyn MetricsProvider>),
    );
    let retries = || metrics.snapshot("test-delay").expect("registered").retries;

    q.add_after("foo", ms(50));
    // The metrics updater sleeps on the clock too, so wait for the timer's deadline.
    let due = clock.now() + ms(50);
    eventually("the timer sleeps until foo is due", || {
        clock.next_deadline() == Some(due)
    })
    .await;
    assert_eq!((q.waiting_len(), retries()), (1, 1));
    q.add_after("foo", ms(70));
    settle().await;
    assert_eq!(q.len(), 0);
    assert_eq!((q.waiting_len(), retries()), (1, 2), "one waiting entry");
    assert_eq!(
        clock.next_deadline(),
        Some(clock.now() + ms(50)),
        "the earlier time"
    );

    clock.advance(ms(60));
    wait_for_added(&q, 1).await;
    assert_eq!(q.waiting_len(), 0);
    let item = q.get().await.expect("foo");
    q.done(&item);
    clock.advance(ms(20));
    settle().await;
    assert_eq!(q.len(), 0, "the 70 ms add was merged, not kept");

    // Again, but this time the later call has the earlier time, which wins.
    q.add_after("foo", ms(50));
    q.add_after("foo", ms(30));
    settle().await;
    assert_eq!(q.len(), 0);
    assert_eq!((q.waiting_len(), retries()), (1, 4));
    clock.advance(ms(40));
    wait_for_added(&q, 1).await;
    assert_eq!(q.waiting_len(), 0);
    let item = q.get().await.expect("foo");
    q.done(&item);
    clock.advance(ms(20));
    settle().await;
    assert_eq!(q.len(), 0);
}

/// Mirrors `TestAddTwoFireEarly`: items arrive in the order of their ready times, including one
/// added after the others.
#[tokio::test]
async fn test_add_two_fire_early() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after("foo", secs(1));
    q.add_after("bar", ms(50));
    timer_sleeping(&clock).await;
    assert_eq!(q.len(), 0);

    clock.advance(ms(60));
    wait_for_added(&q, 1).await;
    assert_eq!(q.get().await, Some("bar"));

    q.add_after("baz", secs(2));
    clock.advance(secs(1));
    wait_for_added(&q, 1).await;
    assert_eq!(q.get().await, Some("foo"));

    clock.advance(secs(2));
    wait_for_added(&q, 1).await;
    assert_eq!(q.get().await, Some("baz"));
}

/// Mirrors `TestCopyShifting`: items added in reverse order of their ready times come out sorted.
#[tokio::test]
async fn test_copy_shifting() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after("foo", secs(1));
    q.add_after("bar", ms(500));
    q.add_after("baz", ms(250));
    timer_sleeping(&clock).await;
    assert_eq!(q.len(), 0);
    clock.advance(secs(2));
    wait_for_added(&q, 3).await;
    assert_eq!(q.get().await, Some("baz"));
    assert_eq!(q.get().await, Some("bar"));
    assert_eq!(q.get().await, Some("foo"));
}

#[tokio::test]
async fn add_after_adds_the_item_once_its_delay_has_passed() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after("a", secs(2));
    timer_sleeping(&clock).await;
    clock.advance(Duration::from_millis(1999));
    tokio::task::yield_now().await;
    assert_eq!(q.len(), 0);
    assert_eq!(q.waiting_len(), 1);
    clock.advance(Duration::from_millis(1));
    assert_eq!(guarded("item a", q.get()).await, Some("a"));
    assert_eq!(q.waiting_len(), 0);
}

#[tokio::test]
async fn add_after_with_zero_delay_adds_at_once() {
    let (_clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after(1, Duration::ZERO);
    assert_eq!(q.len(), 1);
    assert_eq!(q.waiting_len(), 0);
}

#[tokio::test]
async fn seed_len_samples_follow_the_delays() {
    // Seed L5787-5841: add_after(i, i s) for i = 1..3, then Len once a second.
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    for i in 1..=3u64 {
        q.add_after(i, secs(i));
    }
    assert_eq!(q.len(), 0);
    for expected in [1, 2, 3, 3] {
        if q.waiting_len() > 0 {
            timer_sleeping(&clock).await;
        }
        clock.advance(secs(1));
        eventually("the due item is queued", || q.len() == expected).await;
    }
    for i in 1..=3 {
        assert_eq!(q.get().await, Some(i));
    }
    let mut fourth = pin!(q.get());
    assert!(is_pending(fourth.as_mut()), "a fourth get blocks");
}

#[tokio::test]
async fn thousands_of_add_after_calls_never_block_and_share_one_timer() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    for i in 1..=5000u64 {
        q.add_after(i, Duration::from_millis(i));
    }
    assert_eq!(q.waiting_len(), 5000);
    timer_sleeping(&clock).await;
    assert_eq!(clock.sleepers(), 1, "one timer, not one per item");
    clock.advance(secs(5));
    eventually("all items due", || q.len() == 5000).await;
    for i in 1..=5000u64 {
        assert_eq!(q.get().await, Some(i), "ready order");
    }
}

#[tokio::test]
async fn add_after_is_ignored_after_shutdown() {
    let (_clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.shut_down();
    q.add_after(1, secs(1));
    q.add_after(2, Duration::ZERO);
    assert_eq!(q.waiting_len(), 0);
    assert_eq!(q.len(), 0);
    assert_eq!(q.get().await, None);
}

#[tokio::test]
async fn timer_task_ends_on_shutdown() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after(1, secs(60));
    timer_sleeping(&clock).await;
    q.shut_down();
    eventually("the timer stopped", || clock.sleepers() == 0).await;
}

#[tokio::test]
async fn timer_task_ends_when_the_queue_is_dropped() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after(1, secs(60));
    timer_sleeping(&clock).await;
    drop(q);
    eventually("the timer stopped", || clock.sleepers() == 0).await;
}

#[test]
fn delaying_queue_works_without_a_runtime() {
    let q = DelayingQueue::new();
    let start = Instant::now();
    q.add_after(9, Duration::from_millis(20));
    assert_eq!(q.get_blocking(), Some(9));
    assert!(
        start.elapsed() >= Duration::from_millis(20),
        "not before it is due"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clock_items_arrive_in_due_order_and_not_early() {
    let q = DelayingQueue::new();
    let start = Instant::now();
    for (item, ms) in [(3, 60u64), (1, 20), (2, 40)] {
        q.add_after(item, Duration::from_millis(ms));
    }
    for (item, ms) in [(1, 20u64), (2, 40), (3, 60)] {
        assert_eq!(guarded("real-clock item", q.get()).await, Some(item));
        assert!(start.elapsed() >= Duration::from_millis(ms));
    }
}
