//! The indexed cache informers keep: client-go's `cache` type behind `NewStore`/`NewIndexer`.

use std::fmt;
use std::sync::Arc;

use crate::delta::ReplaceDelta;
use crate::error::{Error, KeyError};
use crate::index::{Indexer, Indexers, Objects};
use crate::key::KeyFunc;
use crate::store::Store;
use crate::thread_safe_store::ThreadSafeStore;

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
