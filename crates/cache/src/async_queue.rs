//! A queue shared by the reflector that fills it and the loop that drains it.
//!
//! The async edge of the sans-IO queues ([`DeltaFifo`](crate::DeltaFifo),
//! [`RealFifo`](crate::RealFifo)): a mutex held for one queue operation at a time, a `Notify`
//! that wakes a waiting [`pop_with`](AsyncQueue::pop_with) (client-go's `sync.Cond`), and a capacity that
//! makes writers wait. As the reflector's [`ReflectorStore`] it is client-go's "the queue is the
//! reflector's store".

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::future::BoxFuture;
use tokio::sync::Notify;

#[cfg(test)]
use crate::delta::Deltas;
use crate::error::Error;
#[cfg(test)]
use crate::fifo::ProcessError;
use crate::fifo::Queue;
use crate::key::KeyFunc;
use crate::reflector::{ReflectorStore, Relist, SyncStatus};

/// How many deltas an [`AsyncQueue`] holds before its writer waits, by default.
pub(crate) const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// A [`Queue`] behind a mutex, with an awaitable [`pop_with`](AsyncQueue::pop_with) and a bounded writer
/// side. Share it as `Arc<AsyncQueue<K, Q>>`: the reflector writes through [`ReflectorStore`], one
/// consumer pops.
///
/// No client-go type: Go's DeltaFIFO carries its own lock and condition variable. Differences:
/// - writes (`add`, `update`, `delete`) wait while the queue holds
///   [`capacity`](AsyncQueue::with_capacity) deltas or more, so a stalled consumer stalls the watch
///   instead of growing the queue without bound (client-go's queues are unbounded). A relist and a
///   resync are queued whole however full the queue is: the memory bound is the capacity plus one
///   list;
/// - a relist collects every listed object before calling [`Queue::replace`], so it holds the full
///   list beside the cache until the queue has it. That is client-go's behaviour; the direct path
///   ([`CacheWriter`](crate::CacheWriter)) avoids it by diffing page by page;
/// - writes to a closed queue are dropped (nothing will pop them).
///
/// The lock is a `std::sync::Mutex`: it is held only inside one sans-IO queue call, including the
/// `process` function `pop` runs (which must therefore be quick and must not block).
pub(crate) struct AsyncQueue<K, Q> {
    queue: Mutex<Q>,
    /// Something was queued, or the queue was closed.
    ready: Notify,
    /// Something was popped, or the queue was closed.
    room: Notify,
    capacity: usize,
    _objects: PhantomData<fn() -> K>,
}

impl<K, Q: Queue<K>> AsyncQueue<K, Q> {
    /// Wraps `queue`, with [`DEFAULT_QUEUE_CAPACITY`].
    pub fn new(queue: Q) -> Self {
        AsyncQueue {
            queue: Mutex::new(queue),
            ready: Notify::new(),
            room: Notify::new(),
            capacity: DEFAULT_QUEUE_CAPACITY,
            _objects: PhantomData,
        }
    }

    /// Sets how many queued deltas make writers wait (at least 1).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The queue, locked. A panic in a process function leaves the queue usable: `pop` had already
    /// taken the item out.
    fn lock(&self) -> MutexGuard<'_, Q> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the next item and hands it to `process` with `is_in_initial_list`, under the
    /// queue's lock, so a store that `process` writes stays consistent with the queue's view of
    /// known objects (as client-go's `Pop` does). Returns the item (or `process`'s error; a
    /// [`ProcessError::Requeue`] has put it back), or `None` once the queue is closed and empty.
    ///
    /// Waiting costs nothing: the future sleeps until a write or [`close`](AsyncQueue::close)
    /// wakes it. Cancel-safe: an item is only taken out in the poll that returns it.
    #[cfg(test)]
    pub async fn pop<E>(
        &self,
        mut process: impl FnMut(&Deltas<K>, bool) -> Result<(), ProcessError<E>>,
    ) -> Option<Result<Deltas<K>, E>> {
        self.pop_with(|q| q.pop(&mut process)).await
    }

    /// Waits until `pop` takes something off the queue (it runs under the queue's lock and
    /// returns `None` when the queue has nothing for it), and returns what it returned; `None`
    /// once the queue is closed and `pop` found nothing. The one waiting loop behind every way of
    /// popping ([`Queue::pop`], [`RealFifo::pop_item`](crate::RealFifo::pop_item)); cancel-safe
    /// as long as `pop` only takes an item out when it returns `Some`.
    pub async fn pop_with<R>(&self, mut pop: impl FnMut(&mut Q) -> Option<R>) -> Option<R> {
        loop {
            let mut ready = pin!(self.ready.notified());
            ready.as_mut().enable();
            {
                let mut q = self.lock();
                if let Some(r) = pop(&mut q) {
                    drop(q);
                    self.room.notify_one();
                    return Some(r);
                }
                if q.is_closed() {
                    return None;
                }
            }
            ready.await;
        }
    }

    /// Waits for room, then applies `write` (unless the queue is closed) and wakes the consumer.
    async fn write(&self, write: impl FnOnce(&mut Q) -> Result<(), Error>) -> Result<(), Error> {
        let mut write = Some(write);
        loop {
            let mut room = pin!(self.room.notified());
            room.as_mut().enable();
            {
                let mut q = self.lock();
                if q.is_closed() {
                    return Ok(());
                }
                if q.queued_deltas() < self.capacity {
                    if let Some(write) = write.take() {
                        write(&mut q)?;
                    }
                    drop(q);
                    self.ready.notify_one();
                    return Ok(());
                }
            }
            room.await;
        }
    }

    /// Closes the queue: a waiting `pop` returns `None` once the queue is empty, waiting writers
    /// return, later writes are dropped. Mirrors client-go `Queue.Close`.
    pub fn close(&self) {
        self.lock().close();
        self.ready.notify_waiters();
        self.room.notify_waiters();
    }

    /// True after [`close`](AsyncQueue::close).
    #[cfg(test)]
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().is_closed()
    }

    /// How many items `pop` would still return without waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when `pop` would wait.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// True once the first relist has been popped. Mirrors client-go `Queue.HasSynced`.
    pub fn has_synced(&self) -> bool {
        self.lock().has_synced()
    }
}

impl<K, Q> fmt::Debug for AsyncQueue<K, Q>
where
    Q: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncQueue")
            .field(
                "queue",
                &*self.queue.lock().unwrap_or_else(PoisonError::into_inner),
            )
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<K, Q> ReflectorStore<K> for AsyncQueue<K, Q>
where
    K: Send + Sync + 'static,
    Q: Queue<K> + Send + 'static,
{
    fn add(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(self.write(move |q| q.add(obj)))
    }

    fn update(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(self.write(move |q| q.update(obj)))
    }

    fn delete(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(self.write(move |q| q.delete(obj)))
    }

    fn replace(&self) -> Box<dyn Relist<K> + '_> {
        Box::new(QueueRelist {
            key_func: self.lock().key_func(),
            queue: self,
            items: Vec::new(),
            index: HashMap::new(),
        })
    }

    fn bookmark(&self, resource_version: &str) -> BoxFuture<'_, Result<(), Error>> {
        let resource_version = resource_version.to_owned();
        Box::pin(self.write(move |q| q.bookmark(&resource_version)))
    }

    fn resync(&self) -> BoxFuture<'_, Result<(), Error>> {
        let r = self.lock().resync();
        self.ready.notify_one();
        Box::pin(std::future::ready(r))
    }
}

/// A relist collected in full, then queued with one [`Queue::replace`].
struct QueueRelist<'a, K, Q> {
    queue: &'a AsyncQueue<K, Q>,
    key_func: KeyFunc<K>,
    items: Vec<Arc<K>>,
    /// Where each key sits in `items`: a streaming list may modify or delete an object it sent.
    index: HashMap<String, usize>,
}

impl<K, Q> QueueRelist<'_, K, Q>
where
    Q: Queue<K>,
{
    fn key(&self, obj: &K) -> Result<String, Error> {
        Ok((self.key_func)(obj)?)
    }

    fn collect(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let key = self.key(&obj)?;
        match self.index.get(&key) {
            Some(&i) => self.items[i] = obj,
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(obj);
            }
        }
        Ok(())
    }

    fn forget(&mut self, obj: &K) -> Result<(), Error> {
        let key = self.key(obj)?;
        if let Some(i) = self.index.remove(&key) {
            self.items.swap_remove(i);
            if let Some(moved) = self.items.get(i) {
                let moved_key = self.key(moved)?;
                self.index.insert(moved_key, i);
            }
        }
        Ok(())
    }
}

impl<K, Q> Relist<K> for QueueRelist<'_, K, Q>
where
    K: Send + Sync + 'static,
    Q: Queue<K> + Send + 'static,
{
    fn add(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(std::future::ready(self.collect(obj)))
    }

    fn delete(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(std::future::ready(self.forget(&obj)))
    }

    fn finish<'b>(
        &'b mut self,
        resource_version: &'b str,
        status: &'b SyncStatus,
    ) -> BoxFuture<'b, Result<(), Error>> {
        self.index = HashMap::new();
        let items = std::mem::take(&mut self.items);
        let r = {
            let mut q = self.queue.lock();
            let was_synced = q.has_synced();
            q.replace(items, resource_version)
                .map(|()| !was_synced && q.has_synced())
        };
        self.queue.ready.notify_one();
        Box::pin(std::future::ready(r.map(|synced_now| {
            // An empty first list syncs the queue with nothing to pop. Otherwise the consumer
            // marks the status once it has processed the last listed item.
            if synced_now {
                status.mark_synced();
            }
        })))
    }
}

#[cfg(test)]
mod tests;
