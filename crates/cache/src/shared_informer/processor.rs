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
use crate::reflector::EventSink;
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
    /// Held while notifications are handed out, so a handler added meanwhile gets the cache
    /// replay and then exactly the later changes.
    pub(crate) dispatch: tokio::sync::Mutex<()>,
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
            dispatch: tokio::sync::Mutex::new(()),
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
    async fn distribute(&self, batch: impl Iterator<Item = Notification<K>>) {
        let _g = self.dispatch.lock().await;
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
    fn notify(&self, n: Notification<K>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _g = self.dispatch.lock().await;
            for tx in self.senders() {
                // A removed handler's closed channel is not an error.
                let _ = tx.send(n.clone()).await;
            }
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
/// under the queue's lock, then hands the notifications to the fan-out. Mirrors
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
            pending.push(n)
        })
        .map_err(ProcessError::Failed)
    }

    fn flush(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(self.processor.distribute(self.pending.drain(..)))
    }
}
