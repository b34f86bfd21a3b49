//! The MVCC store: one global, monotonically increasing resourceVersion, the latest revision of every
//! object, and the event log watches read.
//!
//! Mirrors the apiserver's storage layer (`storage.Interface` over etcd plus the watch cache). Writes go
//! through [`Store::guaranteed_update`] (the apiserver's `GuaranteedUpdate`): the caller's function runs
//! outside the lock on a snapshot of the current object, and the write commits only if the object did not
//! change meanwhile, otherwise the function runs again. The lock is never held across I/O or `.await`.

// `Status` is the API's error value and travels to the HTTP layer unchanged; boxing it at every
// step would add noise on a path that is never hot.
#![allow(clippy::result_large_err)]

mod event_log;

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use clientgo_apimachinery::Status;
use serde_json::Value;
use tokio::sync::watch;

pub use event_log::{Batch, Event, EventKind, EventLog, LogLimits};

use crate::object::{set_rv, StoredObject};

/// What a [`Store::guaranteed_update`] function decides.
#[derive(Debug)]
pub enum Outcome {
    /// Write this object (create or replace).
    Put(Value),
    /// Delete the object; the value is its last state (as sent in the DELETED event).
    Delete(Value),
    /// Change nothing and answer with the current object.
    Unchanged,
}

/// The result of a committed write.
#[derive(Debug, Clone)]
pub struct Written {
    /// The object after the write (for a delete, its last state).
    pub object: Arc<StoredObject>,
    /// What happened, `None` when nothing changed.
    pub kind: Option<EventKind>,
}

type Objects = BTreeMap<Arc<str>, Arc<StoredObject>>;

struct State {
    rv: u64,
    objects: HashMap<Arc<str>, Objects>,
    log: EventLog,
}

/// The store. Cheap to share behind an `Arc`.
pub struct Store {
    state: RwLock<State>,
    latest: watch::Sender<u64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("resource_version", &self.current_rv())
            .finish_non_exhaustive()
    }
}

/// A list snapshot: the objects of one resource at one resourceVersion.
#[derive(Debug)]
pub struct Snapshot {
    /// The resourceVersion the snapshot is at.
    pub rv: u64,
    /// Objects in key order.
    pub items: Vec<(Arc<str>, Arc<StoredObject>)>,
}

/// One page of a list: the first objects of a snapshot that pass a filter, and how many more do.
#[derive(Debug)]
pub struct Page {
    /// The resourceVersion the page is at.
    pub rv: u64,
    /// Up to the limit of objects that pass the filter, in key order.
    pub items: Vec<(Arc<str>, Arc<StoredObject>)>,
    /// Objects after `items` that pass the filter too: all of them, or only whether there is one
    /// (0 or 1) when they were not to be counted.
    pub rest: usize,
}

/// What a page holds: up to `limit` objects (every one when 0) that pass `keep`, and how many after
/// them pass it (`count_rest`), or only whether one does.
pub struct PageSpec<'a> {
    /// Most objects in the page; 0 for no limit.
    pub limit: usize,
    /// Whether to count every object after the page or stop at the first.
    pub count_rest: bool,
    /// The filter (selectors, namespace).
    pub keep: &'a dyn Fn(&StoredObject) -> bool,
}

impl PageSpec<'_> {
    /// Takes the page from `objects` in key order, cloning only the page's objects.
    fn take<'o>(
        &self,
        objects: impl Iterator<Item = (&'o Arc<str>, &'o Arc<StoredObject>)>,
        rv: u64,
    ) -> Page {
        let mut matching = objects.filter(|(_, o)| (self.keep)(o));
        let mut items = Vec::new();
        for (k, o) in matching.by_ref() {
            items.push((k.clone(), o.clone()));
            if self.limit > 0 && items.len() == self.limit {
                break;
            }
        }
        let rest = if self.limit == 0 || items.len() < self.limit {
            0
        } else if self.count_rest {
            matching.count()
        } else {
            usize::from(matching.next().is_some())
        };
        Page { rv, items, rest }
    }
}

impl Snapshot {
    /// The page `spec` describes of this snapshot.
    pub fn page(&self, spec: &PageSpec<'_>) -> Page {
        spec.take(self.items.iter().map(|(k, o)| (k, o)), self.rv)
    }
}

/// Why a snapshot could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotError {
    /// The version is before the compaction point (carried).
    Compacted(u64),
    /// The version is in the future; the current one is carried.
    TooLarge(u64),
}

impl Store {
    /// An empty store whose first write gets resourceVersion `start + 1`.
    pub fn new(limits: LogLimits, start: u64) -> Self {
        let (latest, _) = watch::channel(start);
        Store {
            state: RwLock::new(State {
                rv: start,
                objects: HashMap::new(),
                log: EventLog::new(limits, start),
            }),
            latest,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest resourceVersion.
    pub fn current_rv(&self) -> u64 {
        self.read().rv
    }

    /// The compaction point.
    pub fn compacted_rv(&self) -> u64 {
        self.read().log.compacted()
    }

    /// A receiver that changes whenever a write commits (watchers wait on it).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// The current object at `key`.
    pub fn get(&self, resource: &str, key: &str) -> Option<Arc<StoredObject>> {
        self.read().objects.get(resource)?.get(key).cloned()
    }

    /// Compacts the event log up to the current resourceVersion (test hook; mirrors etcd compaction).
    pub fn compact_now(&self) -> u64 {
        let mut st = self.write();
        let rv = st.rv;
        st.log.compact_to(rv);
        rv
    }

    /// Reads events of `resource` after `after` (see [`EventLog::read_after`]).
    pub fn read_events(&self, resource: &str, after: u64, max: usize) -> Result<Batch, u64> {
        self.read().log.read_after(resource, after, max)
    }

    /// Objects of `resource` whose keys start with `prefix` and are `>= start`, at the latest version.
    pub fn snapshot_latest(&self, resource: &str, prefix: &str, start: &str) -> Snapshot {
        let st = self.read();
        Snapshot {
            rv: st.rv,
            items: range(st.objects.get(resource), prefix, start)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// One page of [`Store::snapshot_latest`]: only the page's objects are copied, so paging
    /// through N objects costs O(N) copies in all, not O(N²/limit).
    pub fn page_latest(&self, resource: &str, prefix: &str, start: &str, spec: &PageSpec<'_>) -> Page {
        let st = self.read();
        spec.take(range(st.objects.get(resource), prefix, start), st.rv)
    }

    /// One page of [`Store::snapshot_at`]; as cheap as [`Store::page_latest`] when nothing changed
    /// after `rv`, otherwise a page of the rebuilt snapshot.
    pub fn page_at(
        &self,
        resource: &str,
        prefix: &str,
        start: &str,
        rv: u64,
        spec: &PageSpec<'_>,
    ) -> Result<Page, SnapshotError> {
        {
            let st = self.read();
            if rv > st.rv {
                return Err(SnapshotError::TooLarge(st.rv));
            }
            let later = st.log.all_after(resource, rv).map_err(SnapshotError::Compacted)?;
            if later.is_empty() {
                return Ok(spec.take(range(st.objects.get(resource), prefix, start), rv));
            }
        }
        Ok(self.snapshot_at(resource, prefix, start, rv)?.page(spec))
    }

    /// Like [`Store::snapshot_latest`] but at resourceVersion `rv`, rebuilt by undoing later events.
    pub fn snapshot_at(
        &self,
        resource: &str,
        prefix: &str,
        start: &str,
        rv: u64,
    ) -> Result<Snapshot, SnapshotError> {
        let st = self.read();
        if rv > st.rv {
            return Err(SnapshotError::TooLarge(st.rv));
        }
        let later = st.log.all_after(resource, rv).map_err(SnapshotError::Compacted)?;
        let current = st.objects.get(resource);
        if later.is_empty() {
            return Ok(Snapshot {
                rv,
                items: range(current, prefix, start)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
        }
        let mut map: BTreeMap<Arc<str>, Arc<StoredObject>> = range(current, prefix, start)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        drop(st);
        // The state at `rv` of every key touched later is the `prev` of its first later event.
        let mut seen = std::collections::HashSet::new();
        for ev in &later {
            if !seen.insert(ev.key.clone()) {
                continue;
            }
            if !ev.key.starts_with(prefix) || &*ev.key < start {
                continue;
            }
            match &ev.prev {
                Some(p) if ev.kind != EventKind::Added => {
                    map.insert(ev.key.clone(), p.clone());
                }
                _ => {
                    map.remove(&ev.key);
                }
            }
        }
        Ok(Snapshot {
            rv,
            items: map.into_iter().collect(),
        })
    }

    /// Every storage resource id with objects under `prefix` (for namespace cleanup).
    pub fn keys_with_prefix(&self, prefix: &str) -> Vec<(Arc<str>, Arc<str>)> {
        let st = self.read();
        let mut out = Vec::new();
        for (res, objs) in &st.objects {
            for (k, _) in range(Some(objs), prefix, "") {
                out.push((res.clone(), k.clone()));
            }
        }
        out
    }

    /// The apiserver's `GuaranteedUpdate`: runs `f` on the current object (outside the lock), then
    /// commits its outcome if the object is still the same revision, else runs `f` again.
    ///
    /// `field_labels` are the resource's selectable fields, recorded with the stored revision.
    ///
    /// # Errors
    /// Whatever `f` returns.
    pub fn guaranteed_update<F>(
        &self,
        resource: &Arc<str>,
        key: &str,
        field_labels: &[&'static str],
        mut f: F,
    ) -> Result<Written, Status>
    where
        F: FnMut(Option<&Arc<StoredObject>>) -> Result<Outcome, Status>,
    {
        loop {
            let current = self.get(resource, key);
            let outcome = f(current.as_ref())?;
            let mut st = self.write();
            let now = st.objects.get(&**resource).and_then(|m| m.get(key));
            let same = match (&current, now) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            };
            if !same {
                continue;
            }
            let (mut value, kind) = match outcome {
                Outcome::Unchanged => {
                    return match current {
                        Some(object) => Ok(Written { object, kind: None }),
                        None => Err(crate::status::internal("no object to leave unchanged")),
                    }
                }
                Outcome::Put(v) => {
                    let kind = if current.is_some() {
                        EventKind::Modified
                    } else {
                        EventKind::Added
                    };
                    (v, kind)
                }
                Outcome::Delete(v) => {
                    if current.is_none() {
                        return Err(crate::status::internal("no object to delete"));
                    }
                    (v, EventKind::Deleted)
                }
            };
            let rv = st.rv + 1;
            set_rv(&mut value, rv);
            let stored = Arc::new(StoredObject::new(&value, rv, field_labels));
            let key: Arc<str> = match now {
                Some(_) => st
                    .objects
                    .get(&**resource)
                    .and_then(|m| m.get_key_value(key))
                    .map(|(k, _)| k.clone())
                    .unwrap_or_else(|| Arc::from(key)),
                None => Arc::from(key),
            };
            st.rv = rv;
            let objs = st.objects.entry(resource.clone()).or_default();
            if kind == EventKind::Deleted {
                objs.remove(&key);
            } else {
                objs.insert(key.clone(), stored.clone());
            }
            let ev = Event::new(rv, resource.clone(), key, kind, stored.clone(), current);
            st.log.push(Arc::new(ev));
            drop(st);
            self.latest.send_replace(rv);
            return Ok(Written {
                object: stored,
                kind: Some(kind),
            });
        }
    }
}

/// The objects whose keys start with `prefix` and are `>= start`, in key order.
///
/// The range is bounded on both sides in the map itself (a namespace prefix `ns/` ends before
/// `ns0`), so walking it, or counting what follows a page, never reads the keys: with 100,000
/// objects, comparing each key to the prefix was a cache miss per object per page.
fn range<'a>(
    objs: Option<&'a Objects>,
    prefix: &'a str,
    start: &str,
) -> impl Iterator<Item = (&'a Arc<str>, &'a Arc<StoredObject>)> + 'a {
    let lower: Arc<str> = Arc::from(if start > prefix { start } else { prefix });
    // Keys with the prefix `p/` sort before `p0`; other prefixes are compared key by key.
    let upper: Option<Arc<str>> = prefix.strip_suffix('/').map(|head| Arc::from(format!("{head}0")));
    let checked = prefix.is_empty() || upper.is_some();
    // `BTreeMap::range` panics on an inverted range; a start past the prefix's keys selects none.
    let objs = objs.filter(|_| upper.as_ref().is_none_or(|u| lower < *u));
    objs.into_iter().flat_map(move |m| {
        let upper = upper.clone().map_or(Bound::Unbounded, Bound::Excluded);
        m.range::<Arc<str>, _>((Bound::Included(lower.clone()), upper))
            .take_while(move |(k, _)| checked || k.starts_with(prefix))
    })
}

#[cfg(test)]
mod tests;
