//! Discovery documents: /version, /api, /apis, /apis/<group>, and APIResourceLists.
//!
//! Mirrors the apiserver's `endpoints/discovery` handlers (legacy, unaggregated discovery, which kubectl
//! falls back to when it is not offered the aggregated form). Shapes follow 01-discovery.txt.

use std::collections::BTreeMap;

use http::{Response, StatusCode};
use serde_json::{json, Value};

use super::http::{json as json_response, status, Body};
use super::ServerState;
use crate::resources::ALL_VERBS;
use crate::status::path_not_found;

fn respond(v: &Value) -> Response<Body> {
    json_response(StatusCode::OK, serde_json::to_vec(v).unwrap_or_default())
}

/// GET /version.
pub(crate) fn version() -> Response<Body> {
    respond(&json!({
        "major": "1",
        "minor": "36",
        "emulationMajor": "1",
        "emulationMinor": "36",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": "v1.36.2-clientgo",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-23T00:00:00Z",
        "goVersion": "rust",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, if std::env::consts::ARCH == "x86_64" { "amd64" } else { std::env::consts::ARCH }),
    }))
}

/// GET /api.
pub(crate) fn api_versions(state: &ServerState) -> Response<Body> {
    let addr = state.external_addr.get().cloned().unwrap_or_default();
    respond(&json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr}],
    }))
}

fn groups(state: &ServerState) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in state.registry.all() {
        if r.group.is_empty() {
            continue;
        }
        let vs = out.entry(r.group.clone()).or_default();
        if !vs.contains(&r.version) {
            vs.push(r.version.clone());
        }
    }
    out
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    let preferred = vs.first().cloned().unwrap_or(Value::Null);
    json!({"name": name, "versions": vs, "preferredVersion": preferred})
}

/// GET /apis.
pub(crate) fn api_groups(state: &ServerState) -> Response<Body> {
    let gs: Vec<Value> = groups(state).iter().map(|(g, vs)| group_json(g, vs)).collect();
    respond(&json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": gs}))
}

/// GET /apis/<group>.
pub(crate) fn group(state: &ServerState, name: &str) -> Response<Body> {
    match groups(state).get(name) {
        Some(vs) => {
            let mut g = group_json(name, vs);
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            respond(&g)
        }
        None => status(&path_not_found()),
    }
}

/// GET /api/v1 or /apis/<group>/<version>.
pub(crate) fn resource_list(state: &ServerState, group: &str, version: &str) -> Response<Body> {
    if !state.registry.has_group_version(group, version) {
        return status(&path_not_found());
    }
    let mut resources = Vec::new();
    for r in state.registry.all() {
        if r.group != group || r.version != version {
            continue;
        }
        let mut e = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": ALL_VERBS,
        });
        if !r.short_names.is_empty() {
            e["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            e["categories"] = json!(r.categories);
        }
        resources.push(e);
        if r.has_status {
            resources.push(json!({
                "name": format!("{}/status", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
        if r.group.is_empty() && r.plural == "namespaces" {
            resources.push(json!({
                "name": "namespaces/finalize",
                "singularName": "",
                "namespaced": false,
                "kind": "Namespace",
                "verbs": ["update"],
            }));
        }
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    respond(&json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }))
}
