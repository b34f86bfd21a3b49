//! The generic object store interface, and the known objects a queue consults.
//!
//! Mirrors client-go's `Store` interface (`tools/cache/store.go`) and `KeyListerGetter`
//! (`tools/cache/delta_fifo.go`). The store informers keep is [`Cache`](crate::Cache).

use std::sync::Arc;

use crate::delta::ReplaceDelta;
use crate::error::Error;

/// A generic object store.
///
/// Mirrors client-go `cache.Store`. Objects go in and come out as shared `Arc<K>`: returned
/// objects are the stored ones, never copies, and cannot be mutated (client-go's "treat returned
/// items as read-only" is a type guarantee here). Methods that change the store return the object
/// they replaced or removed, like `HashMap::insert`, which saves callers a second lookup.
pub trait Store<K> {
    /// Inserts (or replaces) `obj` under its key; returns the replaced object.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn add(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error>;

    /// Replaces (or inserts) `obj` under its key; returns the replaced object.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn update(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error>;

    /// Removes the object with `obj`'s key; returns it.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn delete(&self, obj: &K) -> Result<Option<Arc<K>>, Error>;

    /// Removes the object under `key`; returns it. A Rust addition (client-go passes a
    /// `DeletedFinalStateUnknown` to `Delete` instead): tombstones only carry a key.
    fn delete_by_key(&self, key: &str) -> Option<Arc<K>>;

    /// Every object, in no particular order.
    fn list(&self) -> Vec<Arc<K>>;

    /// Every key, in no particular order.
    fn list_keys(&self) -> Vec<String>;

    /// The stored object with `obj`'s key.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn get(&self, obj: &K) -> Result<Option<Arc<K>>, Error>;

    /// The stored object under `key`, e.g. `"kube-system/etcd-node-1"`.
    fn get_by_key(&self, key: &str) -> Option<Arc<K>>;

    /// Makes the store hold exactly `list`, diffing it into the live contents (see
    /// [`ThreadSafeStore::replace`](crate::ThreadSafeStore::replace)); returns what changed.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails for any listed object; the store is then
    /// unchanged.
    fn replace(&self, list: Vec<Arc<K>>, resource_version: &str) -> Result<Vec<ReplaceDelta<K>>, Error>;

    /// Mirrors client-go `Store.Resync`: a no-op for plain stores (queues re-deliver known objects).
    ///
    /// # Errors
    /// None for [`Cache`](crate::Cache); the signature leaves room for stores that can fail.
    fn resync(&self) -> Result<(), Error>;
}

/// What a queue needs of the store its consumer maintains: the keys it holds and the object under
/// a key.
///
/// Mirrors client-go `cache.KeyListerGetter`. Every [`Store`] is one.
pub trait KeyListerGetter<K> {
    /// Every key held.
    fn list_keys(&self) -> Vec<String>;
    /// The object under `key`.
    fn get_by_key(&self, key: &str) -> Option<Arc<K>>;
}

impl<K, S: Store<K> + ?Sized> KeyListerGetter<K> for S {
    fn list_keys(&self) -> Vec<String> {
        Store::list_keys(self)
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        Store::get_by_key(self, key)
    }
}

/// The known objects a queue consults: usually the informer's indexer.
pub type KnownObjects<K> = Arc<dyn KeyListerGetter<K> + Send + Sync>;
