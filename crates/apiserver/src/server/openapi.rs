//! A minimal OpenAPI v3 discovery: enough for kubectl to learn that PATCH supports `fieldValidation`
//! (its query-parameter verifier) and to fall back to its built-in types for strategic merge patches.
//!
//! Mirrors the shape of the apiserver's `/openapi/v3` (a root of per-group-version documents with
//! `serverRelativeURL`s carrying a content hash) without the full schemas.

use std::collections::BTreeMap;

use http::{Response, StatusCode};
use serde_json::{json, Map, Value};

use super::http::{json as json_response, status, Body};
use super::ServerState;
use crate::resources::ResourceInfo;
use crate::status::path_not_found;

fn gv_path(info: &ResourceInfo) -> String {
    if info.group.is_empty() {
        format!("api/{}", info.version)
    } else {
        format!("apis/{}/{}", info.group, info.version)
    }
}

fn by_gv(state: &ServerState) -> BTreeMap<String, Vec<std::sync::Arc<ResourceInfo>>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in state.registry.all() {
        out.entry(gv_path(&r)).or_default().push(r);
    }
    out
}

fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016X}")
}

fn document(resources: &[std::sync::Arc<ResourceInfo>]) -> Value {
    let mut paths = Map::new();
    for r in resources {
        let prefix = format!("/{}", gv_path(r));
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        let params = json!([
            {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
            {"name": "force", "in": "query", "schema": {"type": "boolean"}}
        ]);
        paths.insert(
            item,
            json!({
                "patch": {
                    "operationId": format!("patch{}", r.kind),
                    "parameters": params,
                    "responses": {"200": {"description": "OK"}},
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": gvk,
                }
            }),
        );
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "1.36"},
        "paths": paths,
        "components": {"schemas": {}},
    })
}

/// GET /openapi/v3.
pub(crate) fn root(state: &ServerState) -> Response<Body> {
    let mut paths = Map::new();
    for (gv, rs) in by_gv(state) {
        let doc = document(&rs).to_string();
        paths.insert(
            gv.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{gv}?hash={}", fnv(&doc))}),
        );
    }
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&json!({ "paths": paths })).unwrap_or_default(),
    )
}

/// GET /openapi/v3/<gv path>.
pub(crate) fn group_version(state: &ServerState, gv: &str) -> Response<Body> {
    match by_gv(state).get(gv) {
        Some(rs) => json_response(StatusCode::OK, document(rs).to_string()),
        None => status(&path_not_found()),
    }
}
