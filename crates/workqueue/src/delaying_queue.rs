//! A work queue that can add items after a delay.

use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use clientgo_flowcontrol::{saturating_add, Clock};

use crate::background::{self, StopSignal};
use crate::delay_heap::DelayHeap;
use crate::metrics::CounterMetric;
use crate::queue::{Queue, QueueConfig};
use crate::queue_order::QueueOrder;

/// A [`Queue`] with [`add_after`](Self::add_after): the item is added once its delay has passed.
///
/// Mirrors client-go `workqueue.DelayingInterface` / `delayingType` (`delaying_queue.go`,
/// `NewDelayingQueue`). As there, waiting items live in one heap served by one background timer
/// task (not a task or thread per item), an item added again while waiting keeps its earliest ready
/// time, `add_after` never blocks and is ignored after shutdown, and a zero delay adds at once.
///
/// Unlike Go, `add_after` puts the item in the heap directly under a short lock instead of sending
/// it through a 1000-slot channel, and the timer sleeps exactly until the earliest ready time (no
/// 10 s heartbeat).
///
/// # Drop behavior
/// The timer task ends on [`shut_down`](Self::shut_down) or when the last handle is dropped; items
/// still waiting are discarded. Build the queue inside a tokio runtime to run the timer there;
/// outside one it gets its own small thread.
#[doc(alias = "DelayingInterface")]
#[doc(alias = "delayingType")]
pub struct DelayingQueue<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for DelayingQueue<T> {
    fn clone(&self) -> Self {
        DelayingQueue {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for DelayingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelayingQueue").finish_non_exhaustive()
    }
}

struct Inner<T> {
    queue: Queue<T>,
    waiting: Mutex<DelayHeap<T>>,
    clock: Arc<dyn Clock>,
    /// Pokes the timer when the earliest deadline moves; stops it on shutdown and drop.
    timer: Arc<StopSignal>,
    retries: Option<Arc<dyn CounterMetric>>,
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        self.timer.stop();
    }
}

impl<T> Inner<T> {
    fn waiting(&self) -> MutexGuard<'_, DelayHeap<T>> {
        // Heap operations leave it consistent before anything can panic.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Hash + Eq + Clone + Send + 'static> Default for DelayingQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Hash + Eq + Clone + Send + 'static> DelayingQueue<T> {
    /// An unnamed delaying queue on the real clock. Mirrors `NewDelayingQueue()`.
    pub fn new() -> Self {
        Self::with_config(QueueConfig::default())
    }

    /// A delaying queue with the given name, metrics and clock. Mirrors
    /// `NewDelayingQueueWithConfig`.
    pub fn with_config(config: QueueConfig) -> Self {
        Self::with_queue(Queue::with_config(config.clone()), config)
    }

    /// As [`DelayingQueue::with_config`], handing ready items out in `order` (see
    /// [`Queue::with_order`]).
    pub fn with_order(config: QueueConfig, order: impl QueueOrder<T> + 'static) -> Self {
        Self::with_queue(Queue::with_order(config.clone(), order), config)
    }

    /// A delaying queue over `queue`. Mirrors the `Queue` field of `DelayingQueueConfig`.
    fn with_queue(queue: Queue<T>, config: QueueConfig) -> Self {
        let retries = match (&config.metrics, config.name.is_empty()) {
            (Some(provider), false) => Some(provider.new_retries_metric(&config.name)),
            _ => None,
        };
        let clock = config.clock.clone();
        let inner = Arc::new(Inner {
            queue,
            waiting: Mutex::new(DelayHeap::new()),
            clock: clock.clone(),
            timer: Arc::new(StopSignal::default()),
            retries,
        });
        background::spawn(
            "workqueue-delay",
            waiting_loop(Arc::downgrade(&inner), inner.timer.clone(), clock),
        );
        DelayingQueue { inner }
    }

    /// Adds `item` once `delay` has passed; a zero delay adds it now. Never blocks; ignored after
    /// shutdown. If the item is already waiting, the earlier ready time wins. Mirrors `AddAfter`.
    pub fn add_after(&self, item: T, delay: Duration) {
        if self.inner.queue.shutting_down() {
            return;
        }
        if let Some(retries) = &self.inner.retries {
            retries.inc();
        }
        if delay.is_zero() {
            self.inner.queue.add(item);
            return;
        }
        let ready_at = saturating_add(self.inner.clock.now(), delay);
        self.schedule(item, ready_at);
    }

    /// Adds `item` at `ready_at` (now if that has passed), without the retry metric.
    pub(crate) fn add_at(&self, item: T, ready_at: Instant) {
        if self.inner.queue.shutting_down() {
            return;
        }
        if ready_at <= self.inner.clock.now() {
            self.inner.queue.add(item);
            return;
        }
        self.schedule(item, ready_at);
    }

    fn schedule(&self, item: T, ready_at: Instant) {
        let rearm = self.inner.waiting().insert(item, ready_at);
        if rearm {
            self.inner.timer.poke();
        }
    }

    /// Number of items waiting for their delay (not yet in the queue).
    pub fn waiting_len(&self) -> usize {
        self.inner.waiting().len()
    }

    /// When the earliest waiting item becomes ready, if any item waits.
    pub fn next_ready_at(&self) -> Option<Instant> {
        self.inner.waiting().next_ready_at()
    }

    /// The underlying basic queue.
    pub fn queue(&self) -> &Queue<T> {
        &self.inner.queue
    }

    /// See [`Queue::add`].
    pub fn add(&self, item: T) {
        self.inner.queue.add(item);
    }

    /// See [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.inner.queue.get().await
    }

    /// See [`Queue::get_blocking`].
    pub fn get_blocking(&self) -> Option<T> {
        self.inner.queue.get_blocking()
    }

    /// See [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.inner.queue.done(item);
    }

    /// See [`Queue::len`]; items still waiting for their delay are not counted.
    pub fn len(&self) -> usize {
        self.inner.queue.len()
    }

    /// See [`Queue::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.inner.queue.is_empty()
    }

    /// Shuts the queue down (see [`Queue::shut_down`]), stops the timer and discards waiting items.
    /// Mirrors `delayingType.ShutDown`.
    pub fn shut_down(&self) {
        self.stop_timer();
        self.inner.queue.shut_down();
    }

    /// See [`Queue::shut_down_with_drain`]; also stops the timer (client-go's delaying queue leaves
    /// its loop running in this case).
    pub async fn shut_down_with_drain(&self) {
        self.stop_timer();
        self.inner.queue.shut_down_with_drain().await;
    }

    /// See [`Queue::shut_down_with_drain_blocking`].
    pub fn shut_down_with_drain_blocking(&self) {
        self.stop_timer();
        self.inner.queue.shut_down_with_drain_blocking();
    }

    fn stop_timer(&self) {
        self.inner.timer.stop();
        self.inner.waiting().clear();
    }

    /// See [`Queue::shutting_down`].
    pub fn shutting_down(&self) -> bool {
        self.inner.queue.shutting_down()
    }
}

/// The one timer task: moves due items into the queue, then sleeps until the earliest ready time or
/// until poked. Holds only a weak reference while sleeping, so dropping the queue ends it.
async fn waiting_loop<T: Hash + Eq + Clone + Send + 'static>(
    inner: Weak<Inner<T>>,
    timer: Arc<StopSignal>,
    clock: Arc<dyn Clock>,
) {
    let mut ready = Vec::new();
    loop {
        if timer.is_stopped() {
            return;
        }
        let next = {
            let Some(inner) = inner.upgrade() else { return };
            let now = clock.now();
            let next = {
                let mut waiting = inner.waiting();
                waiting.pop_ready(now, &mut ready);
                waiting.next_ready_at()
            };
            if !ready.is_empty() {
                inner.queue.add_all(ready.drain(..));
            }
            next
        };
        match next {
            Some(deadline) => {
                tokio::select! {
                    () = clock.sleep_until(deadline) => {}
                    () = timer.poked() => {}
                }
            }
            None => timer.poked().await,
        }
    }
}
