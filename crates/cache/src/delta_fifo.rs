//! A queue that accumulates every change to an object under its key until the consumer pops it.
//!
//! Mirrors client-go `tools/cache/delta_fifo.go`: [`DeltaFifo`], [`Delta`], [`Deltas`],
//! [`DeltaType`], [`DeletedFinalStateUnknown`] and [`KeyListerGetter`].

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use crate::delta::{DeletedFinalStateUnknown, Delta, DeltaObject, DeltaType, Deltas};
use crate::error::{Error, KeyError};
use crate::fifo::{ProcessError, Queue};
use crate::key::KeyFunc;
use crate::store::KnownObjects;

/// A queue with one entry per object key, holding every change to that object since it was last
/// popped.
///
/// Mirrors client-go `cache.DeltaFIFO`:
/// - consecutive `Deleted` deltas for a key collapse into one;
/// - `replace` queues `Replaced` for each listed object (or `Sync`, the legacy behaviour, see
///   [`with_emit_delta_type_replaced`](DeltaFifo::with_emit_delta_type_replaced)) and a
///   [`DeletedFinalStateUnknown`] tombstone for each queued or known key the list lacks;
/// - `resync` queues `Sync` only for known objects with nothing queued;
/// - `delete` of an object neither queued nor known is ignored (a relist already reported it).
///
/// It is a sans-IO state machine (`&mut self`, no lock, `pop` never blocks); see [`Queue`]. It
/// differs from client-go in two documented ways: `Replaced` deltas are the default (Go keeps
/// `Sync` for compatibility with consumers that predate `Replaced`), and there is no transform
/// function (the informer applies its transform before objects are shared as `Arc`s).
#[doc(alias = "DeltaFIFO")]
pub struct DeltaFifo<K> {
    items: HashMap<String, Deltas<K>>,
    queue: VecDeque<String>,
    /// Deltas held across all keys: what a bounded writer measures (one key can accumulate many).
    delta_count: usize,
    populated: bool,
    initial_population_count: usize,
    key_func: KeyFunc<K>,
    known_objects: Option<KnownObjects<K>>,
    closed: bool,
    emit_delta_type_replaced: bool,
}

impl<K> DeltaFifo<K> {
    /// An empty queue keying objects with `key_func` and no known objects.
    ///
    /// Mirrors client-go `cache.NewDeltaFIFOWithOptions`.
    pub fn new(key_func: KeyFunc<K>) -> Self {
        DeltaFifo {
            items: HashMap::new(),
            queue: VecDeque::new(),
            delta_count: 0,
            populated: false,
            initial_population_count: 0,
            key_func,
            known_objects: None,
            closed: false,
            emit_delta_type_replaced: true,
        }
    }

    /// Sets the store whose objects count as known to `delete`, `replace` and `resync`.
    ///
    /// Mirrors client-go `DeltaFIFOOptions.KnownObjects`.
    pub fn with_known_objects(mut self, known_objects: KnownObjects<K>) -> Self {
        self.known_objects = Some(known_objects);
        self
    }

    /// Whether `replace` queues `Replaced` deltas (the default here) or `Sync` deltas (client-go's
    /// default, kept there for old consumers).
    ///
    /// Mirrors client-go `DeltaFIFOOptions.EmitDeltaTypeReplaced`.
    pub fn with_emit_delta_type_replaced(mut self, emit: bool) -> Self {
        self.emit_delta_type_replaced = emit;
        self
    }

    /// The key of a delta object: a tombstone's key, or the key function's.
    ///
    /// Mirrors client-go `DeltaFIFO.KeyOf`.
    ///
    /// # Errors
    /// The key function's error.
    pub fn key_of(&self, obj: &DeltaObject<K>) -> Result<String, KeyError> {
        match obj {
            DeltaObject::DeletedFinalStateUnknown(t) => Ok(t.key.clone()),
            DeltaObject::Object(obj) => (self.key_func)(obj),
        }
    }

    fn queue_action(&mut self, delta_type: DeltaType, object: DeltaObject<K>, id: String) {
        let delta = Delta { delta_type, object };
        let grew = match self.items.entry(id) {
            Entry::Occupied(mut e) => e.get_mut().push_dedup(delta),
            Entry::Vacant(e) => {
                self.queue.push_back(e.key().clone());
                e.insert(Deltas::new(vec![delta]));
                true
            }
        };
        if grew {
            self.delta_count += 1;
        }
    }

    /// The newest object of every queued key, in queue order.
    ///
    /// Mirrors client-go `DeltaFIFO.List`.
    pub fn list(&self) -> Vec<DeltaObject<K>> {
        self.queue
            .iter()
            .filter_map(|k| self.items.get(k)?.newest().map(|d| d.object.clone()))
            .collect()
    }

    /// Every queued key, in queue order.
    ///
    /// Mirrors client-go `DeltaFIFO.ListKeys`.
    pub fn list_keys(&self) -> Vec<String> {
        self.queue.iter().cloned().collect()
    }

    /// A copy of the deltas queued for `key`.
    ///
    /// Mirrors client-go `DeltaFIFO.GetByKey`.
    pub fn get_by_key(&self, key: &str) -> Option<Deltas<K>> {
        self.items.get(key).cloned()
    }

    /// Queues `deltas` (as returned by `pop`) unless its key already has something queued.
    ///
    /// Mirrors client-go `DeltaFIFO.AddIfNotPresent`: lets a consumer retry an item without
    /// overwriting newer changes.
    ///
    /// # Errors
    /// [`Error::Key`] when `deltas` is empty or its key cannot be computed.
    pub fn add_if_not_present(&mut self, deltas: Deltas<K>) -> Result<(), Error> {
        let newest = deltas.newest().ok_or(KeyError::EmptyDeltas)?;
        let id = self.key_of(&newest.object)?;
        self.add_if_not_present_keyed(id, deltas);
        Ok(())
    }

    fn add_if_not_present_keyed(&mut self, id: String, deltas: Deltas<K>) {
        self.populated = true;
        if let Entry::Vacant(e) = self.items.entry(id) {
            self.queue.push_back(e.key().clone());
            self.delta_count += deltas.len();
            e.insert(deltas);
        }
    }
}

impl<K> Queue<K> for DeltaFifo<K> {
    fn add(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let id = (self.key_func)(&obj)?;
        self.populated = true;
        self.queue_action(DeltaType::Added, DeltaObject::Object(obj), id);
        Ok(())
    }

    fn update(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let id = (self.key_func)(&obj)?;
        self.populated = true;
        self.queue_action(DeltaType::Updated, DeltaObject::Object(obj), id);
        Ok(())
    }

    fn delete(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let id = (self.key_func)(&obj)?;
        self.populated = true;
        let queued = self.items.contains_key(&id);
        let known = match &self.known_objects {
            Some(known) => known.get_by_key(&id).is_some(),
            None => false,
        };
        if !queued && !known {
            // Presumably already reported as deleted by a relist: don't report it twice.
            return Ok(());
        }
        self.queue_action(DeltaType::Deleted, DeltaObject::Object(obj), id);
        Ok(())
    }

    fn replace(&mut self, list: Vec<Arc<K>>, _resource_version: &str) -> Result<(), Error> {
        let keyed = list
            .into_iter()
            .map(|obj| Ok(((self.key_func)(&obj)?, obj)))
            .collect::<Result<Vec<_>, KeyError>>()?;
        let action = if self.emit_delta_type_replaced {
            DeltaType::Replaced
        } else {
            DeltaType::Sync
        };
        let mut keys = HashSet::with_capacity(keyed.len());
        for (key, obj) in keyed {
            keys.insert(key.clone());
            self.queue_action(action, DeltaObject::Object(obj), key);
        }

        // Queued keys the list no longer has: deleted while the watch was down.
        let stale: Vec<(String, Option<Arc<K>>)> = self
            .queue
            .iter()
            .filter(|k| !keys.contains(k.as_str()))
            .map(|k| {
                let last = self
                    .items
                    .get(k)
                    .and_then(|d| d.newest())
                    .and_then(|d| d.object.object().cloned());
                (k.clone(), last)
            })
            .collect();
        let mut queued_deletions = stale.len();
        for (key, obj) in stale {
            let tombstone = DeletedFinalStateUnknown {
                key: key.clone(),
                obj,
            };
            self.queue_action(
                DeltaType::Deleted,
                DeltaObject::DeletedFinalStateUnknown(tombstone),
                key,
            );
        }

        // Known keys with nothing queued that the list no longer has.
        if let Some(known) = self.known_objects.clone() {
            for key in known.list_keys() {
                if keys.contains(&key) || self.items.get(&key).is_some_and(|d| !d.is_empty()) {
                    continue;
                }
                let tombstone = DeletedFinalStateUnknown {
                    obj: known.get_by_key(&key),
                    key: key.clone(),
                };
                queued_deletions += 1;
                self.queue_action(
                    DeltaType::Deleted,
                    DeltaObject::DeletedFinalStateUnknown(tombstone),
                    key,
                );
            }
        }

        if !self.populated {
            self.populated = true;
            self.initial_population_count = keys.len() + queued_deletions;
        }
        Ok(())
    }

    fn resync(&mut self) -> Result<(), Error> {
        let Some(known) = self.known_objects.clone() else {
            return Ok(());
        };
        for key in known.list_keys() {
            let Some(obj) = known.get_by_key(&key) else {
                continue;
            };
            let id = (self.key_func)(&obj)?;
            // Something queued for it is newer than the store's copy: a Sync would resurrect the
            // older state.
            if self.items.get(&id).is_some_and(|d| !d.is_empty()) {
                continue;
            }
            self.queue_action(DeltaType::Sync, DeltaObject::Object(obj), id);
        }
        Ok(())
    }

    fn pop<E>(
        &mut self,
        process: impl FnOnce(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Deltas<K>, E>> {
        loop {
            let id = self.queue.pop_front()?;
            let is_in_initial_list = !self.has_synced();
            self.initial_population_count = self.initial_population_count.saturating_sub(1);
            let Some(deltas) = self.items.remove(&id) else {
                // Unreachable while `queue` and `items` hold the same keys; skip rather than stall.
                continue;
            };
            self.delta_count = self.delta_count.saturating_sub(deltas.len());
            return Some(match process(&deltas, is_in_initial_list) {
                Ok(()) => Ok(deltas),
                Err(ProcessError::Requeue(e)) => {
                    self.add_if_not_present_keyed(id, deltas);
                    Err(e)
                }
                Err(ProcessError::Failed(e)) => Err(e),
            });
        }
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
        self.queue.len()
    }

    fn queued_deltas(&self) -> usize {
        self.delta_count
    }

    fn key_func(&self) -> KeyFunc<K> {
        self.key_func
    }
}

impl<K> fmt::Debug for DeltaFifo<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeltaFifo")
            .field("len", &self.queue.len())
            .field("populated", &self.populated)
            .field("initial_population_count", &self.initial_population_count)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
