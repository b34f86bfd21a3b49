//! Keeps a store in step with the server: list, then watch, and list again when the watch history
//! is gone.
//!
//! Mirrors client-go `tools/cache/reflector.go` (`Reflector.ListAndWatch`), with client-go's choices:
//! - the first list asks for resourceVersion `"0"` (any cached state) in pages of 500, following
//!   continue tokens (an expired token falls back to one full list, as the pager does);
//! - the watch starts at the list's resourceVersion with `allowWatchBookmarks` and a random
//!   `timeoutSeconds` between 5 and 10 minutes, so watches do not all end together;
//! - a watch that ends, or whose connection breaks mid-stream, is restarted from the last
//!   resourceVersion seen, without a list; so is one refused (connection refused, 429) at start,
//!   after the backoff;
//! - 410 Gone / Expired and "Too large resource version" make the next list a consistent read
//!   (resourceVersion `""`); any other failure lists again from the last resourceVersion;
//! - failures wait a jittered exponential backoff from 800 ms to 30 s that starts over after two
//!   healthy minutes;
//! - optionally a streaming list (`sendInitialEvents=true`, `resourceVersionMatch=NotOlderThan`, up to
//!   the bookmark annotated `k8s.io/initial-events-end`), falling back to list+watch when refused.
//!
//! Unlike client-go the reflector writes the store itself (no DeltaFIFO in between) and tells an
//! optional [`EventSink`] what each write did, awaiting it: a slow sink slows the watch down
//! instead of queueing without bound. A relist is diffed into the live store page by page, keeping
//! only the seen keys aside, so it never holds a second copy of the cache; keys the list no longer
//! has are removed and reported as [`DeletedFinalStateUnknown`] tombstones.

mod backoff;
mod options;
mod status;

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::{Object, WatchEvent};
use clientgo_client::ListOptions;
use clientgo_rest::Error as RestError;
use futures_util::future::BoxFuture;
use futures_util::StreamExt as _;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::controller::Notification;
use crate::delta_fifo::{DeletedFinalStateUnknown, DeltaObject};
use crate::listwatch::{ListerWatcher, WatchStream};
use crate::store::{Cache, Store};

pub use backoff::{INITIAL as BACKOFF_INITIAL, MAX as BACKOFF_MAX, RESET_AFTER as BACKOFF_RESET_AFTER};
pub use options::{strip_managed_fields, ReflectorOptions, Transform};
pub use status::{ReflectorStats, SyncStatus};

/// Receives what the reflector did to the store, in order. The informer's handler fan-out
/// implements it; a plain reflector has none.
pub trait EventSink<K>: Send + Sync + 'static {
    /// One change, after it was applied to the store. The reflector awaits it (back-pressure).
    fn notify(&self, n: Notification<K>) -> BoxFuture<'_, ()>;

    /// The resync period elapsed: replay the store to whoever wants it. No request is made.
    fn resync(&self) -> BoxFuture<'_, ()>;
}

/// Lists and watches one collection into a [`Cache`]. Mirrors client-go `cache.Reflector`.
pub struct Reflector<K> {
    lw: Arc<dyn ListerWatcher<K>>,
    store: Arc<Cache<K>>,
    options: ReflectorOptions<K>,
    sink: Option<Arc<dyn EventSink<K>>>,
    status: Arc<SyncStatus>,
}

impl<K> fmt::Debug for Reflector<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reflector")
            .field("options", &self.options)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Why a watch stopped.
enum WatchEnd {
    /// Closed by the server, timed out, or broken mid-stream: watch again from the last version.
    Rewatch,
    /// Must list again (`unavailable`: with resourceVersion "").
    Relist {
        unavailable: bool,
    },
    Cancelled,
}

/// The resourceVersion bookkeeping. Mirrors `lastSyncResourceVersion` and
/// `isLastSyncResourceVersionUnavailable`.
#[derive(Debug, Default)]
struct Versions {
    last: String,
    unavailable: bool,
}

impl Versions {
    /// Mirrors `relistResourceVersion`.
    fn relist(&self) -> &str {
        if self.unavailable {
            ""
        } else if self.last.is_empty() {
            "0"
        } else {
            &self.last
        }
    }
}

fn is_expired(e: &RestError) -> bool {
    e.is_gone()
        || e.api_error()
            .is_some_and(|a| a.is_resource_expired() || a.message().contains("Too large resource version"))
}

impl<K: Object + Send + Sync + 'static> Reflector<K> {
    /// A reflector filling `store` from `lister_watcher`. Mirrors `NewReflector`.
    pub fn new<L: ListerWatcher<K>>(
        lister_watcher: L,
        store: Arc<Cache<K>>,
        options: ReflectorOptions<K>,
    ) -> Self {
        Reflector {
            lw: Arc::new(lister_watcher),
            store,
            options,
            sink: None,
            status: Arc::new(SyncStatus::default()),
        }
    }

    /// Shares `status` (the informer creates it before the reflector).
    pub fn with_status(mut self, status: Arc<SyncStatus>) -> Self {
        self.status = status;
        self
    }

    /// Reports every change to `sink`.
    pub fn with_sink(mut self, sink: Arc<dyn EventSink<K>>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Whether the first list is in the store, the last error, and counters.
    pub fn status(&self) -> Arc<SyncStatus> {
        Arc::clone(&self.status)
    }

    /// Lists and watches until `stop` is cancelled. Mirrors `Run`/`ListAndWatch` under
    /// `wait.BackoffUntil`. Failures are retried forever; see [`SyncStatus::last_error`].
    pub async fn run(&self, stop: CancellationToken) {
        let mut backoff = backoff::Backoff::with(self.options.backoff_initial, self.options.backoff_max);
        let mut versions = Versions::default();
        let mut watch_list_failed = false;
        let mut resync_at = self.options.resync_period.map(|p| Instant::now() + p);
        'relist: loop {
            if stop.is_cancelled() {
                return;
            }
            let synced = if self.options.use_watch_list && !watch_list_failed {
                match self.watch_list(&stop, &mut versions).await {
                    Ok(s) => Ok(s),
                    Err(e) => {
                        tracing::warn!(error = %e, "streaming list failed; falling back to list+watch");
                        watch_list_failed = true;
                        self.list(&stop, &mut versions).await.map(|()| None)
                    }
                }
            } else {
                self.list(&stop, &mut versions).await.map(|()| None)
            };
            let mut stream = match synced {
                Ok(s) => s,
                Err(e) if stop.is_cancelled() => {
                    drop(e);
                    return;
                }
                Err(e) => {
                    if is_expired(&e) {
                        versions.unavailable = true;
                    }
                    tracing::warn!(error = %e, "list failed");
                    self.status.set_error(e);
                    if !self.pause(&stop, &mut backoff).await {
                        return;
                    }
                    continue 'relist;
                }
            };
            if stop.is_cancelled() {
                // The list was abandoned half-way: not a sync.
                return;
            }
            self.status.mark_synced();
            loop {
                let w = match stream.take() {
                    Some(w) => w,
                    None => {
                        let opts = self.watch_options(&versions.last);
                        let started = tokio::select! {
                            biased;
                            () = stop.cancelled() => return,
                            r = self.lw.watch(opts) => r,
                        };
                        match started {
                            Ok(w) => w,
                            Err(e) => {
                                let rewatch = e.is_connection_refused() || e.is_too_many_requests();
                                if is_expired(&e) {
                                    versions.unavailable = true;
                                }
                                tracing::warn!(error = %e, rewatch, "watch failed to start");
                                self.status.set_error(e);
                                if !self.pause(&stop, &mut backoff).await {
                                    return;
                                }
                                if rewatch {
                                    self.status.count_rewatch();
                                    continue;
                                }
                                self.status.count_relist();
                                continue 'relist;
                            }
                        }
                    }
                };
                match self.consume(w, &stop, &mut versions, &mut resync_at).await {
                    WatchEnd::Cancelled => return,
                    WatchEnd::Rewatch => self.status.count_rewatch(),
                    WatchEnd::Relist { unavailable } => {
                        versions.unavailable |= unavailable;
                        self.status.count_relist();
                        if !self.pause(&stop, &mut backoff).await {
                            return;
                        }
                        continue 'relist;
                    }
                }
            }
        }
    }

    /// Sleeps the next backoff delay; false when stopped meanwhile.
    async fn pause(&self, stop: &CancellationToken, backoff: &mut backoff::Backoff) -> bool {
        let d = backoff.next_delay(Instant::now());
        tokio::select! {
            biased;
            () = stop.cancelled() => false,
            () = tokio::time::sleep(d) => true,
        }
    }

    fn watch_timeout(&self) -> Duration {
        let min = self.options.min_watch_timeout;
        min + min.mul_f64(next_unit(&mut seed()))
    }

    fn watch_options(&self, rv: &str) -> ListOptions {
        let timeout = self.watch_timeout();
        ListOptions::default()
            .resource_version(rv)
            .bookmarks()
            .timeout_seconds(i64::try_from(timeout.as_secs().max(1)).unwrap_or(i64::MAX))
    }

    /// The list half of ListAndWatch: pages diffed into the live store.
    async fn list(&self, stop: &CancellationToken, versions: &mut Versions) -> Result<(), RestError> {
        let mut opts = ListOptions::default()
            .resource_version(versions.relist())
            .limit(self.options.page_size);
        let initial = !self.status.has_synced();
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            let page = tokio::select! {
                biased;
                () = stop.cancelled() => return Ok(()),
                r = tokio::time::timeout(self.options.list_timeout, self.lw.list(opts.clone())) => r,
            };
            let page = match page {
                Err(_elapsed) => {
                    tracing::warn!("list timed out");
                    return Err(clientgo_rest::Error::from(
                        clientgo_apimachinery::ApiError::from_status(clientgo_apimachinery::Status::failure(
                            504,
                            "Timeout",
                            "the list did not finish in time",
                        )),
                    ));
                }
                Ok(Ok(p)) => p,
                Ok(Err(e)) if e.is_gone() && !opts.continue_.is_empty() => {
                    // The continue token expired mid-list: start over with one full list.
                    seen.clear();
                    opts.continue_.clear();
                    opts.limit = 0;
                    continue;
                }
                Ok(Err(e)) => return Err(e),
            };
            for item in page.items {
                if let Some(key) = self.upsert(item, initial).await {
                    seen.insert(key);
                }
            }
            let next = page.metadata.continue_.unwrap_or_default();
            if next.is_empty() || opts.limit == 0 {
                self.remove_unseen(&seen).await;
                versions.last = page.metadata.resource_version.unwrap_or_default();
                versions.unavailable = false;
                return Ok(());
            }
            opts.continue_ = next;
            // The server refuses a resourceVersion beside a continue token ("specifying resource
            // version is not allowed when using continue"): the token carries it. client-go's
            // pager clears both the same way.
            opts.resource_version.clear();
            opts.resource_version_match.clear();
        }
    }

    /// A streaming list: the initial state arrives as ADDED events on a watch, up to the bookmark
    /// annotated `k8s.io/initial-events-end`; the same watch then goes on. Mirrors `watchList`.
    async fn watch_list(
        &self,
        stop: &CancellationToken,
        versions: &mut Versions,
    ) -> Result<Option<WatchStream<K>>, RestError> {
        let rv = if versions.unavailable {
            ""
        } else {
            versions.last.as_str()
        };
        let mut opts = self.watch_options(rv);
        opts.send_initial_events = Some(true);
        opts.resource_version_match = "NotOlderThan".to_owned();
        let initial = !self.status.has_synced();
        let mut w = tokio::select! {
            biased;
            () = stop.cancelled() => return Ok(None),
            r = self.lw.watch(opts) => r?,
        };
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            let ev = tokio::select! {
                biased;
                () = stop.cancelled() => return Ok(None),
                ev = tokio::time::timeout(self.options.list_timeout, w.next()) => ev,
            };
            match ev {
                Ok(Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)))) => {
                    if let Some(key) = self.upsert(o, initial).await {
                        seen.insert(key);
                    }
                }
                Ok(Some(Ok(WatchEvent::Deleted(o)))) => {
                    if let Ok(key) = self.store.key_of(&o) {
                        seen.remove(&key);
                    }
                    self.remove(o).await;
                }
                Ok(Some(Ok(WatchEvent::Bookmark(b)))) if b.is_initial_events_end() => {
                    self.remove_unseen(&seen).await;
                    versions.last = b.resource_version().to_owned();
                    versions.unavailable = false;
                    return Ok(Some(w));
                }
                Ok(Some(Ok(WatchEvent::Bookmark(_)))) => {}
                Ok(Some(Ok(WatchEvent::Error(s)))) => {
                    return Err(clientgo_apimachinery::ApiError::from_status(s).into());
                }
                Ok(Some(Err(e))) => return Err(e),
                Ok(None) | Err(_) => {
                    return Err(clientgo_apimachinery::ApiError::from_status(
                        clientgo_apimachinery::Status::failure(
                            500,
                            "InternalError",
                            "the streaming list ended before its initial-events-end bookmark",
                        ),
                    )
                    .into());
                }
            }
        }
    }

    /// The watch half: applies events until the watch ends.
    async fn consume(
        &self,
        mut w: WatchStream<K>,
        stop: &CancellationToken,
        versions: &mut Versions,
        resync_at: &mut Option<Instant>,
    ) -> WatchEnd {
        // A client-side guard against a watch that stalls: the server should have ended it.
        let idle_limit = self.options.min_watch_timeout * 2 + self.options.watch_idle_grace;
        loop {
            let resync = async {
                match *resync_at {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            let ev = tokio::select! {
                biased;
                () = stop.cancelled() => return WatchEnd::Cancelled,
                () = resync => {
                    *resync_at = self.options.resync_period.map(|p| Instant::now() + p);
                    let _ = self.store.resync();
                    if let Some(sink) = &self.sink {
                        sink.resync().await;
                    }
                    continue;
                }
                ev = tokio::time::timeout(idle_limit, w.next()) => ev,
            };
            let ev = match ev {
                Err(_elapsed) => {
                    tracing::warn!("watch silent for too long; restarting it");
                    return WatchEnd::Rewatch;
                }
                Ok(None) => return WatchEnd::Rewatch,
                Ok(Some(Ok(ev))) => ev,
                Ok(Some(Err(e))) => {
                    if is_expired(&e) {
                        tracing::info!(error = %e, "watch history gone; relisting");
                        self.status.set_error(e);
                        return WatchEnd::Relist { unavailable: true };
                    }
                    if e.api_error().is_some() {
                        tracing::warn!(error = %e, "watch error; relisting");
                        self.status.set_error(e);
                        return WatchEnd::Relist { unavailable: false };
                    }
                    tracing::debug!(error = %e, "watch connection broke; watching again");
                    return WatchEnd::Rewatch;
                }
            };
            self.status.count_event();
            match ev {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                    let rv = o.resource_version().to_owned();
                    self.upsert(o, false).await;
                    versions.last = rv;
                }
                WatchEvent::Deleted(o) => {
                    let rv = o.resource_version().to_owned();
                    self.remove(o).await;
                    versions.last = rv;
                }
                WatchEvent::Bookmark(b) => {
                    if !b.resource_version().is_empty() {
                        versions.last = b.resource_version().to_owned();
                    }
                }
                WatchEvent::Error(s) => {
                    let gone = s.code == Some(410);
                    self.status
                        .set_error(clientgo_apimachinery::ApiError::from_status(s).into());
                    return WatchEnd::Relist { unavailable: gone };
                }
            }
        }
    }

    /// Stores one listed or watched object; returns its key.
    async fn upsert(&self, obj: K, initial: bool) -> Option<String> {
        let obj = Arc::new(self.options.apply_transform(obj));
        let key = match self.store.key_of(&obj) {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, "object without a key; skipped");
                return None;
            }
        };
        let old = self.store.update(Arc::clone(&obj)).ok()?;
        if let Some(sink) = &self.sink {
            let n = match old {
                Some(old) => Notification::Update { old, new: obj },
                None => Notification::Add {
                    obj,
                    is_in_initial_list: initial,
                },
            };
            sink.notify(n).await;
        }
        Some(key)
    }

    async fn remove(&self, obj: K) {
        let obj = Arc::new(self.options.apply_transform(obj));
        if let Ok(Some(_)) = self.store.delete(&obj) {
            if let Some(sink) = &self.sink {
                sink.notify(Notification::Delete(DeltaObject::Object(obj))).await;
            }
        }
    }

    /// Removes what a completed relist did not see, reporting tombstones.
    async fn remove_unseen(&self, seen: &HashSet<String>) {
        for key in self.store.list_keys() {
            if seen.contains(&key) {
                continue;
            }
            if let Some(old) = self.store.delete_by_key(&key) {
                if let Some(sink) = &self.sink {
                    let tombstone = DeletedFinalStateUnknown { key, obj: Some(old) };
                    sink.notify(Notification::Delete(DeltaObject::DeletedFinalStateUnknown(
                        tombstone,
                    )))
                    .await;
                }
            }
        }
    }
}

/// A per-call random seed (std's randomly keyed hasher, so no RNG dependency).
pub(crate) fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9e37_79b9_7f4a_7c15);
    h.finish() | 1
}

/// A uniform draw from [0, 1) (xorshift64*).
pub(crate) fn next_unit(state: &mut u64) -> f64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
    // 53 random bits into [0, 1): exact in an f64.
    #[allow(clippy::cast_precision_loss)]
    let unit = r as f64 / (1u64 << 53) as f64;
    unit
}
