//! The concurrent map under every store and indexer.
//!
//! Mirrors client-go `tools/cache/thread_safe_store.go` (`ThreadSafeStore`, `threadSafeMap`).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::delta::DeletedFinalStateUnknown;
use crate::delta::ReplaceDelta;
use crate::error::Error;
use crate::index::{Index, Indexers, Objects, Small};

/// A concurrent key → object map with incrementally maintained indices.
///
/// Mirrors client-go `cache.ThreadSafeStore`. Like client-go's, it does not know how to make a key
/// from an object (that is [`Cache`](crate::Cache)'s job).
///
/// # Sharing, not copying
/// Objects are stored once, as the `Arc<K>` handed in, and every getter returns a clone of that
/// `Arc`. Returned objects are shared and immutable: client-go can only ask callers not to mutate
/// what `Get`/`List` return; here the type system enforces it.
///
/// # Locking
/// One `RwLock` guards the map and its indices. Readers share it; a writer holds it only to splice
/// precomputed values in. Index functions run *before* the lock is taken, so a slow or panicking
/// index function never stalls readers nor poisons the store. No user code runs under the lock,
/// which is also why a poisoned lock (impossible without a bug here) is simply recovered.
///
/// # Layout
/// Objects live in a slab of slots; a key map points into it, and each index maps a value to a set
/// of slots, so `by_index` is a set walk plus array reads, with no string hashing per result. Each
/// entry remembers its own index values, so an update touches only the values that changed and a
/// delete needs no index-function call.
#[doc(alias = "threadSafeMap")]
pub struct ThreadSafeStore<K> {
    state: RwLock<State<K>>,
}

struct State<K> {
    indexers: Arc<Indexers<K>>,
    /// One index per indexer, in `indexers` name order.
    indices: Vec<Index<K>>,
    slots: Vec<Option<Entry<K>>>,
    free: Vec<usize>,
    keys: HashMap<Arc<str>, usize>,
    /// Bumped by every `replace`; entries not stamped with the current epoch by the end of a
    /// replace are the ones the new list no longer has.
    epoch: u64,
}

struct Entry<K> {
    key: Arc<str>,
    obj: Arc<K>,
    /// Interned index values, one list per indexer.
    values: Small<Small<Arc<str>>>,
    epoch: u64,
}

/// An object prepared outside the lock: its key, and its values for every index.
struct Prepared<K> {
    key: String,
    obj: Arc<K>,
    values: Small<Vec<String>>,
}

impl<K> ThreadSafeStore<K> {
    /// An empty store with the given index functions.
    ///
    /// Mirrors client-go `cache.NewThreadSafeStore(indexers, Indices{})`.
    pub fn new(indexers: Indexers<K>) -> Self {
        let indices = (0..indexers.len()).map(|_| Index::default()).collect();
        ThreadSafeStore {
            state: RwLock::new(State {
                indexers: Arc::new(indexers),
                indices,
                slots: Vec::new(),
                free: Vec::new(),
                keys: HashMap::new(),
                epoch: 0,
            }),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State<K>> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State<K>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current index functions, to run outside the lock. A writer re-checks under the write
    /// lock that they are still current ([`State::is_current`]) and recomputes if `add_indexers`
    /// changed them in between.
    fn indexers(&self) -> Arc<Indexers<K>> {
        Arc::clone(&self.read().indexers)
    }

    /// Inserts or replaces the object under `key`, returning the object it replaced.
    ///
    /// Mirrors client-go `ThreadSafeStore.Add`, which is the same operation as `Update`.
    pub fn add(&self, key: String, obj: Arc<K>) -> Option<Arc<K>> {
        self.update(key, obj)
    }

    /// Inserts or replaces the object under `key`, returning the object it replaced. Only the index
    /// values that changed are touched.
    ///
    /// Mirrors client-go `ThreadSafeStore.Update`.
    pub fn update(&self, key: String, obj: Arc<K>) -> Option<Arc<K>> {
        loop {
            let indexers = self.indexers();
            let values = indexers.compute(&obj);
            let mut state = self.write();
            if state.is_current(&indexers) {
                let epoch = state.epoch;
                return state.upsert(Prepared { key, obj, values }, epoch);
            }
        }
    }

    /// Removes the object under `key`, returning it.
    ///
    /// Mirrors client-go `ThreadSafeStore.Delete`.
    pub fn delete(&self, key: &str) -> Option<Arc<K>> {
        self.write().remove(key)
    }

    /// The object under `key`.
    ///
    /// Mirrors client-go `ThreadSafeStore.Get`.
    pub fn get(&self, key: &str) -> Option<Arc<K>> {
        let state = self.read();
        let slot = *state.keys.get(key)?;
        state.entry(slot).map(|e| Arc::clone(&e.obj))
    }

    /// Every object, in no particular order.
    ///
    /// Mirrors client-go `ThreadSafeStore.List`.
    pub fn list(&self) -> Vec<Arc<K>> {
        let state = self.read();
        let mut out = Vec::with_capacity(state.keys.len());
        out.extend(state.slots.iter().flatten().map(|e| Arc::clone(&e.obj)));
        out
    }

    /// Every key, in no particular order.
    ///
    /// Mirrors client-go `ThreadSafeStore.ListKeys`.
    pub fn list_keys(&self) -> Vec<String> {
        let state = self.read();
        state.keys.keys().map(ToString::to_string).collect()
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.read().keys.len()
    }

    /// True when no object is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes the store hold exactly `items`, by diffing them into the live map: existing keys are
    /// updated in place (only changed index values are touched), new keys added, and keys absent
    /// from `items` removed. Returns what changed, in `items` order, then the removals.
    ///
    /// Mirrors client-go `ThreadSafeStore.Replace`, which swaps in a new map and rebuilds every
    /// index from scratch. Diffing never holds a second copy of the map and its indices, and the
    /// result tells a caller exactly which adds, updates and deletes the relist implied. If `items`
    /// repeats a key, the last one wins. The resource version is not used by this store.
    pub fn replace(&self, items: Vec<(String, Arc<K>)>, _resource_version: &str) -> Vec<ReplaceDelta<K>> {
        loop {
            let indexers = self.indexers();
            let values: Vec<_> = items.iter().map(|(_, obj)| indexers.compute(obj)).collect();
            let mut state = self.write();
            if state.is_current(&indexers) {
                let prepared = items
                    .into_iter()
                    .zip(values)
                    .map(|((key, obj), values)| Prepared { key, obj, values });
                return state.replace(prepared);
            }
        }
    }

    /// Objects sharing at least one value of index `index_name` with `obj`.
    ///
    /// Mirrors client-go `ThreadSafeStore.Index`.
    ///
    /// # Errors
    /// [`Error::IndexNotFound`] when the index does not exist.
    pub fn index(&self, index_name: &str, obj: &K) -> Result<Objects<K>, Error> {
        let indexers = self.indexers();
        let func = indexers.get(index_name).ok_or_else(|| not_found(index_name))?;
        let values = func(obj);
        let state = self.read();
        let pos = state.position(index_name)?;
        let index = &state.indices[pos];
        Ok(match values.as_slice() {
            [one] => match index.bucket(one) {
                Some(bucket) => bucket.objects(|s| state.object(s)),
                None => Arc::from([]),
            },
            many => {
                let mut union = HashSet::new();
                for value in many {
                    if let Some(set) = index.slots(value) {
                        union.extend(set.iter().copied());
                    }
                }
                union.into_iter().filter_map(|s| state.object(s)).collect()
            }
        })
    }

    /// Keys of the objects indexed under `indexed_value` in `index_name`.
    ///
    /// Mirrors client-go `ThreadSafeStore.IndexKeys`.
    ///
    /// # Errors
    /// [`Error::IndexNotFound`] when the index does not exist.
    pub fn index_keys(&self, index_name: &str, indexed_value: &str) -> Result<Vec<String>, Error> {
        let state = self.read();
        let pos = state.position(index_name)?;
        Ok(state.indices[pos]
            .slots(indexed_value)
            .map(|set| {
                set.iter()
                    .filter_map(|&s| state.entry(s).map(|e| e.key.to_string()))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Every value present in index `index_name`; empty for an unknown index.
    ///
    /// Mirrors client-go `ThreadSafeStore.ListIndexFuncValues`.
    pub fn list_index_func_values(&self, index_name: &str) -> Vec<String> {
        let state = self.read();
        match state.position(index_name) {
            Ok(pos) => state.indices[pos].values().map(ToString::to_string).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Objects indexed under `indexed_value` in `index_name`: shared `Arc`s, no copies.
    ///
    /// Mirrors client-go `ThreadSafeStore.ByIndex`. The returned slice is cached per indexed value
    /// and handed out again until an object under that value is added, updated or removed; the
    /// first query after a change builds it (one reference-count increment per object).
    ///
    /// # Errors
    /// [`Error::IndexNotFound`] when the index does not exist.
    pub fn by_index(&self, index_name: &str, indexed_value: &str) -> Result<Objects<K>, Error> {
        let state = self.read();
        let pos = state.position(index_name)?;
        Ok(match state.indices[pos].bucket(indexed_value) {
            Some(bucket) => bucket.objects(|s| state.object(s)),
            None => Arc::from([]),
        })
    }

    /// The store's index functions.
    ///
    /// Mirrors client-go `ThreadSafeStore.GetIndexers`.
    pub fn get_indexers(&self) -> Indexers<K> {
        (*self.read().indexers).clone()
    }

    /// Adds index functions to an empty store.
    ///
    /// Mirrors client-go `ThreadSafeStore.AddIndexers` as it behaved before 1.28: refused once the
    /// store holds objects.
    ///
    /// # Errors
    /// [`Error::StoreNotEmpty`] when the store holds objects; [`Error::IndexerConflict`] when a
    /// name is already registered (nothing is added then).
    pub fn add_indexers(&self, new: Indexers<K>) -> Result<(), Error> {
        let mut state = self.write();
        if !state.keys.is_empty() {
            return Err(Error::StoreNotEmpty {
                len: state.keys.len(),
            });
        }
        let conflicts: Vec<String> = new
            .names()
            .filter(|n| state.indexers.contains(n))
            .map(str::to_owned)
            .collect();
        if !conflicts.is_empty() {
            return Err(Error::IndexerConflict { names: conflicts });
        }
        let mut merged = (*state.indexers).clone();
        for name in new.names() {
            if let Some(func) = new.get(name) {
                merged.insert(name, Arc::clone(func));
            }
        }
        state.indices = (0..merged.len()).map(|_| Index::default()).collect();
        state.indexers = Arc::new(merged);
        Ok(())
    }

    /// Does nothing; kept for parity.
    ///
    /// Mirrors client-go `ThreadSafeStore.Resync` (a deprecated no-op).
    pub fn resync(&self) {}
}

fn not_found(name: &str) -> Error {
    Error::IndexNotFound {
        name: name.to_owned(),
    }
}

impl<K> State<K> {
    fn is_current(&self, indexers: &Arc<Indexers<K>>) -> bool {
        Arc::ptr_eq(&self.indexers, indexers)
    }

    fn entry(&self, slot: usize) -> Option<&Entry<K>> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    fn object(&self, slot: usize) -> Option<Arc<K>> {
        self.entry(slot).map(|e| Arc::clone(&e.obj))
    }

    fn position(&self, index_name: &str) -> Result<usize, Error> {
        self.indexers
            .position(index_name)
            .ok_or_else(|| not_found(index_name))
    }

    /// Inserts or updates, returning the replaced object.
    fn upsert(&mut self, item: Prepared<K>, epoch: u64) -> Option<Arc<K>> {
        let State {
            indices,
            slots,
            free,
            keys,
            ..
        } = self;
        if let Some(&slot) = keys.get(item.key.as_str()) {
            if let Some(entry) = slots.get_mut(slot).and_then(Option::as_mut) {
                for ((index, old), new) in indices
                    .iter_mut()
                    .zip(entry.values.as_mut_slice())
                    .zip(item.values.as_slice())
                {
                    let old_values = old.as_slice();
                    if old_values.len() == new.len() && old_values.iter().zip(new).all(|(o, n)| **o == **n) {
                        // Same place in the index, but cached query results hold the old object.
                        for value in old_values {
                            index.touch(value);
                        }
                        continue;
                    }
                    for value in old_values {
                        index.remove(value, slot);
                    }
                    *old = new.iter().map(|v| index.insert(v, slot)).collect();
                }
                entry.epoch = epoch;
                return Some(std::mem::replace(&mut entry.obj, item.obj));
            }
        }
        let slot = free.pop().unwrap_or(slots.len());
        let values = indices
            .iter_mut()
            .zip(item.values.as_slice())
            .map(|(index, vals)| vals.iter().map(|v| index.insert(v, slot)).collect())
            .collect();
        let key: Arc<str> = Arc::from(item.key);
        keys.insert(Arc::clone(&key), slot);
        let entry = Entry {
            key,
            obj: item.obj,
            values,
            epoch,
        };
        if slot == slots.len() {
            slots.push(Some(entry));
        } else {
            slots[slot] = Some(entry);
        }
        None
    }

    fn remove(&mut self, key: &str) -> Option<Arc<K>> {
        let slot = self.keys.remove(key)?;
        self.remove_slot(slot).map(|e| e.obj)
    }

    fn remove_slot(&mut self, slot: usize) -> Option<Entry<K>> {
        let entry = self.slots.get_mut(slot)?.take()?;
        for (index, values) in self.indices.iter_mut().zip(entry.values.as_slice()) {
            for value in values.as_slice() {
                index.remove(value, slot);
            }
        }
        self.free.push(slot);
        Some(entry)
    }

    fn replace(&mut self, items: impl ExactSizeIterator<Item = Prepared<K>>) -> Vec<ReplaceDelta<K>> {
        self.epoch += 1;
        let epoch = self.epoch;
        let mut deltas = Vec::with_capacity(items.len());
        for item in items {
            let new = Arc::clone(&item.obj);
            deltas.push(match self.upsert(item, epoch) {
                Some(old) => ReplaceDelta::Updated { old, new },
                None => ReplaceDelta::Added(new),
            });
        }
        for slot in 0..self.slots.len() {
            let stale = matches!(&self.slots[slot], Some(e) if e.epoch != epoch);
            if stale {
                if let Some(entry) = self.remove_slot(slot) {
                    self.keys.remove(&*entry.key);
                    deltas.push(ReplaceDelta::Deleted(DeletedFinalStateUnknown {
                        key: entry.key.to_string(),
                        obj: Some(entry.obj),
                    }));
                }
            }
        }
        if self.keys.is_empty() {
            // Give back the slab's memory after a relist that emptied the store.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
        deltas
    }
}

impl<K> Default for ThreadSafeStore<K> {
    fn default() -> Self {
        ThreadSafeStore::new(Indexers::new())
    }
}

impl<K> fmt::Debug for ThreadSafeStore<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.read();
        f.debug_struct("ThreadSafeStore")
            .field("len", &state.keys.len())
            .field("indexers", &*state.indexers)
            .finish()
    }
}

#[cfg(test)]
mod tests;
