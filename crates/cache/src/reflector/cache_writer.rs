//! The direct path: a reflector writing a [`Cache`] itself and telling an [`EventSink`] what each
//! write did.
//!
//! No client-go counterpart: client-go always puts a DeltaFIFO between reflector and indexer. Here
//! that queue is optional (see [`Controller`](crate::Controller)); without it a relist is diffed
//! into the live store page by page, keeping only the seen keys aside, so it never holds a second
//! copy of the cache, and keys the list no longer has are removed and reported as
//! [`DeletedFinalStateUnknown`] tombstones.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::controller::Notification;
use crate::delta_fifo::{DeletedFinalStateUnknown, DeltaObject};
use crate::error::Error;
use crate::reflector::store::{ReflectorStore, Relist};
use crate::reflector::SyncStatus;
use crate::store::{Cache, Store};

/// One store write handed to [`EventSink::apply`]: it changes the store and returns what to tell
/// of the change (`None`: nothing changed).
pub type StoreWrite<'a, K> = Box<dyn FnOnce() -> Result<Option<Notification<K>>, Error> + Send + 'a>;

/// Receives what a [`CacheWriter`] does to its store, in order. The informer's handler fan-out
/// implements it.
pub trait EventSink<K>: Send + Sync + 'static {
    /// Runs `write` on the store and hands out the notification it returns, as one step: a handler
    /// added meanwhile sees the change either in its replay of the store or as this notification,
    /// never both and never neither (client-go holds `blockDeltas` for the same reason). The writer
    /// awaits it (back-pressure).
    ///
    /// # Errors
    /// What `write` returns; nothing is told then.
    fn apply<'a>(&'a self, write: StoreWrite<'a, K>) -> BoxFuture<'a, Result<(), Error>>;

    /// The resync period elapsed: replay the store to whoever wants it. No request is made.
    fn resync(&self) -> BoxFuture<'_, ()>;
}

/// A [`ReflectorStore`] that writes a [`Cache`] directly and reports each change to an optional
/// [`EventSink`]: the default path of [`SharedIndexInformer`](crate::SharedIndexInformer).
///
/// A watch event becomes one store write and at most one notification; an ADDED for a key already
/// stored is reported as an update, a DELETED for an absent key is not reported. Each write and its
/// notification are one [`EventSink::apply`] step, so a handler joining the sink meanwhile sees the
/// change once. The first relist marks the reflector's [`SyncStatus`] synced once it is in the
/// store.
pub struct CacheWriter<K> {
    cache: Arc<Cache<K>>,
    sink: Option<Arc<dyn EventSink<K>>>,
    listed: AtomicBool,
}

impl<K> fmt::Debug for CacheWriter<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheWriter")
            .field("cache", &self.cache)
            .field("sink", &self.sink.is_some())
            .field("listed", &self.listed.load(Ordering::Relaxed))
            .finish()
    }
}

impl<K: Send + Sync + 'static> CacheWriter<K> {
    /// Writes `cache`, telling no one.
    pub fn new(cache: Arc<Cache<K>>) -> Self {
        CacheWriter {
            cache,
            sink: None,
            listed: AtomicBool::new(false),
        }
    }

    /// Reports every change to `sink`.
    pub fn with_sink(mut self, sink: Arc<dyn EventSink<K>>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// The store written.
    pub fn cache(&self) -> &Arc<Cache<K>> {
        &self.cache
    }

    /// Runs `write` on the store and tells the sink of the change, as one step.
    async fn apply(&self, write: StoreWrite<'_, K>) -> Result<(), Error> {
        match &self.sink {
            Some(sink) => sink.apply(write).await,
            None => write().map(drop),
        }
    }

    /// Stores `obj`; returns its key.
    async fn upsert(&self, obj: Arc<K>, initial: bool) -> Result<String, Error> {
        let key = self.cache.key_of(&obj)?;
        self.apply(Box::new(move || {
            let n = match self.cache.update(Arc::clone(&obj))? {
                Some(old) => Notification::Update { old, new: obj },
                None => Notification::Add {
                    obj,
                    is_in_initial_list: initial,
                },
            };
            Ok(Some(n))
        }))
        .await?;
        Ok(key)
    }

    /// Removes `obj`; returns its key.
    async fn remove(&self, obj: Arc<K>) -> Result<String, Error> {
        let key = self.cache.key_of(&obj)?;
        let k = key.clone();
        self.apply(Box::new(move || {
            Ok(self
                .cache
                .delete_by_key(&k)
                .map(|_| Notification::Delete(DeltaObject::Object(obj))))
        }))
        .await?;
        Ok(key)
    }

    /// Removes what a completed relist did not see, reporting tombstones.
    async fn remove_unseen(&self, seen: &HashSet<String>) -> Result<(), Error> {
        for key in self.cache.list_keys() {
            if seen.contains(&key) {
                continue;
            }
            self.apply(Box::new(move || {
                Ok(self.cache.delete_by_key(&key).map(|old| {
                    let tombstone = DeletedFinalStateUnknown { key, obj: Some(old) };
                    Notification::Delete(DeltaObject::DeletedFinalStateUnknown(tombstone))
                }))
            }))
            .await?;
        }
        Ok(())
    }
}

impl<K: Send + Sync + 'static> ReflectorStore<K> for CacheWriter<K> {
    fn update_resource_version(&self, resource_version: &str, status: &SyncStatus) {
        // Writes land in the indexer before they return: it is at this version now.
        status.set_store_resource_version(resource_version);
    }

    fn add(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { self.upsert(obj, false).await.map(drop) })
    }

    fn update(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { self.upsert(obj, false).await.map(drop) })
    }

    fn delete(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { self.remove(obj).await.map(drop) })
    }

    fn replace(&self) -> Box<dyn Relist<K> + '_> {
        Box::new(CacheRelist {
            writer: self,
            initial: !self.listed.load(Ordering::Acquire),
            seen: HashSet::new(),
        })
    }

    fn resync(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.cache.resync()?;
            if let Some(sink) = &self.sink {
                sink.resync().await;
            }
            Ok(())
        })
    }
}

/// A relist diffed into the live cache: objects are stored as they arrive and only their keys are
/// kept aside.
struct CacheRelist<'a, K> {
    writer: &'a CacheWriter<K>,
    initial: bool,
    seen: HashSet<String>,
}

impl<K: Send + Sync + 'static> Relist<K> for CacheRelist<'_, K> {
    fn add(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let key = self.writer.upsert(obj, self.initial).await?;
            self.seen.insert(key);
            Ok(())
        })
    }

    fn delete(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let key = self.writer.remove(obj).await?;
            self.seen.remove(&key);
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
            self.writer.remove_unseen(&seen).await?;
            self.writer.listed.store(true, Ordering::Release);
            status.mark_synced();
            Ok(())
        })
    }
}
