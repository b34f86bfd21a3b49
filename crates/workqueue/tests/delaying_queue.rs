//! The delaying queue's semantics on a fake clock, plus a loose real-clock check.

mod support;

use std::pin::pin;
use std::time::{Duration, Instant};

use clientgo_workqueue::{Clock, DelayingQueue, FakeClock};
use support::{eventually, fake_config, guarded, is_pending};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

async fn timer_sleeping(clock: &FakeClock) {
    eventually("the timer sleeps on the clock", || clock.sleepers() == 1).await;
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
async fn a_waiting_item_added_again_keeps_the_earliest_ready_time() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_config(config);
    q.add_after("x", secs(10));
    q.add_after("x", secs(3));
    q.add_after("x", secs(7));
    assert_eq!(q.waiting_len(), 1);
    timer_sleeping(&clock).await;
    assert_eq!(clock.next_deadline(), Some(clock.now() + secs(3)));
    clock.advance(secs(3));
    assert_eq!(guarded("x", q.get()).await, Some("x"));
    q.done(&"x");
    clock.advance(secs(10));
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        q.len(),
        0,
        "the later times were dropped, not kept as extra entries"
    );
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
