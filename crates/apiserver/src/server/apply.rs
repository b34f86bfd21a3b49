//! Server-side apply (`application/apply-patch+yaml`): create-or-merge with field managers.
//!
//! Mirrors the apiserver's `applyPatcher` (`endpoints/handlers/patch.go`): the field-management logic
//! lives in [`crate::apply`] as pure functions; this module runs it inside the store's guaranteed update,
//! creating the object when it does not exist, and skipping the write (same resourceVersion, no event)
//! when the apply changes nothing.

use std::sync::Arc;

use bytes::Bytes;
use clientgo_apimachinery::{Status, Time};
use http::{Response, StatusCode};
use serde_json::Value;

use super::handlers::decode_body;
use super::http::{json, Body, Query};
use super::router::Target;
use super::ServerState;
use crate::apply::{missing_field_manager_status, server_side_apply};
use crate::object::{meta_mut, meta_str};
use crate::status::bad_request;
use crate::store::{EventKind, Outcome};
use crate::strategy::{check_namespace, check_type, prepare_create, prepare_update, ready_to_delete, Part};

/// Serves an apply patch of `name`.
pub(crate) fn apply(
    state: &Arc<ServerState>,
    t: &Target,
    name: &str,
    part: Part,
    content_type: &str,
    body: &Bytes,
    query: &Query,
) -> Result<Response<Body>, Status> {
    let Some(manager) = query.get("fieldManager").filter(|m| !m.is_empty()) else {
        return Err(missing_field_manager_status());
    };
    let force = query.flag("force");
    let mut applied = decode_body(Some(content_type), body)?;
    if !applied.is_object() {
        return Err(bad_request("the applied configuration must be an object"));
    }
    check_type(&t.info, &mut applied)?;
    check_namespace(&t.info, &mut applied, t.namespace.as_deref())?;
    match meta_str(&applied, "name") {
        Some(n) if n != name => {
            return Err(bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )))
        }
        _ => {
            if let Some(m) = meta_mut(&mut applied) {
                m.insert("name".into(), Value::String(name.to_owned()));
            }
        }
    }
    let info = &t.info;
    let ns = t.namespace.as_deref();
    let key = ServerState::object_key(info, ns, name);
    let res = ServerState::storage_key(info);
    let written = state
        .store
        .guaranteed_update(&res, &key, info.extra_field_labels(), |cur| {
            let now = Time::now();
            match cur {
                None => {
                    if part != Part::Main {
                        return Err(crate::status::not_found(&info.plural, &info.group, name));
                    }
                    state.check_namespace_open(info, ns, name)?;
                    let mut obj =
                        server_side_apply(None, &applied, manager, force, now).map_err(|e| e.to_status())?;
                    state.validate(info, &obj, None)?;
                    prepare_create(info, &mut obj, now);
                    if info.group == "apiextensions.k8s.io" {
                        super::crud::crd_set_status(&mut obj);
                    }
                    Ok(Outcome::Put(obj))
                }
                Some(cur) => {
                    let old = cur.to_value();
                    let mut obj = server_side_apply(Some(&old), &applied, manager, force, now)
                        .map_err(|e| e.to_status())?;
                    if crate::patch::json_equal(&obj, &old) {
                        return Ok(Outcome::Unchanged);
                    }
                    prepare_update(info, &mut obj, &old, part)?;
                    state.validate(info, &obj, Some(&old))?;
                    if ready_to_delete(&obj) {
                        return Ok(Outcome::Delete(obj));
                    }
                    if crate::strategy::same_content(&obj, &old) {
                        return Ok(Outcome::Unchanged);
                    }
                    Ok(Outcome::Put(obj))
                }
            }
        })?;
    if written.kind == Some(EventKind::Added) && info.group == "apiextensions.k8s.io" {
        state.register_crd(&written.object.to_value());
    }
    state.after_write(info, ns, &written);
    let code = if written.kind == Some(EventKind::Added) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(code, written.object.bytes().clone()))
}
