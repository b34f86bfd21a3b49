//! Sans-IO bookkeeping of items waiting for their delay to pass.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash};
use std::time::Instant;

use foldhash::quality::RandomState;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;

/// Items waiting to be added to a queue, ordered by ready time, each item at most once.
///
/// Mirrors client-go's `waitForPriorityQueue` plus the `waitingEntryByData` map of
/// `delaying_queue.go`: an item added again while waiting keeps the earlier of its two ready times.
///
/// The order is a B-tree keyed by (ready time, insertion number) rather than a binary heap: taking
/// every due item is one split of the tree followed by a sequential walk, where a heap would pay a
/// cache-missing sift-down per item (measured: the heap made 100k items due within 100 ms arrive
/// hundreds of milliseconds late). Moving an item earlier removes its old entry, so nothing stale
/// is ever kept.
#[derive(Debug)]
pub(crate) struct DelayHeap<T> {
    by_time: BTreeMap<(Instant, u64), T>,
    /// Each waiting item with its key in `by_time` (one hash per lookup, the item cloned only
    /// when it is new).
    index: HashTable<(T, (Instant, u64))>,
    hasher: RandomState,
    seq: u64,
}

impl<T: Hash + Eq + Clone> DelayHeap<T> {
    pub(crate) fn new() -> Self {
        DelayHeap {
            by_time: BTreeMap::new(),
            index: HashTable::new(),
            hasher: RandomState::default(),
            seq: 0,
        }
    }

    /// Schedules `item` for `ready_at`, or moves it earlier if it already waits for a later time.
    /// Returns true when this changed the earliest deadline, i.e. the timer must re-arm.
    pub(crate) fn insert(&mut self, item: T, ready_at: Instant) -> bool {
        let head = self.next_ready_at();
        self.seq += 1;
        let key = (ready_at, self.seq);
        let hash = self.hasher.hash_one(&item);
        let hasher = &self.hasher;
        match self
            .index
            .entry(hash, |(k, _)| *k == item, |(k, _)| hasher.hash_one(k))
        {
            Entry::Occupied(mut e) => {
                let existing = &mut e.get_mut().1;
                if existing.0 <= ready_at {
                    return false;
                }
                let old = std::mem::replace(existing, key);
                self.by_time.remove(&old);
            }
            Entry::Vacant(e) => {
                e.insert((item.clone(), key));
            }
        }
        self.by_time.insert(key, item);
        head.is_none_or(|head| ready_at < head)
    }

    /// Moves every item whose time has come (`ready_at <= now`) into `out`, earliest first.
    pub(crate) fn pop_ready(&mut self, now: Instant, out: &mut Vec<T>) {
        match self.by_time.first_key_value() {
            Some((&(first, _), _)) if first <= now => {}
            _ => return,
        }
        let later = match now.checked_add(std::time::Duration::from_nanos(1)) {
            Some(after) => self.by_time.split_off(&(after, 0)),
            None => BTreeMap::new(),
        };
        let due = std::mem::replace(&mut self.by_time, later);
        out.reserve(due.len());
        for (_, item) in due {
            let hash = self.hasher.hash_one(&item);
            if let Ok(e) = self.index.find_entry(hash, |(k, _)| *k == item) {
                e.remove();
            }
            out.push(item);
        }
    }

    /// The earliest ready time of a waiting item.
    pub(crate) fn next_ready_at(&self) -> Option<Instant> {
        self.by_time.first_key_value().map(|(&(at, _), _)| at)
    }

    /// Number of distinct items waiting.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Forgets every waiting item (on shutdown).
    pub(crate) fn clear(&mut self) {
        self.by_time.clear();
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
        assert!(h.by_time.is_empty() && h.index.is_empty());
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
