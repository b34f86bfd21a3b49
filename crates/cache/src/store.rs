//! The generic object store, its key functions, and the indexed cache informers keep.
//!
//! Mirrors client-go `tools/cache/store.go`: the [`Store`] interface, `KeyFunc`,
//! [`meta_namespace_key_func`], [`split_meta_namespace_key`], and the `cache` type behind
//! `NewStore`/`NewIndexer` (here [`Cache`]).

use std::fmt;
use std::sync::Arc;

use clientgo_apimachinery::Object;

use crate::delta_fifo::{DeletedFinalStateUnknown, DeltaObject};
use crate::error::{Error, KeyError};
use crate::index::{Indexer, Indexers, Objects};
use crate::thread_safe_store::ThreadSafeStore;

/// Makes the storage key of an object. Must be deterministic.
///
/// Mirrors client-go `cache.KeyFunc`.
pub type KeyFunc<K> = fn(&K) -> Result<String, KeyError>;

/// The default key: `namespace/name`, or `name` for cluster-scoped objects.
///
/// Mirrors client-go `cache.MetaNamespaceKeyFunc`.
///
/// # Errors
/// [`KeyError::MissingName`] when the object has no name (client-go would return the key `""` or
/// `"ns/"`, which every nameless object would share).
#[doc(alias = "MetaNamespaceKeyFunc")]
pub fn meta_namespace_key_func<K: Object>(obj: &K) -> Result<String, KeyError> {
    let name = obj.name();
    if name.is_empty() {
        return Err(KeyError::MissingName {
            namespace: obj.namespace().map(str::to_owned),
        });
    }
    Ok(match obj.namespace() {
        Some(ns) => {
            let mut key = String::with_capacity(ns.len() + 1 + name.len());
            key.push_str(ns);
            key.push('/');
            key.push_str(name);
            key
        }
        None => name.to_owned(),
    })
}

/// The key of a delta's object: a tombstone's recorded key, or [`meta_namespace_key_func`].
///
/// Mirrors client-go `cache.DeletionHandlingMetaNamespaceKeyFunc`, the key function informers'
/// indexers use so that `DeletedFinalStateUnknown` tombstones can be deleted by key.
///
/// # Errors
/// As [`meta_namespace_key_func`].
#[doc(alias = "DeletionHandlingMetaNamespaceKeyFunc")]
pub fn deletion_handling_meta_namespace_key_func<K: Object>(
    obj: &DeltaObject<K>,
) -> Result<String, KeyError> {
    match obj {
        DeltaObject::DeletedFinalStateUnknown(tombstone) => Ok(tombstone.key.clone()),
        DeltaObject::Object(obj) => meta_namespace_key_func(&**obj),
    }
}

/// Splits a [`meta_namespace_key_func`] key into `(namespace, name)`; the namespace is `""` for a
/// cluster-scoped key.
///
/// Mirrors client-go `cache.SplitMetaNamespaceKey`.
///
/// # Errors
/// [`KeyError::UnexpectedKeyFormat`] when the key has more than one `/`.
#[doc(alias = "SplitMetaNamespaceKey")]
pub fn split_meta_namespace_key(key: &str) -> Result<(&str, &str), KeyError> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) => Ok(("", name)),
        (Some(ns), Some(name), None) => Ok((ns, name)),
        _ => Err(KeyError::UnexpectedKeyFormat { key: key.to_owned() }),
    }
}

/// What a [`Store::replace`] did to one key.
///
/// client-go's `Replace` reports nothing; since ours diffs the new list into the live store it
/// knows, for free, which keys were added, updated (with the object they replaced) and removed, so
/// a writer that feeds handlers without a DeltaFIFO can notify them exactly.
#[derive(Debug, Clone)]
pub enum ReplaceDelta<K> {
    /// The key was not in the store.
    Added(Arc<K>),
    /// The key was in the store; `old` is the object it held.
    Updated {
        /// The replaced object.
        old: Arc<K>,
        /// The listed object now stored.
        new: Arc<K>,
    },
    /// The key is absent from the new list and was removed; the tombstone carries its last state.
    Deleted(DeletedFinalStateUnknown<K>),
}

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
    /// [`ThreadSafeStore::replace`]); returns what changed.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails for any listed object; the store is then
    /// unchanged.
    fn replace(&self, list: Vec<Arc<K>>, resource_version: &str) -> Result<Vec<ReplaceDelta<K>>, Error>;

    /// Mirrors client-go `Store.Resync`: a no-op for plain stores (queues re-deliver known objects).
    ///
    /// # Errors
    /// None for [`Cache`]; the signature leaves room for stores that can fail.
    fn resync(&self) -> Result<(), Error>;
}

/// A thread-safe [`Store`] and [`Indexer`]: a [`ThreadSafeStore`] plus a key function.
///
/// Mirrors client-go's `cache` type, returned by `NewStore(keyFunc)` and
/// `NewIndexer(keyFunc, indexers)`. Share it as `Arc<Cache<K>>`: all methods take `&self`.
#[doc(alias = "cache")]
pub struct Cache<K> {
    storage: ThreadSafeStore<K>,
    key_func: KeyFunc<K>,
}

impl<K> Cache<K> {
    /// A store without indices.
    ///
    /// Mirrors client-go `cache.NewStore`.
    #[doc(alias = "NewStore")]
    pub fn new_store(key_func: KeyFunc<K>) -> Self {
        Cache::new_indexer(key_func, Indexers::new())
    }

    /// A store with the given indices, e.g. `Cache::new_indexer(meta_namespace_key_func,
    /// Indexers::namespace())`.
    ///
    /// Mirrors client-go `cache.NewIndexer`.
    #[doc(alias = "NewIndexer")]
    pub fn new_indexer(key_func: KeyFunc<K>, indexers: Indexers<K>) -> Self {
        Cache {
            storage: ThreadSafeStore::new(indexers),
            key_func,
        }
    }

    /// The underlying thread-safe map.
    pub fn thread_safe_store(&self) -> &ThreadSafeStore<K> {
        &self.storage
    }

    /// The key this store gives `obj`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn key_of(&self, obj: &K) -> Result<String, Error> {
        Ok((self.key_func)(obj)?)
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.storage.len()
    }

    /// True when no object is stored.
    pub fn is_empty(&self) -> bool {
        self.storage.is_empty()
    }
}

impl<K> Store<K> for Cache<K> {
    fn add(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        let key = self.key_of(&obj)?;
        Ok(self.storage.add(key, obj))
    }

    fn update(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        let key = self.key_of(&obj)?;
        Ok(self.storage.update(key, obj))
    }

    fn delete(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = self.key_of(obj)?;
        Ok(self.storage.delete(&key))
    }

    fn delete_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.storage.delete(key)
    }

    fn list(&self) -> Vec<Arc<K>> {
        self.storage.list()
    }

    fn list_keys(&self) -> Vec<String> {
        self.storage.list_keys()
    }

    fn get(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = self.key_of(obj)?;
        Ok(self.storage.get(&key))
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.storage.get(key)
    }

    fn replace(&self, list: Vec<Arc<K>>, resource_version: &str) -> Result<Vec<ReplaceDelta<K>>, Error> {
        let items = list
            .into_iter()
            .map(|obj| Ok(((self.key_func)(&obj)?, obj)))
            .collect::<Result<Vec<_>, KeyError>>()?;
        Ok(self.storage.replace(items, resource_version))
    }

    fn resync(&self) -> Result<(), Error> {
        self.storage.resync();
        Ok(())
    }
}

impl<K> Indexer<K> for Cache<K> {
    fn index(&self, index_name: &str, obj: &K) -> Result<Objects<K>, Error> {
        self.storage.index(index_name, obj)
    }

    fn index_keys(&self, index_name: &str, indexed_value: &str) -> Result<Vec<String>, Error> {
        self.storage.index_keys(index_name, indexed_value)
    }

    fn list_index_func_values(&self, index_name: &str) -> Vec<String> {
        self.storage.list_index_func_values(index_name)
    }

    fn by_index(&self, index_name: &str, indexed_value: &str) -> Result<Objects<K>, Error> {
        self.storage.by_index(index_name, indexed_value)
    }

    fn get_indexers(&self) -> Indexers<K> {
        self.storage.get_indexers()
    }

    fn add_indexers(&self, indexers: Indexers<K>) -> Result<(), Error> {
        self.storage.add_indexers(indexers)
    }
}

impl<K> fmt::Debug for Cache<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
