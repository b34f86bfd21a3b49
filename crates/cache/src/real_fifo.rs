//! A queue that hands every change to the consumer, one at a time, in arrival order.
//!
//! Mirrors client-go `tools/cache/the_real_fifo.go` (`RealFIFO`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use crate::delta_fifo::{DeletedFinalStateUnknown, Delta, DeltaObject, DeltaType, Deltas, KnownObjects};
use crate::error::{Error, KeyError};
use crate::fifo::{ProcessError, Queue};
use crate::store::KeyFunc;

/// How many deltas [`RealFifo::pop_batch`] hands over at most by default.
///
/// Mirrors client-go's `defaultBatchSize`.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// A queue delivering every delta in the order it arrived, several per object if several
/// happened, deletions included.
///
/// Mirrors client-go `cache.RealFIFO`, the queue informers use by default in client-go 1.36 and
/// here: handlers see events in the order the server produced them. `replace` first queues a
/// [`DeletedFinalStateUnknown`] tombstone for each queued or known key the list lacks (unless its
/// last queued delta already is a deletion), then `Replaced` for every listed object. `resync`
/// queues `Sync` for known objects with nothing queued. Known objects are required, as in Go.
///
/// Sans-IO like [`DeltaFifo`](crate::DeltaFifo). It differs from client-go in two documented
/// ways:
/// - a process function returning [`ProcessError::Requeue`] puts the delta back at the *front*,
///   so it is retried before anything that arrived after it and order is kept (Go's RealFIFO
///   ignores requeue requests);
/// - there is no transform function: the informer's transform is applied by the reflector,
///   before objects are shared as `Arc`s.
#[doc(alias = "RealFIFO")]
pub struct RealFifo<K> {
    items: VecDeque<Delta<K>>,
    populated: bool,
    initial_population_count: usize,
    key_func: KeyFunc<K>,
    known_objects: KnownObjects<K>,
    closed: bool,
    batch_size: usize,
}

impl<K> RealFifo<K> {
    /// An empty queue keying objects with `key_func`, consulting `known_objects` (the consumer's
    /// store) on `replace` and `resync`.
    ///
    /// Mirrors client-go `cache.NewRealFIFOWithOptions`.
    pub fn new(key_func: KeyFunc<K>, known_objects: KnownObjects<K>) -> Self {
        RealFifo {
            items: VecDeque::new(),
            populated: false,
            initial_population_count: 0,
            key_func,
            known_objects,
            closed: false,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }

    /// Sets the largest batch [`pop_batch`](RealFifo::pop_batch) hands over (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    fn key_of(&self, obj: &DeltaObject<K>) -> Result<String, KeyError> {
        match obj {
            DeltaObject::DeletedFinalStateUnknown(t) => Ok(t.key.clone()),
            DeltaObject::Object(obj) => (self.key_func)(obj),
        }
    }

    fn push(&mut self, delta_type: DeltaType, obj: Arc<K>) -> Result<(), Error> {
        // The key is not stored, but an object without one could never be matched against the
        // known objects later, so refuse it now.
        (self.key_func)(&obj)?;
        self.populated = true;
        self.items.push_back(Delta::new(delta_type, obj));
        Ok(())
    }

    /// Every queued delta, oldest first.
    pub fn deltas(&self) -> impl Iterator<Item = &Delta<K>> {
        self.items.iter()
    }

    /// Removes up to the batch size of the oldest deltas, stopping before a key repeats (so a
    /// batch never holds two changes to one object) and at the end of the initial list, and hands
    /// them to `process` with `is_in_initial_list`.
    ///
    /// Mirrors client-go `RealFIFO.PopBatch`. On [`ProcessError::Requeue`] the whole batch goes
    /// back to the front. Returns `None` when the queue is empty.
    pub fn pop_batch<E>(
        &mut self,
        process: impl FnOnce(&[Delta<K>], bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Vec<Delta<K>>, E>> {
        if self.items.is_empty() {
            return None;
        }
        let is_in_initial_list = !self.has_synced();
        let mut limit = self.batch_size.min(self.items.len());
        if self.initial_population_count > 0 {
            limit = limit.min(self.initial_population_count);
        }
        let mut seen = HashSet::with_capacity(limit);
        let mut take = 0;
        for delta in self.items.iter().take(limit) {
            match self.key_of(&delta.object) {
                Ok(key) => {
                    if !seen.insert(key) {
                        break;
                    }
                    take += 1;
                }
                Err(_) => {
                    // Close the batch with the unkeyable delta, as Go does, rather than stall.
                    take += 1;
                    break;
                }
            }
        }
        let take = take.max(1);
        let batch: Vec<Delta<K>> = self.items.drain(..take).collect();
        let initial_before = self.initial_population_count;
        self.initial_population_count = initial_before.saturating_sub(batch.len());
        Some(match process(&batch, is_in_initial_list) {
            Ok(()) => Ok(batch),
            Err(ProcessError::Requeue(e)) => {
                self.initial_population_count = initial_before;
                for delta in batch.into_iter().rev() {
                    self.items.push_front(delta);
                }
                Err(e)
            }
            Err(ProcessError::Failed(e)) => Err(e),
        })
    }
}

impl<K> Queue<K> for RealFifo<K> {
    fn add(&mut self, obj: Arc<K>) -> Result<(), Error> {
        self.push(DeltaType::Added, obj)
    }

    fn update(&mut self, obj: Arc<K>) -> Result<(), Error> {
        self.push(DeltaType::Updated, obj)
    }

    /// Unlike [`DeltaFifo`](crate::DeltaFifo), always queues the deletion, as Go's RealFIFO does.
    fn delete(&mut self, obj: Arc<K>) -> Result<(), Error> {
        self.push(DeltaType::Deleted, obj)
    }

    fn replace(&mut self, list: Vec<Arc<K>>, _resource_version: &str) -> Result<(), Error> {
        let keyed = list
            .into_iter()
            .map(|obj| Ok(((self.key_func)(&obj)?, obj)))
            .collect::<Result<Vec<_>, KeyError>>()?;
        let new_keys: HashSet<&str> = keyed.iter().map(|(k, _)| k.as_str()).collect();

        // The last queued delta of every queued key, keys in first-seen order.
        let mut order: Vec<String> = Vec::new();
        let mut last: HashMap<String, &Delta<K>> = HashMap::new();
        for delta in &self.items {
            let key = self.key_of(&delta.object)?;
            if !last.contains_key(&key) {
                order.push(key.clone());
            }
            last.insert(key, delta);
        }
        let mut tombstones: Vec<DeletedFinalStateUnknown<K>> = Vec::new();
        for key in &order {
            if new_keys.contains(key.as_str()) {
                continue;
            }
            let Some(delta) = last.get(key) else { continue };
            if delta.delta_type == DeltaType::Deleted {
                continue;
            }
            tombstones.push(DeletedFinalStateUnknown {
                key: key.clone(),
                obj: delta.object.object().cloned(),
            });
        }
        for key in self.known_objects.list_keys() {
            if new_keys.contains(key.as_str()) || last.contains_key(&key) {
                continue;
            }
            tombstones.push(DeletedFinalStateUnknown {
                obj: self.known_objects.get_by_key(&key),
                key,
            });
        }
        drop(new_keys);
        drop(last);

        self.items.reserve(tombstones.len() + keyed.len());
        for tombstone in tombstones {
            self.items.push_back(Delta {
                delta_type: DeltaType::Deleted,
                object: DeltaObject::DeletedFinalStateUnknown(tombstone),
            });
        }
        for (_, obj) in keyed {
            self.items.push_back(Delta::new(DeltaType::Replaced, obj));
        }
        if !self.populated {
            self.populated = true;
            self.initial_population_count = self.items.len();
        }
        Ok(())
    }

    fn resync(&mut self) -> Result<(), Error> {
        let queued = self
            .items
            .iter()
            .map(|d| self.key_of(&d.object))
            .collect::<Result<HashSet<String>, KeyError>>()?;
        for key in self.known_objects.list_keys() {
            if queued.contains(&key) {
                continue;
            }
            if let Some(obj) = self.known_objects.get_by_key(&key) {
                self.items.push_back(Delta::new(DeltaType::Sync, obj));
            }
        }
        Ok(())
    }

    fn pop<E>(
        &mut self,
        process: impl FnOnce(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Deltas<K>, E>> {
        let is_in_initial_list = !self.has_synced();
        let delta = self.items.pop_front()?;
        let initial_before = self.initial_population_count;
        self.initial_population_count = initial_before.saturating_sub(1);
        let deltas = Deltas::new(vec![delta]);
        Some(match process(&deltas, is_in_initial_list) {
            Ok(()) => Ok(deltas),
            Err(ProcessError::Requeue(e)) => {
                self.initial_population_count = initial_before;
                for delta in deltas.into_iter().rev() {
                    self.items.push_front(delta);
                }
                Err(e)
            }
            Err(ProcessError::Failed(e)) => Err(e),
        })
    }

    fn has_synced(&self) -> bool {
        self.populated && self.initial_population_count == 0
    }

    fn close(&mut self) {
        self.closed = true;
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn key_func(&self) -> KeyFunc<K> {
        self.key_func
    }
}

impl<K> fmt::Debug for RealFifo<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealFifo")
            .field("len", &self.items.len())
            .field("populated", &self.populated)
            .field("initial_population_count", &self.initial_population_count)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
