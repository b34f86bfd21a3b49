//! A reflector filling a queue, and a loop popping it: client-go's low-level controller.
//!
//! Mirrors client-go `tools/cache/controller.go`: [`Config`], [`Controller`] (`cache.New`,
//! `Run`, `HasSynced`, `LastSyncResourceVersion`), [`process_deltas`] and the informers built on
//! them ([`new_informer_with_options`], [`new_informer`], [`new_indexer_informer`]).
//!
//! The reflector writes into an [`AsyncQueue`] (the queue is the reflector's store, as in Go),
//! and [`Controller::run`] drives the reflector and the process loop in the same future: no task
//! is spawned, so dropping the future stops both, and a [`CancellationToken`] stops them too.

mod informer;
mod process_deltas;

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clientgo_apimachinery::Object;
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::async_queue::{AsyncQueue, DEFAULT_QUEUE_CAPACITY};
use crate::delta::Deltas;
use crate::fifo::{ProcessError, Queue};
use crate::listwatch::ListerWatcher;
use crate::real_fifo::{FifoItem, RealFifo};
use crate::reflector::{Reflector, ReflectorOptions, ReflectorStore, ShouldResync, SyncStatus};

pub use informer::{
    new_indexer_informer, new_informer, new_informer_with_options, InformerOptions, QueueKind,
};
pub use process_deltas::{process_deltas, process_item};

/// What a [`Controller`] does with each popped item. Mirrors client-go `cache.ProcessFunc`, split
/// in two phases.
///
/// [`process`](Process::process) runs under the queue's lock, as client-go runs its process
/// function inside `Pop`: a store it writes (the queue's known objects) then never disagrees with
/// the queue, which a relist relies on to find deleted objects. It must be quick and must not
/// block. [`flush`](Process::flush) runs after the lock is released and may await: the informers
/// deliver the notifications `process` collected there, so a slow handler never holds the queue.
///
/// Any `FnMut(&Deltas<K>, bool) -> Result<(), ProcessError<E>>` is a `Process` (name the argument
/// type, `|deltas: &Deltas<K>, is_in_initial_list: bool|`, so the closure accepts any lifetime).
#[doc(alias = "ProcessFunc")]
pub trait Process<K>: Send + 'static {
    /// What `process` reports when it fails; logged by the loop.
    type Error: fmt::Display + Send;

    /// Handles one popped item, `is_in_initial_list` while the first list is being drained.
    /// [`ProcessError::Requeue`] puts the item back (client-go `ErrRequeue`).
    ///
    /// # Errors
    /// As the implementation decides; the loop logs the error and goes on.
    fn process(
        &mut self,
        deltas: &Deltas<K>,
        is_in_initial_list: bool,
    ) -> Result<(), ProcessError<Self::Error>>;

    /// Runs after each `process` call, outside the queue's lock. Does nothing by default.
    fn flush(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
}

impl<K, E, F> Process<K> for F
where
    F: FnMut(&Deltas<K>, bool) -> Result<(), ProcessError<E>> + Send + 'static,
    E: fmt::Display + Send,
{
    type Error = E;

    fn process(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), ProcessError<E>> {
        self(deltas, is_in_initial_list)
    }
}

/// A [`Process`] that can also apply whole items of a [`RealFifo`] with atomic events (see
/// [`QueueKind::AtomicRealFifo`]). The informers' process functions are; a [`Controller`] pops
/// items only for them.
pub(crate) trait ProcessItem<K>: Process<K> {
    /// Handles one popped item, as [`Process::process`] handles popped deltas (and under the
    /// queue's lock as well).
    fn process_item(
        &mut self,
        item: &FifoItem<K>,
        is_in_initial_list: bool,
    ) -> Result<(), ProcessError<Self::Error>>;
}

/// What a [`Config`] holds besides the queue and the process function.
pub(crate) struct Settings<K> {
    pub(crate) reflector: ReflectorOptions<K>,
    pub(crate) should_resync: Option<ShouldResync>,
    pub(crate) retry_on_error: bool,
    pub(crate) capacity: usize,
    pub(crate) status: Arc<SyncStatus>,
}

impl<K> Default for Settings<K> {
    fn default() -> Self {
        Settings {
            reflector: ReflectorOptions::default(),
            should_resync: None,
            retry_on_error: false,
            capacity: DEFAULT_QUEUE_CAPACITY,
            status: Arc::new(SyncStatus::default()),
        }
    }
}

/// How a [`Controller`] lists, watches, queues and processes. Mirrors client-go `cache.Config`.
///
/// The queue is a sans-IO [`Queue`] ([`RealFifo`](crate::RealFifo) or
/// [`DeltaFifo`](crate::DeltaFifo), with the process function's store as its known objects); the
/// controller shares it, behind a lock, between the reflector and its process loop, with a
/// bounded [`queue_capacity`](Config::queue_capacity).
pub struct Config<K, Q, P> {
    queue: Q,
    lister_watcher: Arc<dyn ListerWatcher<K>>,
    process: P,
    settings: Settings<K>,
}

impl<K, Q, P> fmt::Debug for Config<K, Q, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("reflector", &self.settings.reflector)
            .field("retry_on_error", &self.settings.retry_on_error)
            .field("capacity", &self.settings.capacity)
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static, Q: Queue<K> + Send + 'static, P: Process<K>> Config<K, Q, P> {
    /// A config reading `lister_watcher` into `queue` and handing each popped item to `process`,
    /// with client-go's defaults: no resync, no retry, the reflector's default options.
    pub fn new<L: ListerWatcher<K>>(queue: Q, lister_watcher: L, process: P) -> Self {
        Config {
            queue,
            lister_watcher: Arc::new(lister_watcher),
            process,
            settings: Settings::default(),
        }
    }

    /// Resyncs the queue this often (zero: never). Mirrors `FullResyncPeriod`.
    pub fn full_resync_period(mut self, period: Duration) -> Self {
        self.settings.reflector.resync_period = Some(period).filter(|p| !p.is_zero());
        self
    }

    /// Asks `should_resync` each period before resyncing. Mirrors `ShouldResync`.
    pub fn should_resync(mut self, should_resync: ShouldResync) -> Self {
        self.settings.should_resync = Some(should_resync);
        self
    }

    /// Puts an item back whenever processing fails, not only on [`ProcessError::Requeue`].
    /// Mirrors `RetryOnError: true`. A retried item is popped again at once (after a yield), as
    /// in client-go: an item that always fails keeps the loop busy, so give up with
    /// [`ProcessError::Failed`] without this option, or hand work to a rate-limited work queue.
    pub fn retry_on_error(mut self) -> Self {
        self.settings.retry_on_error = true;
        self
    }

    /// Changes the reflector's options (page size, streaming list, backoff, watch timeouts,
    /// transform). Mirrors `WatchListPageSize`, `MinWatchTimeout` and friends.
    pub fn reflector_options(mut self, f: impl FnOnce(ReflectorOptions<K>) -> ReflectorOptions<K>) -> Self {
        self.settings.reflector = f(std::mem::take(&mut self.settings.reflector));
        self
    }

    /// How many deltas the queue holds before the reflector waits (at least 1; default
    /// 1,024). client-go's queue is unbounded.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.settings.capacity = capacity.max(1);
        self
    }

    /// Calls `handler` with every list/watch failure. Mirrors `WatchErrorHandler`.
    pub fn watch_error_handler(
        self,
        handler: impl Fn(&crate::ReflectorError) + Send + Sync + 'static,
    ) -> Self {
        self.settings.status.set_error_handler(Arc::new(handler));
        self
    }

    /// Replaces the crate-internal settings wholesale (the informers build them).
    pub(crate) fn with_settings(mut self, settings: Settings<K>) -> Self {
        self.settings = settings;
        self
    }
}

/// The popping half, type-erased so that [`Controller`] has one type parameter.
trait Consume: Send + Sync {
    fn run<'a>(&'a self, stop: &'a CancellationToken) -> BoxFuture<'a, ()>;
    fn close(&self);
}

/// How a process loop takes units off its queue: what it pops and hands to the process function,
/// and what resourceVersion the store reaches once that unit is applied.
trait PopMode<K, Q, P: Process<K>>: Send + Sync + 'static {
    /// What one pop hands over.
    type Unit: Send;

    /// Pops the next unit and processes it under the queue's lock (the queue's `pop`);
    /// `None` when the queue has nothing.
    fn pop(
        queue: &mut Q,
        process: impl FnMut(&Self::Unit, bool) -> Result<(), ProcessError<P::Error>>,
    ) -> Option<Result<Self::Unit, P::Error>>;

    /// The resourceVersion the store has reached once `unit` is applied (`None`: unchanged).
    fn resource_version(unit: &Self::Unit) -> Option<&str>;
}

/// Pops [`Deltas`] through [`Queue::pop`]: client-go's `Pop` with a `ProcessFunc`.
struct ByDeltas;

impl<K: Object + Send + Sync + 'static, Q: Queue<K>, P: Process<K>> PopMode<K, Q, P> for ByDeltas {
    type Unit = Deltas<K>;

    fn pop(
        queue: &mut Q,
        process: impl FnMut(&Deltas<K>, bool) -> Result<(), ProcessError<P::Error>>,
    ) -> Option<Result<Deltas<K>, P::Error>> {
        queue.pop(process)
    }

    fn resource_version(deltas: &Deltas<K>) -> Option<&str> {
        // A tombstone carries no version: the store stays where it was.
        deltas
            .newest()
            .and_then(|d| d.object.object())
            .map(|o| o.resource_version())
    }
}

/// Pops whole [`FifoItem`]s of a [`RealFifo`] with atomic events through
/// [`RealFifo::pop_item`]: client-go 1.36's `Pop` with `AtomicEvents`.
struct ByItems;

impl<K: Object + Send + Sync + 'static, P: ProcessItem<K>> PopMode<K, RealFifo<K>, P> for ByItems {
    type Unit = FifoItem<K>;

    fn pop(
        queue: &mut RealFifo<K>,
        process: impl FnMut(&FifoItem<K>, bool) -> Result<(), ProcessError<P::Error>>,
    ) -> Option<Result<FifoItem<K>, P::Error>> {
        queue.pop_item(process)
    }

    fn resource_version(item: &FifoItem<K>) -> Option<&str> {
        item.resource_version()
    }
}

/// Hands a popped unit to the process function: deltas to [`Process::process`], an item to
/// [`ProcessItem::process_item`].
trait HandUnit<K, U>: Process<K> {
    /// Processes `unit`.
    fn hand(&mut self, unit: &U, initial: bool) -> Result<(), ProcessError<Self::Error>>;
}

impl<K, P: Process<K>> HandUnit<K, Deltas<K>> for P {
    fn hand(&mut self, deltas: &Deltas<K>, initial: bool) -> Result<(), ProcessError<P::Error>> {
        self.process(deltas, initial)
    }
}

impl<K, P: ProcessItem<K>> HandUnit<K, FifoItem<K>> for P {
    fn hand(&mut self, item: &FifoItem<K>, initial: bool) -> Result<(), ProcessError<P::Error>> {
        self.process_item(item, initial)
    }
}

/// The process loop over one queue. Mirrors `controller.processLoop`.
struct ProcessLoop<K, Q, P, M> {
    queue: Arc<AsyncQueue<K, Q>>,
    process: Mutex<Option<P>>,
    retry_on_error: bool,
    status: Arc<SyncStatus>,
    _mode: PhantomData<fn() -> M>,
}

impl<K, Q, P, M> ProcessLoop<K, Q, P, M>
where
    K: Object + Send + Sync + 'static,
    Q: Queue<K> + Send + 'static,
    P: Process<K> + HandUnit<K, M::Unit>,
    M: PopMode<K, Q, P>,
{
    async fn drain(&self, mut process: P, stop: &CancellationToken) {
        let retry_on_error = self.retry_on_error;
        loop {
            let mut requeued = false;
            let popped = tokio::select! {
                biased;
                () = stop.cancelled() => return,
                r = self.queue.pop_with(|q| M::pop(q, |unit, initial| {
                    let r = match process.hand(unit, initial) {
                        Err(ProcessError::Failed(e)) if retry_on_error => Err(ProcessError::Requeue(e)),
                        r => r,
                    };
                    requeued = matches!(r, Err(ProcessError::Requeue(_)));
                    r
                })) => r,
            };
            match popped {
                None => return,
                Some(Ok(unit)) => {
                    if let Some(rv) = M::resource_version(&unit) {
                        self.status.set_store_resource_version(rv);
                    }
                }
                Some(Err(e)) => tracing::warn!(error = %e, requeued, "processing a popped item failed"),
            }
            tokio::select! {
                biased;
                () = stop.cancelled() => return,
                () = process.flush() => {}
            }
            // Synced once the first list has been popped *and* flushed (client-go's handlers run
            // inside Pop, so its HasSynced implies they saw the list).
            if !self.status.has_synced() && self.queue.has_synced() {
                self.status.mark_synced();
            }
            if requeued {
                // Let the reflector and others run before the item comes round again.
                tokio::task::yield_now().await;
            }
        }
    }
}

impl<K, Q, P, M> Consume for ProcessLoop<K, Q, P, M>
where
    K: Object + Send + Sync + 'static,
    Q: Queue<K> + Send + 'static,
    P: Process<K> + HandUnit<K, M::Unit>,
    M: PopMode<K, Q, P>,
{
    fn run<'a>(&'a self, stop: &'a CancellationToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let taken = self.process.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(process) = taken {
                self.drain(process, stop).await;
            }
        })
    }

    fn close(&self) {
        self.queue.close();
    }
}

/// A reflector filling a queue and a loop handing each popped item to a process function.
/// Mirrors client-go's `cache.Controller` (returned by `cache.New`). Cheap to clone (shared).
///
/// ```no_run
/// use std::sync::Arc;
/// use clientgo_apimachinery::DynamicObject;
/// use clientgo_cache::{
///     meta_namespace_key_func, process_deltas, Cache, Config, Controller, DeltaFifo, Deltas, KnownObjects,
///     ListerWatcher, ProcessError,
/// };
/// use tokio_util::sync::CancellationToken;
///
/// async fn follow(lister_watcher: impl ListerWatcher<DynamicObject>, stop: CancellationToken) {
///     let store = Arc::new(Cache::new_store(meta_namespace_key_func));
///     let queue = DeltaFifo::new(meta_namespace_key_func)
///         .with_known_objects(Arc::clone(&store) as KnownObjects<DynamicObject>);
///     let s = Arc::clone(&store);
///     let process = move |deltas: &Deltas<DynamicObject>, initial: bool| {
///         process_deltas(&*s, deltas, initial, |n| println!("{n:?}")).map_err(ProcessError::Failed)
///     };
///     let controller = Controller::new(Config::new(queue, lister_watcher, process));
///     controller.run(stop).await; // until the token is cancelled
/// }
/// ```
pub struct Controller<K> {
    inner: Arc<Inner<K>>,
}

struct Inner<K> {
    reflector: Reflector<K>,
    consumer: Box<dyn Consume>,
    status: Arc<SyncStatus>,
    started: AtomicBool,
}

impl<K> Clone for Controller<K> {
    fn clone(&self) -> Self {
        Controller {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K> fmt::Debug for Controller<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Controller")
            .field("status", &self.inner.status)
            .field("started", &self.inner.started.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static> Controller<K> {
    /// A controller for `config`; nothing happens until [`run`](Controller::run). Mirrors
    /// client-go `cache.New`.
    #[doc(alias = "New")]
    pub fn new<Q, P>(config: Config<K, Q, P>) -> Self
    where
        Q: Queue<K> + Send + 'static,
        P: Process<K>,
    {
        Self::build::<Q, P, ByDeltas>(config)
    }

    /// A controller over a [`RealFifo`] with atomic events whose loop pops whole items
    /// ([`RealFifo::pop_item`]) and hands each to [`ProcessItem::process_item`]: a relist reaches
    /// the process function as one unit, once complete. Mirrors client-go 1.36 `cache.New` with
    /// an atomic RealFIFO.
    pub(crate) fn new_atomic<P: ProcessItem<K>>(config: Config<K, RealFifo<K>, P>) -> Self {
        Self::build::<RealFifo<K>, P, ByItems>(config)
    }

    fn build<Q, P, M>(config: Config<K, Q, P>) -> Self
    where
        Q: Queue<K> + Send + 'static,
        P: Process<K> + HandUnit<K, M::Unit>,
        M: PopMode<K, Q, P>,
    {
        let Config {
            queue,
            lister_watcher,
            process,
            settings,
        } = config;
        let queue = Arc::new(AsyncQueue::new(queue).with_capacity(settings.capacity));
        let store: Arc<dyn ReflectorStore<K>> = Arc::clone(&queue) as Arc<dyn ReflectorStore<K>>;
        let mut reflector = Reflector::with_store(lister_watcher, store, settings.reflector)
            .with_status(Arc::clone(&settings.status));
        if let Some(should_resync) = settings.should_resync {
            reflector = reflector.with_should_resync(should_resync);
        }
        Controller {
            inner: Arc::new(Inner {
                reflector,
                consumer: Box::new(ProcessLoop::<K, Q, P, M> {
                    queue,
                    process: Mutex::new(Some(process)),
                    retry_on_error: settings.retry_on_error,
                    status: Arc::clone(&settings.status),
                    _mode: PhantomData,
                }),
                status: settings.status,
                started: AtomicBool::new(false),
            }),
        }
    }

    /// Lists and watches into the queue and processes what it pops, until `stop` is cancelled;
    /// then closes the queue and returns. A second call returns at once. Mirrors `Run`.
    ///
    /// # Drop behavior
    /// Reflector and process loop are this future: dropping it stops both for good (the queue is
    /// left as it was, and `run` cannot be called again).
    pub async fn run(&self, stop: CancellationToken) {
        if self.inner.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let close = async {
            stop.cancelled().await;
            // Wakes a reflector waiting for room and the process loop.
            self.inner.consumer.close();
        };
        tokio::join!(
            self.inner.reflector.run(stop.clone()),
            self.inner.consumer.run(&stop),
            close
        );
    }

    /// True once the first list has been popped and processed. Mirrors `HasSynced`.
    pub fn has_synced(&self) -> bool {
        self.inner.status.has_synced()
    }

    /// The resourceVersion the reflector last saw. Mirrors `LastSyncResourceVersion`.
    pub fn last_sync_resource_version(&self) -> String {
        self.inner.status.last_sync_resource_version()
    }

    /// The resourceVersion the store has caught up to. Mirrors `LastStoreSyncResourceVersion`.
    pub fn last_store_sync_resource_version(&self) -> String {
        self.inner.status.last_store_sync_resource_version()
    }

    /// Sync state, the last list/watch error and counters; `status().wait_synced()` waits for
    /// [`has_synced`](Controller::has_synced).
    pub fn status(&self) -> &Arc<SyncStatus> {
        &self.inner.status
    }
}

#[cfg(test)]
mod tests;
