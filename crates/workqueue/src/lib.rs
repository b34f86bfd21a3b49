//! Work queues for Kubernetes controllers: a deduplicating queue, a delaying queue, a rate-limited
//! queue and the rate limiters behind it.
//!
//! Mirrors client-go `util/workqueue`. Its guarantees (`doc.go`) hold here too:
//! - **Fair**: items are processed in the order they are added.
//! - **Stingy**: an item added many times before it is processed is processed once; an item added
//!   while being processed is processed again afterwards, never by two workers at once.
//! - **Many consumers and producers**: handles are `Clone + Send + Sync`.
//! - **Shutdown**: [`Queue::shut_down`] and [`Queue::shut_down_with_drain`].
//!
//! Each layer adds one behaviour: [`Queue`] (`queue.go`), then [`DelayingQueue`]
//! (`delaying_queue.go`), then [`RateLimitingQueue`] (`rate_limiting_queue.go`), with the limiters
//! of `default_rate_limiters.go` behind the [`RateLimiter`] trait. Waiting items leave first-in
//! first-out unless a [`QueueOrder`] (client-go's `Queue` option, e.g. a priority) says otherwise. Beside the queues,
//! [`parallelize_until`] runs numbered pieces of work on a few threads (`parallelizer.go`). The bookkeeping (dirty and
//! processing sets, FIFO, delay heap) is sans-IO and takes `now`; the async handles add a `Notify`
//! and, for delays, one timer task. Time comes from a `clientgo_flowcontrol::Clock`, so tests drive
//! a `FakeClock`.
//!
//! Items are any `T: Hash + Eq + Clone + Send + 'static`; dedup is by `Eq`, so two distinct
//! objects that compare equal are one item (wrap them to get identity semantics).
//!
//! ```
//! use clientgo_workqueue::{Queue, RateLimitingQueue, default_controller_rate_limiter};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let q: RateLimitingQueue<String> = RateLimitingQueue::new(default_controller_rate_limiter());
//! q.add("default/web".to_string());
//! while let Some(key) = q.get().await {
//!     let ok = true; // reconcile(&key)
//!     if ok { q.forget(&key) } else { q.add_rate_limited(key.clone()) }
//!     q.done(&key);
//!     # q.shut_down();
//! }
//! # }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod background;
mod default_rate_limiters;
mod delay_heap;
mod delaying_queue;
pub mod metrics;
mod parallelizer;
mod queue;
mod queue_order;
mod queue_state;
mod rate_limiting_queue;

pub use default_rate_limiters::{
    default_controller_rate_limiter, default_item_based_rate_limiter, BucketRateLimiter,
    ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter, MaxOfRateLimiter, RateLimiter,
    WithMaxWaitRateLimiter,
};
pub use delaying_queue::DelayingQueue;
pub use metrics::{InMemoryMetrics, MetricsProvider, MetricsSnapshot};
pub use parallelizer::{parallelize_until, ParallelizeOptions};
pub use queue::{Queue, QueueConfig, DEFAULT_UNFINISHED_WORK_UPDATE_PERIOD};
pub use queue_order::QueueOrder;
pub use rate_limiting_queue::{FailureCounting, RateLimitingQueue};

/// Re-exported so users need not depend on `clientgo-flowcontrol` to pass a clock.
pub use clientgo_flowcontrol::{Clock, FakeClock, RealClock};
