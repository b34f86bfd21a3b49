//! A watch that restarts itself from the last resourceVersion it delivered.
//!
//! Mirrors client-go `tools/watch/retrywatcher.go`. The rules, as client-go has them:
//! - the initial resourceVersion must be a real one (not `""` or `"0"`);
//! - every ADDED/MODIFIED/DELETED event advances the resume point; BOOKMARKs advance it too and are
//!   not delivered unless asked for ([`RetryWatcherOptions::deliver_bookmarks`]);
//! - a closed watch, a broken connection, a 500/504 or any other unknown failure restarts the watch
//!   from the resume point, after the Retry-After the server asked for, and never sooner than
//!   [`MIN_RESTART_DELAY`] after the previous start;
//! - a watch request refused with 401 Unauthorized or 403 Forbidden is delivered as an ERROR event
//!   and ends the stream: retrying cannot fix credentials or permissions (any other refusal of the
//!   request, 410 included, is logged and retried like a closed watch);
//! - an ERROR event with 410 Gone is delivered and ends the stream: the history is gone and only a
//!   new list can recover (see [`crate::until_with_sync`]); any other ERROR event is retried
//!   without being delivered.
//!
//! Beyond client-go: an optional idle timeout ([`RetryWatcherOptions::idle_timeout`]) treats a watch
//! that delivers nothing (no event, no bookmark) for that long as dead and resumes from the resume
//! point, like the python client's read timeout in seed 004 ("60s without data received from
//! watching ... Retrying the connection with resourceVersion=..."). client-go relies on TCP
//! keep-alives and the server's timeout instead, which a stalled proxy can defeat.
//!
//! Dropping the watcher, or [`RetryWatcher::stop`], closes the watch connection and ends the stream.
//!
//! It logs what client-go logs at klog V(4), at DEBUG (which clientgo's klog layer shows from
//! `-v 4`): `Starting RetryWatcher.` before the first watch, `Failed to get event! Re-creating the
//! watcher.` (with the `resource_version` it resumes from) when a watch ends,
//! `Restarting RetryWatcher at RV=...` before each later watch, and `Stopping RetryWatcher.` when
//! the stream ends.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use clientgo_apimachinery::{ApiError, Object, Status, WatchEvent};
use clientgo_cache::{ListerWatcher, WatchStream};
use clientgo_client::ListOptions;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::Error;

/// The least time between two watch starts (client-go's `minRestartDelay` of one second), so a
/// server that closes every watch at once is not hammered.
pub const MIN_RESTART_DELAY: Duration = Duration::from_secs(1);

/// Tuning of a [`RetryWatcher`]. `Default` is client-go's behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryWatcherOptions {
    /// Deliver BOOKMARK events too (client-go swallows them).
    pub deliver_bookmarks: bool,
    /// The least time between two watch starts; [`MIN_RESTART_DELAY`] by default.
    pub min_restart_delay: Duration,
    /// Restart a watch that has delivered nothing, bookmarks included, for this long (and a
    /// watch start whose reply headers take this long). `None` (the default, as client-go)
    /// waits forever. Pick a value above the server's bookmark interval (about a minute on a
    /// real API server), since bookmarks are what an idle but healthy watch sends.
    pub idle_timeout: Option<Duration>,
}

impl Default for RetryWatcherOptions {
    fn default() -> Self {
        RetryWatcherOptions {
            deliver_bookmarks: false,
            min_restart_delay: MIN_RESTART_DELAY,
            idle_timeout: None,
        }
    }
}

impl RetryWatcherOptions {
    /// Sets [`RetryWatcherOptions::deliver_bookmarks`].
    pub fn deliver_bookmarks(mut self, on: bool) -> Self {
        self.deliver_bookmarks = on;
        self
    }

    /// Sets [`RetryWatcherOptions::min_restart_delay`].
    pub fn min_restart_delay(mut self, d: Duration) -> Self {
        self.min_restart_delay = d;
        self
    }

    /// Sets [`RetryWatcherOptions::idle_timeout`].
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = Some(d);
        self
    }
}

/// A stream of watch events that survives closed and failed watches. Mirrors client-go
/// `watch.RetryWatcher` (`NewRetryWatcher`, `ResultChan`, `Stop`, `Done`).
///
/// Items are the events themselves; failures the caller must see arrive as
/// [`WatchEvent::Error`], as the last item (410 Gone in the stream, 401/403 refusing a watch).
///
/// # Drop behavior
/// Dropping the watcher closes its watch connection; nothing keeps running.
pub struct RetryWatcher<K> {
    inner: BoxStream<'static, WatchEvent<K>>,
    stop: CancellationToken,
    resume: Arc<std::sync::Mutex<String>>,
}

impl<K> fmt::Debug for RetryWatcher<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryWatcher")
            .field("resource_version", &self.resource_version())
            .field("stopped", &self.stop.is_cancelled())
            .finish()
    }
}

impl<K: Object + Send + 'static> RetryWatcher<K> {
    /// Watches from `initial_resource_version` (typically a list's resourceVersion) through
    /// `lister_watcher`. Mirrors `NewRetryWatcher`.
    ///
    /// # Errors
    /// [`Error::UnsupportedResourceVersion`] for `""` and `"0"`.
    pub fn new<L: ListerWatcher<K>>(
        initial_resource_version: &str,
        lister_watcher: L,
    ) -> Result<Self, Error> {
        Self::with_options(
            initial_resource_version,
            lister_watcher,
            RetryWatcherOptions::default(),
        )
    }

    /// As [`RetryWatcher::new`], with options.
    ///
    /// # Errors
    /// [`Error::UnsupportedResourceVersion`] for `""` and `"0"`.
    pub fn with_options<L: ListerWatcher<K>>(
        initial_resource_version: &str,
        lister_watcher: L,
        options: RetryWatcherOptions,
    ) -> Result<Self, Error> {
        if initial_resource_version.is_empty() || initial_resource_version == "0" {
            return Err(Error::UnsupportedResourceVersion(
                initial_resource_version.to_owned(),
            ));
        }
        let stop = CancellationToken::new();
        let resume = Arc::new(std::sync::Mutex::new(initial_resource_version.to_owned()));
        let state = State {
            lw: Box::new(lister_watcher),
            last_rv: initial_resource_version.to_owned(),
            resume: Arc::clone(&resume),
            watch: None,
            next_start: None,
            done: false,
            stop: stop.clone(),
            options,
        };
        let inner = futures_util::stream::unfold(state, |mut s| async move {
            let ev = s.next().await;
            if ev.is_none() {
                tracing::debug!("Stopping RetryWatcher.");
            }
            Some((ev?, s))
        })
        .boxed();
        Ok(RetryWatcher { inner, stop, resume })
    }
}

impl<K> RetryWatcher<K> {
    /// Stops for good: the stream ends at its next poll and the connection closes. Mirrors `Stop`.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// A token that stops this watcher when cancelled (e.g. from another task).
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// The resourceVersion the next restart would resume from: the last delivered event's or
    /// bookmark's. Save it to resume after a process restart (`watch_persist_resource_version`).
    pub fn resource_version(&self) -> String {
        self.resume.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

impl<K> Stream for RetryWatcher<K> {
    type Item = WatchEvent<K>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

struct State<K> {
    lw: Box<dyn ListerWatcher<K>>,
    last_rv: String,
    resume: Arc<std::sync::Mutex<String>>,
    watch: Option<WatchStream<K>>,
    /// Earliest start of the next watch.
    next_start: Option<Instant>,
    done: bool,
    stop: CancellationToken,
    options: RetryWatcherOptions,
}

/// What one failure means.
enum Outcome {
    /// Restart after this delay (at least the minimum restart delay after the last start).
    Retry(Duration),
    /// Deliver this ERROR status and end.
    Fatal(Box<Status>),
}

impl<K: Object + Send + 'static> State<K> {
    fn advance(&mut self, rv: &str) {
        self.last_rv.clear();
        self.last_rv.push_str(rv);
        if let Ok(mut g) = self.resume.lock() {
            g.clear();
            g.push_str(rv);
        }
    }

    async fn next(&mut self) -> Option<WatchEvent<K>> {
        loop {
            if self.done || self.stop.is_cancelled() {
                return None;
            }
            let Some(watch) = self.watch.as_mut() else {
                match self.start().await? {
                    Ok(()) => continue,
                    Err(status) => return Some(WatchEvent::Error(status)),
                }
            };
            let idle = self.options.idle_timeout;
            let item = tokio::select! {
                biased;
                () = self.stop.cancelled() => return None,
                item = watch.next() => item,
                () = sleep_or_forever(idle) => {
                    tracing::warn!(
                        idle = ?idle.unwrap_or_default(),
                        resource_version = %self.last_rv,
                        "no data received from the watch; retrying the connection from the last resourceVersion"
                    );
                    self.watch = None;
                    continue;
                }
            };
            match item {
                None => {
                    tracing::debug!(
                        resource_version = %self.last_rv,
                        "Failed to get event! Re-creating the watcher."
                    );
                    self.watch = None;
                }
                Some(Ok(WatchEvent::Bookmark(b))) => {
                    let rv = b.resource_version().to_owned();
                    if !rv.is_empty() {
                        self.advance(&rv);
                    }
                    if self.options.deliver_bookmarks {
                        return Some(WatchEvent::Bookmark(b));
                    }
                }
                Some(Ok(WatchEvent::Error(status))) => {
                    self.watch = None;
                    if let Some(ev) = self.on_failure(classify_event(status)) {
                        return Some(ev);
                    }
                }
                Some(Ok(ev)) => {
                    let rv = match &ev {
                        WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                            o.resource_version().to_owned()
                        }
                        _ => String::new(),
                    };
                    if rv.is_empty() {
                        self.done = true;
                        return Some(WatchEvent::Error(Status::failure(
                            500,
                            "InternalError",
                            "retryWatcher: object has no resourceVersion, so the watch cannot resume",
                        )));
                    }
                    self.advance(&rv);
                    return Some(ev);
                }
                Some(Err(e)) => {
                    self.watch = None;
                    let outcome = match e.api_error() {
                        Some(api) => classify_event(api_status(api)),
                        None => {
                            tracing::debug!(error = %e, "watch failed; restarting");
                            Outcome::Retry(Duration::ZERO)
                        }
                    };
                    if let Some(ev) = self.on_failure(outcome) {
                        return Some(ev);
                    }
                }
            }
        }
    }

    /// Waits for the restart time, then starts a watch. `None` when stopped; `Some(Err)` when the
    /// start failed in a way the caller must see.
    async fn start(&mut self) -> Option<Result<(), Status>> {
        match self.next_start {
            None => tracing::debug!("Starting RetryWatcher."),
            Some(at) => {
                tokio::select! {
                    biased;
                    () = self.stop.cancelled() => return None,
                    () = tokio::time::sleep_until(at) => {}
                }
                // client-go formats this line (`Infof`) where its other lines are structured;
                // ours keeps the wording so the two logs read alike.
                tracing::debug!("Restarting RetryWatcher at RV={}", self.last_rv);
            }
        }
        self.next_start = Some(Instant::now() + self.options.min_restart_delay);
        let opts = ListOptions::default()
            .resource_version(self.last_rv.clone())
            .bookmarks();
        let idle = self.options.idle_timeout;
        let started = tokio::select! {
            biased;
            () = self.stop.cancelled() => return None,
            r = self.lw.watch(opts) => r,
            () = sleep_or_forever(idle) => {
                tracing::warn!(idle = ?idle.unwrap_or_default(), resource_version = %self.last_rv, "watch start got no reply; retrying");
                return Some(Ok(()));
            }
        };
        match started {
            Ok(w) => {
                self.watch = Some(w);
                Some(Ok(()))
            }
            Err(e) => match self.on_failure(classify_start_error(&e)) {
                Some(WatchEvent::Error(s)) => Some(Err(s)),
                _ => Some(Ok(())),
            },
        }
    }

    fn on_failure(&mut self, outcome: Outcome) -> Option<WatchEvent<K>> {
        match outcome {
            Outcome::Retry(delay) => {
                self.delay_restart(delay);
                None
            }
            Outcome::Fatal(status) => {
                self.done = true;
                Some(WatchEvent::Error(*status))
            }
        }
    }

    fn delay_restart(&mut self, retry_after: Duration) {
        let after = Instant::now() + retry_after;
        self.next_start = Some(match self.next_start {
            Some(t) if t > after => t,
            _ => after,
        });
    }
}

/// Sleeps for `d`, or never completes when there is no timeout.
async fn sleep_or_forever(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// The Retry-After a status asks for (zero when none).
fn retry_after(status: &Status) -> Duration {
    status
        .details
        .as_ref()
        .and_then(|d| d.retry_after_seconds)
        .map_or(Duration::ZERO, |s| Duration::from_secs(u64::from(s)))
}

/// An error's status, with the Retry-After header folded into its details.
fn api_status(api: &ApiError) -> Status {
    let mut status = api.status().clone();
    if let Some(s) = api.retry_after_seconds() {
        let details = status.details.get_or_insert_with(Default::default);
        if details.retry_after_seconds.is_none() {
            details.retry_after_seconds = Some(s);
        }
    }
    status
}

/// An ERROR event inside a watch: 410 ends the stream (the history is gone); anything else is
/// retried after its Retry-After, without being delivered. Mirrors `doReceive`'s `watch.Error`
/// case.
fn classify_event(status: Status) -> Outcome {
    match status.code.unwrap_or(0) {
        410 => Outcome::Fatal(Box::new(status)),
        500 | 504 => Outcome::Retry(retry_after(&status)),
        _ => {
            tracing::debug!(
                code = status.code.unwrap_or(0),
                message = status.message.as_deref().unwrap_or(""),
                "Retrying after unexpected error"
            );
            Outcome::Retry(retry_after(&status))
        }
    }
}

/// A watch request that failed: 401 and 403 end the stream (retrying cannot fix credentials or
/// permissions); anything else, 410 included, is logged and retried. Mirrors the start of
/// `doReceive`, which also honours a Retry-After through client-go's request retries.
fn classify_start_error(e: &clientgo_rest::Error) -> Outcome {
    let Some(api) = e.api_error() else {
        tracing::debug!(error = %e, "Watch failed");
        return Outcome::Retry(Duration::ZERO);
    };
    let status = api_status(api);
    if api.is_unauthorized() || api.is_forbidden() {
        tracing::error!(
            error = %e,
            "Watch failed: ensure the client has valid credentials and watch permissions on the resource"
        );
        return Outcome::Fatal(Box::new(status));
    }
    tracing::error!(error = %e, "Watch failed");
    Outcome::Retry(retry_after(&status))
}
