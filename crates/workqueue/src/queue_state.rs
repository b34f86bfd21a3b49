//! Sans-IO state of the basic work queue: the dirty set, the processing set and the FIFO.

use std::collections::VecDeque;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use foldhash::quality::RandomState;
use std::time::{Duration, Instant};

use hashbrown::HashTable;

use crate::queue_order::QueueOrder;

/// What [`QueueState::add`] did with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    /// The queue is shutting down; the item was dropped.
    ShuttingDown,
    /// The item was already waiting to be processed; nothing changed.
    AlreadyDirty,
    /// The item is being processed: it is marked dirty and `done` will queue it again.
    Deferred,
    /// The item was appended to the FIFO; one waiting getter should be woken.
    Queued,
}

/// What [`QueueState::done`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finished {
    /// The item had been re-added while processing and is queued again: wake one getter.
    Requeued,
    /// Nothing is processing any more: wake whoever drains the queue.
    Idle,
    /// Other items are still processing.
    Busy,
}

/// Metric timings an operation produced (only when the caller passed a time).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Timing {
    /// For `get`: how long the item waited in the queue. For `done`: how long it was processed.
    pub(crate) elapsed: Option<Duration>,
}

/// One tracked item. An item is stored once; the index and the FIFO refer to it by slot number.
#[derive(Debug)]
struct Slot<T> {
    item: Option<T>,
    dirty: bool,
    processing: bool,
    /// How many times the slot number sits in the FIFO (more than once only through client-go's
    /// `Done`-without-`Get` quirk). A slot is freed only when this is zero, so the FIFO never points
    /// at a reused slot.
    queued: u32,
    added_at: Option<Instant>,
    started_at: Option<Instant>,
}

/// The dirty/processing/FIFO bookkeeping of client-go's `workqueue.Type`, without locks or waiting.
///
/// Invariants (client-go's, `queue.go`): every FIFO entry is dirty and not processing, except for the
/// duplicates `done`-without-`get` creates, which Go has too; a dirty item that is processing is not
/// in the FIFO; `done` queues such an item again. Each item is hashed once per operation: the index
/// maps the item to a slot and the FIFO holds slot numbers.
#[derive(Debug)]
pub(crate) struct QueueState<T> {
    hasher: RandomState,
    /// (hash, slot) pairs: keeping the hash here means growing the table never touches the slots.
    index: HashTable<(u64, u32)>,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    waiting: Waiting<T>,
    processing: usize,
    shutting_down: bool,
    drain: bool,
}

/// Where the items waiting to be handed out wait.
enum Waiting<T> {
    /// client-go's default FIFO, holding slot numbers (so an operation hashes its item once).
    Fifo(VecDeque<u32>),
    /// The caller's order (client-go's `Queue` option). It holds items, so a pop looks the item's
    /// slot up by hash.
    Custom(Box<dyn QueueOrder<T>>),
}

impl<T> fmt::Debug for Waiting<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Waiting::Fifo(fifo) => f.debug_tuple("Fifo").field(&fifo.len()).finish(),
            Waiting::Custom(order) => f.debug_tuple("Custom").field(&order.len()).finish(),
        }
    }
}

impl<T> Waiting<T> {
    fn len(&self) -> usize {
        match self {
            Waiting::Fifo(fifo) => fifo.len(),
            Waiting::Custom(order) => order.len(),
        }
    }
}

fn idle_or_busy(processing: usize) -> Finished {
    if processing == 0 {
        Finished::Idle
    } else {
        Finished::Busy
    }
}

/// Puts the item of slot `idx` in line.
fn push<T: Clone>(waiting: &mut Waiting<T>, idx: u32, slot: &Slot<T>) {
    match waiting {
        Waiting::Fifo(fifo) => fifo.push_back(idx),
        Waiting::Custom(order) => {
            if let Some(item) = &slot.item {
                order.push(item.clone());
            }
        }
    }
}

impl<T: Hash + Eq + Clone> QueueState<T> {
    pub(crate) fn new() -> Self {
        Self::with_waiting(Waiting::Fifo(VecDeque::new()))
    }

    /// A queue that hands items out in `order` instead of first-in first-out.
    pub(crate) fn with_order(order: Box<dyn QueueOrder<T>>) -> Self {
        Self::with_waiting(Waiting::Custom(order))
    }

    fn with_waiting(waiting: Waiting<T>) -> Self {
        QueueState {
            hasher: RandomState::default(),
            index: HashTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
            waiting,
            processing: 0,
            shutting_down: false,
            drain: false,
        }
    }

    /// Marks `item` as needing processing. Mirrors `Type.Add`.
    pub(crate) fn add(&mut self, item: T, now: Option<Instant>) -> Added {
        if self.shutting_down {
            return Added::ShuttingDown;
        }
        let hash = self.hasher.hash_one(&item);
        let slots = &self.slots;
        let found = self.index.find(hash, |&(h, i)| {
            h == hash && slots[i as usize].item.as_ref() == Some(&item)
        });
        let idx = match found {
            Some(&(_, idx)) => idx,
            None => {
                let slot = Slot {
                    item: Some(item),
                    dirty: false,
                    processing: false,
                    queued: 0,
                    added_at: None,
                    started_at: None,
                };
                let idx = match self.free.pop() {
                    Some(idx) => {
                        self.slots[idx as usize] = slot;
                        idx
                    }
                    None => {
                        let idx = u32::try_from(self.slots.len())
                            .expect("invariant: fewer than 2^32 distinct items are tracked at once");
                        self.slots.push(slot);
                        idx
                    }
                };
                self.index.insert_unique(hash, (hash, idx), |&(h, _)| h);
                idx
            }
        };
        let slot = &mut self.slots[idx as usize];
        if slot.dirty {
            // Added again while waiting: an order that cares (a priority) may move it. Mirrors
            // client-go's call of `Touch`.
            if let (Waiting::Custom(order), false, Some(item)) =
                (&mut self.waiting, slot.processing, &slot.item)
            {
                order.touch(item);
            }
            return Added::AlreadyDirty;
        }
        slot.dirty = true;
        if slot.added_at.is_none() {
            slot.added_at = now;
        }
        if slot.processing {
            return Added::Deferred;
        }
        slot.queued += 1;
        push(&mut self.waiting, idx, slot);
        Added::Queued
    }

    /// The slot of the next waiting item.
    fn next_waiting(&mut self) -> Option<u32> {
        match &mut self.waiting {
            Waiting::Fifo(fifo) => fifo.pop_front(),
            Waiting::Custom(order) => loop {
                let item = order.pop()?;
                let hash = self.hasher.hash_one(&item);
                let slots = &self.slots;
                let found = self.index.find(hash, |&(h, i)| {
                    h == hash && slots[i as usize].item.as_ref() == Some(&item)
                });
                // An item the queue does not hold waiting is not the queue's to hand out.
                if let Some(&(_, idx)) = found.filter(|&&(_, i)| slots[i as usize].queued > 0) {
                    break Some(idx);
                }
            },
        }
    }

    /// Takes the next item, marking it processing and not dirty. `None` when the FIFO is empty (the
    /// caller then waits, or reports shutdown). Mirrors the body of `Type.Get`.
    pub(crate) fn pop(&mut self, now: Option<Instant>) -> Option<(T, Timing)> {
        let idx = self.next_waiting()?;
        let slot = &mut self.slots[idx as usize];
        slot.queued -= 1;
        slot.dirty = false;
        if !slot.processing {
            slot.processing = true;
            self.processing += 1;
        }
        let mut timing = Timing::default();
        if let Some(now) = now {
            if let Some(added) = slot.added_at.take() {
                timing.elapsed = Some(now.saturating_duration_since(added));
            }
            slot.started_at = Some(now);
        }
        let item = slot
            .item
            .clone()
            .expect("invariant: a slot in the FIFO holds its item");
        Some((item, timing))
    }

    /// Marks `item` as no longer processing, queuing it again if it was re-added meanwhile. Mirrors
    /// `Type.Done`, including its behaviour for an item that was never handed out.
    pub(crate) fn done(&mut self, item: &T, now: Option<Instant>) -> (Finished, Timing) {
        let mut timing = Timing::default();
        let hash = self.hasher.hash_one(item);
        let QueueState {
            index,
            slots,
            free,
            waiting,
            processing,
            ..
        } = self;
        let found = index.find_entry(hash, |&(h, i)| {
            h == hash && slots[i as usize].item.as_ref() == Some(item)
        });
        let Ok(entry) = found else {
            return (idle_or_busy(*processing), timing);
        };
        let idx = entry.get().1;
        let slot = &mut slots[idx as usize];
        if slot.processing {
            slot.processing = false;
            *processing -= 1;
        }
        if let (Some(now), Some(started)) = (now, slot.started_at.take()) {
            timing.elapsed = Some(now.saturating_duration_since(started));
        }
        if slot.dirty {
            slot.queued += 1;
            push(waiting, idx, slot);
            return (Finished::Requeued, timing);
        }
        if slot.queued == 0 {
            // Nothing refers to the slot any more: drop the item and recycle the slot.
            entry.remove();
            slot.item = None;
            free.push(idx);
        }
        (idle_or_busy(*processing), timing)
    }

    /// Items waiting in the FIFO. Mirrors `Type.Len`.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Items handed out and not yet done.
    pub(crate) fn processing(&self) -> usize {
        self.processing
    }

    pub(crate) fn shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// Starts shutting down; `drain` says whether a `shut_down_with_drain` is waiting.
    pub(crate) fn shut_down(&mut self, drain: bool) {
        self.shutting_down = true;
        self.drain = drain;
    }

    pub(crate) fn should_drain(&self) -> bool {
        self.drain
    }

    /// Sum and maximum of how long the items now processing have been processing, in seconds.
    /// Feeds `unfinished_work_seconds` and `longest_running_processor_seconds`.
    pub(crate) fn unfinished_work(&self, now: Instant) -> (f64, f64) {
        let mut total = 0.0;
        let mut longest = 0.0f64;
        for slot in &self.slots {
            if let (true, Some(started)) = (slot.processing, slot.started_at) {
                let secs = now.saturating_duration_since(started).as_secs_f64();
                total += secs;
                longest = longest.max(secs);
            }
        }
        (total, longest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// Client-go's queue.go, transcribed as literally as possible: the model the state is checked
    /// against.
    #[derive(Default)]
    struct Model {
        queue: Vec<u8>,
        dirty: HashSet<u8>,
        processing: HashSet<u8>,
        shutting_down: bool,
    }

    impl Model {
        fn add(&mut self, item: u8) {
            if self.shutting_down || self.dirty.contains(&item) {
                return;
            }
            self.dirty.insert(item);
            if self.processing.contains(&item) {
                return;
            }
            self.queue.push(item);
        }
        fn get(&mut self) -> Option<u8> {
            if self.queue.is_empty() {
                return None;
            }
            let item = self.queue.remove(0);
            self.processing.insert(item);
            self.dirty.remove(&item);
            Some(item)
        }
        fn done(&mut self, item: u8) {
            self.processing.remove(&item);
            if self.dirty.contains(&item) {
                self.queue.push(item);
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8),
        Get,
        Done(u8),
        DoneLastGot,
        ShutDown,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..8).prop_map(Op::Add),
            3 => Just(Op::Get),
            1 => (0u8..8).prop_map(Op::Done),
            3 => Just(Op::DoneLastGot),
            1 => Just(Op::ShutDown),
        ]
    }

    /// First in, first out, through the custom-order path.
    struct FifoOrder(VecDeque<u8>);

    impl QueueOrder<u8> for FifoOrder {
        fn touch(&mut self, _item: &u8) {}
        fn push(&mut self, item: u8) {
            self.0.push_back(item);
        }
        fn len(&self) -> usize {
            self.0.len()
        }
        fn pop(&mut self) -> Option<u8> {
            self.0.pop_front()
        }
    }

    /// Runs `ops` on `state` and on client-go's model side by side; after each, the queue must be
    /// where Go's would be. `check` adds what only one kind of state can show.
    fn matches_model(
        mut state: QueueState<u8>,
        ops: Vec<Op>,
        check: impl Fn(&QueueState<u8>, &Model) -> Result<(), TestCaseError>,
    ) -> Result<(), TestCaseError> {
        let mut model = Model::default();
        let mut got = Vec::new();
        for op in ops {
            match op {
                Op::Add(i) => {
                    state.add(i, None);
                    model.add(i);
                }
                Op::Get => {
                    let a = state.pop(None).map(|(i, _)| i);
                    prop_assert_eq!(a, model.get());
                    if let Some(i) = a {
                        got.push(i);
                    }
                }
                Op::Done(i) => {
                    state.done(&i, None);
                    model.done(i);
                }
                Op::DoneLastGot => {
                    if let Some(i) = got.pop() {
                        state.done(&i, None);
                        model.done(i);
                    }
                }
                Op::ShutDown => {
                    state.shut_down(false);
                    model.shutting_down = true;
                }
            }
            prop_assert_eq!(state.len(), model.queue.len());
            prop_assert_eq!(state.processing(), model.processing.len());
            let tracked = state.index.len();
            let live: HashSet<u8> = model
                .dirty
                .union(&model.processing)
                .copied()
                .chain(model.queue.iter().copied())
                .collect();
            prop_assert_eq!(tracked, live.len(), "slots are freed once nothing refers to them");
            check(&state, &model)?;
        }
        Ok(())
    }

    proptest! {
        /// Model-based test: any sequence of operations, including client-go's odd ones (`done`
        /// without `get`, `done` twice), leaves the queue exactly where Go's queue would be.
        #[test]
        fn queue_state_matches_client_go_model(ops in proptest::collection::vec(op(), 0..200)) {
            matches_model(QueueState::new(), ops, |state, model| {
                let Waiting::Fifo(fifo) = &state.waiting else {
                    return Err(TestCaseError::fail("the default order is the FIFO"));
                };
                let fifo: Vec<u8> = fifo.iter().filter_map(|&i| state.slots[i as usize].item).collect();
                prop_assert_eq!(fifo, model.queue.clone());
                Ok(())
            })?;
        }

        /// The custom-order path with a first-in first-out order hands out what client-go's queue
        /// would, as the built-in FIFO does.
        #[test]
        fn a_custom_fifo_order_matches_client_go_model(ops in proptest::collection::vec(op(), 0..200)) {
            matches_model(QueueState::with_order(Box::new(FifoOrder(VecDeque::new()))), ops, |_, _| Ok(()))?;
        }
    }

    #[test]
    fn timings_measure_queue_and_work_duration() {
        let t0 = Instant::now();
        let mut s = QueueState::new();
        s.add("a", Some(t0));
        let (_, t) = s.pop(Some(t0 + Duration::from_millis(5))).expect("item");
        assert_eq!(t.elapsed, Some(Duration::from_millis(5)));
        assert_eq!(s.unfinished_work(t0 + Duration::from_millis(8)), (0.003, 0.003));
        let (f, t) = s.done(&"a", Some(t0 + Duration::from_millis(12)));
        assert_eq!(f, Finished::Idle);
        assert_eq!(t.elapsed, Some(Duration::from_millis(7)));
    }
}
