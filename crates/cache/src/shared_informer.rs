//! One reflector and one indexer shared by any number of event handlers.
//!
//! Mirrors client-go `tools/cache/shared_informer.go` (`sharedIndexInformer`, `sharedProcessor`,
//! `processorListener`). One pipeline: reflector, then the queue stage (skipped by default, see
//! [`SharedIndexInformerBuilder::queue`]), then the indexer and the handler fan-out, in the order
//! the server produced the changes. Differences, on purpose:
//! - each handler has a mailbox that never makes the informer wait: a slow or stuck handler holds
//!   up neither the store nor the other handlers, and its backlog is bounded by the number of
//!   objects (a full mailbox coalesces per object and the handler is reported as lagging; see
//!   [`HandlerStats`]). client-go's per-handler buffer grows without bound instead;
//! - by default no queue sits between reflector and indexer (the stage is skipped: a relist is
//!   applied page by page and never held beside the cache); [`QueueKind`] puts client-go's
//!   `RealFIFO` or `DeltaFIFO` back;
//! - everything is set before the informer runs, on a [`SharedIndexInformerBuilder`]; the late
//!   changes client-go refuses with an error are refused with an [`InformerError`];
//! - handlers run as tasks on the informer's runtime (client-go: one goroutine each), or on a
//!   thread of their own for a handler that blocks ([`HandlerOptions::dedicated_thread`]); a
//!   handler that panics is logged under its name and keeps receiving; the informer itself is a future
//!   ([`SharedIndexInformer::run`]) that stops when its token is cancelled or it is dropped.

mod builder;
mod mailbox;
mod processor;
mod registration;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use clientgo_apimachinery::Object;
use tokio_util::sync::CancellationToken;

use crate::async_queue::DEFAULT_QUEUE_CAPACITY;
use crate::cache::Cache;
use crate::controller::{QueueKind, Settings};
use crate::error::InformerError;
use crate::index::{Indexer, Indexers};
use crate::listwatch::ListerWatcher;
use crate::notification::{deliver, Notification, ResourceEventHandler};
use crate::pipeline::DirectStage;
use crate::reflector::{Reflector, ReflectorOptions, ShouldResync, SyncStatus, Transform};

pub use builder::SharedIndexInformerBuilder;
pub use mailbox::HandlerStats;
use mailbox::Mailbox;
use processor::{InformerProcess, Processor};
pub use registration::{HandlerOptions, HandlerRegistration, Subscription};

/// The least resync period a handler may ask for. Mirrors `minimumResyncPeriod`.
pub const MINIMUM_RESYNC_PERIOD: Duration = Duration::from_secs(1);

/// How many notifications wait in a handler's mailbox before they are coalesced per object, by
/// default.
pub const DEFAULT_HANDLER_BUFFER: usize = 1024;

/// An informer: a reflector filling an indexer, and handlers told of every change. Mirrors
/// client-go `cache.SharedIndexInformer` (`NewSharedIndexInformer`). Cheap to clone (shared).
pub struct SharedIndexInformer<K> {
    inner: Arc<Inner<K>>,
}

/// A handler added before `run`, waiting for a runtime to be served on (on a thread if true).
type Waiting<K> = (Arc<Mailbox<K>>, Arc<dyn ResourceEventHandler<K>>, bool);

struct Inner<K> {
    lw: Arc<dyn ListerWatcher<K>>,
    indexer: Arc<Cache<K>>,
    /// The reflector's options; only the transform may still change, and only before `run`.
    options: Mutex<ReflectorOptions<K>>,
    default_resync: Option<Duration>,
    /// The resync check period, fixed by `run`. Mirrors `resyncCheckPeriod`.
    resync_check: OnceLock<Option<Duration>>,
    processor: Arc<Processor<K>>,
    /// `None`: the queue stage is skipped.
    queue: Option<QueueKind>,
    handler_buffer: usize,
    status: Arc<SyncStatus>,
    started: AtomicBool,
    stop: CancellationToken,
    runtime: OnceLock<tokio::runtime::Handle>,
    waiting: Mutex<Vec<Waiting<K>>>,
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
            .field("queue", &self.inner.queue)
            .field("started", &self.inner.started.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static> SharedIndexInformer<K> {
    /// An informer over `lister_watcher` with `indexers` and a default resync period (`None` or
    /// zero: never), everything else at its default. Mirrors `NewSharedIndexInformer`. Its
    /// reflector's log lines name it after the caller's source location (see
    /// [`ReflectorOptions::name`]).
    #[track_caller]
    pub fn new<L: ListerWatcher<K>>(
        lister_watcher: L,
        default_resync: Option<Duration>,
        indexers: Indexers<K>,
    ) -> Self {
        Self::builder(lister_watcher)
            .resync_period(default_resync)
            .indexers(indexers)
            .build()
    }

    /// A builder for an informer over `lister_watcher`: resync, indexers, transform, queue
    /// kind, reflector options and handler mailboxes, all fixed before the informer runs.
    /// Mirrors `NewSharedIndexInformerWithOptions`.
    #[track_caller]
    pub fn builder<L: ListerWatcher<K>>(lister_watcher: L) -> SharedIndexInformerBuilder<K> {
        SharedIndexInformerBuilder::new(Arc::new(lister_watcher), std::panic::Location::caller())
    }

    /// Builds the informer (the builder's `build`).
    fn from_parts(
        lw: Arc<dyn ListerWatcher<K>>,
        indexer: Cache<K>,
        options: ReflectorOptions<K>,
        default_resync: Option<Duration>,
        queue: Option<QueueKind>,
        handler_buffer: usize,
    ) -> Self {
        let indexer = Arc::new(indexer);
        let processor = Arc::new(Processor::new(Arc::clone(&indexer), Arc::clone(&options.clock)));
        SharedIndexInformer {
            inner: Arc::new(Inner {
                lw,
                indexer,
                options: Mutex::new(options),
                default_resync,
                resync_check: OnceLock::new(),
                processor,
                queue,
                handler_buffer,
                status: Arc::new(SyncStatus::default()),
                started: AtomicBool::new(false),
                stop: CancellationToken::new(),
                runtime: OnceLock::new(),
                waiting: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Applies `transform` to every object before it is queued or stored. Mirrors
    /// `SetTransform`; see [`strip_managed_fields`](crate::strip_managed_fields).
    ///
    /// # Errors
    /// [`InformerError::AlreadyStarted`] once the informer runs (client-go refuses it too).
    pub fn set_transform(&self, transform: Transform<K>) -> Result<(), InformerError> {
        self.refuse_when_started("the transform")?;
        self.inner
            .options
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .transform = Some(transform);
        Ok(())
    }

    /// Adds indexes to the informer's indexer. Mirrors `AddIndexers`.
    ///
    /// # Errors
    /// [`InformerError::AlreadyStarted`] once the informer runs, and
    /// [`InformerError::Indexers`] when a name is already taken.
    pub fn add_indexers(&self, indexers: Indexers<K>) -> Result<(), InformerError> {
        self.refuse_when_started("indexers")?;
        self.inner
            .indexer
            .add_indexers(indexers)
            .map_err(InformerError::Indexers)
    }

    fn refuse_when_started(&self, what: &'static str) -> Result<(), InformerError> {
        if self.is_started() {
            return Err(InformerError::AlreadyStarted { what });
        }
        Ok(())
    }

    /// Calls `handler` with every list/watch failure. Mirrors `SetWatchErrorHandler`.
    pub fn set_watch_error_handler(&self, handler: impl Fn(&crate::ReflectorError) + Send + Sync + 'static) {
        self.inner.status.set_error_handler(Arc::new(handler));
    }

    /// Adds a handler with the informer's default resync period. Mirrors `AddEventHandler`.
    ///
    /// Added to a running informer, the handler first gets every cached object as an add (with
    /// `is_in_initial_list` set), then every later change in order: the replay is queued for it
    /// under the lock that also covers each store write and its hand-out (client-go's
    /// `blockDeltas`), so each object reaches it exactly once as an add, from the replay or as a
    /// later creation, and afterwards only as updates whose `old` is the state it last saw, and
    /// deletes. [`HandlerRegistration::has_synced`] says when it has handled its initial list.
    ///
    /// # Errors
    /// [`InformerError::Stopped`] once the informer has stopped (client-go refuses it too).
    pub fn add_event_handler(
        &self,
        handler: impl ResourceEventHandler<K>,
    ) -> Result<HandlerRegistration, InformerError> {
        self.add_event_handler_with_options(handler, HandlerOptions::default())
    }

    /// Adds a handler that also gets every cached object as an update each `resync_period`
    /// (at least [`MINIMUM_RESYNC_PERIOD`]). Mirrors `AddEventHandlerWithResyncPeriod`.
    ///
    /// # Errors
    /// [`InformerError::Stopped`] once the informer has stopped.
    pub fn add_event_handler_with_resync_period(
        &self,
        handler: impl ResourceEventHandler<K>,
        resync_period: Duration,
    ) -> Result<HandlerRegistration, InformerError> {
        self.add_event_handler_with_options(handler, HandlerOptions::default().resync_period(resync_period))
    }

    /// Adds a handler with a name (for log lines) and a resync period. Mirrors
    /// `AddEventHandlerWithOptions`.
    ///
    /// # Errors
    /// [`InformerError::Stopped`] once the informer has stopped.
    pub fn add_event_handler_with_options<H: ResourceEventHandler<K>>(
        &self,
        handler: H,
        options: HandlerOptions,
    ) -> Result<HandlerRegistration, InformerError> {
        let dedicated_thread = options.dedicated_thread;
        let (registration, mailbox) = self.register(options, std::any::type_name::<H>())?;
        let handler: Arc<dyn ResourceEventHandler<K>> = Arc::new(handler);
        match self.inner.runtime.get() {
            Some(rt) => serve(rt, mailbox, handler, dedicated_thread),
            None => self
                .inner
                .waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((mailbox, handler, dedicated_thread)),
        }
        Ok(registration)
    }

    /// The informer's notifications as a stream, for async code: what a handler added now would
    /// be told (the cache replayed as adds of the initial list, then every change), through a
    /// mailbox like a handler's. Dropping the subscription removes it.
    ///
    /// # Errors
    /// [`InformerError::Stopped`] once the informer has stopped.
    pub fn subscribe(&self, options: HandlerOptions) -> Result<Subscription<K>, InformerError> {
        let (registration, mailbox) = self.register(options, "subscription")?;
        Ok(Subscription::new(
            registration,
            mailbox,
            Arc::downgrade(&self.inner.processor),
        ))
    }

    /// Creates a mailbox and adds it to the fan-out, replaying the cache into it.
    fn register(
        &self,
        options: HandlerOptions,
        type_name: &str,
    ) -> Result<(HandlerRegistration, Arc<Mailbox<K>>), InformerError> {
        if self.inner.stop.is_cancelled() {
            return Err(InformerError::Stopped);
        }
        let id = registration::next_id();
        let name: Arc<str> = options
            .name
            .clone()
            .unwrap_or_else(|| format!("{}#{id}", short_name(type_name)))
            .into();
        let mailbox = Arc::new(Mailbox::new(Arc::clone(&name), self.inner.handler_buffer));
        let resync = self.handler_resync(&options, &name);
        let listener = self.inner.processor.listener(id, Arc::clone(&mailbox), resync);
        self.inner.processor.add(listener, true);
        let registration = HandlerRegistration::new(id, Arc::clone(&mailbox), Arc::clone(&self.inner.status));
        Ok((registration, mailbox))
    }

    /// The resync period a handler gets: its own (at least [`MINIMUM_RESYNC_PERIOD`]) or the
    /// informer's default, and once running no shorter than the resync check period. Mirrors
    /// `AddEventHandlerWithOptions`' adjustments.
    fn handler_resync(&self, options: &HandlerOptions, name: &str) -> Option<Duration> {
        let asked = options.resync_period.or(self.inner.default_resync)?;
        if asked.is_zero() {
            return None;
        }
        let mut period = asked.max(MINIMUM_RESYNC_PERIOD);
        if let Some(Some(check)) = self.inner.resync_check.get() {
            if period < *check {
                tracing::warn!(
                    handler = %name,
                    requested = ?period,
                    resync_check_period = ?check,
                    "the informer is running: the handler's resync period is raised to the informer's resync check period"
                );
                period = *check;
            }
        }
        Some(period)
    }

    /// Removes a handler: it hears nothing more (what waited in its mailbox is dropped; a call
    /// in progress finishes). Mirrors `RemoveEventHandler`. Returns false for a registration this informer did not make or
    /// has already removed.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration) -> bool {
        self.inner.processor.remove_listener(registration.id())
    }

    /// The shared indexer (read-only use). Mirrors `GetIndexer`/`GetStore`.
    pub fn indexer(&self) -> &Arc<Cache<K>> {
        &self.inner.indexer
    }

    /// The queue between reflector and indexer; `None` when the stage is skipped.
    pub fn queue_kind(&self) -> Option<QueueKind> {
        self.inner.queue
    }

    /// True once the first list is in the indexer and handed to the handlers' mailboxes. Mirrors
    /// `HasSynced`; [`HandlerRegistration::has_synced`] also waits for one handler to handle it.
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

    /// True once the informer was stopped. Mirrors `IsStopped`.
    pub fn is_stopped(&self) -> bool {
        self.inner.stop.is_cancelled()
    }

    /// Lists, watches and notifies until stopped; a second call returns at once. Mirrors `Run`.
    /// Spawn it (`tokio::spawn(informer.clone().run())`) or await it; dropping it stops the
    /// reflector, and handler tasks and threads end when the informer is stopped or dropped.
    pub async fn run(self) {
        if self.inner.started.swap(true, Ordering::AcqRel) || self.is_stopped() {
            return;
        }
        let rt = tokio::runtime::Handle::current();
        let _ = self.inner.runtime.set(rt.clone());
        let waiting = std::mem::take(&mut *self.inner.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        for (mailbox, handler, dedicated_thread) in waiting {
            serve(&rt, mailbox, handler, dedicated_thread);
        }
        let mut options = self
            .inner
            .options
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        // The resync check period: the shortest period of a handler or the default.
        let check = match (self.inner.processor.shortest_resync(), self.inner.default_resync) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let _ = self.inner.resync_check.set(check);
        options.resync_period = check;
        let processor = Arc::clone(&self.inner.processor);
        let should_resync: ShouldResync = Arc::new(move || processor.should_resync());
        let process = InformerProcess::new(Arc::clone(&self.inner.processor));
        let stop = self.inner.stop.clone();
        match self.inner.queue {
            None => {
                let stage = DirectStage::new(Arc::clone(&self.inner.indexer), process);
                Reflector::with_store(Arc::clone(&self.inner.lw), Arc::new(stage), options)
                    .with_status(Arc::clone(&self.inner.status))
                    .with_should_resync(should_resync)
                    .run(stop)
                    .await;
            }
            Some(kind) => {
                let settings = Settings {
                    reflector: options,
                    should_resync: Some(should_resync),
                    retry_on_error: false,
                    capacity: DEFAULT_QUEUE_CAPACITY,
                    status: Arc::clone(&self.inner.status),
                };
                let controller = kind.controller(
                    Arc::clone(&self.inner.lw),
                    Arc::clone(&self.inner.indexer),
                    process,
                    settings,
                );
                controller.run(stop).await;
            }
        }
        // Stopped: close every mailbox so its handler's task ends.
        self.inner.processor.close_all();
    }
}

/// Serves a handler as a task on `rt` until its mailbox is closed (the handler removed, the
/// informer stopped or dropped). `dedicated_thread`: on a thread of its own instead (client-go
/// runs each listener on a goroutine), within `rt` so the handler may spawn tasks: a handler that
/// blocks then holds up only itself (see [`HandlerOptions::dedicated_thread`]).
fn serve<K: Object + Send + Sync + 'static>(
    rt: &tokio::runtime::Handle,
    mailbox: Arc<Mailbox<K>>,
    handler: Arc<dyn ResourceEventHandler<K>>,
    dedicated_thread: bool,
) {
    if !dedicated_thread {
        rt.spawn(async move {
            while let Some(n) = mailbox.recv().await {
                call(&mailbox, &*handler, &n);
                // A long backlog is handled in slices, so the handler shares its worker.
                tokio::task::consume_budget().await;
            }
        });
        return;
    }
    let name = format!("handler {}", mailbox.name());
    let rt = rt.clone();
    let m = Arc::clone(&mailbox);
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let _runtime = rt.enter();
        while let Some(n) = m.recv_blocking() {
            call(&m, &*handler, &n);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(handler = %mailbox.name(), error = %e, "no thread for a resource event handler; it will hear nothing");
        mailbox.close();
    }
}

/// Calls `handler` with `n`; a panic is caught and logged with the handler's name, and the
/// handler keeps receiving.
fn call<K: Object + Send + Sync + 'static>(
    mailbox: &Mailbox<K>,
    handler: &dyn ResourceEventHandler<K>,
    n: &Notification<K>,
) {
    let call = std::panic::AssertUnwindSafe(|| deliver(handler, n));
    if let Err(panic) = std::panic::catch_unwind(call) {
        mailbox.count_panic();
        tracing::error!(
            handler = %mailbox.name(),
            panic = %panic_message(&*panic),
            "a resource event handler panicked; it keeps receiving notifications"
        );
    }
    mailbox.done();
}

/// The text of a panic's payload, when it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// A type name without its module paths: `ResourceEventHandlerFuncs<Pod>`.
fn short_name(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len());
    for (i, part) in type_name.split("::").enumerate() {
        // Keep what follows the last path separator of each segment of generics.
        if i > 0 && out.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            let keep = out
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |at| at + 1);
            out.truncate(keep);
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests;
