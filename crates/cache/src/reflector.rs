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
//!   the bookmark annotated `k8s.io/initial-events-end`), falling back to list+watch when refused;
//! - client-go's log lines, as DEBUG events whose `v` field is klog's verbosity (see
//!   `clientgo::klog`): `Starting reflector` and `Stopping reflector` (with the resync period),
//!   `Listing and watching` (V(3)), `Caches populated` (V(2)), `Forcing resync` and `Watch close`
//!   with the number of items the watch delivered (V(4)). Each carries the reflector's name and
//!   the type it stores (see [`ReflectorOptions::name`]).
//!
//! The reflector writes into a [`ReflectorStore`], client-go's name for the reflector's side of
//! its store, and awaits each write, so a slow consumer slows the watch down instead of queueing
//! without bound. Two stores exist: [`CacheWriter`], the direct path, which diffs a relist into the
//! live cache page by page and reports each change to an [`EventSink`]; and
//! [`AsyncQueue`](crate::AsyncQueue), a DeltaFIFO or RealFIFO drained by a
//! [`Controller`](crate::Controller), as in client-go.

mod backoff;
mod cache_writer;
mod options;
mod status;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::{Object, WatchEvent};
use clientgo_client::ListOptions;
use clientgo_rest::go_duration;
use clientgo_rest::Error as RestError;
use futures_util::StreamExt as _;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::listwatch::{ListerWatcher, WatchStream};

pub use backoff::{INITIAL as BACKOFF_INITIAL, MAX as BACKOFF_MAX, RESET_AFTER as BACKOFF_RESET_AFTER};
pub use cache_writer::{CacheWriter, EventSink, StoreWrite};
pub use options::{strip_managed_fields, ReflectorOptions, Transform};
pub use status::{ReflectorStats, SyncStatus};
pub use store::{ReflectorStore, Relist};

/// Decides, each time the resync period elapses, whether to resync now. Mirrors client-go
/// `cache.ShouldResyncFunc`.
pub type ShouldResync = Arc<dyn Fn() -> bool + Send + Sync>;

/// Lists and watches one collection into a [`ReflectorStore`]. Mirrors client-go
/// `cache.Reflector`.
pub struct Reflector<K> {
    lw: Arc<dyn ListerWatcher<K>>,
    store: Arc<dyn ReflectorStore<K>>,
    options: ReflectorOptions<K>,
    should_resync: Option<ShouldResync>,
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
    /// A reflector filling `store` from `lister_watcher`, e.g.
    /// `Arc::new(CacheWriter::new(cache))`. Mirrors `NewReflector`. Without a name in `options`
    /// it is named after the caller's source location, as client-go names it after its caller's
    /// `file:line`.
    #[track_caller]
    pub fn new<L: ListerWatcher<K>>(
        lister_watcher: L,
        store: Arc<dyn ReflectorStore<K>>,
        mut options: ReflectorOptions<K>,
    ) -> Self {
        if options.name.is_empty() {
            options.name = call_site(std::panic::Location::caller());
        }
        if options.type_description.is_empty() {
            options.type_description = short_type_name::<K>().to_owned();
        }
        Reflector {
            lw: Arc::new(lister_watcher),
            store,
            options,
            should_resync: None,
            status: Arc::new(SyncStatus::default()),
        }
    }

    /// Shares `status` (the informer creates it before the reflector).
    pub fn with_status(mut self, status: Arc<SyncStatus>) -> Self {
        self.status = status;
        self
    }

    /// Asks `should_resync` each time the resync period elapses and resyncs the store only when it
    /// says so (without it: always). Mirrors `Reflector.ShouldResync`.
    pub fn with_should_resync(mut self, should_resync: ShouldResync) -> Self {
        self.should_resync = Some(should_resync);
        self
    }

    /// Whether the first list is in the store, the last error, and counters.
    pub fn status(&self) -> Arc<SyncStatus> {
        Arc::clone(&self.status)
    }

    /// Lists and watches until `stop` is cancelled. Mirrors `Run`/`ListAndWatch` under
    /// `wait.BackoffUntil`. Failures are retried forever; see [`SyncStatus::last_error`].
    pub async fn run(&self, stop: CancellationToken) {
        let resync_period = self.options.resync_period.unwrap_or_default();
        tracing::debug!(
            v = 3,
            r#type = %self.options.type_description,
            resync_period = %go_duration::format(resync_period),
            reflector = %self.options.name,
            "Starting reflector"
        );
        self.list_and_watch(stop).await;
        tracing::debug!(
            v = 3,
            r#type = %self.options.type_description,
            resync_period = %go_duration::format(resync_period),
            reflector = %self.options.name,
            "Stopping reflector"
        );
    }

    /// The loop of [`Reflector::run`]: returns when `stop` is cancelled.
    async fn list_and_watch(&self, stop: CancellationToken) {
        let mut backoff = backoff::Backoff::with(self.options.backoff_initial, self.options.backoff_max);
        let mut versions = Versions::default();
        let mut watch_list_failed = false;
        let mut resync_at = self.options.resync_period.map(|p| Instant::now() + p);
        'relist: loop {
            if stop.is_cancelled() {
                return;
            }
            tracing::debug!(
                v = 3,
                r#type = %self.options.type_description,
                reflector = %self.options.name,
                "Listing and watching"
            );
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
            tracing::debug!(
                v = 2,
                r#type = %self.options.type_description,
                reflector = %self.options.name,
                "Caches populated"
            );
            self.status.clear_error();
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
        min + min.mul_f64(fastrand::f64())
    }

    fn watch_options(&self, rv: &str) -> ListOptions {
        let timeout = self.watch_timeout();
        ListOptions::default()
            .resource_version(rv)
            .bookmarks()
            .timeout_seconds(i64::try_from(timeout.as_secs().max(1)).unwrap_or(i64::MAX))
    }

    /// The list half of ListAndWatch: pages handed to the store's relist as they arrive.
    async fn list(&self, stop: &CancellationToken, versions: &mut Versions) -> Result<(), RestError> {
        let mut opts = ListOptions::default()
            .resource_version(versions.relist())
            .limit(self.options.page_size);
        let mut relist = self.store.replace();
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
                    drop(relist);
                    relist = self.store.replace();
                    opts.continue_.clear();
                    opts.limit = 0;
                    continue;
                }
                Ok(Err(e)) => return Err(e),
            };
            for item in page.items {
                let obj = Arc::new(self.options.apply_transform(item));
                skip_unkeyed(relist.add(obj).await);
            }
            let next = page.metadata.continue_.unwrap_or_default();
            if next.is_empty() || opts.limit == 0 {
                versions.last = page.metadata.resource_version.unwrap_or_default();
                versions.unavailable = false;
                self.status.set_resource_version(&versions.last);
                skip_unkeyed(relist.finish(&versions.last, &self.status).await);
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
        let mut w = tokio::select! {
            biased;
            () = stop.cancelled() => return Ok(None),
            r = self.lw.watch(opts) => r?,
        };
        let mut relist = self.store.replace();
        loop {
            let ev = tokio::select! {
                biased;
                () = stop.cancelled() => return Ok(None),
                ev = tokio::time::timeout(self.options.list_timeout, w.next()) => ev,
            };
            match ev {
                Ok(Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)))) => {
                    let obj = Arc::new(self.options.apply_transform(o));
                    skip_unkeyed(relist.add(obj).await);
                }
                Ok(Some(Ok(WatchEvent::Deleted(o)))) => {
                    let obj = Arc::new(self.options.apply_transform(o));
                    skip_unkeyed(relist.delete(obj).await);
                }
                Ok(Some(Ok(WatchEvent::Bookmark(b)))) if b.is_initial_events_end() => {
                    versions.last = b.resource_version().to_owned();
                    versions.unavailable = false;
                    self.status.set_resource_version(&versions.last);
                    skip_unkeyed(relist.finish(&versions.last, &self.status).await);
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
        // Events this watch delivered, for its `Watch close` line (client-go's eventCount).
        let mut received: u64 = 0;
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
                    if self.should_resync.as_ref().is_none_or(|f| f()) {
                        self.force_resync().await;
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
                Ok(None) => {
                    tracing::debug!(
                        v = 4,
                        reflector = %self.options.name,
                        r#type = %self.options.type_description,
                        total_items = received,
                        "Watch close"
                    );
                    return WatchEnd::Rewatch;
                }
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
            received += 1;
            match ev {
                WatchEvent::Added(o) => {
                    let obj = self.watched(o, versions);
                    skip_unkeyed(self.store.add(obj).await);
                }
                WatchEvent::Modified(o) => {
                    let obj = self.watched(o, versions);
                    skip_unkeyed(self.store.update(obj).await);
                }
                WatchEvent::Deleted(o) => {
                    let obj = self.watched(o, versions);
                    skip_unkeyed(self.store.delete(obj).await);
                }
                WatchEvent::Bookmark(b) => {
                    if !b.resource_version().is_empty() {
                        versions.last = b.resource_version().to_owned();
                        self.status.set_resource_version(&versions.last);
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

    /// The resync period elapsed and the store wants a resync: replay the store, with no request.
    async fn force_resync(&self) {
        tracing::debug!(v = 4, reflector = %self.options.name, "Forcing resync");
        if let Err(e) = self.store.resync().await {
            tracing::warn!(error = %e, "resync failed");
        }
        self.status.count_resync();
    }

    /// A watched object, transformed and shared; its resourceVersion becomes the last one seen.
    fn watched(&self, obj: K, versions: &mut Versions) -> Arc<K> {
        versions.last.clear();
        versions.last.push_str(obj.resource_version());
        self.status.set_resource_version(&versions.last);
        Arc::new(self.options.apply_transform(obj))
    }
}

/// Objects without a key cannot be stored; they are logged and skipped, as client-go does.
fn skip_unkeyed(r: Result<(), Error>) {
    if let Err(e) = r {
        tracing::warn!(error = %e, "object without a key; skipped");
    }
}

/// A reflector's default name: `file:line`, as client-go's `naming.GetNameFromCallsite`.
pub(crate) fn call_site(location: &std::panic::Location<'_>) -> String {
    format!("{}:{}", location.file(), location.line())
}

/// The last path segment of `K`'s Rust name (`Pod` for `clientgo_api::core::v1::pod::Pod`): the
/// default type description when nothing better is known.
fn short_type_name<K>() -> &'static str {
    let full = std::any::type_name::<K>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}
