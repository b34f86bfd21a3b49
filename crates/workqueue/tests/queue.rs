//! The basic queue's semantics, one test per behaviour of client-go's `workqueue.Type`, with the
//! cases of client-go's `util/workqueue/queue_test.go` ported under their Go names (`TestCollapse`
//! and `TestCollapseWhileProcessing` need a custom queue order and live in `queue_order.rs`).
//!
//! Not ported: `BenchmarkQueue` (a benchmark, not a test). `TestShutDownWithDrainWaitsForQueuedItems`
//! and `TestDoneIdempotent` come from kubernetes/kubernetes PR 141079, which is not merged: released
//! client-go's drain waits only for handed-out items and a spurious `Done` queues a dirty item a
//! second time, and so do we on purpose (see `shut_down_with_drain_waits_until_every_handed_out_item_is_done`
//! and `done_without_get_behaves_as_in_go`). That PR's `TestShutDownWithDrainManyWorkers` holds for
//! both and is ported.

mod support;

use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use clientgo_workqueue::Queue;
use support::{eventually, guarded, is_pending};

#[tokio::test]
async fn get_returns_items_in_fifo_order_and_len_counts_waiting_items() {
    let q = Queue::new();
    for i in 1..=5 {
        q.add(i);
        assert_eq!(q.len(), i);
    }
    for i in 1..=5 {
        assert_eq!(q.get().await, Some(i));
        assert_eq!(q.len(), 5 - i);
    }
    assert!(!q.shutting_down());
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct User {
    name: &'static str,
}

/// Identity semantics, like Go pointers: equal only to itself.
#[derive(Debug, Clone)]
struct ById(Arc<User>);
impl PartialEq for ById {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for ById {}
impl std::hash::Hash for ById {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0), state);
    }
}

#[test]
fn add_is_a_noop_when_the_item_is_already_dirty() {
    let q = Queue::new();
    q.add(User { name: "bob" });
    q.add(User { name: "bob" });
    assert_eq!(q.len(), 1, "equal values are one item");

    let ids = Queue::new();
    ids.add(ById(Arc::new(User { name: "bob" })));
    ids.add(ById(Arc::new(User { name: "bob" })));
    assert_eq!(ids.len(), 2, "distinct identities are distinct items");
}

/// Mirrors `TestLen`: `len` counts distinct waiting items.
#[test]
fn test_len() {
    let q = Queue::new();
    q.add("foo");
    assert_eq!(q.len(), 1);
    q.add("bar");
    assert_eq!(q.len(), 2);
    q.add("foo");
    assert_eq!(q.len(), 2, "adding a waiting item again does not grow the queue");
}

/// Mirrors `TestReinsert`: an item added while it is processed is handed out again after `done`.
#[tokio::test]
async fn test_reinsert() {
    let q = Queue::new();
    q.add("foo");
    assert_eq!(q.get().await, Some("foo"));
    q.add("foo");
    assert_eq!(q.len(), 0, "only marked dirty while processing");
    q.done(&"foo");
    assert_eq!(q.len(), 1, "done queues it again");
    assert_eq!(q.get().await, Some("foo"));
    q.done(&"foo");
    assert_eq!(q.len(), 0);
    assert_eq!(q.processing(), 0);
}

#[tokio::test]
async fn several_readds_while_processing_collapse_to_one() {
    let q = Queue::new();
    q.add(7);
    assert_eq!(q.get().await, Some(7));
    for _ in 0..5 {
        q.add(7);
    }
    q.done(&7);
    assert_eq!(q.len(), 1);
    assert_eq!(q.get().await, Some(7));
    q.done(&7);
    assert_eq!(q.len(), 0);
    assert_eq!(q.processing(), 0);
}

#[tokio::test]
async fn done_without_get_behaves_as_in_go() {
    // Seed L5500-5549: Add then Done without Get queues the item twice.
    let q = Queue::new();
    q.add("item");
    q.done(&"item");
    assert_eq!(q.len(), 2);
    assert_eq!(q.get().await, Some("item"));
    assert_eq!(q.len(), 1);
}

#[tokio::test]
async fn get_waits_until_an_item_is_added() {
    let q = Queue::new();
    let mut get = pin!(q.get());
    assert!(is_pending(get.as_mut()));
    q.add(1);
    assert_eq!(guarded("get", get).await, Some(1));
}

#[tokio::test]
async fn one_add_wakes_one_getter() {
    let q: Queue<u32> = Queue::new();
    let returned = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let (q, returned) = (q.clone(), returned.clone());
        tasks.push(tokio::spawn(async move {
            let item = q.get().await;
            returned.fetch_add(1, Ordering::SeqCst);
            item
        }));
    }
    // Let all three register as waiters.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    q.add(1);
    eventually("one getter returns", || returned.load(Ordering::SeqCst) == 1).await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(returned.load(Ordering::SeqCst), 1, "the others keep waiting");
    q.shut_down();
    let mut got = Vec::new();
    for t in tasks {
        got.push(guarded("getter", t).await.expect("task"));
    }
    got.sort();
    assert_eq!(got, vec![None, None, Some(1)]);
}

#[tokio::test]
async fn dropped_get_future_takes_nothing() {
    let q = Queue::new();
    {
        let mut get = pin!(q.get());
        assert!(is_pending(get.as_mut()));
    }
    q.add(5);
    assert_eq!(q.len(), 1);
    assert_eq!(guarded("get", q.get()).await, Some(5));
}

#[tokio::test]
async fn shut_down_ignores_later_adds_and_hands_out_queued_items_then_reports_shutdown() {
    // The seed's transcript (L5600-5654).
    let q = Queue::new();
    for i in 1..5 {
        q.add(i);
    }
    assert_eq!(q.get().await, Some(1));
    assert!(!q.shutting_down());
    q.shut_down();
    q.add(10);
    assert_eq!(q.len(), 3);
    for i in 2..5 {
        assert_eq!(q.get().await, Some(i));
        assert!(q.shutting_down());
    }
    assert_eq!(q.get().await, None);
    assert!(q.shutting_down());
}

#[tokio::test]
async fn shut_down_wakes_every_waiting_getter() {
    let q: Queue<u8> = Queue::new();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    tokio::task::yield_now().await;
    q.shut_down();
    for t in tasks {
        assert_eq!(guarded("getter", t).await.expect("task"), None);
    }
}

#[tokio::test]
async fn shut_down_with_drain_waits_until_every_handed_out_item_is_done() {
    let q = Queue::new();
    for i in 1..5 {
        q.add(i);
    }
    assert_eq!(q.get().await, Some(1));
    let mut drain = pin!(q.shut_down_with_drain());
    assert!(is_pending(drain.as_mut()), "item 1 is still processing");
    q.add(10);
    assert_eq!(q.len(), 3, "adds are ignored, queued items are not waited for");
    assert!(is_pending(drain.as_mut()));
    q.done(&1);
    guarded("drain", drain).await;
    for i in 2..5 {
        assert_eq!(q.get().await, Some(i));
    }
    assert_eq!(q.get().await, None);
}

/// Mirrors `TestQueueDrainageUsingShutDownWithDrain`: the drain waits for the handed-out items,
/// getters see the shutdown meanwhile, and the drain returns once both are done.
#[tokio::test]
async fn test_queue_drainage_using_shut_down_with_drain() {
    let q = Queue::new();
    q.add("foo");
    q.add("bar");
    let first = q.get().await.expect("foo");
    let second = q.get().await.expect("bar");
    let drain = tokio::spawn({
        let q = q.clone();
        async move { q.shut_down_with_drain().await }
    });
    assert_eq!(guarded("get sees the shutdown", q.get()).await, None);
    assert!(!drain.is_finished(), "two items are still processing");
    q.done(&first);
    q.done(&second);
    guarded("drain", drain).await.expect("drain task");
}

/// Mirrors `TestNoQueueDrainageUsingShutDown`: a plain shutdown does not wait for items being
/// processed.
#[tokio::test]
async fn test_no_queue_drainage_using_shut_down() {
    let q = Queue::new();
    q.add("foo");
    q.add("bar");
    assert!(q.get().await.is_some());
    assert!(q.get().await.is_some());
    q.shut_down();
    assert_eq!(q.processing(), 2, "returned while both are still processing");
    assert_eq!(q.get().await, None);
}

/// Mirrors `TestForceQueueShutdownUsingShutDown`: a `shut_down` (a second Ctrl-C) releases a drain
/// that is waiting for items nobody will finish.
#[tokio::test]
async fn test_force_queue_shutdown_using_shut_down() {
    let q = Queue::new();
    q.add("foo");
    q.add("bar");
    assert!(q.get().await.is_some());
    assert!(q.get().await.is_some());
    let mut drain = pin!(q.shut_down_with_drain());
    assert!(is_pending(drain.as_mut()));
    assert_eq!(q.get().await, None, "getters see the shutdown");
    assert!(is_pending(drain.as_mut()), "still waiting for the two items");
    q.shut_down();
    guarded("drain released", drain).await;
}

/// Mirrors `TestQueueDrainageUsingShutDownWithDrainWithDirtyItem`: an item added again while it is
/// processed is handed out again during the drain, and only then do getters see the shutdown.
#[tokio::test]
async fn test_queue_drainage_using_shut_down_with_drain_with_dirty_item() {
    let q = Queue::new();
    q.add("foo");
    let gotten = q.get().await.expect("foo");
    q.add("foo");
    let drain = tokio::spawn({
        let q = q.clone();
        async move { q.shut_down_with_drain().await }
    });
    assert_eq!(guarded("get sees the shutdown", q.get()).await, None);
    q.done(&gotten);
    let again = guarded("the dirty item", q.get()).await;
    assert_eq!(again, Some("foo"), "done put the dirty item back");
    q.done(&"foo");
    assert_eq!(q.get().await, None, "now really done");
    guarded("drain", drain).await.expect("drain task");
}

/// Mirrors `TestGarbageCollection`: once an item is done the queue holds no reference to it. Go
/// checks with a finalizer; here the `Arc`'s count tells.
#[tokio::test]
async fn test_garbage_collection() {
    let q = Queue::new();
    let big = Arc::new(b"hello".to_vec());
    q.add(Arc::clone(&big));
    let got = q.get().await.expect("the item");
    q.done(&got);
    drop(got);
    assert_eq!(Arc::strong_count(&big), 1, "the queue let go of the item");
}

/// Mirrors `TestShutDownWithDrainManyWorkers` (from an unmerged client-go PR, but it holds for
/// released client-go too): with many workers a drain neither hangs nor strands a worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_shut_down_with_drain_many_workers() {
    let q: Queue<u32> = Queue::new();
    for i in 0..50 {
        q.add(i);
    }
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move {
                while let Some(item) = q.get().await {
                    q.done(&item);
                }
            })
        })
        .collect();
    guarded("drain", q.shut_down_with_drain()).await;
    for w in workers {
        guarded("worker exits", w).await.expect("worker did not panic");
    }
    assert!(q.is_empty());
}

/// Marks an item that must never be handed out: it is added after the shutdown.
const ADDED_AFTER_SHUTDOWN: &str = "added after shutdown!";

/// Mirrors `TestBasic`: 50 producers add their number 50 times each while 10 consumers work, then
/// the queue is shut down (plainly, then with drain). Nothing added after the shutdown is handed
/// out, every number is processed, and the queue ends empty. Go sleeps 1 ms per add and 3 ms per
/// item; here the tasks yield instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_basic() {
    for drain in [false, true] {
        let q: Queue<String> = Queue::new();
        let producers: Vec<_> = (0..50)
            .map(|i: u32| {
                let q = q.clone();
                tokio::spawn(async move {
                    for _ in 0..50 {
                        q.add(i.to_string());
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..10)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move {
                    let mut seen = HashSet::new();
                    while let Some(item) = q.get().await {
                        assert_ne!(item, ADDED_AFTER_SHUTDOWN, "got an item added after shutdown");
                        tokio::task::yield_now().await;
                        q.done(&item);
                        seen.insert(item);
                    }
                    seen
                })
            })
            .collect();
        for p in producers {
            guarded("producer", p).await.expect("producer did not panic");
        }
        if drain {
            guarded("drain", q.shut_down_with_drain()).await;
        } else {
            q.shut_down();
        }
        q.add(ADDED_AFTER_SHUTDOWN.to_string());
        let mut seen = HashSet::new();
        for c in consumers {
            seen.extend(guarded("consumer", c).await.expect("consumer did not panic"));
        }
        assert_eq!(q.len(), 0, "drain={drain}");
        assert_eq!(
            seen.len(),
            50,
            "every producer's number was processed (drain={drain})"
        );
    }
}

/// Mirrors `TestAddWhileProcessing`: workers add each item again while processing it (the
/// dirty-while-processing path), then the queue is shut down (plainly, then with drain) and ends
/// empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_add_while_processing() {
    for drain in [false, true] {
        let q: Queue<u32> = Queue::new();
        let producers: Vec<_> = (0..50)
            .map(|i| {
                let q = q.clone();
                tokio::spawn(async move { q.add(i) })
            })
            .collect();
        let consumers: Vec<_> = (0..10)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move {
                    let mut counters: HashMap<u32, u32> = HashMap::new();
                    while let Some(item) = q.get().await {
                        let n = counters.entry(item).or_default();
                        *n += 1;
                        if *n < 2 {
                            q.add(item);
                        }
                        q.done(&item);
                    }
                    counters
                })
            })
            .collect();
        for p in producers {
            guarded("producer", p).await.expect("producer did not panic");
        }
        if drain {
            guarded("drain", q.shut_down_with_drain()).await;
        } else {
            q.shut_down();
        }
        let mut seen = HashSet::new();
        for c in consumers {
            seen.extend(
                guarded("consumer", c)
                    .await
                    .expect("consumer did not panic")
                    .into_keys(),
            );
        }
        assert_eq!(q.len(), 0, "drain={drain}");
        assert_eq!(seen.len(), 50, "every item was processed (drain={drain})");
    }
}

#[test]
fn get_blocking_works_from_plain_threads() {
    let q = Queue::new();
    let consumer = {
        let q = q.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(i) = q.get_blocking() {
                got.push(i);
                q.done(&i);
            }
            got
        })
    };
    for i in 0..100 {
        q.add(i);
    }
    // Wait (on the queue, not a timer) until everything was taken, then shut down.
    while !q.is_empty() || q.processing() > 0 {
        std::thread::yield_now();
    }
    q.shut_down_with_drain_blocking();
    let got = consumer.join().expect("consumer thread");
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_item_is_never_handed_to_two_workers_at_once() {
    let q: Queue<u32> = Queue::new();
    let in_flight = Arc::new(Mutex::new(HashSet::new()));
    let processed = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (q, in_flight, processed) = (q.clone(), in_flight.clone(), processed.clone());
            tokio::spawn(async move {
                while let Some(item) = q.get().await {
                    assert!(
                        in_flight.lock().expect("lock").insert(item),
                        "item {item} handed out twice"
                    );
                    tokio::task::yield_now().await;
                    in_flight.lock().expect("lock").remove(&item);
                    processed.fetch_add(1, Ordering::SeqCst);
                    q.done(&item);
                }
            })
        })
        .collect();
    for round in 0..2000u32 {
        q.add(round % 5);
        if round % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }
    q.shut_down_with_drain().await;
    q.shut_down();
    for w in workers {
        guarded("worker", w).await.expect("worker did not panic");
    }
    assert!(processed.load(Ordering::SeqCst) >= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_adds_reaches_every_waiting_getter() {
    let q: Queue<u32> = Queue::new();
    let getters: Vec<_> = (0..4)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    // Give the getters a chance to start waiting (the test also holds if some have not).
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    for i in 0..4 {
        q.add(i);
    }
    let mut got = Vec::new();
    for g in getters {
        got.push(guarded("getter", g).await.expect("task").expect("an item"));
    }
    got.sort();
    assert_eq!(
        got,
        vec![0, 1, 2, 3],
        "each waiting getter got one item, none was left asleep"
    );
}

#[test]
fn blocking_getters_on_plain_threads_share_a_burst() {
    let q: Queue<u32> = Queue::new();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            std::thread::spawn(move || {
                let mut n = 0;
                while let Some(i) = q.get_blocking() {
                    q.done(&i);
                    n += 1;
                }
                n
            })
        })
        .collect();
    for i in 0..3000 {
        q.add(i);
    }
    q.shut_down_with_drain_blocking();
    while !q.is_empty() {
        std::thread::yield_now();
    }
    q.shut_down();
    let total: u32 = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    assert_eq!(total, 3000);
}
