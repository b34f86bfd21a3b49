//! PATCH: decodes the patch document by content type and applies it through the patch module's pure
//! functions inside the store's guaranteed update.
//!
//! Mirrors the apiserver's `endpoints/handlers/patch.go` (`patchResource`, `jsonPatcher`,
//! `smpPatcher`, `applyPatcher`).

use std::sync::Arc;

use clientgo_apimachinery::Status;
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::Value;

use super::handlers::content_type;
use super::http::{json, read_body, Body, Query};
use super::router::Target;
use super::ServerState;
use crate::patch::{json_patch, merge_patch, strategic_merge_patch};
use crate::status::{bad_request, unsupported_media_type};
use crate::strategy::Part;

/// The patch formats the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Merge,
    Strategic,
}

fn kind_of(ct: &str) -> Option<Kind> {
    match ct.split(';').next().unwrap_or("").trim() {
        "application/json-patch+json" => Some(Kind::Json),
        "application/merge-patch+json" => Some(Kind::Merge),
        "application/strategic-merge-patch+json" => Some(Kind::Strategic),
        _ => None,
    }
}

/// Serves a PATCH of `name` (or of its `part` subresource).
pub(crate) async fn patch(
    state: &Arc<ServerState>,
    t: &Target,
    name: &str,
    part: Part,
    req: Request<Incoming>,
    query: &Query,
) -> Result<Response<Body>, Status> {
    let ct = content_type(&req).unwrap_or_default();
    let manager = super::handlers::manager(&req, query);
    let body = read_body(req.into_body()).await?;
    if ct.starts_with("application/apply-patch") {
        return super::apply::apply(state, t, name, part, &ct, &body, query);
    }
    let Some(kind) = kind_of(&ct) else {
        return Err(unsupported_media_type(&ct));
    };
    let doc: Value =
        serde_json::from_slice(&body).map_err(|e| bad_request(format!("error decoding patch: {e}")))?;
    let w = state.modify(
        &t.info,
        t.namespace.as_deref(),
        name,
        part,
        Some(&manager),
        |cur| {
            let mut v = cur.clone();
            match kind {
                Kind::Json => json_patch(&mut v, &doc).map_err(|e| e.to_status())?,
                Kind::Merge => merge_patch(&mut v, &doc),
                Kind::Strategic => strategic_merge_patch(&mut v, &doc).map_err(|e| e.to_status())?,
            }
            Ok(v)
        },
    )?;
    Ok(json(StatusCode::OK, w.object.bytes().clone()))
}
