//! Keeps a store in step with the server: list, then watch, and list again when the watch history
//! is gone.
//!
//! Mirrors client-go 1.36's `tools/cache/reflector.go` (`Reflector.ListAndWatch` under
//! `wait.BackoffUntil`). The decisions live in a sans-IO state machine (`reflector/machine.rs`:
//! inputs are list pages, watch events, failed requests and the current instant; outputs are the
//! next request, store writes and the next deadline); this module is its thin driver, which makes
//! the requests and sleeps on the [`Clock`](clientgo_flowcontrol::Clock) of
//! [`ReflectorOptions::clock`], so a `FakeClock` drives every timing path. client-go's choices:
//! - each cycle first tries a streaming list (`sendInitialEvents=true`,
//!   `resourceVersionMatch=NotOlderThan`), on by default as in client-go 1.36, unless the
//!   list-watch cannot stream ([`ListerWatcher::supports_watch_list`]). Its objects reach the store
//!   only with the bookmark annotated `k8s.io/initial-events-end`; a 429 backs off and streams
//!   again, an expired version streams again at once from `""`, any other failure falls back to a
//!   list for this cycle only;
//! - a list asks for `"0"` first (any cached state) in pages of 500, then for the last version
//!   seen, unpaged so the watch cache can serve it (paged when the first list came back paged, or
//!   with an explicit [`ReflectorOptions::page_size`]); an expired continue token lists in full at
//!   the requested version; an Expired or too large version (the `ResourceVersionTooLarge` cause, or
//!   the old message) is retried at once from `""`;
//! - the watch starts at the last version with `allowWatchBookmarks` and a random `timeoutSeconds`
//!   between the minimum watch timeout (at least 5 minutes) and twice it;
//! - a watch that ends after events or after a second, or whose connection breaks, is opened
//!   again at once without a list; a 429 (refusing the watch, or as an ERROR event in it) or a
//!   refused connection backs off and watches again without a list; a watch closed within a
//!   second with no event (`very short watch`), any other ERROR event (Expired included), a list
//!   failure or a failed resync ends the cycle: back off, then list and watch again;
//! - the backoff is client-go's: 800 ms doubling to 30 s, plus up to as much again in jitter,
//!   starting over after two quiet minutes ([`BackoffManager`]);
//! - client-go's log lines, as DEBUG events whose `v` field is klog's verbosity (see
//!   `clientgo::klog`): `Starting reflector` and `Stopping reflector` (with the resync period),
//!   `Listing and watching` (V(3)), `Caches populated` (V(2)), `Forcing resync` and `Watch close`
//!   with the number of items the watch delivered (V(4)). Each carries the reflector's name and
//!   the type it stores (see [`ReflectorOptions::name`]).
//!
//! The reflector writes into a crate-private `ReflectorStore`, client-go's name for the
//! reflector's side of its store, and awaits each write. Two stores exist: the pipeline's direct
//! stage, which turns each write into one delta applied at once (a relist page by page), and a
//! DeltaFIFO or RealFIFO drained by a [`Controller`](crate::Controller), as in client-go, whose
//! bounded capacity makes the watch wait for a slow consumer.

mod error;
mod machine;
mod options;
mod status;
mod store;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use clientgo_apimachinery::{List, Object};
use clientgo_flowcontrol::BackoffManager;
use clientgo_rest::go_duration;
use clientgo_rest::Error as RestError;
use futures_util::future::BoxFuture;
use futures_util::StreamExt as _;
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::listwatch::{ListerWatcher, WatchStream};
use machine::{Input, Listed, Machine, Output, Report, Request, StoreOp};

pub use error::ReflectorError;
pub use options::{strip_managed_fields, ReflectorOptions, Transform};
pub use status::{ReflectorStats, SyncStatus};
pub(crate) use store::{ReflectorStore, Relist};

/// Decides, each time the resync period elapses, whether to resync now. Mirrors client-go
/// `cache.ShouldResyncFunc`.
pub type ShouldResync = Arc<dyn Fn() -> bool + Send + Sync>;

/// Lists and watches one collection into a store (a [`Cache`](crate::Cache) with
/// [`Reflector::new`], or an informer's pipeline). Mirrors client-go
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

/// The request in flight, polled by the driver: at most one at a time.
enum InFlight<K> {
    Idle,
    List(BoxFuture<'static, Result<List<K>, RestError>>),
    Opening(BoxFuture<'static, Result<WatchStream<K>, RestError>>),
    Watch(WatchStream<K>),
}

impl<K> InFlight<K> {
    /// The next input from the request in flight (pending forever when there is none).
    /// Cancel-safe: an unfinished request stays in flight.
    async fn next(&mut self) -> Input<K> {
        match self {
            InFlight::Idle => std::future::pending().await,
            InFlight::List(f) => {
                let r = f.as_mut().await;
                *self = InFlight::Idle;
                match r {
                    Ok(page) => Input::ListPage(page),
                    Err(e) => Input::ListFailed(e.into()),
                }
            }
            InFlight::Opening(f) => match f.as_mut().await {
                Ok(w) => {
                    *self = InFlight::Watch(w);
                    Input::WatchStarted
                }
                Err(e) => {
                    *self = InFlight::Idle;
                    Input::WatchFailed(e.into())
                }
            },
            InFlight::Watch(w) => match w.next().await {
                Some(Ok(ev)) => Input::Event(ev),
                Some(Err(e)) => {
                    *self = InFlight::Idle;
                    Input::WatchBroke(e)
                }
                None => {
                    *self = InFlight::Idle;
                    Input::WatchClosed
                }
            },
        }
    }
}

impl<K: Object + Send + Sync + 'static> Reflector<K> {
    /// A reflector filling `store` (a queue, or the pipeline's direct stage) from
    /// `lister_watcher`. Without a name in `options` it is named after the caller's source
    /// location, as client-go names it after its caller's `file:line`.
    #[track_caller]
    pub(crate) fn with_store<L: ListerWatcher<K>>(
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

    /// The resourceVersion of the last list, watch event or bookmark. Mirrors
    /// `LastSyncResourceVersion`.
    pub fn last_sync_resource_version(&self) -> String {
        self.status.last_sync_resource_version()
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
        self.drive(stop).await;
        tracing::debug!(
            v = 3,
            r#type = %self.options.type_description,
            resync_period = %go_duration::format(resync_period),
            reflector = %self.options.name,
            "Stopping reflector"
        );
    }

    /// The machine's settings from the options.
    fn machine_config(&self) -> machine::Config {
        let o = &self.options;
        machine::Config {
            name: o.name.clone(),
            page_size: o.page_size,
            min_watch_timeout: o.effective_min_watch_timeout(),
            watch_idle_grace: o.watch_idle_grace,
            list_timeout: o.list_timeout,
            resync_period: o.resync_period,
            max_internal_error_retry: o.max_internal_error_retry_duration,
            use_watch_list: o.use_watch_list && self.lw.supports_watch_list(),
            backoff: BackoffManager::new(
                o.backoff_initial,
                o.backoff_max,
                options::BACKOFF_RESET_AFTER,
                options::BACKOFF_JITTER,
            ),
        }
    }

    /// The driver: performs the machine's requests and store writes, and sleeps on the clock
    /// until its next deadline or input. Returns when `stop` is cancelled.
    async fn drive(&self, stop: CancellationToken) {
        let clock = Arc::clone(&self.options.clock);
        let mut m = Machine::new(
            self.machine_config(),
            self.options.transform.clone(),
            fastrand::Rng::new(),
            clock.now(),
        );
        let mut in_flight = InFlight::Idle;
        let mut relist: Option<Box<dyn Relist<K> + '_>> = None;
        let mut last_rv = String::new();
        let mut armed: Option<(std::time::Instant, clientgo_flowcontrol::Sleep)> = None;
        loop {
            while let Some(out) = m.poll_output() {
                match out {
                    Output::Request(Request::List(opts)) => in_flight = InFlight::List(self.lw.list(opts)),
                    Output::Request(Request::Watch(opts)) => {
                        in_flight = InFlight::Opening(self.lw.watch(opts));
                    }
                    Output::Cancel => in_flight = InFlight::Idle,
                    Output::Store(op) => {
                        if let Err(e) = self.write(op, &mut relist).await {
                            m.handle(clock.now(), Input::ResyncFailed(e));
                        }
                    }
                    Output::Report(r) => self.report(r),
                }
            }
            let rv = m.last_sync_resource_version();
            if rv != last_rv {
                self.status.set_resource_version(rv);
                self.store.update_resource_version(rv, &self.status);
                last_rv.clear();
                last_rv.push_str(rv);
            }
            // The timer is kept while the deadline holds (the machine re-arms its idle guards
            // lazily), so a stream of events does not churn the clock's timers.
            let deadline = m.poll_timeout();
            if armed.as_ref().map(|(t, _)| *t) != deadline {
                armed = deadline.map(|t| (t, clock.sleep_until(t)));
            }
            let wake = async {
                match armed.as_mut() {
                    Some((_, sleep)) => sleep.as_mut().await,
                    None => std::future::pending().await,
                }
            };
            let input = tokio::select! {
                biased;
                () = stop.cancelled() => return,
                input = in_flight.next() => input,
                () = wake => Input::Timeout,
            };
            if matches!(input, Input::Timeout) {
                armed = None;
            }
            m.handle(clock.now(), input);
        }
    }

    /// Performs one store write. Objects without a key are logged and skipped; only a failed
    /// resync is returned (it ends the cycle, as in client-go).
    async fn write<'s>(
        &'s self,
        op: StoreOp<K>,
        relist: &mut Option<Box<dyn Relist<K> + 's>>,
    ) -> Result<(), Error> {
        match op {
            StoreOp::Add(o) => skip_unkeyed(self.store.add(o).await),
            StoreOp::Update(o) => skip_unkeyed(self.store.update(o).await),
            StoreOp::Delete(o) => skip_unkeyed(self.store.delete(o).await),
            StoreOp::ReplaceStart => *relist = Some(self.store.replace()),
            StoreOp::ReplaceItems(items) => {
                if let Some(r) = relist {
                    for item in items {
                        skip_unkeyed(match item {
                            Listed::Present(o) => r.add(o).await,
                            Listed::Deleted(o) => r.delete(o).await,
                        });
                    }
                }
            }
            StoreOp::ReplaceFinish(rv) => {
                if let Some(mut r) = relist.take() {
                    skip_unkeyed(r.finish(&rv, &self.status).await);
                }
            }
            StoreOp::ReplaceAbandon => *relist = None,
            StoreOp::Bookmark(rv) => {
                if let Err(e) = self.store.bookmark(&rv).await {
                    tracing::warn!(error = %e, resource_version = %rv, "the store refused a bookmark");
                }
            }
            StoreOp::Resync => {
                if self.should_resync.as_ref().is_none_or(|f| f()) {
                    tracing::debug!(v = 4, reflector = %self.options.name, "Forcing resync");
                    let r = self.store.resync().await;
                    self.status.count_resync();
                    return r;
                }
            }
        }
        Ok(())
    }

    /// Logs and counts what the machine reports.
    fn report(&self, r: Report) {
        let o = &self.options;
        match r {
            Report::ListingAndWatching { again } => {
                if again {
                    self.status.count_relist();
                }
                tracing::debug!(v = 3, r#type = %o.type_description, reflector = %o.name, "Listing and watching");
            }
            Report::CachesPopulated => {
                self.status.clear_error();
                tracing::debug!(v = 2, r#type = %o.type_description, reflector = %o.name, "Caches populated");
            }
            Report::WatchClosed { items } => tracing::debug!(
                v = 4,
                reflector = %o.name,
                r#type = %o.type_description,
                total_items = items,
                "Watch close"
            ),
            Report::Rewatching => self.status.count_rewatch(),
            Report::RetryingInternalError(e) => tracing::debug!(
                v = 2,
                reflector = %o.name,
                r#type = %o.type_description,
                error = %e,
                "retrying watch after an internal error"
            ),
            Report::Event => self.status.count_event(),
            Report::Failed(e) => {
                tracing::warn!(reflector = %o.name, r#type = %o.type_description, error = %e, "list or watch failed");
                self.status.set_error(e);
            }
            Report::WatchListFallback(e) => tracing::warn!(
                reflector = %o.name,
                error = %e,
                "The watchlist request ended with an error, falling back to the standard LIST/WATCH semantics because making progress is better than deadlocking"
            ),
        }
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
