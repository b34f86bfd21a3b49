//! One handler's mailbox: the notifications waiting for it, in order, never making the informer
//! wait.
//!
//! Takes the place of client-go's `processorListener` buffer (`pendingNotifications`, a ring that
//! grows without bound behind a stuck handler). Here a push never waits and the backlog is bounded
//! by the number of objects: while fewer than the mailbox's capacity wait, every notification is
//! kept, in order; once the capacity is reached the mailbox *coalesces*: each key keeps one
//! pending notification that absorbs the later ones, as DeltaFIFO dedups a key's deltas (add then
//! update: an add of the latest state; update then update: one update from the first old state to
//! the last new one; add then delete: nothing; update then delete: the delete). A deletion followed
//! by a re-creation is kept as two notifications, so the handler still sees the object go. The
//! mailbox leaves that mode once the handler has caught up to half the capacity. While coalescing,
//! notifications of different keys may be handed out in another order than they happened; those
//! of one key never are.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use clientgo_apimachinery::Object;
use tokio::sync::Notify;

use crate::delta::DeltaObject;
use crate::key::meta_namespace_key_func;
use crate::notification::Notification;

/// What a handler's mailbox has done so far: read it through
/// [`HandlerRegistration::stats`](super::HandlerRegistration::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandlerStats {
    /// Notifications waiting now.
    pub pending: usize,
    /// The most that ever waited at once.
    pub max_pending: usize,
    /// Notifications handed to the handler.
    pub delivered: u64,
    /// Notifications absorbed into another one of the same object while the handler lagged.
    pub coalesced: u64,
    /// How many times the handler fell a whole mailbox behind.
    pub lag_episodes: u64,
    /// True while the mailbox coalesces (the handler is a whole mailbox behind).
    pub lagging: bool,
    /// Calls of the handler that panicked (each logged with the handler's name).
    pub panics: u64,
}

/// One waiting notification; `None` once absorbed or cancelled. `key` is known while coalescing.
struct Slot<K> {
    notification: Option<Notification<K>>,
    key: Option<String>,
}

struct State<K> {
    slots: VecDeque<Slot<K>>,
    /// Slots holding a notification.
    live: usize,
    /// The sequence number of `slots[0]`; slot `i` has `front + i`.
    front: u64,
    /// While coalescing: each key's last waiting slot, by sequence number.
    last_of: Option<HashMap<String, u64>>,
    /// Waiting adds of the initial list (a replay for a handler added late).
    initial_waiting: usize,
    /// The notification in the handler's hands is an add of the initial list.
    initial_in_hand: bool,
    /// The consumer thread waits on the condition variable (so a push must wake it).
    sleeping: bool,
    closed: bool,
    stats: HandlerStats,
}

/// A handler's mailbox. One consumer (a handler's thread with
/// [`recv_blocking`](Mailbox::recv_blocking), or a subscription's stream with
/// [`recv`](Mailbox::recv)), any number of pushers.
pub(crate) struct Mailbox<K> {
    state: Mutex<State<K>>,
    /// Wakes an async consumer.
    ready: Notify,
    /// Wakes a consumer thread.
    wake: Condvar,
    capacity: usize,
    name: Arc<str>,
}

/// What becomes of two notifications of one key, the earlier first.
enum Merged<K> {
    One(Notification<K>),
    Nothing,
    Apart(Notification<K>, Notification<K>),
}

fn is_initial_add<K>(n: &Notification<K>) -> bool {
    matches!(
        n,
        Notification::Add {
            is_in_initial_list: true,
            ..
        }
    )
}

/// The informer key of what `n` is about; `None` for an object without a name.
fn key_of<K: Object>(n: &Notification<K>) -> Option<String> {
    match n {
        Notification::Add { obj, .. } | Notification::Update { new: obj, .. } => {
            meta_namespace_key_func(&**obj).ok()
        }
        Notification::Delete(DeltaObject::Object(obj)) => meta_namespace_key_func(&**obj).ok(),
        Notification::Delete(DeltaObject::DeletedFinalStateUnknown(t)) => Some(t.key.clone()),
    }
}

/// Merges `later` into `earlier` (same key), DeltaFIFO's dedup rules for handler notifications.
fn merge<K>(earlier: Notification<K>, later: Notification<K>) -> Merged<K> {
    use Notification::{Add, Delete, Update};
    match (earlier, later) {
        (
            Add {
                is_in_initial_list, ..
            },
            Update { new, .. } | Add { obj: new, .. },
        ) => Merged::One(Add {
            obj: new,
            is_in_initial_list,
        }),
        (Add { .. }, Delete(_)) => Merged::Nothing,
        (Update { old, .. }, Update { new, .. } | Add { obj: new, .. }) => Merged::One(Update { old, new }),
        (Update { .. } | Delete(_), Delete(gone)) => Merged::One(Delete(gone)),
        (earlier @ Delete(_), later) => Merged::Apart(earlier, later),
    }
}

impl<K> Mailbox<K> {
    /// An empty mailbox for the handler called `name` that starts coalescing at `capacity`.
    pub(crate) fn new(name: Arc<str>, capacity: usize) -> Self {
        Mailbox {
            state: Mutex::new(State {
                slots: VecDeque::new(),
                live: 0,
                front: 0,
                last_of: None,
                initial_waiting: 0,
                initial_in_hand: false,
                sleeping: false,
                closed: false,
                stats: HandlerStats::default(),
            }),
            ready: Notify::new(),
            wake: Condvar::new(),
            capacity: capacity.max(1),
            name,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<K>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The handler's name, for log lines.
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// Takes the oldest waiting notification; the one handed out before is done with.
    fn pop(&self, s: &mut State<K>) -> Option<Notification<K>> {
        s.initial_in_hand = false;
        while let Some(slot) = s.slots.pop_front() {
            let seq = s.front;
            s.front += 1;
            let Some(n) = slot.notification else { continue };
            s.live -= 1;
            if let (Some(m), Some(key)) = (s.last_of.as_mut(), &slot.key) {
                if m.get(key) == Some(&seq) {
                    m.remove(key);
                }
            }
            if is_initial_add(&n) {
                s.initial_waiting -= 1;
                s.initial_in_hand = true;
            }
            if s.last_of.is_some() && s.live <= self.capacity / 2 {
                s.last_of = None;
                s.stats.lagging = false;
                tracing::info!(handler = %self.name, pending = s.live, "a resource event handler caught up");
            }
            s.stats.pending = s.live;
            s.stats.delivered += 1;
            return Some(n);
        }
        None
    }

    /// The next notification for the handler, waiting for one; `None` once closed and drained.
    /// Calling it again says the previous one has been handled.
    pub(crate) async fn recv(&self) -> Option<Notification<K>> {
        loop {
            {
                let mut s = self.lock();
                if let Some(n) = self.pop(&mut s) {
                    return Some(n);
                }
                if s.closed {
                    return None;
                }
            }
            self.ready.notified().await;
        }
    }

    /// As [`recv`](Mailbox::recv), blocking the calling thread while nothing waits.
    pub(crate) fn recv_blocking(&self) -> Option<Notification<K>> {
        let mut s = self.lock();
        loop {
            if let Some(n) = self.pop(&mut s) {
                return Some(n);
            }
            if s.closed {
                return None;
            }
            s.sleeping = true;
            s = self.wake.wait(s).unwrap_or_else(PoisonError::into_inner);
            s.sleeping = false;
        }
    }

    /// The handler returned from the notification last handed out.
    pub(crate) fn done(&self) {
        self.lock().initial_in_hand = false;
    }

    /// The handler panicked on a notification.
    pub(crate) fn count_panic(&self) {
        self.lock().stats.panics += 1;
    }

    /// No more pushes, and what waits is dropped: the consumer's next `recv` returns `None`
    /// (client-go drops a removed or stopped listener's pending notifications too).
    pub(crate) fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.slots.clear();
        s.live = 0;
        s.last_of = None;
        s.initial_waiting = 0;
        s.stats.pending = 0;
        drop(s);
        self.ready.notify_one();
        self.wake.notify_all();
    }

    /// True when no add of the initial list (or of a late handler's replay) waits or is being
    /// handled.
    pub(crate) fn initial_list_handled(&self) -> bool {
        let s = self.lock();
        s.initial_waiting == 0 && !s.initial_in_hand
    }

    /// What the mailbox has done so far.
    pub(crate) fn stats(&self) -> HandlerStats {
        self.lock().stats
    }
}

impl<K: Object> Mailbox<K> {
    /// Queues `n` for the handler; never waits. Dropped once the mailbox is closed.
    pub(crate) fn push(&self, n: Notification<K>) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        if is_initial_add(&n) {
            s.initial_waiting += 1;
        }
        if s.last_of.is_some() {
            self.coalesce_into(&mut s, n);
        } else {
            s.slots.push_back(Slot {
                notification: Some(n),
                key: None,
            });
            s.live += 1;
            if s.live >= self.capacity {
                self.start_coalescing(&mut s);
            }
        }
        s.stats.pending = s.live;
        s.stats.max_pending = s.stats.max_pending.max(s.live);
        let sleeping = s.sleeping;
        drop(s);
        self.ready.notify_one();
        // A futex wake is a system call: only when the thread sleeps.
        if sleeping {
            self.wake.notify_one();
        }
    }

    /// Appends `n` with its key, or merges it into its key's last waiting slot. `n` is already
    /// counted in `initial_waiting` if it is an initial add.
    fn coalesce_into(&self, s: &mut State<K>, n: Notification<K>) {
        let Some(key) = key_of(&n) else {
            // Nothing to merge an unnamed object with: keep it as it is.
            s.slots.push_back(Slot {
                notification: Some(n),
                key: None,
            });
            s.live += 1;
            return;
        };
        let last = s.last_of.as_ref().and_then(|m| m.get(&key).copied());
        let at = last.and_then(|seq| usize::try_from(seq - s.front).ok());
        let Some(earlier) = at.and_then(|at| s.slots.get_mut(at)?.notification.take()) else {
            return self.append_keyed(s, key, n);
        };
        let at = at.unwrap_or_default();
        let before = usize::from(is_initial_add(&earlier)) + usize::from(is_initial_add(&n));
        match merge(earlier, n) {
            Merged::One(m) => {
                s.initial_waiting = s.initial_waiting + usize::from(is_initial_add(&m)) - before;
                s.slots[at].notification = Some(m);
                s.stats.coalesced += 1;
            }
            Merged::Nothing => {
                s.initial_waiting -= before;
                s.live -= 1;
                s.stats.coalesced += 2;
                if let Some(m) = s.last_of.as_mut() {
                    m.remove(&key);
                }
                self.compact_if_sparse(s);
            }
            Merged::Apart(earlier, later) => {
                s.slots[at].notification = Some(earlier);
                self.append_keyed(s, key, later);
            }
        }
    }

    fn append_keyed(&self, s: &mut State<K>, key: String, n: Notification<K>) {
        let seq = s.front + s.slots.len() as u64;
        if let Some(m) = s.last_of.as_mut() {
            m.insert(key.clone(), seq);
        }
        s.slots.push_back(Slot {
            notification: Some(n),
            key: Some(key),
        });
        s.live += 1;
    }

    /// The mailbox is full: from now on each key keeps one waiting notification. Merges what
    /// already waits, key by key.
    fn start_coalescing(&self, s: &mut State<K>) {
        s.stats.lag_episodes += 1;
        s.stats.lagging = true;
        tracing::warn!(
            handler = %self.name,
            pending = s.live,
            "a resource event handler is lagging: its pending notifications are coalesced per object until it catches up"
        );
        s.front += s.slots.len() as u64;
        let waiting: Vec<Notification<K>> = s.slots.drain(..).filter_map(|slot| slot.notification).collect();
        s.live = 0;
        s.last_of = Some(HashMap::with_capacity(waiting.len()));
        s.initial_waiting = 0;
        for n in waiting {
            if is_initial_add(&n) {
                s.initial_waiting += 1;
            }
            self.coalesce_into(s, n);
        }
        self.compact(s);
    }

    /// Drops absorbed slots when they outnumber the waiting ones.
    fn compact_if_sparse(&self, s: &mut State<K>) {
        if s.slots.len() > 2 * s.live + 16 {
            self.compact(s);
        }
    }

    fn compact(&self, s: &mut State<K>) {
        s.front += s.slots.len() as u64;
        let slots: VecDeque<Slot<K>> = s
            .slots
            .drain(..)
            .filter(|slot| slot.notification.is_some())
            .collect();
        s.front -= slots.len() as u64;
        if let Some(m) = s.last_of.as_mut() {
            m.clear();
            for (i, slot) in slots.iter().enumerate() {
                if let Some(key) = &slot.key {
                    m.insert(key.clone(), s.front + i as u64);
                }
            }
        }
        s.slots = slots;
    }
}

#[cfg(test)]
mod tests;
