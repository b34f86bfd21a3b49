//! LIST: resourceVersion semantics, paging with continue tokens, selectors, and streaming the
//! pre-serialized items to the socket.
//!
//! Mirrors the apiserver's list path (`endpoints/handlers/get.go` `ListResource`, the cacher's
//! `GetList` and etcd3 `store.GetList`): `resourceVersion` ""/"0"/N with `resourceVersionMatch`,
//! `limit`/`continue` with `remainingItemCount`, 410 for an expired continue or an exact version
//! that was compacted.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use clientgo_apimachinery::Status;
use http::{header, HeaderValue, Response, StatusCode};
use hyper::body::Frame;

use super::http::{status, streamed, Body, Query};
use super::router::Target;
use super::ServerState;
use crate::continue_token;
use crate::filter::Filter;
use crate::object::StoredObject;
use crate::resources::ResourceInfo;
use crate::status::{bad_request, continue_expired, list_too_old};
use crate::store::{Page, PageSpec, SnapshotError};

/// Responses are streamed in chunks of about this size.
const CHUNK: usize = 256 * 1024;

/// `resourceVersion` + `resourceVersionMatch` as the list and watch handlers understand them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RvSpec {
    /// Unset: most recent (consistent read).
    Latest,
    /// "0": any version (we serve the latest).
    Any,
    /// N with NotOlderThan (or no match): at least N.
    NotOlderThan(u64),
    /// N with Exact.
    Exact(u64),
}

/// Parses `resourceVersion` and `resourceVersionMatch`.
pub(crate) fn parse_rv(query: &Query) -> Result<RvSpec, Status> {
    let rv = query.get("resourceVersion").unwrap_or("");
    let m = query.get("resourceVersionMatch").unwrap_or("");
    let n = if rv.is_empty() {
        None
    } else {
        Some(rv.parse::<u64>().map_err(|_| {
            bad_request(format!(
                "Invalid value: {rv:?}: resourceVersion must be an unsigned integer"
            ))
        })?)
    };
    match (m, n) {
        ("" | "NotOlderThan", None) if m.is_empty() => Ok(RvSpec::Latest),
        ("NotOlderThan", None) => Ok(RvSpec::Latest),
        ("" | "NotOlderThan", Some(0)) => Ok(RvSpec::Any),
        ("" | "NotOlderThan", Some(n)) => Ok(RvSpec::NotOlderThan(n)),
        ("Exact", Some(n)) if n > 0 => Ok(RvSpec::Exact(n)),
        ("Exact", _) => Err(bad_request(format!(
            "resourceVersionMatch: Forbidden: resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"{rv}\""
        ))),
        (other, _) => Err(bad_request(format!(
            "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
        ))),
    }
}

fn too_large(rv: u64, current: u64) -> Status {
    let mut s = Status::failure(
        504,
        clientgo_apimachinery::StatusReason::TIMEOUT,
        format!("Too large resource version: {rv}, current: {current}"),
    );
    s.details = Some(clientgo_apimachinery::StatusDetails {
        causes: vec![clientgo_apimachinery::StatusCause {
            reason: Some("ResourceVersionTooLarge".into()),
            message: Some("Too large resource version".into()),
            field: None,
            ..Default::default()
        }],
        retry_after_seconds: Some(1),
        ..Default::default()
    });
    s
}

/// The list prefix as the real server's continue keys see it: `/name` under a namespace.
fn relative_key(prefix: &str, key: &str) -> String {
    let rel = key.strip_prefix(prefix).unwrap_or(key);
    if prefix.ends_with('/') {
        format!("/{rel}")
    } else {
        rel.to_owned()
    }
}

fn absolute_key(prefix: &str, start: &str) -> String {
    match (prefix.strip_suffix('/'), start.strip_prefix('/')) {
        (Some(_), Some(rest)) => format!("{prefix}{rest}"),
        _ => format!("{prefix}{start}"),
    }
}

/// Serves a LIST.
pub(crate) fn serve(state: &ServerState, t: &Target, query: &Query) -> Response<Body> {
    match build(state, t, query) {
        Ok(r) => r,
        Err(s) => status(&s),
    }
}

fn build(state: &ServerState, t: &Target, query: &Query) -> Result<Response<Body>, Status> {
    let filter = Filter::new(
        &t.info,
        t.namespace.as_deref(),
        query.get("labelSelector"),
        query.get("fieldSelector"),
    )?;
    let limit = match query.get("limit").filter(|s| !s.is_empty()) {
        Some(l) => {
            let n = l
                .parse::<i64>()
                .map_err(|_| bad_request(format!("limit: Invalid value: {l:?}")))?;
            // A negative limit means none, as on the real server; one past usize (32-bit) is "all".
            usize::try_from(n.max(0)).unwrap_or(usize::MAX)
        }
        None => 0,
    };
    let res = ServerState::storage_key(&t.info);
    let prefix = filter.prefix().to_owned();
    let keep = |o: &StoredObject| filter.matches(o);
    let spec = PageSpec {
        limit,
        // remainingItemCount is only reported without selectors; otherwise one more is enough.
        count_rest: !filter.has_selectors(),
        keep: &keep,
    };
    let page: Page = match query.get("continue").filter(|s| !s.is_empty()) {
        Some(tok) => {
            if query
                .get("resourceVersion")
                .is_some_and(|s| !s.is_empty() && s != "0")
            {
                return Err(bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            if query.get("resourceVersionMatch").is_some_and(|s| !s.is_empty()) {
                return Err(bad_request(
                    "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            let c = continue_token::decode(tok).map_err(|e| bad_request(e.to_string()))?;
            let start = absolute_key(&prefix, &c.start);
            match c.rv {
                None => state.store.page_latest(&res, &prefix, &start, &spec),
                Some(rv) => match state.store.page_at(&res, &prefix, &start, rv, &spec) {
                    Ok(p) => p,
                    Err(SnapshotError::Compacted(_)) => {
                        let fallback = continue_token::encode(
                            None,
                            c.start.trim_start_matches('/').trim_end_matches('\0'),
                        );
                        return Err(continue_expired(fallback));
                    }
                    Err(SnapshotError::TooLarge(cur)) => return Err(too_large(rv, cur)),
                },
            }
        }
        None => match parse_rv(query)? {
            RvSpec::Latest | RvSpec::Any => state.store.page_latest(&res, &prefix, "", &spec),
            RvSpec::NotOlderThan(n) => {
                let p = state.store.page_latest(&res, &prefix, "", &spec);
                if n > p.rv {
                    return Err(too_large(n, p.rv));
                }
                p
            }
            RvSpec::Exact(n) => match state.store.page_at(&res, &prefix, "", n, &spec) {
                Ok(p) => p,
                Err(SnapshotError::Compacted(_)) => return Err(list_too_old()),
                Err(SnapshotError::TooLarge(cur)) => return Err(too_large(n, cur)),
            },
        },
    };
    let mut cont = None;
    let mut remaining = None;
    if page.rest > 0 {
        if let Some((k, _)) = page.items.last() {
            cont = Some(continue_token::encode(Some(page.rv), &relative_key(&prefix, k)));
            if !filter.has_selectors() {
                remaining = Some(page.rest);
            }
        }
    }
    let items: Vec<Arc<StoredObject>> = page.items.into_iter().map(|(_, o)| o).collect();
    Ok(stream_list(t.info.clone(), page.rv, cont, remaining, items))
}

fn list_header(info: &ResourceInfo, rv: u64, cont: Option<&str>, remaining: Option<usize>) -> Vec<u8> {
    let mut meta = serde_json::Map::new();
    meta.insert("resourceVersion".into(), rv.to_string().into());
    if let Some(c) = cont {
        meta.insert("continue".into(), c.into());
    }
    if let Some(r) = remaining {
        meta.insert("remainingItemCount".into(), r.into());
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"kind\":");
    let _ = serde_json::to_writer(&mut out, &format!("{}List", info.kind));
    out.extend_from_slice(b",\"apiVersion\":");
    let _ = serde_json::to_writer(&mut out, &info.api_version());
    out.extend_from_slice(b",\"metadata\":");
    let _ = serde_json::to_writer(&mut out, &meta);
    out.extend_from_slice(b",\"items\":[");
    out
}

fn put_item(buf: &mut BytesMut, info: &ResourceInfo, obj: &StoredObject, first: bool) {
    if !first {
        buf.put_u8(b',');
    }
    if info.is_custom() {
        buf.put_slice(obj.bytes());
    } else {
        buf.put_u8(b'{');
        buf.put_slice(&obj.body_without_type());
    }
}

/// Renders a list in one buffer (small lists: deletecollection).
pub(crate) fn render_items(
    info: &ResourceInfo,
    rv: u64,
    cont: Option<&str>,
    remaining: Option<usize>,
    items: &[Arc<StoredObject>],
) -> Bytes {
    let mut buf = BytesMut::from(&list_header(info, rv, cont, remaining)[..]);
    for (i, o) in items.iter().enumerate() {
        put_item(&mut buf, info, o, i == 0);
    }
    buf.put_slice(b"]}");
    buf.freeze()
}

fn stream_list(
    info: Arc<ResourceInfo>,
    rv: u64,
    cont: Option<String>,
    remaining: Option<usize>,
    items: Vec<Arc<StoredObject>>,
) -> Response<Body> {
    let header = list_header(&info, rv, cont.as_deref(), remaining);
    let state = (info, items.into_iter(), Some(header), true, false);
    let stream = futures_util::stream::unfold(state, |(info, mut it, header, mut first, done)| async move {
        if done {
            return None;
        }
        let mut buf = BytesMut::with_capacity(CHUNK + 8192);
        if let Some(h) = &header {
            buf.put_slice(h);
        }
        let mut finished = true;
        for o in it.by_ref() {
            put_item(&mut buf, &info, &o, first);
            first = false;
            if buf.len() >= CHUNK {
                finished = false;
                break;
            }
        }
        if finished {
            buf.put_slice(b"]}");
        }
        Some((Ok(Frame::data(buf.freeze())), (info, it, None, first, finished)))
    });
    let mut r = Response::new(streamed(stream));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    *r.status_mut() = StatusCode::OK;
    r
}
