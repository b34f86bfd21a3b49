//! The reflector's decisions, with no I/O: which request to make next, what to write into the
//! store, and when to wake up.
//!
//! In the style of quinn-proto's `Connection`: the driver feeds [`Input`]s (a list page, a watch
//! event, a failed request, a deadline reached) with the current instant, drains the
//! [`Output`]s ([`Machine::poll_output`]) and sleeps until [`Machine::poll_timeout`]. The machine
//! never reads a clock, never sleeps and never sends anything, so every path of client-go's
//! `ListAndWatch` (backoffs, retries at once, relists, resyncs) is tested by scripting inputs and
//! instants.
//!
//! One cycle mirrors one `ListAndWatch` call under `wait.BackoffUntil`: a streaming list (when
//! on) or a paged list, then watches until something ends the cycle; every cycle after the first
//! starts after the backoff manager's delay.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo_apimachinery::{ApiError, List, Object, WatchEvent};
use clientgo_client::ListOptions;
use clientgo_flowcontrol::{saturating_add, BackoffManager};
use clientgo_rest::Error as RestError;

use super::error::ReflectorError;
use super::options::Transform;
use crate::key::meta_namespace_key_func;

/// client-go's `defaultMinWatchTimeout`: shorter minimum watch timeouts are raised to it.
pub(crate) const MIN_WATCH_TIMEOUT: Duration = Duration::from_secs(300);
/// The pager's default page size (`pager.PageSize`).
pub(crate) const PAGE_SIZE: i64 = 500;
/// A watch closed sooner than this with no event is a failure (`very short watch`).
const SHORT_WATCH: Duration = Duration::from_secs(1);

/// What the machine needs to know, fixed for its life.
#[derive(Debug)]
pub(crate) struct Config {
    /// The reflector's name, for its errors.
    pub(crate) name: String,
    /// An explicit page size (client-go's `WatchListPageSize`); `None` follows client-go's rule.
    pub(crate) page_size: Option<i64>,
    /// The shortest server-side watch timeout, already raised to the floor if required.
    pub(crate) min_watch_timeout: Duration,
    /// Extra wait past the longest server timeout before a silent watch is given up on.
    pub(crate) watch_idle_grace: Duration,
    /// Bound on one list request, and on the gap between a streaming list's initial events.
    pub(crate) list_timeout: Duration,
    /// How often to resync the store while watching.
    pub(crate) resync_period: Option<Duration>,
    /// How long internal-error watch failures are retried without a list (zero: never).
    pub(crate) max_internal_error_retry: Duration,
    /// Try a streaming list first in every cycle.
    pub(crate) use_watch_list: bool,
    /// The delays between failed cycles and between refused watches.
    pub(crate) backoff: BackoffManager,
}

/// A request the driver must start. Starting one replaces whatever was in flight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Request {
    /// One list page.
    List(ListOptions),
    /// A watch, or a streaming list when `send_initial_events` is set.
    Watch(ListOptions),
}

/// A write into the reflector's store, in order.
#[derive(Debug)]
pub(crate) enum StoreOp<K> {
    /// A watch ADDED event.
    Add(Arc<K>),
    /// A watch MODIFIED event.
    Update(Arc<K>),
    /// A watch DELETED event.
    Delete(Arc<K>),
    /// A replace begins (its objects follow).
    ReplaceStart,
    /// A list page's objects, or a streaming list's initial events, in order (one write per page,
    /// not per object).
    ReplaceItems(Vec<Listed<K>>),
    /// The replace is complete at this resourceVersion.
    ReplaceFinish(String),
    /// The replace under way is abandoned: nothing may be removed.
    ReplaceAbandon,
    /// The resync period elapsed: replay the store if it wants to.
    Resync,
    /// A watch BOOKMARK reached this resourceVersion with no change.
    Bookmark(String),
}

/// One object of a replace.
#[derive(Debug)]
pub(crate) enum Listed<K> {
    /// Listed (or an initial ADDED/MODIFIED event): present.
    Present(Arc<K>),
    /// A DELETED event among a streaming list's initial events: absent.
    Deleted(Arc<K>),
}

/// What a streaming list's initial events leave: each object's last state, in the order objects
/// were first streamed; an object streamed and then deleted leaves nothing. Mirrors the temporary
/// store (keyed by namespace/name) client-go's `watchList` fills before its `Replace`, so that the
/// store and the handlers see the snapshot at the bookmark, never the states streamed on the way.
/// A deletion of an object not streamed before is kept: removing what is absent is a no-op.
fn final_states<K: Object>(events: Vec<Listed<K>>) -> Vec<Listed<K>> {
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Option<Listed<K>>> = Vec::with_capacity(events.len());
    for item in events {
        let (Listed::Present(obj) | Listed::Deleted(obj)) = &item;
        let Ok(key) = meta_namespace_key_func(&**obj) else {
            // No key to merge by: the store refuses it when written, as any unnamed object.
            out.push(Some(item));
            continue;
        };
        match (item, at.get(&key).copied()) {
            (present @ Listed::Present(_), Some(i)) => out[i] = Some(present),
            (present @ Listed::Present(_), None) => {
                at.insert(key, out.len());
                out.push(Some(present));
            }
            (Listed::Deleted(_), Some(i)) => {
                out[i] = None;
                at.remove(&key);
            }
            (deleted @ Listed::Deleted(_), None) => out.push(Some(deleted)),
        }
    }
    out.into_iter().flatten().collect()
}

/// Something worth logging or counting.
#[derive(Debug)]
pub(crate) enum Report {
    /// A cycle starts (client-go's `Listing and watching`); `again` after the first.
    ListingAndWatching {
        /// Not the first cycle: a relist.
        again: bool,
    },
    /// The list (or streaming list) is in the store.
    CachesPopulated,
    /// A watch ended normally after delivering `items` events.
    WatchClosed {
        /// Events the watch delivered.
        items: u64,
    },
    /// A watch is opened again without a list.
    Rewatching,
    /// A watch ended with an internal error and is opened again at once (within
    /// [`Config::max_internal_error_retry`]).
    RetryingInternalError(ReflectorError),
    /// A watch event was applied.
    Event,
    /// A list, watch or resync failed.
    Failed(ReflectorError),
    /// The streaming list failed: this cycle lists instead.
    WatchListFallback(ReflectorError),
}

/// What the driver must do next.
#[derive(Debug)]
pub(crate) enum Output<K> {
    /// Start this request (dropping whatever was in flight).
    Request(Request),
    /// Drop the request or watch in flight.
    Cancel,
    /// Write into the store.
    Store(StoreOp<K>),
    /// Log or count this.
    Report(Report),
}

/// What happened, fed to [`Machine::handle`].
#[derive(Debug)]
pub(crate) enum Input<K> {
    /// The list request in flight answered with this page.
    ListPage(List<K>),
    /// The list request in flight failed.
    ListFailed(ReflectorError),
    /// The watch request in flight is open.
    WatchStarted,
    /// The watch request in flight failed before it opened.
    WatchFailed(ReflectorError),
    /// The open watch delivered an event.
    Event(WatchEvent<K>),
    /// The open watch failed mid-stream (a broken connection, or an error the REST layer decoded).
    WatchBroke(RestError),
    /// The server ended the open watch.
    WatchClosed,
    /// [`Machine::poll_timeout`] was reached.
    Timeout,
    /// The store's resync failed.
    ResyncFailed(crate::Error),
}

/// What to do when a wait ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// A new `ListAndWatch` cycle.
    Cycle,
    /// The streaming list again.
    WatchList,
    /// The watch again, without a list.
    Watch,
}

/// A list in flight. Mirrors the pager plus `Reflector.list`.
#[derive(Debug)]
struct Listing {
    /// The resourceVersion the cycle listed at first (for `paginatedResult`).
    first_rv: String,
    /// The resourceVersion of the current attempt (the pager's full-list fallback uses it).
    requested_rv: String,
    /// The options of the page in flight.
    opts: ListOptions,
    /// The cycle's page size (the retry at "" keeps it, as the pager does).
    limit: i64,
    /// A page carried a continue token.
    paginated: bool,
    /// The retry at resourceVersion "" after an expired or too large resourceVersion was made.
    retried_unavailable: bool,
    /// A replace was started in the store.
    replacing: bool,
    deadline: Instant,
}

#[derive(Debug)]
enum State<K> {
    /// Waiting for a backoff before `next`.
    Waiting { until: Instant, next: Next },
    /// A list request in flight.
    Listing(Listing),
    /// A watch (or streaming list) request sent, not open yet.
    Opening { stream: bool, started: Instant },
    /// A streaming list open, before its initial-events-end bookmark. The initial objects wait
    /// here (as client-go's temporary store) until the bookmark says they are complete.
    Streaming {
        started: Instant,
        events: u64,
        buffer: Vec<Listed<K>>,
        deadline: Instant,
        last_event: Instant,
    },
    /// A watch open. Its idle deadline is re-armed lazily from `last_event` when reached, so
    /// events do not move the driver's timer.
    Watching {
        started: Instant,
        events: u64,
        idle_deadline: Instant,
        last_event: Instant,
    },
}

/// The sans-IO reflector. See the module docs.
pub(crate) struct Machine<K> {
    config: Config,
    transform: Option<Transform<K>>,
    rng: fastrand::Rng,
    state: State<K>,
    cycles: u64,
    last_sync_resource_version: String,
    unavailable: bool,
    paginated_result: bool,
    /// When the next resync is due; only while the cycle is in its watch phase.
    resync_at: Option<Instant>,
    /// The first internal-error watch failure of this cycle. Mirrors the `RetryWithDeadline`
    /// client-go's `watch` creates per `ListAndWatch`.
    first_internal_error: Option<Instant>,
    out: VecDeque<Output<K>>,
}

impl<K: Object> Machine<K> {
    /// A machine that starts its first cycle at `now`.
    pub(crate) fn new(
        config: Config,
        transform: Option<Transform<K>>,
        rng: fastrand::Rng,
        now: Instant,
    ) -> Self {
        let mut m = Machine {
            config,
            transform,
            rng,
            state: State::Waiting {
                until: now,
                next: Next::Cycle,
            },
            cycles: 0,
            last_sync_resource_version: String::new(),
            unavailable: false,
            paginated_result: false,
            resync_at: None,
            first_internal_error: None,
            out: VecDeque::new(),
        };
        m.start_cycle(now);
        m
    }

    /// The next thing to do, if any.
    pub(crate) fn poll_output(&mut self) -> Option<Output<K>> {
        self.out.pop_front()
    }

    /// When to call [`Machine::handle`] with [`Input::Timeout`] if nothing happens before.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let own = match &self.state {
            State::Waiting { until, .. } => Some(*until),
            State::Listing(l) => Some(l.deadline),
            State::Opening { .. } => None,
            State::Streaming { deadline, .. } => Some(*deadline),
            State::Watching { idle_deadline, .. } => Some(*idle_deadline),
        };
        match (own, self.resync_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The resourceVersion of the last list, event or bookmark. Mirrors `LastSyncResourceVersion`.
    pub(crate) fn last_sync_resource_version(&self) -> &str {
        &self.last_sync_resource_version
    }

    /// Feeds what happened at `now`.
    pub(crate) fn handle(&mut self, now: Instant, input: Input<K>) {
        match input {
            Input::ListPage(page) => self.on_list_page(now, page),
            Input::ListFailed(e) => self.on_list_failed(now, e),
            Input::WatchStarted => self.on_watch_started(now),
            Input::WatchFailed(e) => self.on_watch_failed(now, e),
            Input::Event(ev) => self.on_event(now, ev),
            Input::WatchBroke(e) => {
                if e.api_error().is_some() {
                    self.on_watch_error(now, ReflectorError::Request(e));
                } else {
                    // A broken connection ends the watch as a close does (client-go's stream
                    // watcher closes its channel).
                    self.on_watch_closed(now);
                }
            }
            Input::WatchClosed => self.on_watch_closed(now),
            Input::Timeout => self.on_timeout(now),
            Input::ResyncFailed(e) => self.end_cycle(now, Some(ReflectorError::Resync(e))),
        }
    }

    fn report(&mut self, r: Report) {
        self.out.push_back(Output::Report(r));
    }

    fn store(&mut self, op: StoreOp<K>) {
        self.out.push_back(Output::Store(op));
    }

    fn share(&self, obj: K) -> Arc<K> {
        Arc::new(match &self.transform {
            Some(t) => t(obj),
            None => obj,
        })
    }

    fn backoff(&mut self, now: Instant) -> Instant {
        let draw = self.rng.f64();
        saturating_add(now, self.config.backoff.next_delay(now, draw))
    }

    /// Mirrors `relistResourceVersion`.
    fn relist_resource_version(&self) -> String {
        if self.unavailable {
            String::new()
        } else if self.last_sync_resource_version.is_empty() {
            "0".to_owned()
        } else {
            self.last_sync_resource_version.clone()
        }
    }

    /// Mirrors `rewatchResourceVersion`.
    fn rewatch_resource_version(&self) -> String {
        if self.unavailable {
            String::new()
        } else {
            self.last_sync_resource_version.clone()
        }
    }

    fn watch_options(&mut self, rv: String) -> ListOptions {
        let secs = self.config.min_watch_timeout.as_secs_f64() * (self.rng.f64() + 1.0);
        // Truncated to whole seconds as client-go's int64 conversion does; at least one.
        #[allow(clippy::cast_possible_truncation)]
        let secs = (secs as i64).max(1);
        ListOptions::default()
            .resource_version(rv)
            .bookmarks()
            .timeout_seconds(secs)
    }

    fn start_cycle(&mut self, now: Instant) {
        let again = self.cycles > 0;
        self.cycles += 1;
        self.resync_at = None;
        self.first_internal_error = None;
        self.report(Report::ListingAndWatching { again });
        if self.config.use_watch_list {
            self.start_watch_list(now);
        } else {
            self.start_list(now);
        }
    }

    /// Ends the cycle: what was in flight is dropped, and the next cycle starts after the backoff.
    fn end_cycle(&mut self, now: Instant, error: Option<ReflectorError>) {
        self.abandon(now);
        if let Some(e) = error {
            self.report(Report::Failed(e));
        }
        self.resync_at = None;
        let until = self.backoff(now);
        self.state = State::Waiting {
            until,
            next: Next::Cycle,
        };
    }

    /// Drops the request in flight and a replace under way.
    fn abandon(&mut self, now: Instant) {
        self.out.push_back(Output::Cancel);
        if matches!(&self.state, State::Listing(l) if l.replacing) {
            self.store(StoreOp::ReplaceAbandon);
        }
        self.state = State::Waiting {
            until: now,
            next: Next::Cycle,
        };
    }

    // --- streaming list (watch-list) ---

    fn start_watch_list(&mut self, now: Instant) {
        let mut opts = self.watch_options(self.rewatch_resource_version());
        opts.send_initial_events = Some(true);
        opts.resource_version_match = "NotOlderThan".to_owned();
        self.state = State::Opening {
            stream: true,
            started: now,
        };
        self.out.push_back(Output::Request(Request::Watch(opts)));
    }

    /// Mirrors `watchList`'s `isErrorRetriableWithSideEffectsFn` and the fallback in
    /// `ListAndWatch`: back off and stream again after a 429 or a refused connection, stream again
    /// at once from "" after an expired or too large resourceVersion, and list otherwise (for this
    /// cycle only: the next cycle streams again).
    fn on_watch_list_failed(&mut self, now: Instant, e: ReflectorError) {
        self.abandon(now);
        if e.is_watch_retriable() {
            self.report(Report::Failed(e));
            let until = self.backoff(now);
            self.state = State::Waiting {
                until,
                next: Next::WatchList,
            };
        } else if e.is_expired() || e.is_too_large_resource_version() {
            self.unavailable = true;
            self.start_watch_list(now);
        } else {
            self.report(Report::WatchListFallback(e));
            self.start_list(now);
        }
    }

    fn on_stream_event(&mut self, now: Instant, ev: WatchEvent<K>) {
        let State::Streaming {
            events,
            buffer,
            last_event,
            ..
        } = &mut self.state
        else {
            return;
        };
        *events += 1;
        *last_event = now;
        match ev {
            WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                let obj = Arc::new(match &self.transform {
                    Some(t) => t(o),
                    None => o,
                });
                buffer.push(Listed::Present(obj));
            }
            WatchEvent::Deleted(o) => {
                let obj = Arc::new(match &self.transform {
                    Some(t) => t(o),
                    None => o,
                });
                buffer.push(Listed::Deleted(obj));
            }
            WatchEvent::Bookmark(b) if b.is_initial_events_end() => {
                let rv = b.resource_version().to_owned();
                let buffer = final_states(std::mem::take(buffer));
                self.store(StoreOp::ReplaceStart);
                self.store(StoreOp::ReplaceItems(buffer));
                self.store(StoreOp::ReplaceFinish(rv.clone()));
                self.unavailable = false;
                self.last_sync_resource_version = rv;
                self.synced(now);
                // The same stream goes on as the cycle's watch.
                self.state = State::Watching {
                    started: now,
                    events: 0,
                    idle_deadline: self.idle_deadline(now),
                    last_event: now,
                };
            }
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(s) => {
                self.on_watch_list_failed(now, RestError::from(ApiError::from_status(s)).into());
            }
        }
    }

    // --- list ---

    fn page_limit(&self, rv: &str) -> i64 {
        match self.config.page_size {
            Some(n) => n,
            None if self.paginated_result => PAGE_SIZE,
            // A list at a known resourceVersion, unpaged, can be served from the watch cache.
            None if !rv.is_empty() && rv != "0" => 0,
            None => PAGE_SIZE,
        }
    }

    fn start_list(&mut self, now: Instant) {
        let rv = self.relist_resource_version();
        let limit = self.page_limit(&rv);
        let opts = ListOptions::default().resource_version(rv.clone()).limit(limit);
        self.state = State::Listing(Listing {
            limit,
            first_rv: rv.clone(),
            requested_rv: rv,
            opts: opts.clone(),
            paginated: false,
            retried_unavailable: false,
            replacing: false,
            deadline: saturating_add(now, self.config.list_timeout),
        });
        self.out.push_back(Output::Request(Request::List(opts)));
    }

    fn on_list_page(&mut self, now: Instant, page: List<K>) {
        let State::Listing(l) = &mut self.state else {
            return;
        };
        if page.kind == "Table" || page.kind == "TableList" {
            let e = ReflectorError::Table {
                kind: page.kind,
                api_version: page.api_version,
            };
            self.end_cycle(now, Some(e));
            return;
        }
        let start = !l.replacing;
        l.replacing = true;
        let next = page.metadata.continue_.unwrap_or_default();
        let done = next.is_empty() || l.opts.limit == 0;
        if !done {
            l.paginated = true;
            l.opts.continue_ = next;
            // The server refuses a resourceVersion beside a continue token: the token carries
            // it. The pager clears both the same way.
            l.opts.resource_version.clear();
            l.opts.resource_version_match.clear();
            l.deadline = saturating_add(now, self.config.list_timeout);
        }
        let request = (!done).then(|| l.opts.clone());
        let paginated_first = l.first_rv == "0" && l.paginated;
        if start {
            self.store(StoreOp::ReplaceStart);
        }
        let items = page
            .items
            .into_iter()
            .map(|o| Listed::Present(self.share(o)))
            .collect();
        self.store(StoreOp::ReplaceItems(items));
        if let Some(opts) = request {
            self.out.push_back(Output::Request(Request::List(opts)));
            return;
        }
        // Only a paged answer to the first list (at "0") says the watch cache is off: later lists
        // at "" are paged by etcd even when the watch cache could serve lists at a known version.
        if paginated_first {
            self.paginated_result = true;
        }
        let rv = page.metadata.resource_version.unwrap_or_default();
        self.unavailable = false;
        self.store(StoreOp::ReplaceFinish(rv.clone()));
        self.last_sync_resource_version = rv;
        self.synced(now);
        self.start_watch(now);
    }

    fn on_list_failed(&mut self, now: Instant, e: ReflectorError) {
        let State::Listing(l) = &mut self.state else {
            return;
        };
        let expired = e.is_expired();
        if expired && !l.opts.continue_.is_empty() {
            // The continue token expired mid-list: the pager lists in full at the requested
            // resourceVersion.
            let replacing = std::mem::take(&mut l.replacing);
            l.opts = ListOptions::default().resource_version(l.requested_rv.clone());
            l.deadline = saturating_add(now, self.config.list_timeout);
            let opts = l.opts.clone();
            if replacing {
                self.store(StoreOp::ReplaceAbandon);
            }
            self.out.push_back(Output::Request(Request::List(opts)));
            return;
        }
        if (expired || e.is_too_large_resource_version()) && !l.retried_unavailable {
            // The resourceVersion is unavailable: list again at once from "" (a consistent read).
            let replacing = std::mem::take(&mut l.replacing);
            self.unavailable = true;
            let limit = l.limit;
            l.retried_unavailable = true;
            l.requested_rv = String::new();
            l.paginated = false;
            l.opts = ListOptions::default().resource_version("").limit(limit);
            l.deadline = saturating_add(now, self.config.list_timeout);
            let opts = l.opts.clone();
            if replacing {
                self.store(StoreOp::ReplaceAbandon);
            }
            self.out.push_back(Output::Request(Request::List(opts)));
            return;
        }
        if expired || e.is_too_large_resource_version() {
            self.unavailable = true;
        }
        self.end_cycle(now, Some(e));
    }

    // --- watch ---

    fn synced(&mut self, now: Instant) {
        self.report(Report::CachesPopulated);
        self.resync_at = self.config.resync_period.map(|p| saturating_add(now, p));
    }

    fn idle_deadline(&self, now: Instant) -> Instant {
        let limit = self.config.min_watch_timeout.saturating_mul(2) + self.config.watch_idle_grace;
        saturating_add(now, limit)
    }

    fn start_watch(&mut self, now: Instant) {
        let opts = self.watch_options(self.last_sync_resource_version.clone());
        self.state = State::Opening {
            stream: false,
            started: now,
        };
        self.out.push_back(Output::Request(Request::Watch(opts)));
    }

    fn on_watch_started(&mut self, now: Instant) {
        let State::Opening { stream, started } = self.state else {
            return;
        };
        self.state = if stream {
            State::Streaming {
                started,
                events: 0,
                buffer: Vec::new(),
                deadline: saturating_add(now, self.config.list_timeout),
                last_event: now,
            }
        } else {
            State::Watching {
                started,
                events: 0,
                idle_deadline: self.idle_deadline(now),
                last_event: now,
            }
        };
    }

    /// Mirrors the start of `Reflector.watch`: a refused connection or a 429 backs off and
    /// watches again; anything else ends the cycle.
    fn on_watch_failed(&mut self, now: Instant, e: ReflectorError) {
        match self.state {
            State::Opening { stream: true, .. } => self.on_watch_list_failed(now, e),
            State::Opening { stream: false, .. } if e.is_watch_retriable() => {
                self.report(Report::Failed(e));
                let until = self.backoff(now);
                self.state = State::Waiting {
                    until,
                    next: Next::Watch,
                };
            }
            State::Opening { stream: false, .. } => self.end_cycle(now, Some(e)),
            _ => {}
        }
    }

    fn on_event(&mut self, now: Instant, ev: WatchEvent<K>) {
        if matches!(self.state, State::Streaming { .. }) {
            self.on_stream_event(now, ev);
            return;
        }
        let State::Watching {
            events, last_event, ..
        } = &mut self.state
        else {
            return;
        };
        *events += 1;
        *last_event = now;
        let op = match ev {
            WatchEvent::Added(o) => {
                self.last_sync_resource_version.clear();
                self.last_sync_resource_version.push_str(o.resource_version());
                StoreOp::Add(self.share(o))
            }
            WatchEvent::Modified(o) => {
                self.last_sync_resource_version.clear();
                self.last_sync_resource_version.push_str(o.resource_version());
                StoreOp::Update(self.share(o))
            }
            WatchEvent::Deleted(o) => {
                self.last_sync_resource_version.clear();
                self.last_sync_resource_version.push_str(o.resource_version());
                StoreOp::Delete(self.share(o))
            }
            WatchEvent::Bookmark(b) => {
                self.report(Report::Event);
                if b.resource_version().is_empty() {
                    return;
                }
                self.last_sync_resource_version.clear();
                self.last_sync_resource_version.push_str(b.resource_version());
                StoreOp::Bookmark(b.resource_version().to_owned())
            }
            WatchEvent::Error(s) => {
                self.on_watch_error(now, RestError::from(ApiError::from_status(s)).into());
                return;
            }
        };
        if !matches!(op, StoreOp::Bookmark(_)) {
            self.report(Report::Event);
        }
        self.store(op);
    }

    /// Mirrors the end of `Reflector.watch` for an error: a 429 backs off and watches again;
    /// an expired resourceVersion or anything else ends the cycle (the next one lists at the last
    /// resourceVersion first).
    fn on_watch_error(&mut self, now: Instant, e: ReflectorError) {
        let retry_internal = matches!(self.state, State::Watching { .. })
            && e.is_internal_error()
            && self.retry_internal_error(now);
        match self.state {
            State::Streaming { .. } | State::Opening { stream: true, .. } => {
                self.on_watch_list_failed(now, e);
            }
            State::Watching { .. } if e.is_too_many_requests() => {
                self.out.push_back(Output::Cancel);
                self.report(Report::Failed(e));
                let until = self.backoff(now);
                self.state = State::Waiting {
                    until,
                    next: Next::Watch,
                };
            }
            State::Watching { .. } if retry_internal => {
                self.out.push_back(Output::Cancel);
                self.report(Report::RetryingInternalError(e));
                self.report(Report::Rewatching);
                self.start_watch(now);
            }
            State::Watching { .. } => self.end_cycle(now, Some(e)),
            _ => {}
        }
    }

    /// Records an internal error at `now` and says whether to watch again at once: yes while the
    /// first internal error of the cycle is at most the configured duration ago. Mirrors
    /// `RetryWithDeadline`'s `After` then `ShouldRetry` as the reflector calls them (its reset
    /// after a quiet minute never applies there: `After` has just recorded this error).
    fn retry_internal_error(&mut self, now: Instant) -> bool {
        let first = *self.first_internal_error.get_or_insert(now);
        let max = self.config.max_internal_error_retry;
        !max.is_zero() && now.saturating_duration_since(first) <= max
    }

    /// Mirrors `handleAnyWatch`'s end: a watch that lasted under a second with no event is a
    /// failure (the cycle ends and backs off); any other close watches again at once.
    fn on_watch_closed(&mut self, now: Instant) {
        match self.state {
            State::Streaming { started, events, .. } => {
                if events == 0 && now.saturating_duration_since(started) < SHORT_WATCH {
                    let e = ReflectorError::VeryShortWatch {
                        name: self.config.name.clone(),
                    };
                    self.on_watch_list_failed(now, e);
                } else {
                    // Closed before the bookmark: stream again with a clean buffer.
                    self.start_watch_list(now);
                }
            }
            State::Watching { started, events, .. } => {
                if events == 0 && now.saturating_duration_since(started) < SHORT_WATCH {
                    let e = ReflectorError::VeryShortWatch {
                        name: self.config.name.clone(),
                    };
                    self.end_cycle(now, Some(e));
                } else {
                    self.report(Report::WatchClosed { items: events });
                    self.report(Report::Rewatching);
                    self.start_watch(now);
                }
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, now: Instant) {
        if self.resync_at.is_some_and(|t| now >= t) {
            self.resync_at = self.config.resync_period.map(|p| saturating_add(now, p));
            self.store(StoreOp::Resync);
        }
        match &self.state {
            State::Waiting { until, next } if now >= *until => match *next {
                Next::Cycle => self.start_cycle(now),
                Next::WatchList => self.start_watch_list(now),
                Next::Watch => {
                    self.report(Report::Rewatching);
                    self.start_watch(now);
                }
            },
            State::Listing(l) if now >= l.deadline => {
                let e = ReflectorError::ListTimeout {
                    after: self.config.list_timeout,
                };
                self.end_cycle(now, Some(e));
            }
            State::Streaming {
                deadline, last_event, ..
            } if now >= *deadline => {
                let quiet_until = saturating_add(*last_event, self.config.list_timeout);
                if quiet_until > now {
                    // Events came meanwhile: the gap since the last one is what is bounded.
                    if let State::Streaming { deadline, .. } = &mut self.state {
                        *deadline = quiet_until;
                    }
                    return;
                }
                let e = ReflectorError::ListTimeout {
                    after: self.config.list_timeout,
                };
                self.on_watch_list_failed(now, e);
            }
            State::Watching {
                idle_deadline,
                last_event,
                ..
            } if now >= *idle_deadline && self.idle_deadline(*last_event) > now => {
                let rearmed = self.idle_deadline(*last_event);
                if let State::Watching { idle_deadline, .. } = &mut self.state {
                    *idle_deadline = rearmed;
                }
            }
            State::Watching {
                idle_deadline,
                events,
                ..
            } if now >= *idle_deadline => {
                // Our guard against a watch the server should have ended: watch again.
                let items = *events;
                self.out.push_back(Output::Cancel);
                self.report(Report::WatchClosed { items });
                self.report(Report::Rewatching);
                self.start_watch(now);
            }
            _ => {}
        }
    }
}
