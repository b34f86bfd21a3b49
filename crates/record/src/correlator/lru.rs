//! The correlator's bounded caches: least recently used first out, idle entries expire.
//!
//! client-go keeps each of the correlator's caches in a 4,096-entry LRU (`golang-lru`); ours is the
//! `lru` crate's. We add expiry: an entry idle for longer than the cache's horizon carries no
//! information any more (a series past its window, a spam bucket that has refilled completely), so
//! it is dropped when the cache is next written instead of occupying memory until 4,096 newer keys
//! push it out. The least recently used entry is also the one idle longest, so expiry only ever
//! looks at the LRU end.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

/// A string-keyed map that keeps at most `capacity` entries, forgetting the least recently used
/// one first and any entry not used for `idle_ttl`.
#[derive(Debug)]
pub(super) struct LruCache<V> {
    entries: lru::LruCache<String, Slot<V>>,
    idle_ttl: Duration,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    last_used: Instant,
}

impl<V> LruCache<V> {
    /// An empty cache of at most `capacity` entries (at least one) expiring after `idle_ttl`.
    pub(super) fn new(capacity: usize, idle_ttl: Duration) -> Self {
        LruCache {
            entries: lru::LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
            idle_ttl,
        }
    }

    /// Entries held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry for `key`, marked as used at `now`.
    pub(super) fn get_mut(&mut self, key: &str, now: Instant) -> Option<&mut V> {
        let slot = self.entries.get_mut(key)?;
        slot.last_used = now;
        Some(&mut slot.value)
    }

    /// Every value, in no particular order.
    #[cfg(test)]
    pub(super) fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, slot)| &slot.value)
    }

    /// The entry for `key` without marking it used (a sink reading a queued patch).
    pub(super) fn peek_mut(&mut self, key: &str) -> Option<&mut V> {
        self.entries.peek_mut(key).map(|slot| &mut slot.value)
    }

    /// The entry for `key`, created with `make` when absent (or idle past the horizon), marked
    /// as used at `now`. Expires idle entries first and makes room as [`insert`](Self::insert).
    pub(super) fn get_or_insert_with(&mut self, key: &str, now: Instant, make: impl FnOnce() -> V) -> &mut V {
        self.expire(now);
        let slot = self.entries.get_or_insert_mut_ref(key, || Slot {
            value: make(),
            last_used: now,
        });
        slot.last_used = now;
        &mut slot.value
    }

    /// Stores `value` under `key` as used at `now`, replacing any previous entry; expires idle
    /// entries first, then forgets the least recently used one if the cache is full.
    pub(super) fn insert(&mut self, key: String, value: V, now: Instant) {
        self.expire(now);
        self.entries.put(
            key,
            Slot {
                value,
                last_used: now,
            },
        );
    }

    /// Drops the entries, least recently used first, last used `idle_ttl` or more before `now`.
    fn expire(&mut self, now: Instant) {
        while let Some((_, slot)) = self.entries.peek_lru() {
            if now.saturating_duration_since(slot.last_used) < self.idle_ttl {
                return;
            }
            self.entries.pop_lru();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, secs: u64) -> Instant {
        start + Duration::from_secs(secs)
    }

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let t0 = Instant::now();
        let mut c = LruCache::new(2, Duration::from_secs(3600));
        c.insert("a".into(), 1, at(t0, 0));
        c.insert("b".into(), 2, at(t0, 1));
        assert_eq!(
            c.get_mut("a", at(t0, 2)),
            Some(&mut 1),
            "a is now the most recent"
        );
        c.insert("c".into(), 3, at(t0, 3));
        assert_eq!(c.len(), 2);
        assert!(c.peek_mut("b").is_none(), "b was least recently used");
        assert_eq!(c.peek_mut("a"), Some(&mut 1));
        assert_eq!(c.peek_mut("c"), Some(&mut 3));
    }

    #[test]
    fn peeking_does_not_refresh_an_entry() {
        let t0 = Instant::now();
        let mut c = LruCache::new(2, Duration::from_secs(3600));
        c.insert("a".into(), 1, at(t0, 0));
        c.insert("b".into(), 2, at(t0, 1));
        *c.peek_mut("a").unwrap() = 10;
        c.insert("c".into(), 3, at(t0, 2));
        assert!(c.peek_mut("a").is_none());
    }

    #[test]
    fn replacing_an_entry_keeps_one_copy_and_refreshes_it() {
        let t0 = Instant::now();
        let mut c = LruCache::new(2, Duration::from_secs(3600));
        c.insert("a".into(), 1, at(t0, 0));
        c.insert("b".into(), 2, at(t0, 1));
        c.insert("a".into(), 5, at(t0, 2));
        assert_eq!(c.len(), 2);
        c.insert("c".into(), 3, at(t0, 3));
        assert_eq!(c.peek_mut("a"), Some(&mut 5));
        assert!(c.peek_mut("b").is_none());
    }

    #[test]
    fn idle_entries_expire_on_the_next_write() {
        let t0 = Instant::now();
        let mut c = LruCache::new(100, Duration::from_secs(60));
        c.insert("old".into(), 1, at(t0, 0));
        c.insert("used".into(), 2, at(t0, 0));
        c.get_mut("used", at(t0, 50));
        c.insert("new".into(), 3, at(t0, 60));
        assert!(c.peek_mut("old").is_none(), "idle for 60 s");
        assert_eq!(c.peek_mut("used"), Some(&mut 2), "used 10 s ago");
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn get_or_insert_with_creates_once() {
        let t0 = Instant::now();
        let mut c = LruCache::new(4, Duration::from_secs(60));
        *c.get_or_insert_with("k", t0, || 1) += 1;
        *c.get_or_insert_with("k", t0, || 100) += 1;
        assert_eq!(c.peek_mut("k"), Some(&mut 3));
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn a_zero_capacity_still_holds_the_newest_entry() {
        let mut c = LruCache::new(0, Duration::from_secs(60));
        let t0 = Instant::now();
        c.insert("a".into(), 1, t0);
        c.insert("b".into(), 2, t0);
        assert_eq!(c.len(), 1);
        assert_eq!(c.peek_mut("b"), Some(&mut 2));
    }
}
