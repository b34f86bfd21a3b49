//! Per-resource validation: the object metadata checks with each kind's name rule, and the simple
//! kinds (ConfigMap, Secret, Namespace, Node, ServiceAccount, Lease, CRD). Workloads, Services and
//! Events have their own modules.
//!
//! Mirrors k8s.io/kubernetes `pkg/apis/core/validation/validation.go`,
//! `pkg/apis/coordination/validation` and apimachinery `api/validation/objectmeta.go`.

use serde_json::{Map, Value};

use super::names::{
    config_map_key, dns1123_label, dns1123_subdomain, label_value, path_segment_name, qualified_name,
};
use super::{events, str_at, workloads, FieldError};

/// A name rule: the problems with a name (or a generateName prefix).
pub(super) type NameFn = fn(&str) -> Vec<String>;

/// Whether objects of a resource live in a namespace.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Namespaced,
    Cluster,
    /// Custom resources: the scope is the CRD's business, not checked here.
    Unknown,
}

pub(super) fn validate_kind(resource: &str, obj: &Value) -> Vec<FieldError> {
    match resource {
        "configmaps" => config_map(obj),
        "secrets" => secret(obj),
        "services" => workloads::service(obj),
        "pods" => workloads::pod(obj),
        "deployments" => workloads::deployment(obj),
        "events" => events::event(obj),
        "namespaces" => object_meta(obj, Scope::Cluster, dns1123_label),
        "nodes" => object_meta(obj, Scope::Cluster, dns1123_subdomain),
        "serviceaccounts" => object_meta(obj, Scope::Namespaced, dns1123_subdomain),
        "leases" => lease(obj),
        "customresourcedefinitions" => crd(obj),
        _ => object_meta(obj, Scope::Unknown, dns1123_subdomain),
    }
}

pub(super) fn validate_kind_update(resource: &str, obj: &Value, old: &Value) -> Vec<FieldError> {
    match resource {
        "configmaps" | "secrets" => immutable_data(obj, old),
        "services" => workloads::service_update(obj, old),
        "deployments" => workloads::deployment_update(obj, old),
        _ => Vec::new(),
    }
}

/// The metadata checks every kind runs, with the kind's name rule.
///
/// Mirrors apimachinery `ValidateObjectMeta`.
pub(super) fn object_meta(obj: &Value, scope: Scope, name_fn: NameFn) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let generate_name = str_at(obj, &["metadata", "generateName"]);
    if !generate_name.is_empty() {
        let masked = mask_trailing_dash(generate_name);
        for msg in name_fn(&masked) {
            errs.push(FieldError::invalid("metadata.generateName", generate_name, msg));
        }
    }
    let name = str_at(obj, &["metadata", "name"]);
    if name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in name_fn(name) {
            errs.push(FieldError::invalid("metadata.name", name, msg));
        }
    }
    let namespace = str_at(obj, &["metadata", "namespace"]);
    match scope {
        Scope::Namespaced if namespace.is_empty() => {
            errs.push(FieldError::required("metadata.namespace", ""));
        }
        Scope::Namespaced => {
            for msg in dns1123_label(namespace) {
                errs.push(FieldError::invalid("metadata.namespace", namespace, msg));
            }
        }
        Scope::Cluster if !namespace.is_empty() => {
            errs.push(FieldError::forbidden(
                "metadata.namespace",
                "not allowed on this type",
            ));
        }
        _ => {}
    }
    let meta = obj.get("metadata");
    if let Some(labels) = meta.and_then(|m| m.get("labels")).and_then(Value::as_object) {
        errs.extend(labels_errors(labels, "metadata.labels"));
    }
    if let Some(annotations) = meta.and_then(|m| m.get("annotations")).and_then(Value::as_object) {
        for key in sorted_keys(annotations) {
            for msg in qualified_name(&key.to_lowercase()) {
                errs.push(FieldError::invalid("metadata.annotations", key, msg));
            }
        }
    }
    let finalizers = meta.and_then(|m| m.get("finalizers")).and_then(Value::as_array);
    for finalizer in finalizers.into_iter().flatten().filter_map(Value::as_str) {
        for msg in qualified_name(finalizer) {
            errs.push(FieldError::invalid("metadata.finalizers", finalizer, msg));
        }
    }
    errs
}

/// `generateName` is checked with a trailing `-` masked, as the generated suffix follows it.
fn mask_trailing_dash(prefix: &str) -> String {
    match prefix.strip_suffix('-') {
        Some(rest) if !rest.is_empty() => format!("{rest}a"),
        _ => prefix.to_owned(),
    }
}

pub(super) fn sorted_keys(map: &Map<String, Value>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// Label keys must be qualified names and values valid label values; all reported at `field`.
///
/// Mirrors apimachinery `meta/v1/validation.ValidateLabels`.
pub(super) fn labels_errors(labels: &Map<String, Value>, field: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for key in sorted_keys(labels) {
        for msg in qualified_name(key) {
            errs.push(FieldError::invalid(field, key, msg));
        }
        let value = labels.get(key).and_then(Value::as_str).unwrap_or_default();
        for msg in label_value(value) {
            errs.push(FieldError::invalid(field, value, msg));
        }
    }
    errs
}

/// Data keys of a ConfigMap or Secret, reported as `data[key]`.
fn data_key_errors(obj: &Value, field: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(data) = obj.get(field).and_then(Value::as_object) {
        for key in sorted_keys(data) {
            for msg in config_map_key(key) {
                errs.push(FieldError::invalid(format!("{field}[{key}]"), key, msg));
            }
        }
    }
    errs
}

/// Mirrors core `ValidateConfigMap`.
fn config_map(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Namespaced, dns1123_subdomain);
    errs.extend(data_key_errors(obj, "data"));
    errs.extend(data_key_errors(obj, "binaryData"));
    let data = obj.get("data").and_then(Value::as_object);
    if let (Some(data), Some(binary)) = (data, obj.get("binaryData").and_then(Value::as_object)) {
        for key in sorted_keys(binary).into_iter().filter(|k| data.contains_key(*k)) {
            errs.push(FieldError::invalid(
                format!("binaryData[{key}]"),
                key,
                "duplicate of key present in data",
            ));
        }
    }
    errs
}

/// Mirrors core `ValidateSecret` (key syntax; the per-type required keys are not checked).
fn secret(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Namespaced, dns1123_subdomain);
    errs.extend(data_key_errors(obj, "data"));
    errs.extend(data_key_errors(obj, "stringData"));
    errs
}

/// An `immutable: true` ConfigMap or Secret keeps its data; a Secret keeps its type.
///
/// Mirrors core `ValidateConfigMapUpdate` and `ValidateSecretUpdate`.
fn immutable_data(obj: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let old_type = str_at(old, &["type"]);
    if !old_type.is_empty()
        && str_at(obj, &["type"]) != old_type
        && old.get("kind").and_then(Value::as_str) == Some("Secret")
    {
        errs.push(FieldError::invalid(
            "type",
            str_at(obj, &["type"]),
            "field is immutable",
        ));
    }
    if old.get("immutable").and_then(Value::as_bool) != Some(true) {
        return errs;
    }
    const MSG: &str = "field is immutable when `immutable` is set";
    if obj.get("immutable").and_then(Value::as_bool) != Some(true) {
        errs.push(FieldError::forbidden("immutable", MSG));
    }
    for field in ["data", "binaryData"] {
        if obj.get(field) != old.get(field) {
            errs.push(FieldError::forbidden(field, MSG));
        }
    }
    errs
}

/// Mirrors coordination `ValidateLease`.
fn lease(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Namespaced, dns1123_subdomain);
    let spec = obj.get("spec");
    if let Some(d) = spec
        .and_then(|s| s.get("leaseDurationSeconds"))
        .and_then(Value::as_i64)
    {
        if d <= 0 {
            errs.push(FieldError::invalid_raw(
                "spec.leaseDurationSeconds",
                d,
                "must be greater than 0",
            ));
        }
    }
    if let Some(t) = spec
        .and_then(|s| s.get("leaseTransitions"))
        .and_then(Value::as_i64)
    {
        if t < 0 {
            errs.push(FieldError::invalid_raw(
                "spec.leaseTransitions",
                t,
                "must be greater than or equal to 0",
            ));
        }
    }
    errs
}

/// A CRD is named `<plural>.<group>`.
///
/// Mirrors apiextensions `ValidateCustomResourceDefinition` (its name rule only).
fn crd(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Cluster, dns1123_subdomain);
    let name = str_at(obj, &["metadata", "name"]);
    let plural = str_at(obj, &["spec", "names", "plural"]);
    let group = str_at(obj, &["spec", "group"]);
    if !name.is_empty() && name != format!("{plural}.{group}") {
        errs.push(FieldError::invalid(
            "metadata.name",
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    errs
}

/// The checks the real server runs after a kind's own, for kinds without a name rule (Events).
///
/// Mirrors apimachinery `ValidateObjectMetaAccessor` with `path.ValidatePathSegmentName`.
pub(super) fn generic_meta(obj: &Value) -> Vec<FieldError> {
    object_meta(obj, Scope::Namespaced, path_segment_name)
}
