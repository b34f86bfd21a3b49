//! A queue that hands every change to the consumer, one at a time, in arrival order.
//!
//! Mirrors client-go `tools/cache/the_real_fifo.go` (`RealFIFO`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use crate::delta::{DeletedFinalStateUnknown, Delta, DeltaObject, DeltaType, Deltas};
use crate::error::{Error, KeyError};
use crate::fifo::{ProcessError, Queue};
use crate::key::KeyFunc;
use crate::store::KnownObjects;

mod item;

pub use item::FifoItem;

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
/// With [`with_atomic_events`](RealFifo::with_atomic_events) a relist, a resync and a bookmark
/// are each queued as one [`FifoItem`] instead (client-go 1.36's `AtomicEvents`), for a consumer
/// that pops with [`pop_item`](RealFifo::pop_item) and applies whole units with
/// [`process_item`](crate::process_item).
///
/// Sans-IO like [`DeltaFifo`](crate::DeltaFifo). It differs from client-go in three documented
/// ways:
/// - a process function returning [`ProcessError::Requeue`] puts the item back at the *front*,
///   so it is retried before anything that arrived after it and order is kept (Go's RealFIFO
///   ignores requeue requests);
/// - there is no transform function: the informer's transform is applied by the reflector,
///   before objects are shared as `Arc`s;
/// - with atomic events, [`Queue::pop`] and [`pop_batch`](RealFifo::pop_batch) still work: they
///   hand a relist or resync over expanded into the deltas the plain queue would have queued
///   (worked out against the known objects when it is popped, when the store holds everything
///   queued before it) and skip bookmarks. Go's atomic queue has no known objects and only
///   hands out whole units.
#[doc(alias = "RealFIFO")]
pub struct RealFifo<K> {
    items: VecDeque<FifoItem<K>>,
    populated: bool,
    initial_population_count: usize,
    key_func: KeyFunc<K>,
    known_objects: KnownObjects<K>,
    closed: bool,
    batch_size: usize,
    atomic_events: bool,
}

/// An item taken off the front, expanded into deltas, with what putting it back needs.
struct Popped<K> {
    deltas: Vec<Delta<K>>,
    is_in_initial_list: bool,
    initial_before: usize,
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
            atomic_events: false,
        }
    }

    /// Sets the largest batch [`pop_batch`](RealFifo::pop_batch) hands over (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Queues a relist as one [`FifoItem::ReplacedAll`], a resync as one [`FifoItem::SyncAll`]
    /// and a [`bookmark`](Queue::bookmark) as a [`FifoItem::Bookmark`], so that a consumer
    /// popping with [`pop_item`](RealFifo::pop_item) applies each as a unit: the store changes
    /// from one consistent state to the next in one step, and the relist's deletions are worked
    /// out against the store when it is applied. Off by default.
    ///
    /// Mirrors client-go 1.36 `RealFIFOOptions.AtomicEvents`; Go turns bookmark items on with a
    /// separate switch (`emitDeltaTypeBookmark`), here they come with atomic events. The queued
    /// relist holds the whole list until it is popped, beside the cache: the opt-in memory cost.
    #[doc(alias = "AtomicEvents")]
    pub fn with_atomic_events(mut self) -> Self {
        self.atomic_events = true;
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
        self.items.push_back(FifoItem::Delta(Delta::new(delta_type, obj)));
        Ok(())
    }

    /// Every queued item, oldest first.
    pub fn items(&self) -> impl Iterator<Item = &FifoItem<K>> {
        self.items.iter()
    }

    /// Every queued delta, oldest first (the atomic units left out).
    pub fn deltas(&self) -> impl Iterator<Item = &Delta<K>> {
        self.items.iter().filter_map(|item| match item {
            FifoItem::Delta(d) => Some(d),
            _ => None,
        })
    }

    /// Tombstones for the known keys that neither `listed` nor `queued` has.
    fn known_tombstones(
        &self,
        listed: &HashSet<&str>,
        queued: &HashMap<String, &Delta<K>>,
    ) -> Vec<DeletedFinalStateUnknown<K>> {
        self.known_objects
            .list_keys()
            .into_iter()
            .filter(|key| !listed.contains(key.as_str()) && !queued.contains_key(key))
            .map(|key| DeletedFinalStateUnknown {
                obj: self.known_objects.get_by_key(&key),
                key,
            })
            .collect()
    }

    /// What the plain queue would have queued for `item`, worked out now.
    fn expand(&self, item: FifoItem<K>) -> Vec<Delta<K>> {
        match item {
            FifoItem::Delta(d) => vec![d],
            FifoItem::ReplacedAll { objects, .. } => {
                let keys: Vec<String> = objects.iter().filter_map(|o| (self.key_func)(o).ok()).collect();
                let listed: HashSet<&str> = keys.iter().map(String::as_str).collect();
                let tombstones = self.known_tombstones(&listed, &HashMap::new());
                let mut deltas = Vec::with_capacity(tombstones.len() + objects.len());
                deltas.extend(tombstones.into_iter().map(|t| Delta {
                    delta_type: DeltaType::Deleted,
                    object: DeltaObject::DeletedFinalStateUnknown(t),
                }));
                deltas.extend(objects.into_iter().map(|o| Delta::new(DeltaType::Replaced, o)));
                deltas
            }
            FifoItem::SyncAll => self
                .known_objects
                .list_keys()
                .into_iter()
                .filter_map(|key| self.known_objects.get_by_key(&key))
                .map(|o| Delta::new(DeltaType::Sync, o))
                .collect(),
            FifoItem::Bookmark { .. } => Vec::new(),
        }
    }

    /// Takes the front item off and expands it, skipping items that expand to nothing (a
    /// bookmark, a relist or resync with nothing to say).
    fn pop_expanded(&mut self) -> Option<Popped<K>> {
        loop {
            let is_in_initial_list = !self.has_synced();
            let item = self.items.pop_front()?;
            let initial_before = self.initial_population_count;
            self.initial_population_count = initial_before.saturating_sub(1);
            let deltas = self.expand(item);
            if !deltas.is_empty() {
                return Some(Popped {
                    deltas,
                    is_in_initial_list,
                    initial_before,
                });
            }
        }
    }

    /// Puts `deltas` back at the front, as they were before one pop took `taken` items.
    fn requeue(&mut self, deltas: Vec<Delta<K>>, taken: usize, initial_before: usize) {
        if initial_before > 0 {
            // An expanded unit comes back as its deltas, each part of the initial list.
            self.initial_population_count = initial_before - taken + deltas.len();
        }
        for delta in deltas.into_iter().rev() {
            self.items.push_front(FifoItem::Delta(delta));
        }
    }

    /// Removes up to the batch size of the oldest deltas, stopping before a key repeats (so a
    /// batch never holds two changes to one object), at the end of the initial list and at an
    /// atomic unit, and hands them to `process` with `is_in_initial_list`. An atomic unit at the
    /// front is handed over alone, expanded as [`Queue::pop`] does.
    ///
    /// Mirrors client-go `RealFIFO.PopBatch`. On [`ProcessError::Requeue`] the whole batch goes
    /// back to the front. Returns `None` when the queue is empty.
    pub fn pop_batch<E>(
        &mut self,
        process: impl FnOnce(&[Delta<K>], bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Vec<Delta<K>>, E>> {
        let popped = match self.items.front()? {
            FifoItem::Delta(_) => self.take_batch(),
            _ => self.pop_expanded()?,
        };
        let Popped {
            deltas,
            is_in_initial_list,
            initial_before,
        } = popped;
        let taken = initial_before - self.initial_population_count;
        Some(match process(&deltas, is_in_initial_list) {
            Ok(()) => Ok(deltas),
            Err(ProcessError::Requeue(e)) => {
                self.requeue(deltas, taken, initial_before);
                Err(e)
            }
            Err(ProcessError::Failed(e)) => Err(e),
        })
    }

    /// Takes the batch [`pop_batch`](RealFifo::pop_batch) hands over when a delta is in front.
    fn take_batch(&mut self) -> Popped<K> {
        let is_in_initial_list = !self.has_synced();
        let mut limit = self.batch_size.min(self.items.len());
        if self.initial_population_count > 0 {
            limit = limit.min(self.initial_population_count);
        }
        let mut seen = HashSet::with_capacity(limit);
        let mut take = 0;
        for item in self.items.iter().take(limit) {
            let FifoItem::Delta(delta) = item else { break };
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
        let deltas: Vec<Delta<K>> = self
            .items
            .drain(..take.max(1))
            .filter_map(|item| match item {
                FifoItem::Delta(d) => Some(d),
                _ => None,
            })
            .collect();
        let initial_before = self.initial_population_count;
        self.initial_population_count = initial_before.saturating_sub(deltas.len());
        Popped {
            deltas,
            is_in_initial_list,
            initial_before,
        }
    }

    /// Removes the front item, whole, and hands it to `process` with `is_in_initial_list`: the
    /// pop of a consumer that applies atomic units with [`process_item`](crate::process_item).
    ///
    /// Mirrors client-go 1.36 `RealFIFO.Pop` with `AtomicEvents`. On [`ProcessError::Requeue`]
    /// the item goes back to the front. Returns `None` when the queue is empty.
    pub fn pop_item<E>(
        &mut self,
        process: impl FnOnce(&FifoItem<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<FifoItem<K>, E>> {
        let is_in_initial_list = !self.has_synced();
        let item = self.items.pop_front()?;
        let initial_before = self.initial_population_count;
        self.initial_population_count = initial_before.saturating_sub(1);
        Some(match process(&item, is_in_initial_list) {
            Ok(()) => Ok(item),
            Err(ProcessError::Requeue(e)) => {
                self.initial_population_count = initial_before;
                self.items.push_front(item);
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

    fn replace(&mut self, list: Vec<Arc<K>>, resource_version: &str) -> Result<(), Error> {
        let keyed = list
            .into_iter()
            .map(|obj| Ok(((self.key_func)(&obj)?, obj)))
            .collect::<Result<Vec<_>, KeyError>>()?;
        if self.atomic_events {
            self.items.push_back(FifoItem::ReplacedAll {
                resource_version: resource_version.to_owned(),
                objects: keyed.into_iter().map(|(_, obj)| obj).collect(),
            });
        } else {
            self.replace_deltas(keyed)?;
        }
        if !self.populated {
            self.populated = true;
            self.initial_population_count = self.items.len();
        }
        Ok(())
    }

    fn resync(&mut self) -> Result<(), Error> {
        if self.atomic_events {
            self.items.push_back(FifoItem::SyncAll);
            return Ok(());
        }
        let queued = self
            .deltas()
            .map(|d| self.key_of(&d.object))
            .collect::<Result<HashSet<String>, KeyError>>()?;
        for key in self.known_objects.list_keys() {
            if queued.contains(&key) {
                continue;
            }
            if let Some(obj) = self.known_objects.get_by_key(&key) {
                self.items
                    .push_back(FifoItem::Delta(Delta::new(DeltaType::Sync, obj)));
            }
        }
        Ok(())
    }

    /// Queues a [`FifoItem::Bookmark`] with atomic events; does nothing otherwise, as client-go.
    fn bookmark(&mut self, resource_version: &str) -> Result<(), Error> {
        if self.atomic_events {
            self.items.push_back(FifoItem::Bookmark {
                resource_version: resource_version.to_owned(),
            });
        }
        Ok(())
    }

    /// Hands an atomic unit over expanded into deltas (see the type's doc); a bookmark is skipped.
    fn pop<E>(
        &mut self,
        process: impl FnOnce(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Deltas<K>, E>> {
        let Popped {
            deltas,
            is_in_initial_list,
            initial_before,
        } = self.pop_expanded()?;
        let taken = initial_before - self.initial_population_count;
        let deltas = Deltas::new(deltas);
        Some(match process(&deltas, is_in_initial_list) {
            Ok(()) => Ok(deltas),
            Err(ProcessError::Requeue(e)) => {
                self.requeue(deltas.into_vec(), taken, initial_before);
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

impl<K> RealFifo<K> {
    /// The plain relist: tombstones for queued keys the list lacks (unless already deleted) and
    /// for known keys neither listed nor queued, then `Replaced` for every listed object.
    fn replace_deltas(&mut self, keyed: Vec<(String, Arc<K>)>) -> Result<(), Error> {
        let new_keys: HashSet<&str> = keyed.iter().map(|(k, _)| k.as_str()).collect();

        // The last queued delta of every queued key, keys in first-seen order.
        let mut order: Vec<String> = Vec::new();
        let mut last: HashMap<String, &Delta<K>> = HashMap::new();
        for delta in self.deltas() {
            let key = self.key_of(&delta.object)?;
            if !last.contains_key(&key) {
                order.push(key.clone());
            }
            last.insert(key, delta);
        }
        let mut tombstones: Vec<DeletedFinalStateUnknown<K>> = order
            .iter()
            .filter(|key| !new_keys.contains(key.as_str()))
            .filter_map(|key| {
                let delta = last.get(key)?;
                (delta.delta_type != DeltaType::Deleted).then(|| DeletedFinalStateUnknown {
                    key: key.clone(),
                    obj: delta.object.object().cloned(),
                })
            })
            .collect();
        tombstones.extend(self.known_tombstones(&new_keys, &last));
        drop(new_keys);
        drop(last);

        self.items.reserve(tombstones.len() + keyed.len());
        for tombstone in tombstones {
            self.items.push_back(FifoItem::Delta(Delta {
                delta_type: DeltaType::Deleted,
                object: DeltaObject::DeletedFinalStateUnknown(tombstone),
            }));
        }
        for (_, obj) in keyed {
            self.items
                .push_back(FifoItem::Delta(Delta::new(DeltaType::Replaced, obj)));
        }
        Ok(())
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
