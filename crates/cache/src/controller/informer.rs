//! A plain informer: a store, a controller and one handler.
//!
//! Mirrors `NewInformerWithOptions`, `InformerOptions`, `NewInformer`, `NewIndexerInformer` and
//! `newQueueFIFO` of client-go `tools/cache/controller.go`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::Object;
use futures_util::future::BoxFuture;

use super::{process_deltas, process_item, Config, Controller, Process, ProcessItem, Settings};
use crate::cache::Cache;
use crate::delta::Deltas;
use crate::delta_fifo::DeltaFifo;
use crate::error::Error;
use crate::fifo::ProcessError;
use crate::index::Indexers;
use crate::key::meta_namespace_key_func;
use crate::listwatch::ListerWatcher;
use crate::notification::{deliver, Notification, ResourceEventHandler};
use crate::real_fifo::{FifoItem, RealFifo};
use crate::reflector::{ReflectorOptions, Transform};
use crate::store::KnownObjects;

/// Which queue sits between an informer's reflector and its store.
///
/// Mirrors client-go's choice in `newQueueFIFO`, made there by the `InOrderInformers` feature
/// gate (on by default since 1.33, and the only queue of 1.36's informers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum QueueKind {
    /// [`RealFifo`]: every delta in the order the server produced it, so handlers see events in
    /// order across objects. client-go 1.36's default, and ours.
    #[default]
    #[doc(alias = "RealFIFO")]
    RealFifo,
    /// [`DeltaFifo`] (with `Replaced` deltas): one entry per key whose deltas accumulate until
    /// popped, consecutive deletions collapsed; objects are processed in the order their key was
    /// first queued.
    #[doc(alias = "DeltaFIFO")]
    DeltaFifo,
    /// [`RealFifo`] with atomic events
    /// ([`with_atomic_events`](RealFifo::with_atomic_events)): watch events go one at a time as
    /// with [`QueueKind::RealFifo`], but a relist is queued as one unit once it is complete,
    /// holding the full list, and handed to the store and the handlers as one step (the store
    /// goes from the old state to the list's in one replace; handlers then hear the deletions,
    /// then the adds and updates). A resync is one unit too, and watch bookmarks reach the queue
    /// so the store's resourceVersion follows them. Mirrors client-go 1.36's informers with
    /// `AtomicEvents` on. The cost is memory: a queued relist holds the whole list beside the
    /// cache until it is applied.
    #[doc(alias = "AtomicEvents")]
    AtomicRealFifo,
}

impl QueueKind {
    /// A controller over a queue of this kind whose known objects are `store`.
    pub(crate) fn controller<K, P>(
        self,
        lister_watcher: Arc<dyn ListerWatcher<K>>,
        store: Arc<Cache<K>>,
        process: P,
        settings: Settings<K>,
    ) -> Controller<K>
    where
        K: Object + Send + Sync + 'static,
        P: ProcessItem<K>,
    {
        let known: KnownObjects<K> = store;
        match self {
            QueueKind::RealFifo => Controller::new(
                Config::new(
                    RealFifo::new(meta_namespace_key_func, known),
                    lister_watcher,
                    process,
                )
                .with_settings(settings),
            ),
            QueueKind::AtomicRealFifo => Controller::new_atomic(
                Config::new(
                    RealFifo::new(meta_namespace_key_func, known).with_atomic_events(),
                    lister_watcher,
                    process,
                )
                .with_settings(settings),
            ),
            QueueKind::DeltaFifo => Controller::new(
                Config::new(
                    DeltaFifo::new(meta_namespace_key_func).with_known_objects(known),
                    lister_watcher,
                    process,
                )
                .with_settings(settings),
            ),
        }
    }
}

/// What [`new_informer_with_options`] builds. Mirrors client-go `cache.InformerOptions`.
pub struct InformerOptions<K> {
    lister_watcher: Arc<dyn ListerWatcher<K>>,
    handler: Arc<dyn ResourceEventHandler<K>>,
    resync_period: Option<Duration>,
    indexers: Indexers<K>,
    queue: QueueKind,
    reflector: ReflectorOptions<K>,
}

impl<K> fmt::Debug for InformerOptions<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InformerOptions")
            .field("resync_period", &self.resync_period)
            .field("queue", &self.queue)
            .field("reflector", &self.reflector)
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static> InformerOptions<K> {
    /// An informer over `lister_watcher` telling `handler` of every change: no resync, no
    /// indexers, a [`QueueKind::RealFifo`].
    pub fn new<L: ListerWatcher<K>>(lister_watcher: L, handler: impl ResourceEventHandler<K>) -> Self {
        InformerOptions {
            lister_watcher: Arc::new(lister_watcher),
            handler: Arc::new(handler),
            resync_period: None,
            indexers: Indexers::new(),
            queue: QueueKind::default(),
            reflector: ReflectorOptions::default(),
        }
    }

    /// Re-delivers every cached object as an update this often (`None` or zero: never). Mirrors
    /// `ResyncPeriod`.
    pub fn resync_period(mut self, period: Option<Duration>) -> Self {
        self.resync_period = period.filter(|p| !p.is_zero());
        self
    }

    /// Indexes the store. Mirrors `Indexers`.
    pub fn indexers(mut self, indexers: Indexers<K>) -> Self {
        self.indexers = indexers;
        self
    }

    /// Applies `transform` to every object before it is queued. Mirrors `Transform`.
    pub fn transform(mut self, transform: Transform<K>) -> Self {
        self.reflector.transform = Some(transform);
        self
    }

    /// Chooses the queue.
    pub fn queue(mut self, kind: QueueKind) -> Self {
        self.queue = kind;
        self
    }

    /// Changes the reflector's options (page size, streaming list, backoff, watch timeouts).
    /// Mirrors `MinWatchTimeout` and friends.
    pub fn reflector_options(mut self, f: impl FnOnce(ReflectorOptions<K>) -> ReflectorOptions<K>) -> Self {
        self.reflector = f(std::mem::take(&mut self.reflector));
        self
    }
}

/// A store kept in step with the server and a controller that feeds one handler: pops each queued
/// item, applies it to the store with [`process_deltas`] and tells the handler. Mirrors client-go
/// `cache.NewInformerWithOptions`.
///
/// The handler runs on the controller's loop after the queue's lock is released (client-go calls
/// it inside `Pop`), one call at a time and in queue order; while it runs, the store holds exactly
/// what was processed so far. Run the controller with
/// [`Controller::run`]; the store is read-only for callers.
#[doc(alias = "NewInformerWithOptions")]
pub fn new_informer_with_options<K: Object + Send + Sync + 'static>(
    options: InformerOptions<K>,
) -> (Arc<Cache<K>>, Controller<K>) {
    let InformerOptions {
        lister_watcher,
        handler,
        resync_period,
        indexers,
        queue,
        reflector,
    } = options;
    let store = Arc::new(Cache::new_indexer(meta_namespace_key_func, indexers));
    let settings = Settings {
        reflector: reflector.resync_period(resync_period),
        ..Settings::default()
    };
    let process = HandlerProcess {
        store: Arc::clone(&store),
        handler,
        pending: Vec::new(),
    };
    let controller = queue.controller(lister_watcher, Arc::clone(&store), process, settings);
    (store, controller)
}

/// [`new_informer_with_options`] with a resync period and defaults otherwise. Mirrors client-go
/// `cache.NewInformer`.
#[doc(alias = "NewInformer")]
pub fn new_informer<K, L>(
    lister_watcher: L,
    handler: impl ResourceEventHandler<K>,
    resync_period: Option<Duration>,
) -> (Arc<Cache<K>>, Controller<K>)
where
    K: Object + Send + Sync + 'static,
    L: ListerWatcher<K>,
{
    new_informer_with_options(InformerOptions::new(lister_watcher, handler).resync_period(resync_period))
}

/// [`new_informer`] with an indexed store. Mirrors client-go `cache.NewIndexerInformer`.
#[doc(alias = "NewIndexerInformer")]
pub fn new_indexer_informer<K, L>(
    lister_watcher: L,
    handler: impl ResourceEventHandler<K>,
    resync_period: Option<Duration>,
    indexers: Indexers<K>,
) -> (Arc<Cache<K>>, Controller<K>)
where
    K: Object + Send + Sync + 'static,
    L: ListerWatcher<K>,
{
    new_informer_with_options(
        InformerOptions::new(lister_watcher, handler)
            .resync_period(resync_period)
            .indexers(indexers),
    )
}

/// The plain informer's process function: [`process_deltas`] into the store under the queue's
/// lock, the handler afterwards.
struct HandlerProcess<K> {
    store: Arc<Cache<K>>,
    handler: Arc<dyn ResourceEventHandler<K>>,
    pending: Vec<Notification<K>>,
}

impl<K: Object + Send + Sync + 'static> Process<K> for HandlerProcess<K> {
    type Error = Error;

    fn process(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), ProcessError<Error>> {
        let pending = &mut self.pending;
        process_deltas(&*self.store, deltas, is_in_initial_list, |n| pending.push(n))
            .map_err(ProcessError::Failed)
    }

    fn flush(&mut self) -> BoxFuture<'_, ()> {
        for n in self.pending.drain(..) {
            deliver(&*self.handler, &n);
        }
        Box::pin(std::future::ready(()))
    }
}

impl<K: Object + Send + Sync + 'static> ProcessItem<K> for HandlerProcess<K> {
    fn process_item(
        &mut self,
        item: &FifoItem<K>,
        is_in_initial_list: bool,
    ) -> Result<(), ProcessError<Error>> {
        let pending = &mut self.pending;
        process_item(&*self.store, item, is_in_initial_list, |n| pending.push(n))
            .map_err(ProcessError::Failed)
    }
}
