//! client-go's `tools/cache/expiration_cache_test.go`, ported on a `FakeClock`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use clientgo_flowcontrol::{Clock, FakeClock};

use super::{ExpirationCache, ExpirationPolicy, TimestampedEntry, TtlPolicy};
use crate::delta::ReplaceDelta;
use crate::error::KeyError;
use crate::store::Store;

#[derive(Debug, PartialEq, Eq)]
struct Obj {
    id: &'static str,
    val: &'static str,
}

fn key(o: &Obj) -> Result<String, KeyError> {
    Ok(o.id.to_owned())
}

fn obj(id: &'static str, val: &'static str) -> Arc<Obj> {
    Arc::new(Obj { id, val })
}

/// Expires every entry whose key is not in `never_expire`. Mirrors the Go test's
/// `FakeExpirationPolicy`.
struct FakePolicy {
    never_expire: HashSet<&'static str>,
}

impl ExpirationPolicy<Obj> for FakePolicy {
    fn is_expired(&self, entry: &TimestampedEntry<Obj>) -> bool {
        !self.never_expire.contains(entry.obj.id)
    }
}

fn fake_store(never_expire: &[&'static str]) -> (FakeClock, ExpirationCache<Obj>) {
    let clock = FakeClock::new();
    let policy = FakePolicy {
        never_expire: never_expire.iter().copied().collect(),
    };
    let store = ExpirationCache::new(key, Box::new(policy), Arc::new(clock.clone()));
    (clock, store)
}

/// A read of an expired entry finds nothing and removes it.
#[test]
fn test_ttl_expiration_basic() {
    let (_clock, store) = fake_store(&[]);
    store.add(obj("foo", "bar")).unwrap();
    assert_eq!(store.list_keys(), ["foo"], "stored, though expired");
    assert_eq!(
        store.get_by_key("foo"),
        None,
        "didn't expect to get the expired item"
    );
    assert!(store.list_keys().is_empty(), "the expired item was removed");
}

/// An expired entry written again is served with its new value.
#[test]
fn test_re_add_expired_item() {
    let clock = FakeClock::new();
    let ttl = Duration::from_secs(30);
    let policy = TtlPolicy {
        ttl,
        clock: Arc::new(clock.clone()),
    };
    let store = ExpirationCache::new(key, Box::new(policy), Arc::new(clock.clone()));
    store.add(obj("foo", "bar")).unwrap();
    clock.advance(ttl + Duration::from_secs(1));
    // The entry has expired but nothing read it yet; a write renews it.
    store.update(obj("foo", "baz")).unwrap();
    assert_eq!(store.get(&obj("foo", "")).unwrap().map(|o| o.val), Some("baz"));
}

/// A list serves only live entries and removes the expired ones.
#[test]
fn test_ttl_list() {
    let (_clock, store) = fake_store(&["foo", "foo1"]);
    for o in [obj("foo", "bar"), obj("foo1", "bar1"), obj("foo2", "bar2")] {
        store.add(o).unwrap();
    }
    let mut live: Vec<&str> = store.list().iter().map(|o| o.id).collect();
    live.sort_unstable();
    assert_eq!(live, ["foo", "foo1"]);
    let mut keys = store.list_keys();
    keys.sort();
    assert_eq!(keys, ["foo", "foo1"], "the expired item was removed by the list");
}

/// The TTL policy: alive up to the TTL, expired after it; a zero TTL never expires.
#[test]
fn test_ttl_policy() {
    let clock = FakeClock::new();
    let ttl = Duration::from_secs(30);
    let entry = TimestampedEntry {
        obj: obj("foo", "bar"),
        timestamp: clock.now(),
    };
    let policy = TtlPolicy {
        ttl,
        clock: Arc::new(clock.clone()),
    };
    assert!(!policy.is_expired(&entry), "expected the entry to be alive");
    clock.advance(ttl);
    assert!(!policy.is_expired(&entry), "exactly the TTL is still alive");
    clock.advance(Duration::from_secs(1));
    assert!(policy.is_expired(&entry), "expected the entry to have expired");
    let forever = TtlPolicy {
        ttl: Duration::ZERO,
        clock: Arc::new(clock.clone()),
    };
    clock.advance(Duration::from_secs(3600));
    assert!(!forever.is_expired(&entry), "a zero TTL never expires");
}

#[test]
fn replace_reports_what_it_changed_and_stamps_every_entry_now() {
    let clock = FakeClock::new();
    let ttl = Duration::from_secs(10);
    let policy = TtlPolicy {
        ttl,
        clock: Arc::new(clock.clone()),
    };
    let store = ExpirationCache::new(key, Box::new(policy), Arc::new(clock.clone()));
    store.add(obj("kept", "1")).unwrap();
    store.add(obj("gone", "1")).unwrap();
    clock.advance(Duration::from_secs(8));
    let mut changes: Vec<String> = store
        .replace(vec![obj("kept", "2"), obj("new", "1")], "7")
        .unwrap()
        .iter()
        .map(|c| match c {
            ReplaceDelta::Added(o) => format!("added {}", o.id),
            ReplaceDelta::Updated { old, new } => format!("updated {} {}->{}", new.id, old.val, new.val),
            ReplaceDelta::Deleted(t) => format!("deleted {}", t.key),
        })
        .collect();
    changes.sort();
    assert_eq!(changes, ["added new", "deleted gone", "updated kept 1->2"]);
    clock.advance(Duration::from_secs(8));
    assert_eq!(
        store.list().len(),
        2,
        "16 s after the first add, the replaced entries are 8 s old"
    );
}

#[test]
fn the_ttl_store_keeps_entries_within_their_ttl() {
    let store = ExpirationCache::new_ttl_store(key, Duration::from_secs(3600));
    store.add(obj("foo", "bar")).unwrap();
    assert_eq!(store.get_by_key("foo").map(|o| o.val), Some("bar"));
    assert_eq!(store.delete(&obj("foo", "")).unwrap().map(|o| o.val), Some("bar"));
    assert_eq!(store.get_by_key("foo"), None);
}
