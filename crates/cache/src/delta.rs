//! What a queue records of a change, and what it hands its consumer.
//!
//! Mirrors the types of client-go `tools/cache/delta_fifo.go` that every queue, store and consumer
//! shares: [`DeltaType`], [`Delta`], [`Deltas`], [`DeltaObject`] and the
//! [`DeletedFinalStateUnknown`] tombstone, plus [`ReplaceDelta`] (what a store's replace did to one
//! key). At the bottom of the crate: it depends on no other module.

use std::ops::Deref;
use std::sync::Arc;

/// The kind of change a [`Delta`] records.
///
/// Mirrors client-go `cache.DeltaType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeltaType {
    /// The object appeared (watch ADDED).
    Added,
    /// The object changed (watch MODIFIED).
    Updated,
    /// The object was deleted; the delta carries its last known state.
    Deleted,
    /// The object was listed by a relist; whether it changed is unknown.
    Replaced,
    /// A periodic resync re-delivered the cached object; nothing changed.
    Sync,
}

/// The object a [`Delta`] carries: the object itself, or a tombstone for a deletion the watch
/// missed.
#[derive(Debug)]
pub enum DeltaObject<K> {
    /// The object's state after the change (its last state, for a deletion).
    Object(Arc<K>),
    /// A deletion noticed only by a relist.
    DeletedFinalStateUnknown(DeletedFinalStateUnknown<K>),
}

impl<K> DeltaObject<K> {
    /// The object, or the tombstone's last known state (which may be stale, or absent).
    pub fn object(&self) -> Option<&Arc<K>> {
        match self {
            DeltaObject::Object(obj) => Some(obj),
            DeltaObject::DeletedFinalStateUnknown(t) => t.obj.as_ref(),
        }
    }

    /// True for a tombstone.
    pub fn is_tombstone(&self) -> bool {
        matches!(self, DeltaObject::DeletedFinalStateUnknown(_))
    }
}

impl<K> Clone for DeltaObject<K> {
    fn clone(&self) -> Self {
        match self {
            DeltaObject::Object(obj) => DeltaObject::Object(Arc::clone(obj)),
            DeltaObject::DeletedFinalStateUnknown(t) => DeltaObject::DeletedFinalStateUnknown(t.clone()),
        }
    }
}

/// Placed in a queue for an object that was deleted while the watch was down: the relist no
/// longer had it, so its final state is unknown and `obj` (its last known state) may be stale.
///
/// Mirrors client-go `cache.DeletedFinalStateUnknown`. Delete handlers must expect it (the seed's
/// `obj.(metav1.Object)` assertion panics on one; in Rust the enum makes the case explicit).
#[derive(Debug)]
pub struct DeletedFinalStateUnknown<K> {
    /// The deleted object's key.
    pub key: String,
    /// Its last known state, if any was known.
    pub obj: Option<Arc<K>>,
}

impl<K> Clone for DeletedFinalStateUnknown<K> {
    fn clone(&self) -> Self {
        DeletedFinalStateUnknown {
            key: self.key.clone(),
            obj: self.obj.clone(),
        }
    }
}

/// One change to one object.
///
/// Mirrors client-go `cache.Delta`.
#[derive(Debug)]
pub struct Delta<K> {
    /// What happened.
    pub delta_type: DeltaType,
    /// The object after the change (before it, for a deletion).
    pub object: DeltaObject<K>,
}

impl<K> Delta<K> {
    /// A delta of `delta_type` carrying `obj`.
    pub fn new(delta_type: DeltaType, obj: Arc<K>) -> Self {
        Delta {
            delta_type,
            object: DeltaObject::Object(obj),
        }
    }
}

impl<K> Clone for Delta<K> {
    fn clone(&self) -> Self {
        Delta {
            delta_type: self.delta_type,
            object: self.object.clone(),
        }
    }
}

/// The changes to one object, oldest first. Never empty when handed out by a queue.
///
/// Mirrors client-go `cache.Deltas`.
#[derive(Debug)]
pub struct Deltas<K>(Vec<Delta<K>>);

impl<K> Deltas<K> {
    /// Deltas from a list, oldest first.
    pub fn new(deltas: Vec<Delta<K>>) -> Self {
        Deltas(deltas)
    }

    /// The oldest delta.
    pub fn oldest(&self) -> Option<&Delta<K>> {
        self.0.first()
    }

    /// The newest delta.
    pub fn newest(&self) -> Option<&Delta<K>> {
        self.0.last()
    }

    /// The deltas as a `Vec`.
    pub fn into_vec(self) -> Vec<Delta<K>> {
        self.0
    }

    /// Appends `delta`, then merges the last two if they are the same deletion: of two `Deleted`
    /// deltas the one with more information is kept (the older, unless it is a tombstone).
    ///
    /// Mirrors client-go's `dedupDeltas` / `isDeletionDup`. Returns true when the list grew.
    /// Makes `delta` the only one (the buffer's allocation is kept).
    pub(crate) fn replace_with(&mut self, delta: Delta<K>) {
        self.0.clear();
        self.0.push(delta);
    }

    /// Drops what the buffer holds, keeping its allocation.
    pub(crate) fn replace_with_nothing(&mut self) {
        self.0.clear();
    }

    pub(crate) fn push_dedup(&mut self, delta: Delta<K>) -> bool {
        if let Some(last) = self.0.last_mut() {
            if last.delta_type == DeltaType::Deleted && delta.delta_type == DeltaType::Deleted {
                if last.object.is_tombstone() {
                    *last = delta;
                }
                return false;
            }
        }
        self.0.push(delta);
        true
    }
}

impl<K> Clone for Deltas<K> {
    fn clone(&self) -> Self {
        Deltas(self.0.clone())
    }
}

impl<K> Deref for Deltas<K> {
    type Target = [Delta<K>];

    fn deref(&self) -> &[Delta<K>] {
        &self.0
    }
}

impl<K> IntoIterator for Deltas<K> {
    type Item = Delta<K>;
    type IntoIter = std::vec::IntoIter<Delta<K>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K> IntoIterator for &'a Deltas<K> {
    type Item = &'a Delta<K>;
    type IntoIter = std::slice::Iter<'a, Delta<K>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// What a [`Store::replace`](crate::Store::replace) did to one key.
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
