//! Everything about an informer that is fixed before it runs.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::Object;

use super::{SharedIndexInformer, DEFAULT_HANDLER_BUFFER};
use crate::cache::Cache;
use crate::controller::QueueKind;
use crate::index::Indexers;
use crate::key::meta_namespace_key_func;
use crate::listwatch::ListerWatcher;
use crate::reflector::{call_site, ReflectorOptions, Transform};

/// Builds a [`SharedIndexInformer`]: made by [`SharedIndexInformer::builder`]. Mirrors client-go's
/// `NewSharedIndexInformerWithOptions` and `SharedIndexInformerOptions`, plus what client-go sets
/// with setters before `Run` (`SetTransform`, `AddIndexers`); here nothing can change once the
/// informer is built but handlers, and the transform and indexers until it runs.
pub struct SharedIndexInformerBuilder<K> {
    lw: Arc<dyn ListerWatcher<K>>,
    resync: Option<Duration>,
    indexers: Indexers<K>,
    options: ReflectorOptions<K>,
    queue: Option<QueueKind>,
    handler_buffer: usize,
}

impl<K> fmt::Debug for SharedIndexInformerBuilder<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedIndexInformerBuilder")
            .field("resync", &self.resync)
            .field("options", &self.options)
            .field("queue", &self.queue)
            .field("handler_buffer", &self.handler_buffer)
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static> SharedIndexInformerBuilder<K> {
    /// Defaults: no resync, no indexes, no transform, no queue stage, the reflector's default
    /// options named after `caller`, [`DEFAULT_HANDLER_BUFFER`].
    pub(crate) fn new(lw: Arc<dyn ListerWatcher<K>>, caller: &Location<'_>) -> Self {
        SharedIndexInformerBuilder {
            lw,
            resync: None,
            indexers: Indexers::new(),
            options: ReflectorOptions::default().name(call_site(caller)),
            queue: None,
            handler_buffer: DEFAULT_HANDLER_BUFFER,
        }
    }

    /// The default resync period of handlers (`None` or zero: never). Mirrors
    /// `defaultEventHandlerResyncPeriod`.
    pub fn resync_period(mut self, period: Option<Duration>) -> Self {
        self.resync = period.filter(|p| !p.is_zero());
        self
    }

    /// The indexer's indexes. Mirrors the `indexers` argument.
    pub fn indexers(mut self, indexers: Indexers<K>) -> Self {
        self.indexers = indexers;
        self
    }

    /// Applies `transform` to every object before it is queued or stored, once per object.
    /// Mirrors `SetTransform`; see [`strip_managed_fields`](crate::strip_managed_fields).
    pub fn transform(mut self, transform: Transform<K>) -> Self {
        self.options.transform = Some(transform);
        self
    }

    /// Puts a queue of `kind` between reflector and indexer, as client-go does. Without it the
    /// stage is skipped: each change goes from the reflector to the indexer and the mailboxes at
    /// once, and a relist is applied page by page (its memory peak stays near the steady
    /// cache; its tombstones come after the listed objects). With it a relist is held in full
    /// in the queue, tombstones first, as client-go 1.36's `RealFIFO` does, at the cost of a
    /// lock per event (docs/performance.md has the figures).
    pub fn queue(mut self, kind: QueueKind) -> Self {
        self.queue = Some(kind);
        self
    }

    /// Changes the reflector's options (page size, streaming list, backoff, watch timeouts,
    /// clock).
    pub fn reflector_options(mut self, f: impl FnOnce(ReflectorOptions<K>) -> ReflectorOptions<K>) -> Self {
        self.options = f(std::mem::take(&mut self.options));
        self
    }

    /// How many notifications wait in a handler's mailbox before they are coalesced per object
    /// (at least 1).
    pub fn handler_buffer(mut self, capacity: usize) -> Self {
        self.handler_buffer = capacity.max(1);
        self
    }

    /// The informer, not yet running.
    pub fn build(self) -> SharedIndexInformer<K> {
        let indexer = Cache::new_indexer(meta_namespace_key_func, self.indexers);
        SharedIndexInformer::from_parts(
            self.lw,
            indexer,
            self.options,
            self.resync,
            self.queue,
            self.handler_buffer,
        )
    }
}
