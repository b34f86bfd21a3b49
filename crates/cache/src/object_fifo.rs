//! The plain FIFO: one pending object per key, in the order keys were first queued.
//!
//! Mirrors client-go `tools/cache/fifo.go`'s `FIFO` (`NewFIFO`): unlike a
//! [`DeltaFifo`](crate::DeltaFifo), an update to a queued key replaces its object in place (the
//! key keeps its turn), a delete drops the pending object, and popping hands over the latest
//! object alone, with no history. Useful where only the newest state of each key matters. A
//! sans-IO state machine like the other queues: [`Fifo::pop`] returns `None` when nothing is
//! pending instead of blocking.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::fifo::ProcessError;
use crate::key::KeyFunc;

/// One pending object per key, popped in first-queued order. Mirrors client-go `cache.FIFO`.
pub struct Fifo<K> {
    key_func: KeyFunc<K>,
    /// The pending object of each key. Every key here is also in `queue`.
    items: HashMap<String, Arc<K>>,
    /// Keys in turn order; a key whose object was deleted stays until its turn and is skipped.
    queue: VecDeque<String>,
    populated: bool,
    initial_population_count: usize,
    closed: bool,
}

impl<K> fmt::Debug for Fifo<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fifo")
            .field("pending", &self.items.len())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl<K> Fifo<K> {
    /// An empty FIFO keyed by `key_func`. Mirrors `NewFIFO`.
    pub fn new(key_func: KeyFunc<K>) -> Self {
        Fifo {
            key_func,
            items: HashMap::new(),
            queue: VecDeque::new(),
            populated: false,
            initial_population_count: 0,
            closed: false,
        }
    }

    /// Queues `obj`, or replaces the pending object of its key (which keeps its turn). Mirrors
    /// `Add`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn add(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let key = (self.key_func)(&obj)?;
        self.populated = true;
        if self.items.insert(key.clone(), obj).is_none() {
            self.queue.push_back(key);
        }
        Ok(())
    }

    /// As [`Fifo::add`]. Mirrors `Update`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn update(&mut self, obj: Arc<K>) -> Result<(), Error> {
        self.add(obj)
    }

    /// Queues `obj` only if nothing is pending for its key. Mirrors `AddIfNotPresent`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn add_if_not_present(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let key = (self.key_func)(&obj)?;
        self.populated = true;
        self.add_key_if_not_present(key, obj);
        Ok(())
    }

    fn add_key_if_not_present(&mut self, key: String, obj: Arc<K>) {
        if !self.items.contains_key(&key) {
            self.items.insert(key.clone(), obj);
            self.queue.push_back(key);
        }
    }

    /// Drops the pending object of `obj`'s key. Mirrors `Delete`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn delete(&mut self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(obj)?;
        self.populated = true;
        Ok(self.items.remove(&key))
    }

    /// The pending objects, in no particular order. Mirrors `List`.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.items.values().cloned().collect()
    }

    /// The keys with a pending object, in no particular order. Mirrors `ListKeys`.
    pub fn list_keys(&self) -> Vec<String> {
        self.items.keys().cloned().collect()
    }

    /// The pending object of `obj`'s key. Mirrors `Get`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn get(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(obj)?;
        Ok(self.get_by_key(&key))
    }

    /// The pending object of `key`. Mirrors `GetByKey`.
    pub fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.items.get(key).cloned()
    }

    /// Makes `list` the pending objects, in list order, dropping everything else. The first
    /// replace of a FIFO that was never written marks its objects as the initial population.
    /// Mirrors `Replace`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails for a listed object; nothing changes then.
    pub fn replace(&mut self, list: Vec<Arc<K>>, _resource_version: &str) -> Result<(), Error> {
        let mut items = HashMap::with_capacity(list.len());
        let mut queue = VecDeque::with_capacity(list.len());
        for obj in list {
            let key = (self.key_func)(&obj)?;
            if items.insert(key.clone(), obj).is_none() {
                queue.push_back(key);
            }
        }
        self.items = items;
        self.queue = queue;
        if !self.populated {
            self.populated = true;
            self.initial_population_count = self.queue.len();
        }
        Ok(())
    }

    /// Gives every pending key whose turn was lost a place at the end again. Mirrors `Resync`
    /// (a no-op while every pending key is queued, which this FIFO maintains).
    pub fn resync(&mut self) {
        let queued: HashSet<&String> = self.queue.iter().collect();
        let missing: Vec<String> = self
            .items
            .keys()
            .filter(|k| !queued.contains(k))
            .cloned()
            .collect();
        self.queue.extend(missing);
    }

    /// Removes the next pending object and hands it to `process` with `is_in_initial_list`
    /// (true while the first replace's objects are popped), then returns it; `None` when nothing
    /// is pending. A [`ProcessError::Requeue`] puts the object back (unless a newer one was
    /// queued meanwhile) and reports the error. Mirrors `Pop`, without blocking.
    pub fn pop<E>(
        &mut self,
        process: impl FnOnce(&Arc<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Arc<K>, E>> {
        while let Some(key) = self.queue.pop_front() {
            let is_in_initial_list = self.initial_population_count > 0;
            self.initial_population_count = self.initial_population_count.saturating_sub(1);
            let Some(obj) = self.items.remove(&key) else {
                // Deleted while it waited for its turn.
                continue;
            };
            return Some(match process(&obj, is_in_initial_list) {
                Ok(()) => Ok(obj),
                Err(ProcessError::Requeue(e)) => {
                    self.add_key_if_not_present(key, obj);
                    Err(e)
                }
                Err(ProcessError::Failed(e)) => Err(e),
            });
        }
        None
    }

    /// True once the first replace's objects were all popped, or once anything but a replace
    /// was queued first. Mirrors `HasSynced`.
    pub fn has_synced(&self) -> bool {
        self.populated && self.initial_population_count == 0
    }

    /// Marks the FIFO closed, so a consumer loop can stop once it is drained. Mirrors `Close`.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// True after [`Fifo::close`]. Mirrors `IsClosed`.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// How many objects are pending.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests;
