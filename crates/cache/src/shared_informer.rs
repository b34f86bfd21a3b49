//! One reflector and one indexer shared by any number of event handlers.
//!
//! Mirrors client-go `tools/cache/shared_informer.go` (`sharedIndexInformer`, `sharedProcessor`,
//! `processorListener`). Differences, on purpose:
//! - each handler has a bounded buffer ([`SharedIndexInformer::with_handler_buffer`]); when it is
//!   full the reflector waits (back-pressure all the way to the watch connection). client-go's
//!   per-listener buffer is unbounded, a known source of OOMs behind a stalled handler;
//! - by default there is no DeltaFIFO between reflector and indexer: the reflector writes the
//!   indexer and hands each change straight to the handlers, in order, and a relist is diffed into
//!   the indexer page by page. [`SharedIndexInformer::with_queue`] puts a [`RealFifo`] or
//!   [`DeltaFifo`] in between instead, as client-go does (see [`QueueKind`]);
//! - handlers run on tokio tasks (one per handler), not goroutines; the informer itself is a
//!   future ([`SharedIndexInformer::run`]) that stops when its token is cancelled or it is dropped.

mod handler;
mod processor;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_apimachinery::Object;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::async_queue::DEFAULT_QUEUE_CAPACITY;
use crate::controller::{Notification, QueueKind, Settings};
use crate::index::Indexers;
use crate::listwatch::ListerWatcher;
use crate::reflector::{
    call_site, CacheWriter, EventSink, Reflector, ReflectorOptions, ShouldResync, SyncStatus, Transform,
};
use crate::store::{meta_namespace_key_func, Cache};
#[cfg(doc)]
use crate::{DeltaFifo, RealFifo};

pub(crate) use handler::deliver;
pub use handler::{ResourceEventHandler, ResourceEventHandlerFuncs};
use processor::{serve, InformerProcess, Listener, Processor};

/// The least resync period a handler may ask for. Mirrors `minimumResyncPeriod`.
pub const MINIMUM_RESYNC_PERIOD: Duration = Duration::from_secs(1);

/// Default capacity of a handler's buffer.
pub const DEFAULT_HANDLER_BUFFER: usize = 1024;

/// Returned by `add_event_handler`; pass it to `remove_event_handler`. Mirrors
/// `ResourceEventHandlerRegistration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandlerRegistration(u64);

/// An informer: a reflector filling an indexer, and handlers told of every change. Mirrors
/// client-go `cache.SharedIndexInformer` (`NewSharedIndexInformer`). Cheap to clone (shared).
pub struct SharedIndexInformer<K> {
    inner: Arc<Inner<K>>,
}

/// A handler added before `run`, with its buffer's receiving end.
type PendingHandler<K> = (mpsc::Receiver<Notification<K>>, Arc<dyn ResourceEventHandler<K>>);

struct Inner<K> {
    lw: Arc<dyn ListerWatcher<K>>,
    indexer: Arc<Cache<K>>,
    options: Mutex<ReflectorOptions<K>>,
    default_resync: Option<Duration>,
    processor: Arc<Processor<K>>,
    /// `None`: the direct path.
    queue: Mutex<Option<QueueKind>>,
    status: Arc<SyncStatus>,
    started: AtomicBool,
    next_id: AtomicU64,
    buffer: Mutex<usize>,
    stop: CancellationToken,
    runtime: std::sync::OnceLock<tokio::runtime::Handle>,
    /// Handlers added before `run`: their receivers wait for a runtime.
    pending: Mutex<Vec<PendingHandler<K>>>,
}

impl<K> Clone for SharedIndexInformer<K> {
    fn clone(&self) -> Self {
        SharedIndexInformer {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K> fmt::Debug for SharedIndexInformer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedIndexInformer")
            .field("status", &self.inner.status)
            .field("started", &self.inner.started.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static> SharedIndexInformer<K> {
    /// An informer over `lister_watcher` with `indexers` and a default resync period (`None` or
    /// zero: never). Mirrors `NewSharedIndexInformer`. Its reflector's log lines name it after
    /// the caller's source location (see [`ReflectorOptions::name`]).
    #[track_caller]
    pub fn new<L: ListerWatcher<K>>(
        lister_watcher: L,
        default_resync: Option<Duration>,
        indexers: Indexers<K>,
    ) -> Self {
        let indexer = Arc::new(Cache::new_indexer(meta_namespace_key_func, indexers));
        let default_resync = default_resync.filter(|d| !d.is_zero());
        let options = ReflectorOptions::default().name(call_site(std::panic::Location::caller()));
        SharedIndexInformer {
            inner: Arc::new(Inner {
                lw: Arc::new(lister_watcher),
                indexer: Arc::clone(&indexer),
                options: Mutex::new(options),
                default_resync,
                processor: Arc::new(Processor::new(indexer)),
                queue: Mutex::new(None),
                status: Arc::new(SyncStatus::default()),
                started: AtomicBool::new(false),
                next_id: AtomicU64::new(0),
                buffer: Mutex::new(DEFAULT_HANDLER_BUFFER),
                stop: CancellationToken::new(),
                runtime: std::sync::OnceLock::new(),
                pending: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Sets the capacity of each handler's buffer added from now on (at least 1).
    pub fn with_handler_buffer(self, capacity: usize) -> Self {
        if let Ok(mut g) = self.inner.buffer.lock() {
            *g = capacity.max(1);
        }
        self
    }

    /// Runs the reflector into a queue of `kind` drained by a [`Controller`](crate::Controller),
    /// as client-go's informers do, instead of the direct path. Ignored once running.
    ///
    /// Handlers then get what [`process_deltas`](crate::process_deltas) makes of each popped
    /// item: a relist reports objects deleted while the watch was down as
    /// [`DeletedFinalStateUnknown`](crate::DeletedFinalStateUnknown) tombstones, and an update
    /// that leaves the resourceVersion unchanged (a `Sync` delta from a resync, or an object a
    /// relist found unchanged) goes only to handlers whose resync is due (client-go's rule; the
    /// direct path tells every handler of every listed object). The price: a relist holds the
    /// full list beside the cache until it is queued, and each event passes through the queue's
    /// lock (docs/performance.md has the cost). [`has_synced`](SharedIndexInformer::has_synced)
    /// turns true once the first list has been popped into the indexer and handed out.
    pub fn with_queue(self, kind: QueueKind) -> Self {
        if let Ok(mut g) = self.inner.queue.lock() {
            *g = Some(kind);
        }
        self
    }

    /// Changes the reflector's options before [`SharedIndexInformer::run`] (page size, streaming
    /// list, backoff, watch timeouts). Ignored once running.
    pub fn with_reflector_options(self, f: impl FnOnce(ReflectorOptions<K>) -> ReflectorOptions<K>) -> Self {
        if let Ok(mut g) = self.inner.options.lock() {
            let o = std::mem::take(&mut *g);
            *g = f(o);
        }
        self
    }

    /// Applies `transform` to every object before it is stored. Mirrors `SetTransform` (which
    /// must also be called before `Run`); see [`strip_managed_fields`](crate::strip_managed_fields).
    pub fn set_transform(&self, transform: Transform<K>) {
        if let Ok(mut g) = self.inner.options.lock() {
            g.transform = Some(transform);
        }
    }

    /// Calls `handler` with every list/watch failure. Mirrors `SetWatchErrorHandler`.
    pub fn set_watch_error_handler(&self, handler: impl Fn(&crate::ReflectorError) + Send + Sync + 'static) {
        self.inner.status.set_error_handler(Arc::new(handler));
    }

    /// Adds a handler with the informer's default resync period. Mirrors `AddEventHandler`.
    ///
    /// Added to a running informer, the handler first gets every cached object as an add (with
    /// `is_in_initial_list` set), then every later change in order: while that replay is handed
    /// to it, no change is applied to the indexer or handed out (client-go holds `blockDeltas`
    /// for this), on the direct path and behind a queue alike. So each object reaches it exactly
    /// once as an add, from the replay or as a later creation, and afterwards only as updates
    /// whose `old` is the state it last saw, and deletes. The replay runs on a task, so this
    /// returns at once; it starts once the change being handed out is delivered (which waits for
    /// room in full handler buffers), and the changes after it wait for the replay.
    pub fn add_event_handler(&self, handler: impl ResourceEventHandler<K>) -> HandlerRegistration {
        self.add_handler(Arc::new(handler), self.inner.default_resync)
    }

    /// Adds a handler that also gets every cached object as an update each `resync_period`
    /// (at least [`MINIMUM_RESYNC_PERIOD`]). Mirrors `AddEventHandlerWithResyncPeriod`. Added to
    /// a running informer, it sees the cache replayed and then each change exactly once, as
    /// [`add_event_handler`](SharedIndexInformer::add_event_handler) describes.
    pub fn add_event_handler_with_resync_period(
        &self,
        handler: impl ResourceEventHandler<K>,
        resync_period: Duration,
    ) -> HandlerRegistration {
        let period = (!resync_period.is_zero()).then(|| resync_period.max(MINIMUM_RESYNC_PERIOD));
        self.add_handler(Arc::new(handler), period)
    }

    fn add_handler(
        &self,
        handler: Arc<dyn ResourceEventHandler<K>>,
        resync: Option<Duration>,
    ) -> HandlerRegistration {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let capacity = self
            .inner
            .buffer
            .lock()
            .map(|g| *g)
            .unwrap_or(DEFAULT_HANDLER_BUFFER);
        let (tx, rx) = mpsc::channel(capacity);
        let listener = Listener {
            id,
            tx,
            resync_period: resync,
            next_resync: resync.map(|p| Instant::now() + p),
        };
        match self.inner.runtime.get() {
            Some(rt) => {
                rt.spawn(serve(rx, handler));
                let processor = Arc::clone(&self.inner.processor);
                processor.start_joining(id);
                rt.spawn(async move { processor.join(listener).await });
            }
            None => {
                if let Ok(mut g) = self.inner.processor.listeners.lock() {
                    g.push(listener);
                }
                if let Ok(mut g) = self.inner.pending.lock() {
                    g.push((rx, handler));
                }
            }
        }
        HandlerRegistration(id)
    }

    /// Removes a handler; it sees nothing after its buffered notifications. Mirrors
    /// `RemoveEventHandler`. Returns false for an unknown registration. A handler added to a
    /// running informer can be removed at once, while its replay is still being handed to it:
    /// the replay stops and the handler never joins.
    pub fn remove_event_handler(&self, registration: HandlerRegistration) -> bool {
        self.inner.processor.remove(registration.0)
    }

    /// The shared indexer (read-only use). Mirrors `GetIndexer`/`GetStore`.
    pub fn indexer(&self) -> &Arc<Cache<K>> {
        &self.inner.indexer
    }

    /// True once the first list is in the indexer. Mirrors `HasSynced`.
    pub fn has_synced(&self) -> bool {
        self.inner.status.has_synced()
    }

    /// The resourceVersion the reflector last saw. Mirrors `LastSyncResourceVersion`.
    pub fn last_sync_resource_version(&self) -> String {
        self.inner.status.last_sync_resource_version()
    }

    /// The resourceVersion the indexer has caught up to. Mirrors `LastStoreSyncResourceVersion`.
    pub fn last_store_sync_resource_version(&self) -> String {
        self.inner.status.last_store_sync_resource_version()
    }

    /// Sync state, the last list/watch error and counters.
    pub fn status(&self) -> &Arc<SyncStatus> {
        &self.inner.status
    }

    /// Waits until synced; false when the informer was stopped first. Bound it with
    /// `tokio::time::timeout`, and look at [`SyncStatus::last_error`] on a timeout.
    /// Mirrors `cache.WaitForCacheSync`.
    pub async fn wait_for_cache_sync(&self) -> bool {
        tokio::select! {
            () = self.inner.status.wait_synced() => true,
            () = self.inner.stop.cancelled() => self.has_synced(),
        }
    }

    /// Stops [`SharedIndexInformer::run`] and the handlers.
    pub fn stop(&self) {
        self.inner.stop.cancel();
    }

    /// The token that stops this informer.
    pub fn stop_token(&self) -> CancellationToken {
        self.inner.stop.clone()
    }

    /// True once `run` was called.
    pub fn is_started(&self) -> bool {
        self.inner.started.load(Ordering::Acquire)
    }

    /// Lists, watches and notifies until stopped; a second call returns at once. Mirrors `Run`.
    /// Spawn it (`tokio::spawn(informer.clone().run())`) or await it; dropping it stops the
    /// reflector, and handler tasks end when the informer is stopped.
    pub async fn run(self) {
        if self.inner.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let rt = tokio::runtime::Handle::current();
        let _ = self.inner.runtime.set(rt.clone());
        let pending = self
            .inner
            .pending
            .lock()
            .map(|mut g| std::mem::take(&mut *g))
            .unwrap_or_default();
        for (rx, handler) in pending {
            rt.spawn(serve(rx, handler));
        }
        let mut options = self.inner.options.lock().map(|g| g.clone()).unwrap_or_default();
        // The resync check period: the shortest handler period (client-go's resyncCheckPeriod).
        let shortest = self
            .inner
            .processor
            .listeners
            .lock()
            .ok()
            .and_then(|g| g.iter().filter_map(|l| l.resync_period).min());
        options.resync_period = match (shortest, self.inner.default_resync) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let queue = self.inner.queue.lock().map(|g| *g).unwrap_or_default();
        match queue {
            None => {
                let writer = CacheWriter::new(Arc::clone(&self.inner.indexer))
                    .with_sink(Arc::clone(&self.inner.processor) as Arc<dyn EventSink<K>>);
                let reflector = Reflector::new(Arc::clone(&self.inner.lw), Arc::new(writer), options)
                    .with_status(Arc::clone(&self.inner.status));
                reflector.run(self.inner.stop.clone()).await;
            }
            Some(kind) => {
                let processor = Arc::clone(&self.inner.processor);
                let due = Arc::clone(&processor);
                let should_resync: ShouldResync = Arc::new(move || due.should_resync());
                let settings = Settings {
                    reflector: options,
                    should_resync: Some(should_resync),
                    retry_on_error: false,
                    capacity: DEFAULT_QUEUE_CAPACITY,
                    status: Arc::clone(&self.inner.status),
                    dispatch: Some(Arc::clone(&processor.dispatch)),
                };
                let controller = kind.controller(
                    Arc::clone(&self.inner.lw),
                    Arc::clone(&self.inner.indexer),
                    InformerProcess::new(processor),
                    settings,
                );
                controller.run(self.inner.stop.clone()).await;
            }
        }
        // Stopped: close every handler's channel so its task ends.
        if let Ok(mut g) = self.inner.processor.listeners.lock() {
            g.clear();
        }
    }
}
