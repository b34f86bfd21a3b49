//! How a reflector lists and watches.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::Object;

/// A function applied to every object before it is stored. Mirrors client-go
/// `cache.TransformFunc` (`SetTransform`): drop what the program never reads, e.g.
/// [`strip_managed_fields`](crate::strip_managed_fields).
pub type Transform<K> = Arc<dyn Fn(K) -> K + Send + Sync>;

/// A reflector's settings. `Default` is client-go's behaviour.
#[non_exhaustive]
pub struct ReflectorOptions<K> {
    /// Names the reflector in its log lines (`reflector=...`). Empty: the source location that
    /// created it (client-go: the nearest `file:line` outside tools/cache); informers use the
    /// location that created the informer.
    pub name: String,
    /// What the reflector stores, for its log lines (`type=...`). Empty: the Rust type's name;
    /// informers from a [`SharedInformerFactory`](crate::SharedInformerFactory) use client-go's
    /// Go type, such as `*v1.Pod`.
    pub type_description: String,
    /// List page size (client-go: 500).
    pub page_size: i64,
    /// Watches ask the server for a random `timeoutSeconds` in `[min, 2 * min]` (client-go: 5 min).
    pub min_watch_timeout: Duration,
    /// Extra wait past the longest server timeout before a silent watch is given up on.
    pub watch_idle_grace: Duration,
    /// Bound on one list request (or on the initial events of a streaming list).
    pub list_timeout: Duration,
    /// First retry delay (client-go: 800 ms).
    pub backoff_initial: Duration,
    /// Largest retry delay (client-go: 30 s).
    pub backoff_max: Duration,
    /// Replay the store to the sink this often (`None`: never). Mirrors `resyncPeriod`.
    pub resync_period: Option<Duration>,
    /// Use a streaming list (`sendInitialEvents`) instead of list+watch, falling back when the
    /// server refuses. Mirrors client-go's `WatchListClient` feature gate.
    pub use_watch_list: bool,
    /// Applied to every object before it is stored.
    pub transform: Option<Transform<K>>,
}

impl<K> Clone for ReflectorOptions<K> {
    fn clone(&self) -> Self {
        ReflectorOptions {
            name: self.name.clone(),
            type_description: self.type_description.clone(),
            page_size: self.page_size,
            min_watch_timeout: self.min_watch_timeout,
            watch_idle_grace: self.watch_idle_grace,
            list_timeout: self.list_timeout,
            backoff_initial: self.backoff_initial,
            backoff_max: self.backoff_max,
            resync_period: self.resync_period,
            use_watch_list: self.use_watch_list,
            transform: self.transform.clone(),
        }
    }
}

impl<K> Default for ReflectorOptions<K> {
    fn default() -> Self {
        ReflectorOptions {
            name: String::new(),
            type_description: String::new(),
            page_size: 500,
            min_watch_timeout: Duration::from_secs(300),
            watch_idle_grace: Duration::from_secs(30),
            list_timeout: Duration::from_secs(300),
            backoff_initial: super::backoff::INITIAL,
            backoff_max: super::backoff::MAX,
            resync_period: None,
            use_watch_list: false,
            transform: None,
        }
    }
}

impl<K> fmt::Debug for ReflectorOptions<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReflectorOptions")
            .field("name", &self.name)
            .field("type_description", &self.type_description)
            .field("page_size", &self.page_size)
            .field("min_watch_timeout", &self.min_watch_timeout)
            .field("resync_period", &self.resync_period)
            .field("use_watch_list", &self.use_watch_list)
            .field("transform", &self.transform.is_some())
            .finish_non_exhaustive()
    }
}

impl<K> ReflectorOptions<K> {
    /// Sets the name shown in the reflector's log lines.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the type description shown in the reflector's log lines.
    pub fn type_description(mut self, description: impl Into<String>) -> Self {
        self.type_description = description.into();
        self
    }

    /// Sets the list page size.
    pub fn page_size(mut self, n: i64) -> Self {
        self.page_size = n;
        self
    }

    /// Sets the shortest server-side watch timeout (tests use seconds).
    pub fn min_watch_timeout(mut self, d: Duration) -> Self {
        self.min_watch_timeout = d;
        self
    }

    /// Sets the extra wait before a silent watch is abandoned.
    pub fn watch_idle_grace(mut self, d: Duration) -> Self {
        self.watch_idle_grace = d;
        self
    }

    /// Sets the bound on one list request.
    pub fn list_timeout(mut self, d: Duration) -> Self {
        self.list_timeout = d;
        self
    }

    /// Sets the backoff range.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max;
        self
    }

    /// Sets the resync period.
    pub fn resync_period(mut self, d: Option<Duration>) -> Self {
        self.resync_period = d.filter(|d| !d.is_zero());
        self
    }

    /// Turns streaming lists on or off.
    pub fn use_watch_list(mut self, on: bool) -> Self {
        self.use_watch_list = on;
        self
    }

    /// Sets the transform.
    pub fn transform(mut self, t: Option<Transform<K>>) -> Self {
        self.transform = t;
        self
    }

    pub(crate) fn apply_transform(&self, obj: K) -> K {
        match &self.transform {
            Some(t) => t(obj),
            None => obj,
        }
    }
}

/// A ready-made [`Transform`] body: drops `metadata.managedFields`, often a third of an object's
/// bytes and rarely read by controllers. Mirrors the transform client-go users write for
/// `SetTransform`.
pub fn strip_managed_fields<K: Object>(mut obj: K) -> K {
    obj.metadata_mut().managed_fields = Vec::new();
    obj
}
