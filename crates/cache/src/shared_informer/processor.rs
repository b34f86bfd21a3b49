//! The handler fan-out: the last stage of the pipeline, which applies deltas to the indexer and
//! hands what they did to every handler's mailbox.
//!
//! Mirrors `sharedProcessor` and `sharedIndexInformer.HandleDeltas` of client-go
//! `tools/cache/shared_informer.go`. The store write and the hand-out of what it did happen under
//! one lock, which a handler added to a running informer also takes while the cache is replayed
//! to it (client-go's `blockDeltas`): it sees every change exactly once, in the replay or after
//! it. Nothing here waits on a handler: a mailbox push never blocks.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use clientgo_apimachinery::Object;
use clientgo_flowcontrol::Clock;

use super::mailbox::Mailbox;
use crate::cache::Cache;
use crate::controller::{process_deltas, process_item, Process, ProcessItem};
use crate::delta::Deltas;
use crate::error::Error;
use crate::fifo::ProcessError;
use crate::notification::Notification;
use crate::real_fifo::FifoItem;
use crate::store::Store;

/// One handler's end of the fan-out. Mirrors `processorListener`.
pub(crate) struct Listener<K> {
    pub(crate) id: u64,
    pub(crate) mailbox: Arc<Mailbox<K>>,
    pub(crate) resync_period: Option<Duration>,
    pub(crate) next_resync: Option<Instant>,
}

struct FanOut<K> {
    listeners: Vec<Listener<K>>,
    /// The listeners whose resync was due at the last resync tick (by id). Mirrors
    /// `sharedProcessor.syncingListeners`.
    syncing: Vec<u64>,
}

/// The handler fan-out. Mirrors `sharedProcessor`.
pub(crate) struct Processor<K> {
    indexer: Arc<Cache<K>>,
    clock: Arc<dyn Clock>,
    fan_out: Mutex<FanOut<K>>,
}

impl<K> Processor<K> {
    fn lock(&self) -> MutexGuard<'_, FanOut<K>> {
        self.fan_out.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes the listener `id` and closes its mailbox (what waits there is dropped); false
    /// when there is none.
    pub(crate) fn remove_listener(&self, id: u64) -> bool {
        let mut fan_out = self.lock();
        let Some(at) = fan_out.listeners.iter().position(|l| l.id == id) else {
            return false;
        };
        let listener = fan_out.listeners.remove(at);
        listener.mailbox.close();
        true
    }

    /// Closes every mailbox: the informer stopped. The listeners stay registered, so that
    /// removing one from a stopped informer still answers true (client-go keeps them too).
    pub(crate) fn close_all(&self) {
        for listener in &self.lock().listeners {
            listener.mailbox.close();
        }
    }
}

impl<K: Object + Send + Sync + 'static> Processor<K> {
    /// A fan-out with no listeners over `indexer`, timing resyncs on `clock`.
    pub(crate) fn new(indexer: Arc<Cache<K>>, clock: Arc<dyn Clock>) -> Self {
        Processor {
            indexer,
            clock,
            fan_out: Mutex::new(FanOut {
                listeners: Vec::new(),
                syncing: Vec::new(),
            }),
        }
    }

    /// A listener for `mailbox` with its resync period (first due one period from now).
    pub(crate) fn listener(
        &self,
        id: u64,
        mailbox: Arc<Mailbox<K>>,
        resync: Option<Duration>,
    ) -> Listener<K> {
        Listener {
            id,
            mailbox,
            resync_period: resync,
            next_resync: resync.map(|p| self.clock.now() + p),
        }
    }

    /// Adds `listener`. With `replay`, it first gets every cached object as an add of the initial
    /// list, under the fan-out's lock, so that it sees each change exactly once. Mirrors
    /// `sharedIndexInformer.AddEventHandlerWithOptions`.
    pub(crate) fn add(&self, listener: Listener<K>, replay: bool) {
        let mut fan_out = self.lock();
        if replay {
            for obj in self.indexer.list() {
                listener.mailbox.push(Notification::Add {
                    obj,
                    is_in_initial_list: true,
                });
            }
        }
        fan_out.listeners.push(listener);
    }

    /// The shortest resync period of the listeners. Mirrors `resyncCheckPeriod`.
    pub(crate) fn shortest_resync(&self) -> Option<Duration> {
        self.lock().listeners.iter().filter_map(|l| l.resync_period).min()
    }

    /// At each resync tick: true when any listener's resync is due; those listeners get the
    /// `Sync` updates that follow, with their next resync moved on. Mirrors
    /// `sharedProcessor.shouldResync`.
    pub(crate) fn should_resync(&self) -> bool {
        let now = self.clock.now();
        let mut fan_out = self.lock();
        let mut due = Vec::new();
        for l in &mut fan_out.listeners {
            let (Some(period), Some(next)) = (l.resync_period, l.next_resync) else {
                continue;
            };
            if next > now {
                continue;
            }
            l.next_resync = Some(now + period);
            due.push(l.id);
        }
        let any = !due.is_empty();
        fan_out.syncing = due;
        any
    }

    /// Applies `deltas` to the indexer and hands each resulting notification out, as one step.
    /// An update that leaves the resourceVersion as it was (a `Sync` delta, or a `Replaced` one
    /// for an object a relist found unchanged) goes only to the listeners whose resync is due,
    /// everything else to all. Mirrors `sharedIndexInformer.HandleDeltas`, `OnUpdate` and
    /// `sharedProcessor.distribute`.
    pub(crate) fn handle(&self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), Error> {
        let fan_out = self.lock();
        process_deltas(&*self.indexer, deltas, is_in_initial_list, |n| {
            fan_out.distribute(n);
        })
    }

    /// Applies one item of an atomic [`RealFifo`](crate::RealFifo) (a whole relist, a resync, a
    /// bookmark or one delta) to the indexer and hands out what it did, as [`handle`] does, all
    /// under the fan-out's lock: a handler added meanwhile gets its replay before or after the
    /// whole item, never inside it. Mirrors client-go 1.36 `HandleDeltas` with atomic events.
    ///
    /// [`handle`]: Processor::handle
    pub(crate) fn handle_item(&self, item: &FifoItem<K>, is_in_initial_list: bool) -> Result<(), Error> {
        let fan_out = self.lock();
        process_item(&*self.indexer, item, is_in_initial_list, |n| {
            fan_out.distribute(n);
        })
    }
}

impl<K: Object> FanOut<K> {
    /// Hands `n` to every listener, or only to those whose resync is due when `n` is an update
    /// that leaves the resourceVersion as it was.
    fn distribute(&self, n: Notification<K>) {
        let is_sync = matches!(&n, Notification::Update { old, new } if old.resource_version() == new.resource_version());
        let mut targets = self
            .listeners
            .iter()
            .filter(|l| !is_sync || self.syncing.contains(&l.id))
            .peekable();
        while let Some(l) = targets.next() {
            if targets.peek().is_some() {
                l.mailbox.push(n.clone());
            } else {
                l.mailbox.push(n);
                break;
            }
        }
    }
}

impl<K> Drop for Processor<K> {
    /// The informer is gone: its handlers' threads end.
    fn drop(&mut self) {
        self.close_all();
    }
}

/// The process function of an informer: the same on the direct path and behind a queue.
pub(crate) struct InformerProcess<K> {
    processor: Arc<Processor<K>>,
}

impl<K> InformerProcess<K> {
    /// Processes into `processor`'s indexer and fan-out.
    pub(crate) fn new(processor: Arc<Processor<K>>) -> Self {
        InformerProcess { processor }
    }
}

impl<K: Object + Send + Sync + 'static> crate::pipeline::Apply<K> for InformerProcess<K> {
    fn apply(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), Error> {
        self.processor.handle(deltas, is_in_initial_list)
    }
}

impl<K: Object + Send + Sync + 'static> Process<K> for InformerProcess<K> {
    type Error = Error;

    fn process(&mut self, deltas: &Deltas<K>, is_in_initial_list: bool) -> Result<(), ProcessError<Error>> {
        self.processor
            .handle(deltas, is_in_initial_list)
            .map_err(ProcessError::Failed)
    }
}

impl<K: Object + Send + Sync + 'static> ProcessItem<K> for InformerProcess<K> {
    fn process_item(
        &mut self,
        item: &FifoItem<K>,
        is_in_initial_list: bool,
    ) -> Result<(), ProcessError<Error>> {
        self.processor
            .handle_item(item, is_in_initial_list)
            .map_err(ProcessError::Failed)
    }
}
