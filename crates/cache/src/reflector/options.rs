//! How a reflector lists and watches.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::Object;
use clientgo_flowcontrol::{Clock, RealClock};

use super::machine::MIN_WATCH_TIMEOUT;

/// The reflector's first retry delay (client-go: 800 ms).
pub(crate) const BACKOFF_INITIAL: Duration = Duration::from_millis(800);
/// The reflector's largest retry delay before jitter (client-go: 30 s).
pub(crate) const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A failure this long after the previous one starts the delays over (client-go: 2 min).
pub(crate) const BACKOFF_RESET_AFTER: Duration = Duration::from_secs(120);
/// client-go's jitter factor: each delay gets up to as much again.
pub(crate) const BACKOFF_JITTER: f64 = 1.0;

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
    /// List page size. `None` (the default) is client-go's rule: pages of 500 for a list at
    /// resourceVersion `""` or `"0"`, and one unpaged list at a known resourceVersion, which the
    /// server's watch cache can serve (unless the first list came back paged: then the watch cache
    /// is off and every list is paged). `Some(n)` always pages by `n` (client-go's
    /// `WatchListPageSize`).
    pub page_size: Option<i64>,
    /// Watches ask the server for a random `timeoutSeconds` in `[min, 2 * min]`. client-go raises
    /// anything below 5 minutes to 5 minutes, and so does the reflector unless
    /// [`ReflectorOptions::short_watch_timeouts`] is set.
    pub min_watch_timeout: Duration,
    /// Honour a [`ReflectorOptions::min_watch_timeout`] below 5 minutes. client-go never does (short
    /// watches multiply the server's work); demos and tests against a local server use it.
    pub short_watch_timeouts: bool,
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
    /// How long a watch that keeps ending with a 500 `InternalError` is opened again at once,
    /// at the last resourceVersion and without a list, counted from the first such error of the
    /// cycle (zero, the default: never, the cycle ends and lists again after the backoff); each
    /// new cycle counts afresh. Mirrors `Reflector.MaxInternalErrorRetryDuration` with
    /// `RetryWithDeadline`.
    pub max_internal_error_retry_duration: Duration,
    /// Use a streaming list (`sendInitialEvents`) instead of list+watch, falling back to a list
    /// for the cycle when it fails (the next cycle streams again). On by default, as client-go
    /// 1.36's `WatchListClient` feature gate; off anyway for a list-watch that says it cannot
    /// ([`ListerWatcher::supports_watch_list`](crate::ListerWatcher::supports_watch_list)).
    ///
    /// The streamed objects wait in a buffer of shared pointers until the bookmark that ends the
    /// initial events, as client-go's temporary store, so the store never sees a partial initial
    /// state. On a first sync that buffer is the only copy; on a later cycle the store still holds
    /// the old objects until the bookmark, so the peak is up to twice the cache, where a paged
    /// list replaces page by page. Turn it off to keep relists within the steady cache's size.
    pub use_watch_list: bool,
    /// Applied to every object before it is stored.
    pub transform: Option<Transform<K>>,
    /// What the reflector reads time from and sleeps on (a `FakeClock` in tests). Mirrors
    /// `ReflectorOptions.Clock`.
    pub clock: Arc<dyn Clock>,
}

impl<K> Clone for ReflectorOptions<K> {
    fn clone(&self) -> Self {
        ReflectorOptions {
            name: self.name.clone(),
            type_description: self.type_description.clone(),
            page_size: self.page_size,
            min_watch_timeout: self.min_watch_timeout,
            short_watch_timeouts: self.short_watch_timeouts,
            watch_idle_grace: self.watch_idle_grace,
            list_timeout: self.list_timeout,
            backoff_initial: self.backoff_initial,
            backoff_max: self.backoff_max,
            resync_period: self.resync_period,
            max_internal_error_retry_duration: self.max_internal_error_retry_duration,
            use_watch_list: self.use_watch_list,
            transform: self.transform.clone(),
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<K> Default for ReflectorOptions<K> {
    fn default() -> Self {
        ReflectorOptions {
            name: String::new(),
            type_description: String::new(),
            page_size: None,
            min_watch_timeout: MIN_WATCH_TIMEOUT,
            short_watch_timeouts: false,
            watch_idle_grace: Duration::from_secs(30),
            list_timeout: Duration::from_secs(300),
            backoff_initial: BACKOFF_INITIAL,
            backoff_max: BACKOFF_MAX,
            resync_period: None,
            max_internal_error_retry_duration: Duration::ZERO,
            use_watch_list: true,
            transform: None,
            clock: Arc::new(RealClock),
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
            .field(
                "max_internal_error_retry_duration",
                &self.max_internal_error_retry_duration,
            )
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

    /// Pages every list by `n` (client-go's `WatchListPageSize`).
    pub fn page_size(mut self, n: i64) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Sets the shortest server-side watch timeout; below 5 minutes it is raised to 5 minutes, as
    /// client-go does.
    pub fn min_watch_timeout(mut self, d: Duration) -> Self {
        self.min_watch_timeout = d;
        self.short_watch_timeouts = false;
        self
    }

    /// Sets the shortest server-side watch timeout and honours it even below client-go's 5-minute
    /// floor (demos and tests against a local server).
    pub fn short_watch_timeouts(mut self, d: Duration) -> Self {
        self.min_watch_timeout = d;
        self.short_watch_timeouts = true;
        self
    }

    /// Reads time from and sleeps on `clock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The minimum watch timeout in force: raised to client-go's floor unless short timeouts are
    /// allowed (then at least one second).
    pub(crate) fn effective_min_watch_timeout(&self) -> Duration {
        if self.short_watch_timeouts {
            self.min_watch_timeout.max(Duration::from_secs(1))
        } else {
            self.min_watch_timeout.max(MIN_WATCH_TIMEOUT)
        }
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

    /// Sets how long internal-error watch failures are retried without a list (zero: never).
    /// Mirrors `MaxInternalErrorRetryDuration`.
    pub fn max_internal_error_retry_duration(mut self, d: Duration) -> Self {
        self.max_internal_error_retry_duration = d;
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
}

/// A ready-made [`Transform`] body: drops `metadata.managedFields`, often a third of an object's
/// bytes and rarely read by controllers. Mirrors the transform client-go users write for
/// `SetTransform`.
pub fn strip_managed_fields<K: Object>(mut obj: K) -> K {
    obj.metadata_mut().managed_fields = Vec::new();
    obj
}
