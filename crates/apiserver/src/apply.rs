//! Server-side apply and field ownership (`metadata.managedFields`), as pure functions.
//!
//! [`server_side_apply`] merges an applied configuration into the live object, records the applier's
//! fields as an `Apply` entry, removes fields the applier dropped (unless someone else owns them),
//! and refuses to change fields other managers own unless forced. [`update_managed_fields`] records
//! every other write as an `Update` entry, so objects carry the managedFields the real server writes.
//!
//! Simplifications, each documented where it lives: the schema is the table in
//! [`crate::patch::schema`] (unknown lists are atomic), `null` in an applied configuration is
//! ignored, and the 10-entry cap on `Update` managers (`ancient-changes`) is not applied.
//!
//! Mirrors apiserver `pkg/endpoints/handlers/fieldmanager` and structured-merge-diff `merge.Updater`.

mod fieldpath;
mod managed_fields;
mod merge;
mod walk;

use clientgo_apimachinery::{Status, StatusCause, StatusDetails, StatusReason, Time};
use serde_json::Value;

pub use self::fieldpath::{path_string, FieldSet, Path, PathElement};
pub use self::managed_fields::{APPLY, UPDATE};
pub use self::walk::{compare, to_field_set, Comparison};

use self::managed_fields::{api_version_of, decode, encode_into, Entry};

/// Why an apply was refused.
///
/// Mirrors the errors of apiserver `fieldmanager` (`conflict.go` `NewConflictError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// Fields the apply would change are owned by other managers, and `force` was not set.
    #[error("apply failed with {} conflict(s)", conflicts.len())]
    Conflict {
        /// `(manager, field path)` pairs, the manager printed as the server prints it (`"kubectl"`,
        /// or `"curl" using v1` for an updater) and the path like `.spec.replicas`; sorted.
        conflicts: Vec<(String, String)>,
    },
    /// The applied configuration is not a JSON object.
    #[error("the applied configuration must be an object")]
    NotAnObject,
}

impl ApplyError {
    /// Whether this is a field-manager conflict (HTTP 409).
    pub fn is_conflict(&self) -> bool {
        matches!(self, ApplyError::Conflict { .. })
    }

    /// The Status the real API server answers with.
    ///
    /// A conflict is 409 `Apply failed with 1 conflict: conflict with "kubectl-lite": .spec.replicas`
    /// with one `FieldManagerConflict` cause per field (14-ssa-apply-lifecycle.txt).
    pub fn to_status(&self) -> Status {
        match self {
            ApplyError::Conflict { conflicts } => {
                let causes = conflicts
                    .iter()
                    .map(|(manager, path)| StatusCause {
                        reason: Some("FieldManagerConflict".to_owned()),
                        message: Some(format!("conflict with {manager}")),
                        field: Some(path.clone()),
                        ..StatusCause::default()
                    })
                    .collect();
                Status::failure(409, StatusReason::CONFLICT, conflict_message(conflicts)).with_details(
                    StatusDetails {
                        causes,
                        ..StatusDetails::default()
                    },
                )
            }
            ApplyError::NotAnObject => Status::failure(
                400,
                StatusReason::BAD_REQUEST,
                "error decoding patch: the applied configuration must be an object",
            ),
        }
    }
}

/// The message of a conflict Status, grouped by manager when there are several.
///
/// Mirrors apiserver `fieldmanager/internal/conflict.go` `getConflictMessage`.
fn conflict_message(conflicts: &[(String, String)]) -> String {
    if let [(manager, path)] = conflicts {
        return format!("Apply failed with 1 conflict: conflict with {manager}: {path}");
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|(m, _)| m.as_str()).collect();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        lines.extend(
            conflicts
                .iter()
                .filter(|(m, _)| m == manager)
                .map(|(_, p)| format!("- {p}")),
        );
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// The 422 the real server answers an apply patch without `?fieldManager=` with.
///
/// `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply
/// patch` (14-ssa-apply-lifecycle.txt). The HTTP layer checks the query before calling
/// [`server_side_apply`].
///
/// Mirrors apiserver `handlers/patch.go` (`validation.ValidatePatchOptions`).
pub fn missing_field_manager_status() -> Status {
    let err = crate::validation::FieldError::required("fieldManager", "is required for apply patch");
    crate::validation::invalid_status("PatchOptions", Some("meta.k8s.io"), "", &[err])
}

/// Applies `applied` (the decoded apply-patch body) as `manager` to `existing` (`None` to create).
///
/// Returns the new object with its `managedFields`. When the apply changes nothing, the result is
/// exactly equal to `existing` (the applier's entry keeps its old time), so the caller compares
/// `result == *existing` to keep the resourceVersion and skip the write and the watch event.
/// `applied` is merged as is: server-set metadata (uid, resourceVersion, ...) and defaults are the
/// caller's business, before validation. Its `status` is ignored for built-in kinds with a status
/// subresource; for custom resources with one, the caller removes it first.
///
/// # Errors
/// [`ApplyError::Conflict`] when another manager owns a field this apply changes and `force` is
/// false (with `force`, ownership of those fields moves to `manager`), [`ApplyError::NotAnObject`]
/// for a body that is not an object.
///
/// Mirrors apiserver `FieldManager.Apply` and structured-merge-diff `Updater.Apply`.
pub fn server_side_apply(
    existing: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: Time,
) -> Result<Value, ApplyError> {
    if !applied.is_object() {
        return Err(ApplyError::NotAnObject);
    }
    let mut config = applied.clone();
    if let Some(meta) = config.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    let live = existing
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    let mut entries = decode(&live);
    let me = Entry {
        manager: manager.to_owned(),
        operation: APPLY.to_owned(),
        api_version: api_version_of(&config),
        time: Some(now.to_string()),
        subresource: None,
        fields: managed_fields::reset_fields(&config, None, &to_field_set(&config)),
    };
    let mine = entries.iter().position(|e| e.same_identity(&me));
    let previous = mine.map(|i| entries.remove(i));

    if managed_fields::has_status_subresource(&config) {
        // A main-resource write never changes status where status is a subresource.
        if let Some(obj) = config.as_object_mut() {
            obj.remove("status");
        }
    }
    let mut merged = live.clone();
    merge::merge(&mut merged, &config);
    if let Some(prev) = &previous {
        let mut owners: Vec<&FieldSet> = entries.iter().map(|e| &e.fields).collect();
        owners.push(&me.fields);
        prune(&mut merged, &prev.fields.difference(&me.fields), &owners);
    }

    let cmp = compare(&live, &merged);
    let changed = cmp.changed();
    let conflicts = find_conflicts(&entries, &changed);
    if !conflicts.is_empty() && !force {
        return Err(ApplyError::Conflict { conflicts });
    }
    for e in &mut entries {
        e.fields = e.fields.difference(&changed).difference(&cmp.removed);
    }
    entries.push(me);
    encode_into(&mut merged, entries);

    match existing {
        Some(old) if same_ignoring_times(old, &merged) => Ok(old.clone()),
        _ => Ok(merged),
    }
}

/// Removes from `obj` the fields the applier dropped, except those another manager owns (or owns
/// something under). Maps and lists the removal leaves empty go too unless someone owns them, as
/// Go's `omitempty` drops them when the real server re-encodes the object.
fn prune(obj: &mut Value, dropped: &FieldSet, owners: &[&FieldSet]) {
    let mut paths = dropped.paths();
    paths.retain(|p| !owners.iter().any(|o| o.contains_prefix(p)));
    // Removing a list item removes its fields; removing the fields first would lose the item's key.
    let whole: Vec<Path> = paths.clone();
    paths.retain(|p| !whole.iter().any(|q| q.len() < p.len() && p.starts_with(q)));
    for path in &paths {
        merge::remove_path(obj, path);
    }
    for path in &paths {
        for len in (2..path.len()).rev() {
            let ancestor = &path[..len];
            let empty = merge::value_at_mut(obj, ancestor).is_some_and(|v| merge::is_empty_container(v));
            if !empty || owners.iter().any(|o| o.contains(ancestor)) {
                break;
            }
            merge::remove_path(obj, ancestor);
        }
    }
}

fn find_conflicts(entries: &[Entry], changed: &FieldSet) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = entries
        .iter()
        .flat_map(|e| {
            let who = e.describe();
            e.fields
                .intersection(changed)
                .paths()
                .into_iter()
                .map(move |p| (who.clone(), path_string(&p)))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether two objects are equal once the `time` of their managedFields entries is ignored.
///
/// Mirrors apiserver `IgnoreManagedFieldsTimestampsTransformer`.
fn same_ignoring_times(a: &Value, b: &Value) -> bool {
    same_map_by(a, b, |key, x, y| match key {
        "metadata" => same_map_by(x, y, |k, p, q| match k {
            "managedFields" => same_entries(p, q),
            _ => p == q,
        }),
        _ => x == y,
    })
}

/// Whether `a` and `b` are objects with the same keys whose values agree by `same`.
fn same_map_by(a: &Value, b: &Value, same: impl Fn(&str, &Value, &Value) -> bool) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(x), Some(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(k, v, w)))
        }
        _ => a == b,
    }
}

fn same_entries(a: &Value, b: &Value) -> bool {
    match (a.as_array(), b.as_array()) {
        (Some(x), Some(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| {
                    same_map_by(p, q, |k, v, w| k == "time" || v == w)
                        && p.get("time").is_some() == q.get("time").is_some()
                })
        }
        _ => a == b,
    }
}

/// Records a create, update or patch by `manager` (`operation` is normally [`UPDATE`]) in `new`'s
/// `managedFields`, the way the real server does for every non-apply write.
///
/// `old` is the stored object (`None` on create). Call it where the real server runs its field
/// manager: after decoding and defaulting (the writer owns defaulted fields) and after a subresource
/// write has been limited to its part, but before the strategy sets fields of its own (a new
/// Namespace's `spec.finalizers`, `status` of a new object), which nobody owns. Status of built-in
/// kinds with a status subresource is never owned by a main-resource write. The request's own
/// `managedFields` are honoured when they differ from the stored ones (`[]` resets them).
///
/// Mirrors apiserver `FieldManager.UpdateNoErrors`.
pub fn update_managed_fields(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    operation: &str,
    now: Time,
) {
    managed_fields::record_update(old, new, manager, operation, None, now);
}

/// [`update_managed_fields`] for a write through a subresource (`status`): the entry carries
/// `"subresource": "status"` and is separate from the manager's main-resource entry.
pub fn update_subresource_managed_fields(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: &str,
    now: Time,
) {
    managed_fields::record_update(old, new, manager, UPDATE, Some(subresource), now);
}

#[cfg(test)]
mod tests;
