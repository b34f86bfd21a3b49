//! Queues with a custom order (client-go's `Queue` option of `TypedQueueConfig`): the order picks
//! which waiting item goes next, the queue keeps its dedup and processing guarantees. Holds the two
//! cases of client-go's `queue_test.go` that trace `Touch` through a custom queue (`TestCollapse`,
//! `TestCollapseWhileProcessing`).

mod support;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_workqueue::{DelayingQueue, Queue, QueueConfig, QueueOrder, RateLimitingQueue};
use support::{fake_config, guarded};

/// Smallest item first; records every `touch`.
#[derive(Default)]
struct Smallest {
    heap: BinaryHeap<Reverse<u32>>,
    touched: Arc<Mutex<Vec<u32>>>,
}

impl QueueOrder<u32> for Smallest {
    fn touch(&mut self, item: &u32) {
        self.touched.lock().unwrap().push(*item);
    }
    fn push(&mut self, item: u32) {
        self.heap.push(Reverse(item));
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
    fn pop(&mut self) -> Option<u32> {
        self.heap.pop().map(|Reverse(item)| item)
    }
}

/// First in, first out, like the default, but records every touched item (client-go's
/// `traceQueue` in `queue_test.go`).
struct Traced {
    fifo: VecDeque<&'static str>,
    touched: Arc<Mutex<HashSet<&'static str>>>,
}

impl Traced {
    fn new() -> (Self, Arc<Mutex<HashSet<&'static str>>>) {
        let touched = Arc::new(Mutex::new(HashSet::new()));
        let order = Traced {
            fifo: VecDeque::new(),
            touched: Arc::clone(&touched),
        };
        (order, touched)
    }
}

impl QueueOrder<&'static str> for Traced {
    fn touch(&mut self, item: &&'static str) {
        self.touched.lock().unwrap().insert(*item);
    }
    fn push(&mut self, item: &'static str) {
        self.fifo.push_back(item);
    }
    fn len(&self) -> usize {
        self.fifo.len()
    }
    fn pop(&mut self) -> Option<&'static str> {
        self.fifo.pop_front()
    }
}

/// Mirrors `TestCollapse`: an item added twice while waiting is handed out once, and the second
/// add touches it.
#[tokio::test]
async fn test_collapse() {
    let (order, touched) = Traced::new();
    let q = Queue::with_order(QueueConfig::new(), order);
    q.add("bar");
    q.add("bar");
    assert_eq!(guarded("get", q.get()).await, Some("bar"));
    q.done(&"bar");
    assert_eq!(q.len(), 0, "no second copy");
    assert!(touched.lock().unwrap().contains("bar"), "bar was touched");
}

/// Mirrors `TestCollapseWhileProcessing`: adds while the item is processed collapse into one
/// later pass, which a second worker gets only after the first is done; nothing is touched.
#[tokio::test]
async fn test_collapse_while_processing() {
    let (order, touched) = Traced::new();
    let q = Queue::with_order(QueueConfig::new(), order);
    q.add("foo");
    assert_eq!(guarded("get", q.get()).await, Some("foo"));
    q.add("foo");
    q.add("foo");
    let worker = tokio::spawn({
        let q = q.clone();
        async move {
            let item = q.get().await;
            if let Some(item) = &item {
                q.done(item);
            }
            item
        }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!worker.is_finished(), "the other worker waits until foo is done");
    q.done(&"foo");
    assert_eq!(guarded("worker", worker).await.expect("worker task"), Some("foo"));
    assert_eq!(q.len(), 0, "one more pass, not two");
    assert!(
        touched.lock().unwrap().is_empty(),
        "an item being processed is not touched"
    );
}

#[tokio::test]
async fn the_order_picks_the_next_item_and_the_queue_keeps_its_guarantees() {
    let touched = Arc::new(Mutex::new(Vec::new()));
    let order = Smallest {
        touched: Arc::clone(&touched),
        ..Smallest::default()
    };
    let q = Queue::with_order(QueueConfig::new(), order);
    for item in [30, 10, 20, 10] {
        q.add(item);
    }
    assert_eq!(q.len(), 3, "an item waits once");
    assert_eq!(
        *touched.lock().unwrap(),
        [10],
        "a waiting item added again is touched"
    );
    let first = guarded("get", q.get()).await;
    assert_eq!(first, Some(10));
    // Added while processing: not touched, not handed out twice, queued again at done.
    q.add(10);
    assert_eq!(*touched.lock().unwrap(), [10]);
    assert_eq!(guarded("get", q.get()).await, Some(20));
    q.done(&10);
    assert_eq!(
        guarded("get", q.get()).await,
        Some(10),
        "re-queued at done, and smallest"
    );
    assert_eq!(guarded("get", q.get()).await, Some(30));
    assert!(q.is_empty());
}

/// An order that hands back an item the queue does not hold waiting is ignored.
#[tokio::test]
async fn items_the_queue_does_not_hold_are_skipped() {
    struct Stray(Vec<u32>);
    impl QueueOrder<u32> for Stray {
        fn touch(&mut self, _: &u32) {}
        fn push(&mut self, item: u32) {
            self.0.push(item);
            self.0.push(99);
        }
        fn len(&self) -> usize {
            self.0.len()
        }
        fn pop(&mut self) -> Option<u32> {
            self.0.pop()
        }
    }
    let q = Queue::with_order(QueueConfig::new(), Stray(Vec::new()));
    q.add(1);
    assert_eq!(guarded("get", q.get()).await, Some(1), "99 was never added");
}

#[tokio::test]
async fn delaying_and_rate_limiting_queues_take_an_order_too() {
    let (clock, config) = fake_config();
    let q = DelayingQueue::with_order(config, Smallest::default());
    q.add_after(5, Duration::from_secs(1));
    q.add(7);
    q.add(6);
    clock.advance(Duration::from_secs(2));
    support::eventually("the delayed item is ready", || q.len() == 3).await;
    for expected in [5, 6, 7] {
        assert_eq!(guarded("get", q.get()).await, Some(expected));
    }

    let (_clock, config) = fake_config();
    let limiter = clientgo_workqueue::BucketRateLimiter::new(100.0, 100).unwrap();
    let q = RateLimitingQueue::with_order(limiter, config, Smallest::default());
    q.add(3);
    q.add(1);
    assert_eq!(guarded("get", q.get()).await, Some(1));
}
