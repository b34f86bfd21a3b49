//! The handler fan-out: one bounded buffer and one task per handler.
//!
//! Mirrors `sharedProcessor` and `processorListener` of client-go
//! `tools/cache/shared_informer.go`, and `sharedIndexInformer.HandleDeltas` for an informer
//! running behind a queue ([`InformerProcess`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_apimachinery::Object;
use futures_util::future::BoxFuture;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::handler::{deliver, ResourceEventHandler};
use crate::controller::{process_deltas, Notification, Process};
use crate::delta_fifo::Deltas;
use crate::error::Error;
use crate::fifo::ProcessError;
use crate::reflector::{EventSink, StoreWrite};
use crate::store::{Cache, Store};

/// One handler's end of the fan-out. Mirrors `processorListener`.
pub(crate) struct Listener<K> {
    pub(crate) id: u64,
    pub(crate) tx: mpsc::Sender<Notification<K>>,
    pub(crate) resync_period: Option<Duration>,
    pub(crate) next_resync: Option<Instant>,
}

/// The handler fan-out. Mirrors `sharedProcessor`.
pub(crate) struct Processor<K> {
    pub(crate) listeners: Mutex<Vec<Listener<K>>>,
    /// Ids of listeners added to a running fan-out whose replay is still going on; removing one
    /// takes it out of here, and [`join`](Processor::join) then drops it instead of adding it.
    /// Locked after `listeners` when both are held.
    joining: Mutex<Vec<u64>>,
    /// Held across each store write and the hand-out of what it did (on the direct path by
    /// [`EventSink::apply`], behind a queue by the controller's loop from pop to flush), and while
    /// a handler added to a running informer gets its replay of the store and joins the fan-out:
    /// the newcomer sees every change exactly once, in the replay or after it. Mirrors
    /// `sharedIndexInformer.blockDeltas`.
    pub(crate) dispatch: Arc<tokio::sync::Mutex<()>>,
    pub(crate) indexer: Arc<Cache<K>>,
    /// Behind a queue: the listeners whose resync was due at the last resync period.
    /// Mirrors `sharedProcessor.syncingListeners`.
    syncing: Mutex<Vec<mpsc::Sender<Notification<K>>>>,
}

impl<K: Send + Sync + 'static> Processor<K> {
    /// A fan-out with no listeners over `indexer`.
    pub(crate) fn new(indexer: Arc<Cache<K>>) -> Self {
        Processor {
            listeners: Mutex::new(Vec::new()),
            joining: Mutex::new(Vec::new()),
            dispatch: Arc::new(tokio::sync::Mutex::new(())),
            indexer,
            syncing: Mutex::new(Vec::new()),
        }
    }

    /// Behind a queue, at each resync period: true when any listener's resync is due; those
    /// listeners get the `Sync` updates that follow. Mirrors `sharedProcessor.shouldResync`.
    pub(crate) fn should_resync(&self) -> bool {
        let due = self.due_for_resync(Instant::now());
        let any = !due.is_empty();
        if let Ok(mut g) = self.syncing.lock() {
            *g = due;
        }
        any
    }

    /// Marks `id` as joining: call before spawning [`join`](Processor::join) for it, so that a
    /// removal that comes before the replay ends is not lost.
    pub(crate) fn start_joining(&self, id: u64) {
        if let Ok(mut g) = self.joining.lock() {
            g.push(id);
        }
    }

    fn is_joining(&self, id: u64) -> bool {
        self.joining.lock().is_ok_and(|g| g.contains(&id))
    }

    /// Adds `listener` to a running fan-out: replays the indexer to it as adds (in the initial
    /// list), then lets it join, all under [`dispatch`](Processor::dispatch), so that it sees each
    /// change exactly once, in the replay or after it. Mirrors the replay in
    /// `sharedIndexInformer.AddEventHandlerWithOptions`. A listener removed meanwhile (see
    /// [`remove`](Processor::remove)) gets no more of the replay and never joins.
    pub(crate) async fn join(&self, listener: Listener<K>) {
        let _g = self.dispatch.lock().await;
        for obj in self.indexer.list() {
            if !self.is_joining(listener.id) {
                return;
            }
            let add = Notification::Add {
                obj,
                is_in_initial_list: true,
            };
            // A handler whose task has ended has closed its channel; it is not an error.
            let _ = listener.tx.send(add).await;
        }
        let Ok(mut listeners) = self.listeners.lock() else {
            return;
        };
        let Ok(mut joining) = self.joining.lock() else {
            return;
        };
        if let Some(at) = joining.iter().position(|&id| id == listener.id) {
            joining.swap_remove(at);
            listeners.push(listener);
        }
    }

    /// Removes the listener `id`, joined or still joining; false when there is none.
    pub(crate) fn remove(&self, id: u64) -> bool {
        let Ok(mut listeners) = self.listeners.lock() else {
            return false;
        };
        if let Some(at) = listeners.iter().position(|l| l.id == id) {
            listeners.remove(at);
            return true;
        }
        let Ok(mut joining) = self.joining.lock() else {
            return false;
        };
        match joining.iter().position(|&j| j == id) {
            Some(at) => {
                joining.swap_remove(at);
                true
            }
            None => false,
        }
    }

    fn senders(&self) -> Vec<mpsc::Sender<Notification<K>>> {
        match self.listeners.lock() {
            Ok(g) => g.iter().map(|l| l.tx.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The listeners whose resync is due, with their next deadline moved on.
    fn due_for_resync(&self, now: Instant) -> Vec<mpsc::Sender<Notification<K>>> {
        let Ok(mut g) = self.listeners.lock() else {
            return Vec::new();
        };
        g.iter_mut()
            .filter_map(|l| {
                let (period, next) = (l.resync_period?, l.next_resync?);
                if next > now {
                    return None;
                }
                l.next_resync = Some(now + period);
                Some(l.tx.clone())
            })
            .collect()
    }
}

impl<K: Object + Send + Sync + 'static> Processor<K> {
    /// Behind a queue: hands `batch` out in order. An update that leaves the resourceVersion as it
    /// was (a `Sync` delta, or a `Replaced` one for an object a relist found unchanged) goes only to
    /// the listeners whose resync is due, everything else to all. Mirrors
    /// `sharedIndexInformer.OnUpdate` and `sharedProcessor.distribute`.
    ///
    /// The caller holds [`dispatch`](Processor::dispatch) from before the batch was applied to the
    /// indexer: the controller's loop does (see `Settings::dispatch`).
    async fn distribute(&self, batch: impl Iterator<Item = Notification<K>>) {
        let mut all: Option<Vec<mpsc::Sender<Notification<K>>>> = None;
        let mut syncing: Option<Vec<mpsc::Sender<Notification<K>>>> = None;
        for n in batch {
            let is_sync = matches!(&n, Notification::Update { old, new } if old.resource_version() == new.resource_version());
            let targets = if is_sync {
                syncing.get_or_insert_with(|| self.syncing.lock().map(|g| g.clone()).unwrap_or_default())
            } else {
                all.get_or_insert_with(|| self.senders())
            };
            for tx in targets.iter() {
                // A removed handler's closed channel is not an error.
                let _ = tx.send(n.clone()).await;
            }
        }
    }
}

impl<K: Send + Sync + 'static> EventSink<K> for Processor<K> {
    fn apply<'a>(&'a self, write: StoreWrite<'a, K>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let _g = self.dispatch.lock().await;
            if let Some(n) = write()? {
                for tx in self.senders() {
                    // A removed handler's closed channel is not an error.
                    let _ = tx.send(n.clone()).await;
                }
            }
            Ok(())
        })
    }

    fn resync(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _g = self.dispatch.lock().await;
            let due = self.due_for_resync(Instant::now());
            if due.is_empty() {
                return;
            }
            // Replays the local cache: no request is made.
            for obj in self.indexer.list() {
                for tx in &due {
                    let n = Notification::Update {
                        old: Arc::clone(&obj),
                        new: Arc::clone(&obj),
                    };
                    let _ = tx.send(n).await;
                }
            }
        })
    }
}

/// A handler's task: calls it with each buffered notification until the buffer is closed.
pub(crate) async fn serve<K: Send + Sync + 'static>(
    mut rx: mpsc::Receiver<Notification<K>>,
    handler: Arc<dyn ResourceEventHandler<K>>,
) {
    while let Some(n) = rx.recv().await {
        deliver(&*handler, &n);
    }
}

/// The process function of an informer behind a queue: applies each popped item to the indexer
/// under the queue's lock, then hands the notifications to the fan-out, all under the
/// processor's `dispatch` lock, which the controller's loop holds from pop to flush. Mirrors
/// `sharedIndexInformer.HandleDeltas`.
pub(crate) struct InformerProcess<K> {
    processor: Arc<Processor<K>>,
    pending: Vec<Notification<K>>,
}

impl<K> InformerProcess<K> {
    /// Processes into `processor`'s indexer and fan-out.
    pub(crate) fn new(processor: Arc<Processor<K>>) -> Self {
        InformerProcess {
            processor,
            pending: Vec::new(),
        }
    }
}

impl<K: Object + Send + Sync + 'static> Process<K> for InformerProcess<K> {
    type Error = Error;

    fn process(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), ProcessError<Error>> {
        let pending = &mut self.pending;
        process_deltas(&*self.processor.indexer, deltas, is_in_initial_list, |n| {
            pending.push(n);
        })
        .map_err(ProcessError::Failed)
    }

    fn flush(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(self.processor.distribute(self.pending.drain(..)))
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use clientgo_apimachinery::Object;

    use super::*;
    use crate::delta_fifo::DeltaObject;
    use crate::reflector::{CacheWriter, ReflectorStore};
    use crate::store::meta_namespace_key_func;
    use crate::test_util::{pod, poll_once, Obj};

    fn describe(n: &Notification<Obj>) -> String {
        match n {
            Notification::Add { obj, .. } => format!("add {} {}", obj.name(), obj.resource_version()),
            Notification::Update { old, new } => format!(
                "update {} {}->{}",
                new.name(),
                old.resource_version(),
                new.resource_version()
            ),
            Notification::Delete(DeltaObject::Object(obj)) => format!("delete {}", obj.name()),
            Notification::Delete(DeltaObject::DeletedFinalStateUnknown(t)) => format!("tombstone {}", t.key),
        }
    }

    fn rvs(indexer: &Cache<Obj>) -> Vec<(String, String)> {
        let mut v: Vec<_> = indexer
            .list()
            .iter()
            .map(|o| (o.name().to_owned(), o.resource_version().to_owned()))
            .collect();
        v.sort();
        v
    }

    type Write = for<'w> fn(&'w CacheWriter<Obj>) -> BoxFuture<'w, Result<(), Error>>;

    /// What a listener sees that joins the fan-out over a store holding `ns/a` at rv 1 while
    /// `write` comes in: the join is queued for the dispatch lock first, then the write (the lock
    /// is held meanwhile, as by a change being handed out), and both then run to completion.
    async fn joined_during(write: Write) -> Vec<String> {
        let indexer = Arc::new(Cache::new_store(meta_namespace_key_func));
        let processor = Arc::new(Processor::new(Arc::clone(&indexer)));
        let writer = CacheWriter::new(Arc::clone(&indexer))
            .with_sink(Arc::clone(&processor) as Arc<dyn EventSink<Obj>>);
        writer.add(pod("ns", "a", "1")).await.expect("valid key");
        let (tx, mut rx) = mpsc::channel(8);
        let listener = Listener {
            id: 0,
            tx,
            resync_period: None,
            next_resync: None,
        };

        let held = processor.dispatch.lock().await;
        processor.start_joining(0);
        let mut join = pin!(processor.join(listener));
        assert!(poll_once(join.as_mut()).is_pending());
        let mut write = write(&writer);
        let before = rvs(&indexer);
        assert!(poll_once(write.as_mut()).is_pending());
        assert_eq!(
            rvs(&indexer),
            before,
            "the store is not written while the fan-out is held"
        );
        drop(held);
        join.await;
        write.await.expect("valid key");

        let mut seen = Vec::new();
        while let Ok(n) = rx.try_recv() {
            seen.push(describe(&n));
        }
        seen
    }

    #[tokio::test]
    async fn a_listener_joining_during_a_write_sees_each_change_once_and_in_order() {
        assert_eq!(
            joined_during(|w| w.add(pod("ns", "b", "2"))).await,
            ["add a 1", "add b 2"]
        );
        assert_eq!(
            joined_during(|w| w.update(pod("ns", "a", "2"))).await,
            ["add a 1", "update a 1->2"]
        );
        assert_eq!(
            joined_during(|w| w.delete(pod("ns", "a", "2"))).await,
            ["add a 1", "delete a"]
        );
    }
}
