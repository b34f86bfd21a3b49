//! Per-resource create and update rules: what the server sets, keeps and refuses.
//!
//! Mirrors the apiserver registry strategies (`PrepareForCreate`, `PrepareForUpdate`, `BeforeCreate`,
//! `BeforeUpdate` in `k8s.io/apiserver/pkg/registry/rest`) for the resources we serve.

// `Status` is the API's error value and travels to the HTTP layer unchanged; boxing it at every
// step would add noise on a path that is never hot.
#![allow(clippy::result_large_err)]

use clientgo_apimachinery::{Status, Time};
use serde_json::{json, Map, Value};

use crate::object::{finalizers, meta_mut, meta_str};
use crate::resources::ResourceInfo;
use crate::status::{bad_request, cause, invalid};

/// Which part of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The main resource: everything except status (when a status subresource exists).
    Main,
    /// The `/status` subresource: only status.
    Status,
    /// A namespace's `/finalize` subresource: only spec.finalizers.
    Finalize,
}

const NAME_CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A pseudo-random u64 (no external RNG needed: these are names and uids, not secrets).
pub fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Seed mixing: only the clock's low 64 bits matter, so truncating the nanoseconds is intended.
    #[allow(clippy::cast_possible_truncation)]
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = t ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A random RFC 4122 version-4 style uid.
pub fn new_uid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// The 5-character suffix `generateName` gets.
pub fn name_suffix() -> String {
    let mut r = random_u64();
    (0..5)
        .map(|_| {
            let i = usize::try_from(r % NAME_CHARS.len() as u64)
                .expect("a remainder below NAME_CHARS.len() fits usize");
            let c = NAME_CHARS[i];
            r /= NAME_CHARS.len() as u64;
            c as char
        })
        .collect()
}

fn tracks_generation(info: &ResourceInfo) -> bool {
    info.is_custom()
        || matches!(
            info.plural.as_str(),
            "deployments" | "customresourcedefinitions" | "pods"
        )
}

/// Checks the body's kind/apiVersion against the resource and fills them in when absent.
///
/// # Errors
/// 400 when the body names another kind or version.
pub fn check_type(info: &ResourceInfo, obj: &mut Value) -> Result<(), Status> {
    let Some(map) = obj.as_object_mut() else {
        return Err(bad_request("the body of the request must be a JSON object"));
    };
    let api_version = info.api_version();
    match map.get("apiVersion").and_then(Value::as_str) {
        Some(v) if v != api_version => {
            return Err(bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({api_version})"
            )))
        }
        _ => {}
    }
    match map.get("kind").and_then(Value::as_str) {
        Some(k) if k != info.kind => {
            return Err(bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                info.kind
            )))
        }
        _ => {}
    }
    map.insert("apiVersion".into(), Value::String(api_version));
    map.insert("kind".into(), Value::String(info.kind.clone()));
    Ok(())
}

/// Checks and fills `metadata.namespace` against the request's namespace.
///
/// # Errors
/// 400 when the body names another namespace.
pub fn check_namespace(info: &ResourceInfo, obj: &mut Value, ns: Option<&str>) -> Result<(), Status> {
    let meta = meta_mut(obj).ok_or_else(|| bad_request("the body of the request must be a JSON object"))?;
    if !info.namespaced {
        meta.remove("namespace");
        return Ok(());
    }
    let ns = ns.unwrap_or("");
    match meta.get("namespace").and_then(Value::as_str) {
        Some(n) if !n.is_empty() && n != ns => Err(bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        _ => {
            meta.insert("namespace".into(), Value::String(ns.to_owned()));
            Ok(())
        }
    }
}

/// Resolves the object's name (generateName) and validates it; returns the name.
///
/// # Errors
/// 422 when no name can be derived or the name is not a DNS subdomain.
pub fn resolve_name(info: &ResourceInfo, obj: &mut Value) -> Result<String, Status> {
    let meta = meta_mut(obj).ok_or_else(|| bad_request("the body of the request must be a JSON object"))?;
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
    let name = if name.is_empty() {
        match meta.get("generateName").and_then(Value::as_str) {
            Some(g) if !g.is_empty() => {
                let n = format!("{g}{}", name_suffix());
                meta.insert("name".into(), Value::String(n.clone()));
                n
            }
            _ => {
                return Err(invalid(
                    &info.kind,
                    &info.group,
                    "",
                    vec![cause(
                        "FieldValueRequired",
                        "metadata.name",
                        "Required value: name or generateName is required",
                    )],
                ))
            }
        }
    } else {
        name
    };
    if !is_dns_subdomain(&name) && info.plural != "events" {
        return Err(invalid(
            &info.kind,
            &info.group,
            &name,
            vec![cause(
                "FieldValueInvalid",
                "metadata.name",
                format!("Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
            )],
        ));
    }
    Ok(name)
}

/// Whether `s` is a lowercase RFC 1123 subdomain.
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// Sets the server-owned fields of a new object.
pub fn prepare_create(info: &ResourceInfo, obj: &mut Value, now: Time) {
    let gen = tracks_generation(info);
    if let Some(meta) = meta_mut(obj) {
        meta.insert("uid".into(), Value::String(new_uid()));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.remove("resourceVersion");
        meta.remove("selfLink");
        if gen {
            meta.insert("generation".into(), json!(1));
        } else {
            meta.remove("generation");
        }
    }
    if info.group.is_empty() && info.plural == "namespaces" {
        let name = meta_str(obj, "name").unwrap_or("").to_owned();
        if let Some(meta) = meta_mut(obj) {
            let labels = meta.entry("labels").or_insert_with(|| Value::Object(Map::new()));
            if let Some(l) = labels.as_object_mut() {
                l.insert("kubernetes.io/metadata.name".into(), Value::String(name));
            }
        }
        if let Some(map) = obj.as_object_mut() {
            map.insert("spec".into(), json!({"finalizers": ["kubernetes"]}));
            map.insert("status".into(), json!({"phase": "Active"}));
        }
    } else if info.is_custom() && info.has_status {
        if let Some(map) = obj.as_object_mut() {
            map.remove("status");
        }
    }
}

/// Carries server-owned fields from `old` into `new` and applies the subresource's scope.
///
/// # Errors
/// 422 when a finalizer is added to an object being deleted.
pub fn prepare_update(info: &ResourceInfo, new: &mut Value, old: &Value, part: Part) -> Result<(), Status> {
    let null = Value::Null;
    let old_meta = old.get("metadata").unwrap_or(&null);
    match part {
        Part::Status => {
            let status = new.get("status").cloned();
            let mut merged = old.clone();
            if let Some(map) = merged.as_object_mut() {
                match status {
                    Some(s) => map.insert("status".into(), s),
                    None => map.remove("status"),
                };
            }
            *new = merged;
            return Ok(());
        }
        Part::Finalize => {
            let fins = new.get("spec").and_then(|s| s.get("finalizers")).cloned();
            let mut merged = old.clone();
            if let Some(spec) = merged.get_mut("spec").and_then(Value::as_object_mut) {
                match fins {
                    Some(f) => spec.insert("finalizers".into(), f),
                    None => spec.remove("finalizers"),
                };
            }
            *new = merged;
            return Ok(());
        }
        Part::Main => {}
    }
    if info.has_status || info.plural == "namespaces" {
        if let Some(map) = new.as_object_mut() {
            match old.get("status") {
                Some(s) => map.insert("status".into(), s.clone()),
                None => map.remove("status"),
            };
        }
    }
    if info.plural == "namespaces" && info.group.is_empty() {
        if let (Some(map), Some(spec)) = (new.as_object_mut(), old.get("spec")) {
            map.insert("spec".into(), spec.clone());
        }
    }
    let deleting = old_meta.get("deletionTimestamp").is_some();
    if deleting {
        let before = finalizers(old);
        let added: Vec<String> = finalizers(new)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        if !added.is_empty() {
            let list = added
                .iter()
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            let name = meta_str(old, "name").unwrap_or("");
            return Err(invalid(
                &info.kind,
                &info.group,
                name,
                vec![cause(
                    "FieldValueForbidden",
                    "metadata.finalizers",
                    format!("Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{list}}}"),
                )],
            ));
        }
    }
    let spec_changed = spec_differs(new, old);
    if let Some(meta) = meta_mut(new) {
        for k in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ] {
            match old_meta.get(k) {
                Some(v) => meta.insert(k.into(), v.clone()),
                None => meta.remove(k),
            };
        }
        meta.remove("selfLink");
        if tracks_generation(info) && spec_changed {
            let g = old_meta.get("generation").and_then(Value::as_i64).unwrap_or(0);
            meta.insert("generation".into(), json!(g + 1));
        }
    }
    Ok(())
}

/// Whether two objects differ outside metadata and status: what `generation` tracks.
fn spec_differs(a: &Value, b: &Value) -> bool {
    let skip = |k: &str| k == "metadata" || k == "status";
    match (a.as_object(), b.as_object()) {
        (Some(x), Some(y)) => {
            x.iter().filter(|(k, _)| !skip(k)).count() != y.iter().filter(|(k, _)| !skip(k)).count()
                || x.iter()
                    .filter(|(k, _)| !skip(k))
                    .any(|(k, v)| y.get(k) != Some(v))
        }
        _ => a != b,
    }
}

/// Whether two revisions differ in anything but resourceVersion (compared without copying).
pub fn same_content(a: &Value, b: &Value) -> bool {
    let (Some(x), Some(y)) = (a.as_object(), b.as_object()) else {
        return a == b;
    };
    if x.len() != y.len() {
        return false;
    }
    x.iter().all(|(k, v)| match (k.as_str(), y.get(k)) {
        ("metadata", Some(w)) => match (v.as_object(), w.as_object()) {
            (Some(m), Some(n)) => {
                let rv = |k: &&String| k.as_str() != "resourceVersion";
                m.keys().filter(rv).count() == n.keys().filter(rv).count()
                    && m.iter().filter(|(k, _)| rv(k)).all(|(k, v)| n.get(k) == Some(v))
            }
            _ => v == w,
        },
        (_, Some(w)) => v == w,
        (_, None) => false,
    })
}

/// Whether an object being deleted has no finalizers left and can go.
pub fn ready_to_delete(obj: &Value) -> bool {
    let deleting = obj
        .get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some();
    let spec_fins = obj
        .get("spec")
        .and_then(|s| s.get("finalizers"))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
        && obj.get("kind").and_then(Value::as_str) == Some("Namespace");
    deleting && finalizers(obj).is_empty() && !spec_fins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_ignores_only_the_resource_version() {
        let a = json!({"kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"1"},"data":{"k":"v"}});
        let b = json!({"kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"2"},"data":{"k":"v"}});
        let c = json!({"kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":"w"}});
        let d = json!({"kind":"ConfigMap","metadata":{"name":"x","labels":{}},"data":{"k":"v"}});
        assert!(same_content(&a, &b));
        assert!(!same_content(&a, &c));
        assert!(!same_content(&a, &d));
    }

    #[test]
    fn generation_tracks_everything_but_metadata_and_status() {
        let a = json!({"metadata":{"name":"x"},"spec":{"r":1},"status":{"s":1}});
        let b = json!({"metadata":{"name":"y"},"spec":{"r":1},"status":{"s":2}});
        let c = json!({"metadata":{"name":"x"},"spec":{"r":2}});
        let d = json!({"metadata":{"name":"x"},"spec":{"r":1},"extra":1});
        assert!(!spec_differs(&a, &b));
        assert!(spec_differs(&a, &c));
        assert!(spec_differs(&a, &d));
    }
}
