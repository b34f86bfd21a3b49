//! The informer pipeline with its queue stage skipped: each reflector write becomes a delta that
//! goes straight to the process function a queue's consumer would have called.
//!
//! client-go always puts a queue between reflector and indexer. The queue earns its place when
//! processing can fall behind the watch; with a process function that never waits (the shared
//! informer's: it writes the indexer and pushes into handler mailboxes) it only adds a copy of
//! each relist and a lock per event. So a [`SharedIndexInformer`](crate::SharedIndexInformer)
//! skips it by default, and the process function sees the same deltas it would have popped:
//! `Added`, `Updated` and `Deleted` for watch events, `Replaced` for listed objects, `Deleted`
//! with a [`DeletedFinalStateUnknown`] tombstone for what a relist no longer has, `Sync` for a
//! resync. The one difference from a queue: a relist is applied page by page as it arrives and
//! its tombstones come after the listed objects, not before, so a relist never holds a second
//! copy of the cache (only the keys it has seen).

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use clientgo_apimachinery::Object;
use futures_util::future::BoxFuture;

use crate::cache::Cache;
use crate::controller::process_deltas;
use crate::delta::{DeletedFinalStateUnknown, Delta, DeltaObject, DeltaType, Deltas};
use crate::error::Error;
use crate::listwatch::ListerWatcher;
use crate::reflector::{Reflector, ReflectorOptions, ReflectorStore, Relist, SyncStatus};
use crate::store::Store;

/// What a [`DirectStage`] hands each delta to: a process function that does all its work at once
/// (a queue's consumer may also flush after the queue's lock is released; here nothing is held).
pub(crate) trait Apply<K>: Send + 'static {
    /// Applies `deltas` (one delta), `is_in_initial_list` while the first relist is applied.
    fn apply(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), Error>;
}

impl<K, F> Apply<K> for F
where
    F: FnMut(&Deltas<K>, bool) -> Result<(), Error> + Send + 'static,
{
    fn apply(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), Error> {
        self(deltas, is_in_initial_list)
    }
}

/// The process function and the one-delta buffer it is handed (reused: no allocation per event).
struct Applier<K, P> {
    process: P,
    buffer: Deltas<K>,
}

/// A [`ReflectorStore`] that hands every write to an [`Apply`] at once, as one delta.
pub(crate) struct DirectStage<K, P> {
    indexer: Arc<Cache<K>>,
    applier: Mutex<Applier<K, P>>,
    /// The first relist has been applied.
    listed: AtomicBool,
}

impl<K, P> fmt::Debug for DirectStage<K, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirectStage")
            .field("listed", &self.listed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<K: Object + Send + Sync + 'static, P: Apply<K>> DirectStage<K, P> {
    /// A stage feeding `process`, whose store is `indexer` (read for a relist's deletions and
    /// for a resync).
    pub(crate) fn new(indexer: Arc<Cache<K>>, process: P) -> Self {
        DirectStage {
            indexer,
            applier: Mutex::new(Applier {
                process,
                buffer: Deltas::new(Vec::with_capacity(1)),
            }),
            listed: AtomicBool::new(false),
        }
    }

    /// Applies one delta, returning the process function's failure (an object without a key).
    ///
    /// Synchronous, with no yield: a watch or list over the network spends tokio's cooperative
    /// budget on its reads, which lets the handlers' tasks run (docs/performance.md measured a
    /// yield per delta at 0.35x the throughput of one handler).
    fn run(&self, delta_type: DeltaType, object: DeltaObject<K>, initial: bool) -> Result<(), Error> {
        let mut applier = self.applier.lock().unwrap_or_else(PoisonError::into_inner);
        let Applier { process, buffer } = &mut *applier;
        buffer.replace_with(Delta { delta_type, object });
        let applied = process.apply(buffer, initial);
        buffer.replace_with_nothing();
        applied
    }

    /// As [`run`](DirectStage::run), for deltas of objects already stored (a resync, a relist's
    /// tombstones): a failure is logged, as a queue's consumer logs it, and the rest goes on.
    fn run_logged(&self, delta_type: DeltaType, object: DeltaObject<K>, initial: bool) {
        if let Err(e) = self.run(delta_type, object, initial) {
            tracing::warn!(error = %e, "processing a delta failed");
        }
    }
}

impl<K: Object + Send + Sync + 'static, P: Apply<K>> ReflectorStore<K> for DirectStage<K, P> {
    fn add(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        // The process function refuses an object without a key before it changes anything.
        Box::pin(std::future::ready(self.run(
            DeltaType::Added,
            DeltaObject::Object(obj),
            false,
        )))
    }

    fn update(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        // The process function refuses an object without a key before it changes anything.
        Box::pin(std::future::ready(self.run(
            DeltaType::Updated,
            DeltaObject::Object(obj),
            false,
        )))
    }

    fn delete(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        // The process function refuses an object without a key before it changes anything.
        Box::pin(std::future::ready(self.run(
            DeltaType::Deleted,
            DeltaObject::Object(obj),
            false,
        )))
    }

    fn replace(&self) -> Box<dyn Relist<K> + '_> {
        Box::new(DirectRelist {
            stage: self,
            initial: !self.listed.load(Ordering::Acquire),
            seen: HashSet::new(),
        })
    }

    fn resync(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            for obj in self.indexer.list() {
                self.run_logged(DeltaType::Sync, DeltaObject::Object(obj), false);
            }
            Ok(())
        })
    }

    fn update_resource_version(&self, resource_version: &str, status: &SyncStatus) {
        // Every write is processed before it returns: the indexer is at this version now.
        status.set_store_resource_version(resource_version);
    }
}

/// A relist applied as it arrives; only the keys seen are kept aside.
struct DirectRelist<'a, K, P> {
    stage: &'a DirectStage<K, P>,
    initial: bool,
    seen: HashSet<String>,
}

impl<K: Object + Send + Sync + 'static, P: Apply<K>> Relist<K> for DirectRelist<'_, K, P> {
    fn add(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let key = self.stage.indexer.key_of(&obj)?;
            self.stage
                .run(DeltaType::Replaced, DeltaObject::Object(obj), self.initial)?;
            self.seen.insert(key);
            Ok(())
        })
    }

    fn delete(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let key = self.stage.indexer.key_of(&obj)?;
            if self.seen.remove(&key) {
                self.stage
                    .run(DeltaType::Deleted, DeltaObject::Object(obj), self.initial)?;
            }
            Ok(())
        })
    }

    fn finish<'b>(
        &'b mut self,
        _resource_version: &'b str,
        status: &'b SyncStatus,
    ) -> BoxFuture<'b, Result<(), Error>> {
        Box::pin(async move {
            let seen = std::mem::take(&mut self.seen);
            for key in self.stage.indexer.list_keys() {
                if seen.contains(&key) {
                    continue;
                }
                let obj = self.stage.indexer.get_by_key(&key);
                let tombstone = DeletedFinalStateUnknown { key, obj };
                self.stage.run_logged(
                    DeltaType::Deleted,
                    DeltaObject::DeletedFinalStateUnknown(tombstone),
                    self.initial,
                );
            }
            self.stage.listed.store(true, Ordering::Release);
            status.mark_synced();
            Ok(())
        })
    }
}

impl<K: Object + Send + Sync + 'static> Reflector<K> {
    /// A reflector keeping `store` equal to the collection `lister_watcher` lists and watches.
    /// Mirrors `NewReflector` with a plain store: each watch event is written at once, a relist is
    /// applied page by page and removes what the list no longer has. For notifications, use a
    /// [`SharedIndexInformer`](crate::SharedIndexInformer); for a queue in between, a
    /// [`Controller`](crate::Controller).
    #[track_caller]
    pub fn new<L: ListerWatcher<K>>(
        lister_watcher: L,
        store: Arc<Cache<K>>,
        options: ReflectorOptions<K>,
    ) -> Self {
        let process = {
            let store = Arc::clone(&store);
            move |deltas: &Deltas<K>, initial: bool| process_deltas(&*store, deltas, initial, |_| {})
        };
        Reflector::with_store(
            lister_watcher,
            Arc::new(DirectStage::new(store, process)),
            options,
        )
    }
}
