//! Fault injection: make the server misbehave on purpose, from Rust or from the binary's flags.
//!
//! Every fault is deterministic (counters, not random draws) so tests that use them are repeatable.
//! The real server has no such module; it stands in for a flaky network, an overloaded server and
//! watch-cache restarts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clientgo_apimachinery::Status;
use http::Response;

use crate::client_faults::ClientFaults;
use crate::server::http::{streamed, Body};

/// Which error a failing request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InjectedError {
    /// 429 TooManyRequests with `Retry-After: seconds`.
    TooManyRequests {
        /// The Retry-After value.
        retry_after: u32,
    },
    /// 500 InternalError.
    Internal,
    /// 409 Conflict, worded as the real server's optimistic-concurrency failure ("the object
    /// has been modified"). Meant for [`Faults::fail_writes`]: a read never conflicts.
    Conflict,
}

#[derive(Debug)]
struct ErrorFault {
    kind: InjectedError,
    /// Fail this many requests out of every `per` requests.
    fail: u64,
    per: u64,
    count: u64,
}

/// What the handler chain must do with one request.
#[derive(Debug)]
pub(crate) enum FaultAction {
    None,
    Cut,
    Respond(Box<Status>),
    Stall,
}

/// How a new watch starts under the watch faults.
#[derive(Debug)]
pub(crate) enum WatchStart {
    /// As usual.
    Serve,
    /// Ends at once with no event.
    Close,
    /// Sends this ERROR event, then ends.
    Error(Box<Status>),
}

/// The fault controls of a running server ([`crate::ApiServer::faults`]). All off by default.
#[derive(Debug, Default)]
pub struct Faults {
    cut_next: AtomicU64,
    stall_next: AtomicU64,
    errors: Mutex<Option<ErrorFault>>,
    write_errors: Mutex<Option<ErrorFault>>,
    watch_close_events: AtomicU64,
    watch_close_ms: AtomicU64,
    watch_cut: AtomicBool,
    watch_empty: AtomicBool,
    watch_error: Mutex<Option<InjectedError>>,
    clients: ClientFaults,
}

impl Faults {
    /// Drop the connection without answering for the next `n` requests.
    pub fn cut_next_requests(&self, n: u64) {
        self.cut_next.store(n, Ordering::SeqCst);
    }

    /// Send response headers and then nothing, forever, for the next `n` requests.
    pub fn stall_next_requests(&self, n: u64) {
        self.stall_next.store(n, Ordering::SeqCst);
    }

    /// Answer `fail` out of every `per` requests with `kind` (deterministically: the first `fail` of
    /// each group of `per`). `fail == 0` turns it off.
    pub fn fail_requests(&self, fail: u64, per: u64, kind: InjectedError) {
        Self::set(&self.errors, fail, per, kind);
    }

    /// Like [`Faults::fail_requests`], counting only writes (POST, PUT, PATCH, DELETE): the
    /// chaos a controller sees when other writers race it (409) or the server sheds load (429).
    pub fn fail_writes(&self, fail: u64, per: u64, kind: InjectedError) {
        Self::set(&self.write_errors, fail, per, kind);
    }

    fn set(slot: &Mutex<Option<ErrorFault>>, fail: u64, per: u64, kind: InjectedError) {
        let mut g = slot.lock().unwrap_or_else(PoisonError::into_inner);
        *g = (fail > 0 && per > 0).then_some(ErrorFault {
            kind,
            fail: fail.min(per),
            per,
            count: 0,
        });
    }

    /// End every watch after it sent `n` events (`None`: never).
    pub fn close_watches_after_events(&self, n: Option<u64>) {
        self.watch_close_events.store(n.unwrap_or(0), Ordering::SeqCst);
    }

    /// End every watch after `d` (`None`: only its own timeout).
    pub fn close_watches_after(&self, d: Option<Duration>) {
        let ms = d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1));
        self.watch_close_ms.store(ms.unwrap_or(0), Ordering::SeqCst);
    }

    /// When a watch is closed by a fault, cut the connection abruptly instead of ending the stream cleanly.
    pub fn cut_watches(&self, on: bool) {
        self.watch_cut.store(on, Ordering::SeqCst);
    }

    /// End every watch at once, with no event (200 and an empty body): the server, or a proxy in
    /// front of it, that keeps refusing to hold a watch open.
    pub fn close_watches_at_once(&self, on: bool) {
        self.watch_empty.store(on, Ordering::SeqCst);
    }

    /// Answer every watch with one ERROR event carrying `kind`'s Status, then end it (`None`:
    /// off). The real server sends a 429 this way when it sheds load after the watch started.
    pub fn fail_watches_with_error_event(&self, kind: Option<InjectedError>) {
        *self.watch_error.lock().unwrap_or_else(PoisonError::into_inner) = kind;
    }

    /// Faults aimed at one client (by User-Agent) and the log of served requests.
    pub fn clients(&self) -> &ClientFaults {
        &self.clients
    }

    /// Turns every fault off.
    pub fn clear(&self) {
        self.cut_next_requests(0);
        self.stall_next_requests(0);
        self.fail_requests(0, 0, InjectedError::Internal);
        self.fail_writes(0, 0, InjectedError::Internal);
        self.close_watches_after_events(None);
        self.close_watches_after(None);
        self.cut_watches(false);
        self.close_watches_at_once(false);
        self.fail_watches_with_error_event(None);
        self.clients.clear();
    }

    /// What a new watch must do at once: end with no event (see [`WatchStart`]).
    pub(crate) fn watch_start(&self, path: &str) -> WatchStart {
        if self.watch_empty.load(Ordering::SeqCst) {
            return WatchStart::Close;
        }
        match *self.watch_error.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(kind) => WatchStart::Error(Box::new(injected_status(kind, path))),
            None => WatchStart::Serve,
        }
    }

    pub(crate) fn watch_limits(&self) -> (Option<u64>, Option<Duration>, bool) {
        let n = self.watch_close_events.load(Ordering::SeqCst);
        let ms = self.watch_close_ms.load(Ordering::SeqCst);
        (
            (n > 0).then_some(n),
            (ms > 0).then(|| Duration::from_millis(ms)),
            self.watch_cut.load(Ordering::SeqCst),
        )
    }

    fn take(counter: &AtomicU64) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub(crate) fn on_request(&self, method: &http::Method, path: &str) -> FaultAction {
        if Self::take(&self.cut_next) {
            return FaultAction::Cut;
        }
        if Self::take(&self.stall_next) {
            return FaultAction::Stall;
        }
        let write = !matches!(
            *method,
            http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
        );
        let slots = [Some(&self.errors), write.then_some(&self.write_errors)];
        for slot in slots.into_iter().flatten() {
            let mut g = slot.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(f) = g.as_mut() {
                let n = f.count % f.per;
                f.count += 1;
                if n < f.fail {
                    return FaultAction::Respond(Box::new(injected_status(f.kind, path)));
                }
            }
        }
        FaultAction::None
    }
}

pub(crate) fn injected_status(kind: InjectedError, path: &str) -> Status {
    match kind {
        InjectedError::TooManyRequests { retry_after } => crate::status::too_many_requests(
            "the server has received too many requests and has asked us to try again later",
            retry_after,
        ),
        InjectedError::Internal => crate::status::internal("injected fault"),
        InjectedError::Conflict => {
            let (group, plural, name) = resource_of(path);
            crate::status::conflict(plural, group, name)
        }
    }
}

/// `(group, plural, name)` of an API path such as `/apis/g/v/namespaces/ns/widgets/w`.
fn resource_of(path: &str) -> (&str, &str, &str) {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, rest) = match segs.as_slice() {
        ["api", _, rest @ ..] => ("", rest),
        ["apis", g, _, rest @ ..] => (*g, rest),
        _ => ("", &[][..]),
    };
    let rest = match rest {
        ["namespaces", _, r @ ..] if !r.is_empty() => r,
        r => r,
    };
    (
        group,
        rest.first().copied().unwrap_or(""),
        rest.get(1).copied().unwrap_or(""),
    )
}

/// 200 with JSON headers and a body that never produces anything.
pub(crate) fn stalled_response() -> Response<Body> {
    let mut r = Response::new(streamed(futures_util::stream::pending()));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}
