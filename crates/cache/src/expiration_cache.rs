//! A store whose entries expire: a time-to-live cache.
//!
//! Mirrors client-go `tools/cache/expiration_cache.go` (`ExpirationCache`, `NewTTLStore`,
//! `ExpirationPolicy`, `TTLPolicy`, `TimestampedEntry`): each entry remembers when it was written;
//! a read of an expired entry removes it and finds nothing, and listing skips (and removes)
//! expired entries. Time comes from a `clientgo_flowcontrol::Clock`, so tests drive a
//! `FakeClock` (client-go's `NewFakeExpirationStore`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use clientgo_flowcontrol::{Clock, RealClock};

use crate::delta::DeletedFinalStateUnknown;
use crate::delta::ReplaceDelta;
use crate::error::Error;
use crate::key::KeyFunc;
use crate::store::Store;

/// An object and the time it was written. Mirrors client-go `cache.TimestampedEntry`.
#[derive(Debug)]
pub struct TimestampedEntry<K> {
    /// The stored object.
    pub obj: Arc<K>,
    /// When it was added, updated or replaced.
    pub timestamp: Instant,
}

/// Decides whether an entry has expired. Mirrors client-go `cache.ExpirationPolicy`.
pub trait ExpirationPolicy<K>: Send + Sync {
    /// True when `entry` must no longer be served.
    fn is_expired(&self, entry: &TimestampedEntry<K>) -> bool;
}

/// Entries expire `ttl` after they were written; a zero `ttl` means never. Mirrors client-go
/// `cache.TTLPolicy`.
#[derive(Debug, Clone)]
pub struct TtlPolicy {
    /// How long an entry lives.
    pub ttl: Duration,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
}

impl<K> ExpirationPolicy<K> for TtlPolicy {
    fn is_expired(&self, entry: &TimestampedEntry<K>) -> bool {
        !self.ttl.is_zero() && self.clock.now().saturating_duration_since(entry.timestamp) > self.ttl
    }
}

/// A thread-safe [`Store`] whose entries expire under an [`ExpirationPolicy`]. Mirrors client-go
/// `cache.ExpirationCache`.
pub struct ExpirationCache<K> {
    entries: Mutex<HashMap<String, TimestampedEntry<K>>>,
    key_func: KeyFunc<K>,
    clock: Arc<dyn Clock>,
    policy: Box<dyn ExpirationPolicy<K>>,
}

impl<K> fmt::Debug for ExpirationCache<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpirationCache").finish_non_exhaustive()
    }
}

impl<K> ExpirationCache<K> {
    /// A store whose entries live `ttl` (zero: forever) on the real clock. Mirrors `NewTTLStore`.
    pub fn new_ttl_store(key_func: KeyFunc<K>, ttl: Duration) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(RealClock);
        let policy = TtlPolicy {
            ttl,
            clock: Arc::clone(&clock),
        };
        Self::new(key_func, Box::new(policy), clock)
    }

    /// A store with its own expiration policy and clock (the clock stamps entries; the policy
    /// judges them). Mirrors `NewExpirationStore` and, with a fake clock,
    /// `NewFakeExpirationStore`.
    pub fn new(key_func: KeyFunc<K>, policy: Box<dyn ExpirationPolicy<K>>, clock: Arc<dyn Clock>) -> Self {
        ExpirationCache {
            entries: Mutex::new(HashMap::new()),
            key_func,
            clock,
            policy,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, TimestampedEntry<K>>> {
        // Entries are replaced whole; a poisoned lock still holds consistent data.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stamp(&self, obj: Arc<K>) -> TimestampedEntry<K> {
        TimestampedEntry {
            obj,
            timestamp: self.clock.now(),
        }
    }

    /// The live object under `key`, removing it if it has expired. Mirrors `getOrExpire`.
    fn get_or_expire(&self, key: &str) -> Option<Arc<K>> {
        let mut entries = self.lock();
        let expired = self.policy.is_expired(entries.get(key)?);
        if expired {
            entries.remove(key);
            return None;
        }
        entries.get(key).map(|e| Arc::clone(&e.obj))
    }

    fn insert(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(&obj)?;
        let entry = self.stamp(obj);
        Ok(self.lock().insert(key, entry).map(|old| old.obj))
    }
}

impl<K> Store<K> for ExpirationCache<K> {
    fn add(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        self.insert(obj)
    }

    fn update(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        self.insert(obj)
    }

    fn delete(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(obj)?;
        Ok(self.delete_by_key(&key))
    }

    fn delete_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.lock().remove(key).map(|e| e.obj)
    }

    /// The live objects; expired ones are removed on the way.
    fn list(&self) -> Vec<Arc<K>> {
        let mut entries = self.lock();
        entries.retain(|_, e| !self.policy.is_expired(e));
        entries.values().map(|e| Arc::clone(&e.obj)).collect()
    }

    /// Every stored key, expired ones included (as client-go's `ListKeys`).
    fn list_keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn get(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(obj)?;
        Ok(self.get_or_expire(&key))
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.get_or_expire(key)
    }

    /// Holds exactly `list`, every entry stamped now.
    fn replace(&self, list: Vec<Arc<K>>, _resource_version: &str) -> Result<Vec<ReplaceDelta<K>>, Error> {
        let mut fresh = HashMap::with_capacity(list.len());
        for obj in list {
            let key = (self.key_func)(&obj)?;
            fresh.insert(key, self.stamp(obj));
        }
        let mut entries = self.lock();
        let mut changes = Vec::with_capacity(fresh.len());
        for (key, new) in &fresh {
            changes.push(match entries.remove(key) {
                Some(old) => ReplaceDelta::Updated {
                    old: old.obj,
                    new: Arc::clone(&new.obj),
                },
                None => ReplaceDelta::Added(Arc::clone(&new.obj)),
            });
        }
        changes.extend(entries.drain().map(|(key, old)| {
            ReplaceDelta::Deleted(DeletedFinalStateUnknown {
                key,
                obj: Some(old.obj),
            })
        }));
        *entries = fresh;
        Ok(changes)
    }

    fn resync(&self) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
