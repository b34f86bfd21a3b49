//! Sans-IO bookkeeping of items waiting for their delay to pass.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::hash::Hash;
use std::time::Instant;

/// Items waiting to be added to a queue, ordered by ready time, each item at most once.
///
/// Mirrors client-go's `waitForPriorityQueue` plus the `waitingEntryByData` map of
/// `delaying_queue.go`: an item added again while waiting keeps the earlier of its two ready times.
/// Instead of re-sifting an entry in place, an earlier time pushes a new heap entry and the old one
/// is skipped when it surfaces (its sequence number no longer matches the index).
#[derive(Debug)]
pub(crate) struct DelayHeap<T> {
    heap: BinaryHeap<Waiting<T>>,
    /// The live ready time and sequence number of each waiting item.
    index: HashMap<T, (Instant, u64)>,
    seq: u64,
}

#[derive(Debug)]
struct Waiting<T> {
    ready_at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Waiting<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ready_at == other.ready_at && self.seq == other.seq
    }
}
impl<T> Eq for Waiting<T> {}
impl<T> PartialOrd for Waiting<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Waiting<T> {
    /// Reversed, so the max-heap pops the earliest ready time, then the earliest insertion.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .ready_at
            .cmp(&self.ready_at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<T: Hash + Eq + Clone> DelayHeap<T> {
    pub(crate) fn new() -> Self {
        DelayHeap {
            heap: BinaryHeap::new(),
            index: HashMap::new(),
            seq: 0,
        }
    }

    /// Schedules `item` for `ready_at`, or moves it earlier if it already waits for a later time.
    /// Returns true when this changed the earliest deadline, i.e. the timer must re-arm.
    pub(crate) fn insert(&mut self, item: T, ready_at: Instant) -> bool {
        let head = self.next_ready_at();
        if let Some(&(existing, _)) = self.index.get(&item) {
            if existing <= ready_at {
                return false;
            }
        }
        self.seq += 1;
        let seq = self.seq;
        self.index.insert(item.clone(), (ready_at, seq));
        self.heap.push(Waiting { ready_at, seq, item });
        head.is_none_or(|head| ready_at < head)
    }

    /// Moves every item whose time has come (`ready_at <= now`) into `out`, earliest first.
    pub(crate) fn pop_ready(&mut self, now: Instant, out: &mut Vec<T>) {
        while let Some(top) = self.heap.peek() {
            if top.ready_at > now {
                break;
            }
            let Some(w) = self.heap.pop() else { break };
            if self.index.get(&w.item).is_some_and(|&(_, seq)| seq == w.seq) {
                self.index.remove(&w.item);
                out.push(w.item);
            }
        }
        self.drop_stale_top();
    }

    /// The earliest ready time of a live entry.
    pub(crate) fn next_ready_at(&self) -> Option<Instant> {
        self.heap.peek().map(|w| w.ready_at)
    }

    /// Skips superseded entries at the top so `next_ready_at` is a live deadline.
    fn drop_stale_top(&mut self) {
        while let Some(top) = self.heap.peek() {
            if self.index.get(&top.item).is_some_and(|&(_, seq)| seq == top.seq) {
                break;
            }
            self.heap.pop();
        }
    }

    /// Number of distinct items waiting.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Forgets every waiting item (on shutdown).
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.index.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn pops_in_ready_order_and_only_when_due() {
        let t0 = Instant::now();
        let mut h = DelayHeap::new();
        assert!(h.insert("c", t0 + s(3)));
        assert!(h.insert("a", t0 + s(1)));
        assert!(!h.insert("b", t0 + s(2)));
        let mut out = Vec::new();
        h.pop_ready(t0, &mut out);
        assert!(out.is_empty());
        h.pop_ready(t0 + s(2), &mut out);
        assert_eq!(out, vec!["a", "b"]);
        assert_eq!(h.next_ready_at(), Some(t0 + s(3)));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn waiting_item_added_again_keeps_the_earliest_ready_time() {
        let t0 = Instant::now();
        let mut h = DelayHeap::new();
        h.insert("x", t0 + s(5));
        assert!(!h.insert("x", t0 + s(9)), "a later time changes nothing");
        assert_eq!(h.next_ready_at(), Some(t0 + s(5)));
        assert!(h.insert("x", t0 + s(2)), "an earlier time re-arms the timer");
        assert_eq!(h.len(), 1);
        let mut out = Vec::new();
        h.pop_ready(t0 + s(2), &mut out);
        assert_eq!(out, vec!["x"]);
        assert_eq!(h.next_ready_at(), None, "the superseded entry is gone");
        out.clear();
        h.pop_ready(t0 + s(10), &mut out);
        assert!(out.is_empty(), "the item fires once");
    }

    #[test]
    fn equal_ready_times_keep_insertion_order() {
        let t0 = Instant::now();
        let mut h = DelayHeap::new();
        for i in 0..100 {
            h.insert(i, t0);
        }
        let mut out = Vec::new();
        h.pop_ready(t0, &mut out);
        assert_eq!(out, (0..100).collect::<Vec<_>>());
    }
}
