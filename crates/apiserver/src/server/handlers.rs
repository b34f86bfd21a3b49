//! Resource request handlers: get, create, update, patch, delete, deletecollection, and the dispatch
//! to list and watch.
//!
//! Mirrors the apiserver's `endpoints/handlers` (`get.go`, `create.go`, `update.go`, `patch.go`,
//! `delete.go`).

use std::sync::Arc;

use bytes::Bytes;
use clientgo_apimachinery::Status;
use http::{header, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::Value;

use super::http::{json, read_body, status, Body, Query};
use super::router::Target;
use super::{list, watch, ServerState};
use crate::filter::Filter;
use crate::status::{bad_request, method_not_allowed, not_found};
use crate::strategy::Part;

/// Routes a resource request to its verb.
pub(crate) async fn dispatch(
    state: Arc<ServerState>,
    t: Target,
    req: Request<Incoming>,
    query: Query,
) -> Response<Body> {
    let method = req.method().clone();
    let result = match (&method, t.name.as_deref(), t.sub.as_deref()) {
        (&Method::GET, None, _) if t.watch_path || query.flag("watch") => {
            return watch::serve(state, &t, &query);
        }
        (&Method::GET, None, _) => return list::serve(&state, &t, &query),
        (&Method::GET, Some(name), None | Some("status")) => get(&state, &t, name),
        (&Method::POST, None, None) => create(&state, &t, req, &query).await,
        (&Method::PUT, Some(name), sub) => match part_for(&t, sub) {
            Ok(part) => update(&state, &t, name, part, req, &query).await,
            Err(s) => Err(s),
        },
        (&Method::PATCH, Some(name), sub) => match part_for(&t, sub) {
            Ok(part) => super::patch::patch(&state, &t, name, part, req, &query).await,
            Err(s) => Err(s),
        },
        (&Method::DELETE, Some(name), None) => delete(&state, &t, name, req).await,
        (&Method::DELETE, None, None) => delete_collection(&state, &t, &query),
        _ => Err(method_not_allowed(method.as_str())),
    };
    match result {
        Ok(r) => r,
        Err(s) => status(&s),
    }
}

fn part_for(t: &Target, sub: Option<&str>) -> Result<Part, Status> {
    match sub {
        None => Ok(Part::Main),
        Some("status") if t.info.has_status => Ok(Part::Status),
        Some("finalize") if t.info.group.is_empty() && t.info.plural == "namespaces" => Ok(Part::Finalize),
        Some(_) => Err(crate::status::path_not_found()),
    }
}

fn get(state: &ServerState, t: &Target, name: &str) -> Result<Response<Body>, Status> {
    let key = ServerState::object_key(&t.info, t.namespace.as_deref(), name);
    match state.store.get(&ServerState::storage_key(&t.info), &key) {
        Some(obj) => Ok(json(StatusCode::OK, obj.bytes().clone())),
        None => Err(not_found(&t.info.plural, &t.info.group, name)),
    }
}

/// Decodes a JSON or YAML request body into a value.
pub(crate) fn decode_body(content_type: Option<&str>, body: &Bytes) -> Result<Value, Status> {
    let ct = content_type.unwrap_or("application/json");
    let mime = ct.split(';').next().unwrap_or("").trim();
    match mime {
        "application/yaml" | "application/apply-patch+yaml" | "application/x-yaml" | "text/yaml" => {
            serde_yaml::from_slice::<Value>(body)
                .map_err(|e| bad_request(format!("error converting YAML to JSON: yaml: {e}")))
        }
        "application/vnd.kubernetes.protobuf" => Err(crate::status::unsupported_media_type(ct)),
        _ => serde_json::from_slice::<Value>(body)
            .map_err(|e| bad_request(format!("couldn't get version/kind; json parse error: {e}"))),
    }
}

pub(crate) fn content_type(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The field manager of a write: `?fieldManager=`, else the User-Agent's program name, as the real
/// server derives it (`curl/7.88.1` manages as `curl`).
pub(crate) fn manager(req: &Request<Incoming>, query: &Query) -> String {
    if let Some(m) = query.get("fieldManager").filter(|m| !m.is_empty()) {
        return m.to_owned();
    }
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_owned()
}

async fn create(
    state: &ServerState,
    t: &Target,
    req: Request<Incoming>,
    query: &Query,
) -> Result<Response<Body>, Status> {
    let ct = content_type(&req);
    let manager = manager(&req, query);
    let body = read_body(req.into_body()).await?;
    let obj = decode_body(ct.as_deref(), &body)?;
    let w = state.create(&t.info, t.namespace.as_deref(), obj, &manager)?;
    Ok(json(StatusCode::CREATED, w.object.bytes().clone()))
}

async fn update(
    state: &ServerState,
    t: &Target,
    name: &str,
    part: Part,
    req: Request<Incoming>,
    query: &Query,
) -> Result<Response<Body>, Status> {
    let ct = content_type(&req);
    let manager = manager(&req, query);
    let body = read_body(req.into_body()).await?;
    let obj = decode_body(ct.as_deref(), &body)?;
    if !obj.is_object() {
        return Err(bad_request("the body of the request must be a JSON object"));
    }
    if let Some(n) = crate::object::meta_str(&obj, "name").filter(|n| *n != name) {
        return Err(bad_request(format!(
            "the name of the object ({n}) does not match the name on the URL ({name})"
        )));
    }
    let w = state.modify(
        &t.info,
        t.namespace.as_deref(),
        name,
        part,
        Some(&manager),
        |_| Ok(obj.clone()),
    )?;
    Ok(json(StatusCode::OK, w.object.bytes().clone()))
}

async fn delete(
    state: &ServerState,
    t: &Target,
    name: &str,
    req: Request<Incoming>,
) -> Result<Response<Body>, Status> {
    let ct = content_type(&req);
    let body = read_body(req.into_body()).await?;
    let opts = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        decode_body(ct.as_deref(), &body)?
    };
    let precondition = opts
        .get("preconditions")
        .and_then(|p| p.get("resourceVersion"))
        .and_then(Value::as_str);
    let w = state.delete(&t.info, t.namespace.as_deref(), name, precondition)?;
    Ok(json(StatusCode::OK, w.object.bytes().clone()))
}

fn delete_collection(state: &ServerState, t: &Target, query: &Query) -> Result<Response<Body>, Status> {
    let filter = Filter::new(
        &t.info,
        t.namespace.as_deref(),
        query.get("labelSelector"),
        query.get("fieldSelector"),
    )?;
    let snap = state
        .store
        .snapshot_latest(&ServerState::storage_key(&t.info), filter.prefix(), "");
    let mut items = Vec::new();
    for (_, obj) in snap.items.iter().filter(|(_, o)| filter.matches(o)) {
        let ns = (!obj.namespace().is_empty()).then(|| obj.namespace().to_owned());
        if let Ok(w) = state.delete(&t.info, ns.as_deref(), obj.name(), None) {
            items.push(w.object);
        }
    }
    let rv = state.store.current_rv();
    Ok(json(
        StatusCode::OK,
        list::render_items(&t.info, rv, None, None, &items),
    ))
}
