//! The queue interface the reflector fills and the informer's processing loop drains.
//!
//! Mirrors client-go `tools/cache/fifo.go` (`Queue`, `PopProcessFunc`, `ErrRequeue`). Queues here
//! are sans-IO state machines: `pop` never blocks, it returns `None` when nothing is queued. The
//! async layer above wraps a queue in a mutex plus a `Notify`, which replaces Go's `sync.Cond`.

use std::sync::Arc;

use crate::delta::Deltas;
use crate::error::Error;
use crate::key::KeyFunc;

/// What a pop's process function reports when it fails.
///
/// Mirrors client-go's `PopProcessFunc` error contract: returning `ErrRequeue{Err}` puts the item
/// back, any other error drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessError<E> {
    /// Put the popped deltas back in the queue, then report the error.
    ///
    /// Mirrors client-go `cache.ErrRequeue`.
    #[doc(alias = "ErrRequeue")]
    Requeue(E),
    /// Drop the popped deltas and report the error.
    Failed(E),
}

impl<E> ProcessError<E> {
    /// The wrapped error.
    pub fn into_inner(self) -> E {
        match self {
            ProcessError::Requeue(e) | ProcessError::Failed(e) => e,
        }
    }
}

/// A producer/consumer queue of object changes: the reflector adds, updates, deletes and replaces;
/// one consumer pops.
///
/// Mirrors client-go `cache.Queue`. Implemented by [`DeltaFifo`](crate::DeltaFifo) (one entry per
/// key, its deltas accumulated) and [`RealFifo`](crate::RealFifo) (every delta in arrival order;
/// the default in client-go 1.36 and here).
pub trait Queue<K> {
    /// Queues an `Added` delta.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn add(&mut self, obj: Arc<K>) -> Result<(), Error>;

    /// Queues an `Updated` delta.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn update(&mut self, obj: Arc<K>) -> Result<(), Error>;

    /// Queues a `Deleted` delta carrying the object's last state.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    fn delete(&mut self, obj: Arc<K>) -> Result<(), Error>;

    /// Queues a relist: `Replaced` deltas for every listed object, and `Deleted` tombstones
    /// ([`DeletedFinalStateUnknown`](crate::DeletedFinalStateUnknown)) for known or queued objects
    /// the list no longer has.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails for a listed object; nothing is queued then.
    fn replace(&mut self, list: Vec<Arc<K>>, resource_version: &str) -> Result<(), Error>;

    /// Queues `Sync` deltas for known objects that have nothing queued.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails for a known object.
    fn resync(&mut self) -> Result<(), Error>;

    /// The watch reached `resource_version` with no change (a watch BOOKMARK). Queues nothing by
    /// default; a [`RealFifo`](crate::RealFifo) with atomic events queues a bookmark item, so
    /// the consumer learns how far the store has caught up.
    ///
    /// Mirrors client-go 1.36 `RealFIFO.Bookmark`.
    ///
    /// # Errors
    /// None by default; the signature leaves room for queues that can fail.
    fn bookmark(&mut self, resource_version: &str) -> Result<(), Error> {
        let _ = resource_version;
        Ok(())
    }

    /// Removes the next item and hands it to `process` with `is_in_initial_list` (true while the
    /// first relist is being drained), then returns it.
    ///
    /// `process` runs before `pop` returns, so a caller that holds the queue's lock while popping
    /// keeps its store (the queue's known objects) consistent with the queue, as client-go does by
    /// running it under the queue lock. Returns `None` when the queue is empty.
    fn pop<E>(
        &mut self,
        process: impl FnOnce(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Deltas<K>, E>>;

    /// True once the first relist has been fully popped, or once anything but a relist was queued
    /// first.
    fn has_synced(&self) -> bool;

    /// Marks the queue closed, so the consumer loop can stop once it is drained.
    fn close(&mut self);

    /// True after [`close`](Queue::close).
    fn is_closed(&self) -> bool;

    /// How many items `pop` would still return.
    fn len(&self) -> usize;

    /// How many deltas are held in all: what the queue's memory grows with, and what
    /// a [`Controller`](crate::Controller)'s queue capacity bounds. The same as [`len`](Queue::len) for a
    /// queue of single deltas; a [`DeltaFifo`](crate::DeltaFifo) counts every delta of every key.
    fn queued_deltas(&self) -> usize {
        self.len()
    }

    /// The key function the queue keys objects with.
    fn key_func(&self) -> KeyFunc<K>;

    /// True when `pop` would return `None`.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
