//! The bounded event log watches replay from, and its compaction.
//!
//! Mirrors the apiserver watch cache's ring of `watchCacheEvent`s (`watch_cache.go`): every write appends
//! one event; watchers read forward from a resourceVersion; compaction drops the oldest events, after
//! which a watch or an exact list from before the window is answered with 410 Gone.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::object::StoredObject;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Deleted (the object is its last state, with the deletion's resourceVersion).
    Deleted,
}

impl EventKind {
    /// The watch event `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// One write.
#[derive(Debug)]
pub struct Event {
    /// The resourceVersion this write produced.
    pub rv: u64,
    /// The storage resource id (e.g. `configmaps`, `widgets.example.com`).
    pub resource: Arc<str>,
    /// The object key within the resource (`ns/name` or `name`).
    pub key: Arc<str>,
    /// ADDED, MODIFIED or DELETED.
    pub kind: EventKind,
    /// The object after the write (for DELETED its last state).
    pub object: Arc<StoredObject>,
    /// The object before the write, `None` for ADDED.
    pub prev: Option<Arc<StoredObject>>,
    at: Instant,
}

impl Event {
    /// A new event stamped now.
    pub fn new(
        rv: u64,
        resource: Arc<str>,
        key: Arc<str>,
        kind: EventKind,
        object: Arc<StoredObject>,
        prev: Option<Arc<StoredObject>>,
    ) -> Self {
        Event {
            rv,
            resource,
            key,
            kind,
            object,
            prev,
            at: Instant::now(),
        }
    }
}

/// Limits of the event log.
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    /// Most events kept; older ones are compacted away.
    pub max_events: usize,
    /// Events older than this are compacted away on the next write (`None`: no age limit).
    pub max_age: Option<Duration>,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            max_events: 50_000,
            max_age: None,
        }
    }
}

/// The log itself. Invariant: events are contiguous, `events[i].rv == compacted + 1 + i`.
#[derive(Debug, Default)]
pub struct EventLog {
    events: VecDeque<Arc<Event>>,
    compacted: u64,
    limits: LogLimits,
}

/// The outcome of reading the log forward.
#[derive(Debug)]
pub struct Batch {
    /// Events of the requested resource, in order.
    pub events: Vec<Arc<Event>>,
    /// The last resourceVersion examined (watch progress, used for bookmarks).
    pub last_rv: u64,
}

impl EventLog {
    /// An empty log whose history starts after `rv`.
    pub fn new(limits: LogLimits, rv: u64) -> Self {
        EventLog {
            events: VecDeque::new(),
            compacted: rv,
            limits,
        }
    }

    /// The compaction point: events at or before it are gone.
    pub fn compacted(&self) -> u64 {
        self.compacted
    }

    /// Appends an event (its rv must be the next one) and enforces the limits.
    pub fn push(&mut self, ev: Arc<Event>) {
        debug_assert_eq!(ev.rv, self.compacted + 1 + self.events.len() as u64);
        self.events.push_back(ev);
        while self.events.len() > self.limits.max_events {
            self.pop_front();
        }
        if let Some(age) = self.limits.max_age {
            let now = Instant::now();
            while self
                .events
                .front()
                .is_some_and(|e| now.duration_since(e.at) > age)
            {
                self.pop_front();
            }
        }
    }

    fn pop_front(&mut self) {
        if let Some(e) = self.events.pop_front() {
            self.compacted = e.rv;
        }
    }

    /// Drops every event up to and including `rv` (compacts now).
    pub fn compact_to(&mut self, rv: u64) {
        while self.events.front().is_some_and(|e| e.rv <= rv) {
            self.pop_front();
        }
        if rv > self.compacted && self.events.is_empty() {
            self.compacted = rv;
        }
    }

    /// Events of `resource` after `after`, at most `max` of them; `Err(compacted)` when `after` is
    /// before the window. Examines at most `max * 8` entries so readers never hold the lock long.
    pub fn read_after(&self, resource: &str, after: u64, max: usize) -> Result<Batch, u64> {
        if after < self.compacted {
            return Err(self.compacted);
        }
        let start = usize::try_from(after - self.compacted).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut last_rv = after.max(self.compacted);
        let budget = max.saturating_mul(8).max(1);
        for ev in self.events.iter().skip(start).take(budget) {
            last_rv = ev.rv;
            if &*ev.resource == resource {
                out.push(ev.clone());
                if out.len() >= max {
                    break;
                }
            }
        }
        Ok(Batch { events: out, last_rv })
    }

    /// Every event of `resource` after `after` (for rebuilding an older snapshot); `Err(compacted)` when
    /// `after` is before the window.
    pub fn all_after(&self, resource: &str, after: u64) -> Result<Vec<Arc<Event>>, u64> {
        if after < self.compacted {
            return Err(self.compacted);
        }
        let start = usize::try_from(after - self.compacted).unwrap_or(usize::MAX);
        Ok(self
            .events
            .iter()
            .skip(start)
            .filter(|e| &*e.resource == resource)
            .cloned()
            .collect())
    }
}
