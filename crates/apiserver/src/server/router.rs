//! Routing: the handler chain (faults, authentication) and path parsing into a resource request.
//!
//! Mirrors the apiserver's `RequestInfoFactory` (`k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`):
//! `/api/v1/...` and `/apis/<group>/<version>/...`, namespaced and cluster-scoped paths, the legacy
//! `/watch/` prefix, subresources.

use std::sync::Arc;

use http::{Method, Request, Response};
use hyper::body::Incoming;

use super::http::{status, Body, BodyError, Query};
use super::{discovery, handlers, openapi, ServerState};
use crate::client_faults::ClientFault;
use crate::faults::FaultAction;
use crate::resources::ResourceInfo;
use crate::status::{path_not_found, unauthorized};

/// A parsed resource request.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) info: Arc<ResourceInfo>,
    pub(crate) namespace: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) sub: Option<String>,
    pub(crate) watch_path: bool,
}

/// The service function.
pub(crate) async fn handle(
    state: Arc<ServerState>,
    req: Request<Incoming>,
) -> Result<Response<Body>, BodyError> {
    let path = req.uri().path().to_owned();
    tracing::debug!(method = %req.method(), path = %path, "request");
    let user_agent = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    match state
        .faults
        .clients()
        .on_request(req.method(), &path, &user_agent)
    {
        Some(ClientFault::Hang) => return std::future::pending().await,
        Some(ClientFault::Fail(kind)) => return Ok(status(&crate::faults::injected_status(kind, &path))),
        None => {}
    }
    let _serving = state.faults.clients().serve();
    match state.faults.on_request(req.method(), &path) {
        FaultAction::None => {}
        FaultAction::Cut => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "fault: connection cut",
            ))
        }
        FaultAction::Respond(s) => return Ok(status(&s)),
        FaultAction::Stall => return Ok(crate::faults::stalled_response()),
    }
    if let Some(token) = &state.token {
        let ok = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), token.as_bytes()));
        if !ok {
            return Ok(status(&unauthorized()));
        }
    }
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(super::http::percent_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let query = Query::parse(req.uri().query());
    let resp = match segs.as_slice() {
        ["version"] => discovery::version(),
        ["healthz" | "livez" | "readyz", ..] => super::http::json(http::StatusCode::OK, "ok"),
        ["api"] => discovery::api_versions(&state),
        ["openapi", "v3"] => openapi::root(&state),
        ["openapi", "v3", rest @ ..] => openapi::group_version(&state, &rest.join("/")),
        ["apis"] => discovery::api_groups(&state),
        ["api", "v1"] => discovery::resource_list(&state, "", "v1"),
        ["apis", group] => discovery::group(&state, group),
        ["apis", group, version] => discovery::resource_list(&state, group, version),
        ["api", "v1", rest @ ..] => route(&state, "", "v1", rest, req, query).await,
        ["apis", group, version, rest @ ..] => {
            let (g, v) = ((*group).to_owned(), (*version).to_owned());
            route(&state, &g, &v, rest, req, query).await
        }
        _ => status(&path_not_found()),
    };
    Ok(resp)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn route(
    state: &Arc<ServerState>,
    group: &str,
    version: &str,
    rest: &[&str],
    req: Request<Incoming>,
    query: Query,
) -> Response<Body> {
    let (watch_path, rest) = match rest {
        ["watch", r @ ..] => (true, r),
        r => (false, r),
    };
    let Some(target) = parse_target(state, group, version, rest, watch_path) else {
        return status(&path_not_found());
    };
    if watch_path && *req.method() != Method::GET {
        return status(&crate::status::method_not_allowed(req.method().as_str()));
    }
    handlers::dispatch(state.clone(), target, req, query).await
}

fn parse_target(
    state: &ServerState,
    group: &str,
    version: &str,
    rest: &[&str],
    watch_path: bool,
) -> Option<Target> {
    let mk = |plural: &str, ns: Option<&str>, name: Option<&&str>, sub: Option<&&str>| {
        let info = state.registry.get(group, version, plural)?;
        if ns.is_some() && !info.namespaced {
            return None;
        }
        Some(Target {
            info,
            namespace: ns.map(str::to_owned),
            name: name.map(|s| (*s).to_owned()),
            sub: sub.map(|s| (*s).to_owned()),
            watch_path,
        })
    };
    match rest {
        ["namespaces", ns, plural, tail @ ..]
            if tail.len() <= 2
                && state
                    .registry
                    .get(group, version, plural)
                    .is_some_and(|i| i.namespaced) =>
        {
            mk(plural, Some(ns), tail.first(), tail.get(1))
        }
        [plural, tail @ ..] if tail.len() <= 2 => mk(plural, None, tail.first(), tail.get(1)),
        _ => None,
    }
}
