//! A delaying queue whose retries are spaced by a rate limiter.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clientgo_flowcontrol::{saturating_add, Clock};
use foldhash::quality::RandomState;

use crate::default_rate_limiters::RateLimiter;
use crate::delaying_queue::DelayingQueue;
use crate::queue::{Queue, QueueConfig};
use crate::queue_order::QueueOrder;

/// How [`RateLimitingQueue::add_rate_limited`] counts failures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureCounting {
    /// At most one failure per backoff window (the default). While an item's previous rate-limited
    /// retry is not yet due, `add_rate_limited` does not call the limiter again: the item keeps the
    /// retry time it already has.
    ///
    /// Why: in client-go, event handlers call plain `Add`, which makes an item waiting for a
    /// rate-limited retry ready at once. If it fails again, `AddRateLimited` counts another failure
    /// and doubles the delay, although the previous backoff never elapsed. Under a steady stream of
    /// events the exponent climbs with the event rate, not with time, and the item ends up parked
    /// at the 1000 s cap. With this policy the exponent grows at most once per backoff window, so
    /// backoff follows time as intended, and events still get processed immediately.
    #[default]
    OncePerBackoff,
    /// Every `add_rate_limited` call asks the limiter, exactly as client-go does.
    EveryCall,
}

/// A [`DelayingQueue`] plus a [`RateLimiter`]: failed items are retried after the limiter's delay.
///
/// Mirrors client-go `workqueue.RateLimitingInterface` (`rate_limiting_queue.go`,
/// `NewRateLimitingQueue`): [`add_rate_limited`](Self::add_rate_limited) is
/// `add_after(item, limiter.when(item))`, [`forget`](Self::forget) and
/// [`num_requeues`](Self::num_requeues) go to the limiter. `forget` only clears the limiter: the
/// worker must still call [`done`](Self::done).
///
/// # Difference from client-go: backoff inflation
/// By default failures are counted once per backoff window ([`FailureCounting::OncePerBackoff`]):
/// an item made ready early by a plain [`add`](Self::add) (a new event) and failing again before its
/// previous retry was due is rescheduled for that retry time instead of doubling its delay. Plain
/// `add` still makes the item ready at once, as in Go, and the already scheduled retry still fires
/// (a harmless extra pass if the item succeeded meanwhile). Choose [`FailureCounting::EveryCall`]
/// with [`with_failure_counting`](Self::with_failure_counting) for client-go's exact behaviour.
#[doc(alias = "RateLimitingInterface")]
#[doc(alias = "rateLimitingType")]
pub struct RateLimitingQueue<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    delaying: DelayingQueue<T>,
    limiter: Box<dyn RateLimiter<T>>,
    counting: FailureCounting,
    /// When each item's pending rate-limited retry is due (OncePerBackoff only).
    retry_due: Mutex<HashMap<T, Instant, RandomState>>,
    clock: Arc<dyn Clock>,
}

impl<T> Clone for RateLimitingQueue<T> {
    fn clone(&self) -> Self {
        RateLimitingQueue {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for RateLimitingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitingQueue")
            .field("counting", &self.inner.counting)
            .finish_non_exhaustive()
    }
}

impl<T: Hash + Eq + Clone + Send + 'static> RateLimitingQueue<T> {
    /// An unnamed rate-limited queue on the real clock. Mirrors `NewRateLimitingQueue(limiter)`.
    pub fn new(limiter: impl RateLimiter<T> + 'static) -> Self {
        Self::with_config(limiter, QueueConfig::default())
    }

    /// With a name, metrics and clock. Mirrors `NewRateLimitingQueueWithConfig`.
    pub fn with_config(limiter: impl RateLimiter<T> + 'static, config: QueueConfig) -> Self {
        Self::build(Box::new(limiter), config, FailureCounting::default())
    }

    /// With an explicit failure-counting policy (see [`FailureCounting`]).
    pub fn with_failure_counting(
        limiter: impl RateLimiter<T> + 'static,
        config: QueueConfig,
        counting: FailureCounting,
    ) -> Self {
        Self::build(Box::new(limiter), config, counting)
    }

    /// As [`RateLimitingQueue::with_config`], handing ready items out in `order` (see
    /// [`Queue::with_order`](crate::Queue::with_order)).
    pub fn with_order(
        limiter: impl RateLimiter<T> + 'static,
        config: QueueConfig,
        order: impl QueueOrder<T> + 'static,
    ) -> Self {
        let clock = config.clock.clone();
        Self::over(
            Box::new(limiter),
            DelayingQueue::with_order(config, order),
            clock,
            FailureCounting::default(),
        )
    }

    fn build(limiter: Box<dyn RateLimiter<T>>, config: QueueConfig, counting: FailureCounting) -> Self {
        let clock = config.clock.clone();
        Self::over(limiter, DelayingQueue::with_config(config), clock, counting)
    }

    fn over(
        limiter: Box<dyn RateLimiter<T>>,
        delaying: DelayingQueue<T>,
        clock: Arc<dyn Clock>,
        counting: FailureCounting,
    ) -> Self {
        RateLimitingQueue {
            inner: Arc::new(Inner {
                delaying,
                limiter,
                counting,
                retry_due: Mutex::new(HashMap::default()),
                clock,
            }),
        }
    }

    /// Adds `item` after the delay the rate limiter decides (recording a failure for per-item
    /// limiters). Mirrors `AddRateLimited`; see [`FailureCounting`] for the one deliberate
    /// difference.
    pub fn add_rate_limited(&self, item: T) {
        let inner = &*self.inner;
        if inner.counting == FailureCounting::EveryCall {
            let delay = inner.limiter.when(&item);
            inner.delaying.add_after(item, delay);
            return;
        }
        let now = inner.clock.now();
        let mut due_by_item = inner.retry_due.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&due) = due_by_item.get(&item) {
            if due > now {
                drop(due_by_item);
                inner.delaying.add_at(item, due);
                return;
            }
        }
        let delay = inner.limiter.when(&item);
        if delay.is_zero() {
            due_by_item.remove(&item);
        } else {
            due_by_item.insert(item.clone(), saturating_add(now, delay));
        }
        drop(due_by_item);
        inner.delaying.add_after(item, delay);
    }

    /// Stops tracking `item`'s failures (call on success or when giving up). You must still call
    /// [`done`](Self::done). Mirrors `Forget`.
    pub fn forget(&self, item: &T) {
        self.inner.limiter.forget(item);
        if self.inner.counting == FailureCounting::OncePerBackoff {
            self.inner
                .retry_due
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(item);
        }
    }

    /// How many failures the limiter has recorded for `item`. Mirrors `NumRequeues`.
    pub fn num_requeues(&self, item: &T) -> usize {
        self.inner.limiter.num_requeues(item)
    }

    /// See [`DelayingQueue::add_after`].
    pub fn add_after(&self, item: T, delay: Duration) {
        self.inner.delaying.add_after(item, delay);
    }

    /// The underlying delaying queue.
    pub fn delaying_queue(&self) -> &DelayingQueue<T> {
        &self.inner.delaying
    }

    /// The underlying basic queue.
    pub fn queue(&self) -> &Queue<T> {
        self.inner.delaying.queue()
    }

    /// See [`Queue::add`].
    pub fn add(&self, item: T) {
        self.inner.delaying.add(item);
    }

    /// See [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.inner.delaying.get().await
    }

    /// See [`Queue::get_blocking`].
    pub fn get_blocking(&self) -> Option<T> {
        self.inner.delaying.get_blocking()
    }

    /// See [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.inner.delaying.done(item);
    }

    /// See [`Queue::len`].
    pub fn len(&self) -> usize {
        self.inner.delaying.len()
    }

    /// See [`Queue::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.inner.delaying.is_empty()
    }

    /// See [`DelayingQueue::shut_down`].
    pub fn shut_down(&self) {
        self.inner.delaying.shut_down();
    }

    /// See [`DelayingQueue::shut_down_with_drain`].
    pub async fn shut_down_with_drain(&self) {
        self.inner.delaying.shut_down_with_drain().await;
    }

    /// See [`DelayingQueue::shut_down_with_drain_blocking`].
    pub fn shut_down_with_drain_blocking(&self) {
        self.inner.delaying.shut_down_with_drain_blocking();
    }

    /// See [`Queue::shutting_down`].
    pub fn shutting_down(&self) -> bool {
        self.inner.delaying.shutting_down()
    }
}
