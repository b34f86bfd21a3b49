//! WATCH: initial events, replay from a resourceVersion, live events, bookmarks, timeouts, selectors
//! applied to events, and 410 for a compacted resourceVersion.
//!
//! Mirrors the apiserver's `cacheWatcher` (`storage/cacher/cache_watcher.go`) and the watch handler
//! (`endpoints/handlers/watch.go`). A watch is a body stream that reads the shared event log forward from
//! its own cursor: no per-watcher queue on the write path, so writers never wait for watchers, and a
//! watcher that falls behind the log's window gets the real server's 410 "too old resource version"
//! instead of making the server buffer without bound. Dropping the body (client gone) stops it.

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use clientgo_apimachinery::Status;
use http::{header, HeaderValue, Response, StatusCode};
use hyper::body::Frame;
use tokio::sync::watch as tokio_watch;
use tokio::time::Instant;

use super::http::{status, streamed, Body, BodyError, Query};
use super::list::{parse_rv, RvSpec};
use super::router::Target;
use super::ServerState;
use crate::faults::WatchStart;
use crate::filter::Filter;
use crate::object::{serialize, set_rv, StoredObject};
use crate::resources::ResourceInfo;
use crate::status::{bad_request, too_old_resource_version};
use crate::store::{Event, EventKind};

/// A watch sends at most about this many bytes per frame.
const CHUNK: usize = 128 * 1024;
/// Events read from the log per lock acquisition.
const BATCH: usize = 512;
/// The default watch duration when the client gives no timeoutSeconds (the real server picks 30-60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

struct WatchState {
    state: Arc<ServerState>,
    res: Arc<str>,
    info: Arc<ResourceInfo>,
    filter: Filter,
    initial: std::vec::IntoIter<Arc<StoredObject>>,
    initial_end_bookmark: bool,
    cursor: u64,
    rx: tokio_watch::Receiver<u64>,
    deadline: Instant,
    bookmarks: bool,
    interval: Duration,
    next_bookmark: Instant,
    sent: u64,
    close_after_events: Option<u64>,
    close_at: Option<Instant>,
    cut: bool,
    pending_error: Option<Status>,
    done: bool,
}

/// Serves a WATCH.
pub(crate) fn serve(state: Arc<ServerState>, t: &Target, query: &Query) -> Response<Body> {
    match build(state, t, query) {
        Ok(ws) => {
            let stream = futures_util::stream::unfold(ws, step);
            let mut r = Response::new(streamed(stream));
            *r.status_mut() = StatusCode::OK;
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache, private"),
            );
            r
        }
        Err(s) => status(&s),
    }
}

fn build(state: Arc<ServerState>, t: &Target, query: &Query) -> Result<WatchState, Status> {
    let filter = Filter::new(
        &t.info,
        t.namespace.as_deref(),
        query.get("labelSelector"),
        query.get("fieldSelector"),
    )?;
    let rv = parse_rv(query)?;
    let bookmarks = query.flag("allowWatchBookmarks");
    let send_initial = match query.get("sendInitialEvents") {
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        _ => None,
    };
    if send_initial.is_some() {
        if query.get("resourceVersionMatch") != Some("NotOlderThan") {
            return Err(bad_request("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan"));
        }
        if send_initial == Some(true) && !bookmarks {
            return Err(bad_request("allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is true"));
        }
    } else if matches!(rv, RvSpec::Exact(_))
        || query.get("resourceVersionMatch").is_some_and(|m| !m.is_empty())
    {
        return Err(bad_request("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
    }
    let timeout = match query.get("timeoutSeconds").filter(|s| !s.is_empty()) {
        Some(s) => Duration::from_secs(
            s.parse::<u64>()
                .map_err(|_| bad_request(format!("timeoutSeconds: Invalid value: {s:?}")))?,
        ),
        None => DEFAULT_TIMEOUT,
    };
    let res = ServerState::storage_key(&t.info);
    let rx = state.store.subscribe();
    let mut pending_error = None;
    let (initial, cursor, initial_end) = match (rv, send_initial) {
        (RvSpec::Latest | RvSpec::Any, None | Some(true)) => {
            let snap = state.store.snapshot_latest(&res, filter.prefix(), "");
            let items: Vec<_> = snap
                .items
                .into_iter()
                .filter(|(_, o)| filter.matches(o))
                .map(|(_, o)| o)
                .collect();
            (items, snap.rv, send_initial == Some(true))
        }
        (RvSpec::NotOlderThan(n), Some(true)) => {
            let snap = state.store.snapshot_latest(&res, filter.prefix(), "");
            let items: Vec<_> = snap
                .items
                .into_iter()
                .filter(|(_, o)| filter.matches(o))
                .map(|(_, o)| o)
                .collect();
            (items, snap.rv.max(n), true)
        }
        (RvSpec::Latest | RvSpec::Any, Some(false)) => (Vec::new(), state.store.current_rv(), false),
        (RvSpec::NotOlderThan(n) | RvSpec::Exact(n), _) => {
            let compacted = state.store.compacted_rv();
            if n < compacted {
                pending_error = Some(too_old_resource_version(n, compacted));
            }
            (Vec::new(), n, false)
        }
    };
    let (close_after_events, close_after, cut) = state.faults.watch_limits();
    let mut done = false;
    let mut initial = initial;
    match state.faults.watch_start("") {
        WatchStart::Serve => {}
        WatchStart::Close => done = true,
        WatchStart::Error(s) => {
            pending_error = Some(*s);
            initial = Vec::new();
        }
    }
    let now = Instant::now();
    let interval = state.bookmark_interval.max(Duration::from_millis(10));
    Ok(WatchState {
        res,
        info: t.info.clone(),
        filter,
        initial: initial.into_iter(),
        initial_end_bookmark: initial_end,
        cursor,
        rx,
        deadline: now + timeout,
        bookmarks,
        interval,
        next_bookmark: now + interval,
        sent: 0,
        close_after_events,
        close_at: close_after.map(|d| now + d),
        cut,
        pending_error,
        done,
        state,
    })
}

fn put_event(buf: &mut BytesMut, kind: &str, object: &[u8]) {
    buf.put_slice(b"{\"type\":\"");
    buf.put_slice(kind.as_bytes());
    buf.put_slice(b"\",\"object\":");
    buf.put_slice(object);
    buf.put_slice(b"}\n");
}

fn bookmark(info: &ResourceInfo, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = serde_json::json!({ "resourceVersion": rv.to_string() });
    if initial_end {
        meta["annotations"] = serde_json::json!({"k8s.io/initial-events-end": "true"});
    }
    let obj = serde_json::json!({"kind": info.kind, "apiVersion": info.api_version(), "metadata": meta});
    let mut buf = BytesMut::new();
    put_event(&mut buf, "BOOKMARK", &serialize(&obj).0);
    buf.freeze()
}

fn error_event(s: &Status) -> Bytes {
    let mut buf = BytesMut::new();
    put_event(&mut buf, "ERROR", &serde_json::to_vec(s).unwrap_or_default());
    buf.freeze()
}

impl WatchState {
    /// Appends the event as this watcher sees it (selectors turn updates into ADDED/DELETED); returns
    /// whether anything was written.
    fn put(&self, buf: &mut BytesMut, ev: &Event) -> bool {
        if !ev.key.starts_with(self.filter.prefix()) {
            return false;
        }
        if !self.filter.has_selectors() {
            put_event(buf, ev.kind.as_str(), ev.object.bytes());
            return true;
        }
        let now = self.filter.matches(&ev.object);
        let before = ev.prev.as_ref().is_some_and(|p| self.filter.matches(p));
        match (ev.kind, now, before) {
            (EventKind::Added, true, _) => put_event(buf, "ADDED", ev.object.bytes()),
            (EventKind::Deleted, true, _) | (EventKind::Deleted, false, true) => {
                put_event(buf, "DELETED", ev.object.bytes());
            }
            (EventKind::Modified, true, true) => put_event(buf, "MODIFIED", ev.object.bytes()),
            (EventKind::Modified, true, false) => put_event(buf, "ADDED", ev.object.bytes()),
            (EventKind::Modified, false, true) => {
                // The real cacher sends the previous state with the event's resourceVersion.
                let Some(prev) = &ev.prev else { return false };
                let mut v = prev.to_value();
                set_rv(&mut v, ev.rv);
                put_event(buf, "DELETED", &serialize(&v).0);
            }
            _ => return false,
        }
        true
    }

    fn allowance(&self) -> u64 {
        self.close_after_events
            .map_or(u64::MAX, |n| n.saturating_sub(self.sent))
    }
}

type Item = Result<Frame<Bytes>, BodyError>;

async fn step(mut ws: WatchState) -> Option<(Item, WatchState)> {
    if ws.done {
        return None;
    }
    if let Some(err) = ws.pending_error.take() {
        ws.done = true;
        return Some((Ok(Frame::data(error_event(&err))), ws));
    }
    // Initial events (synthetic ADDED).
    if ws.initial.len() > 0 && ws.allowance() > 0 {
        let mut buf = BytesMut::with_capacity(CHUNK + 8192);
        let mut allowance = ws.allowance();
        while allowance > 0 && buf.len() < CHUNK {
            let Some(o) = ws.initial.next() else { break };
            put_event(&mut buf, "ADDED", o.bytes());
            ws.sent += 1;
            allowance -= 1;
        }
        return Some((Ok(Frame::data(buf.freeze())), ws));
    }
    if ws.initial_end_bookmark && ws.allowance() > 0 {
        ws.initial_end_bookmark = false;
        let b = bookmark(&ws.info, ws.cursor, true);
        return Some((Ok(Frame::data(b)), ws));
    }
    loop {
        let now = Instant::now();
        if ws.allowance() == 0 || ws.close_at.is_some_and(|t| now >= t) {
            ws.done = true;
            if ws.cut {
                // Returning Pending once lets hyper flush what was already sent, so the cut comes after
                // the events, as a dropped connection mid-stream would.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let e = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "fault: watch cut");
                return Some((Err(e), ws));
            }
            return None;
        }
        if now >= ws.deadline {
            ws.done = true;
            if ws.bookmarks {
                let b = bookmark(&ws.info, ws.cursor, false);
                return Some((Ok(Frame::data(b)), ws));
            }
            return None;
        }
        let latest = *ws.rx.borrow_and_update();
        if ws.cursor < latest {
            match ws.state.store.read_events(&ws.res, ws.cursor, BATCH) {
                Err(compacted) => {
                    ws.done = true;
                    let err = too_old_resource_version(ws.cursor, compacted);
                    return Some((Ok(Frame::data(error_event(&err))), ws));
                }
                Ok(batch) => {
                    let mut buf = BytesMut::new();
                    let mut allowance = ws.allowance();
                    let mut cursor = batch.last_rv;
                    for ev in &batch.events {
                        if allowance == 0 {
                            cursor = ev.rv - 1;
                            break;
                        }
                        if ws.put(&mut buf, ev) {
                            ws.sent += 1;
                            allowance -= 1;
                        }
                    }
                    ws.cursor = cursor.max(ws.cursor);
                    if !buf.is_empty() {
                        return Some((Ok(Frame::data(buf.freeze())), ws));
                    }
                    continue;
                }
            }
        }
        let mut wake = ws.deadline;
        if ws.bookmarks {
            wake = wake.min(ws.next_bookmark);
        }
        if let Some(t) = ws.close_at {
            wake = wake.min(t);
        }
        tokio::select! {
            r = ws.rx.changed() => {
                if r.is_err() {
                    ws.done = true;
                    return None;
                }
            }
            () = tokio::time::sleep_until(wake) => {
                if ws.bookmarks && Instant::now() >= ws.next_bookmark && Instant::now() < ws.deadline {
                    ws.next_bookmark = Instant::now() + ws.interval;
                    let b = bookmark(&ws.info, ws.cursor, false);
                    return Some((Ok(Frame::data(b)), ws));
                }
            }
        }
    }
}
