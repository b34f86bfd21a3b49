//! Validation of objects before they are stored, with the real server's 422 Status.
//!
//! [`validate`] checks what the embedded server's resources need (names per kind, labels, Service
//! type and ports, Deployment selector and template, Pod containers, Event required fields, Lease
//! durations, ConfigMap/Secret keys, finalizers of an object being deleted) and reports every
//! problem at once, as the real server does: `ConfigMap "Bad_Name" is invalid: metadata.name:
//! Invalid value: ...`, several joined as `[a, b]`, one `details.causes` entry per problem.
//!
//! Call it after the server's own changes (namespace from the path, defaults, name from
//! `generateName`) and before storing. Custom resources get the metadata checks only.
//!
//! Mirrors k8s.io/kubernetes `pkg/apis/*/validation` and apimachinery `api/validation/objectmeta.go`,
//! with apimachinery `field.Error` and `errors.NewInvalid`.

mod events;
mod kinds;
pub mod names;
mod workloads;

use std::fmt;

use clientgo_apimachinery::{Status, StatusCause, StatusDetails, StatusReason};
use serde_json::Value;

/// The category of a field problem.
///
/// Mirrors apimachinery `field.ErrorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorType {
    /// `Required value` (`FieldValueRequired`).
    Required,
    /// `Invalid value` (`FieldValueInvalid`).
    Invalid,
    /// `Unsupported value` (`FieldValueNotSupported`).
    NotSupported,
    /// `Forbidden` (`FieldValueForbidden`).
    Forbidden,
    /// `Duplicate value` (`FieldValueDuplicate`).
    Duplicate,
}

impl ErrorType {
    fn text(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::Duplicate => "Duplicate value",
        }
    }

    fn cause(self) -> &'static str {
        match self {
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::Duplicate => "FieldValueDuplicate",
        }
    }
}

/// The offending value, printed as Go's `field.Error` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BadValue {
    /// Not printed (Required, Forbidden).
    Omit,
    /// A string, printed quoted: `"Bad_Name"`.
    Str(String),
    /// Printed as is: numbers, and Go renderings such as `map[string]string{"app":"web"}`.
    Raw(String),
}

/// One problem with one field.
///
/// Mirrors apimachinery `field.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    kind: ErrorType,
    field: String,
    value: BadValue,
    detail: String,
}

impl FieldError {
    /// `field: Required value[: detail]`.
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Required, field, BadValue::Omit, detail)
    }

    /// `field: Invalid value: "value": detail`.
    pub fn invalid(field: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Invalid, field, BadValue::Str(value.to_owned()), detail)
    }

    /// `field: Invalid value: value: detail`, the value printed unquoted (numbers, Go renderings).
    pub fn invalid_raw(
        field: impl Into<String>,
        value: impl fmt::Display,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(
            ErrorType::Invalid,
            field,
            BadValue::Raw(value.to_string()),
            detail,
        )
    }

    /// `field: Unsupported value: "value": supported values: "a", "b"`.
    pub fn not_supported(field: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| quote(s)).collect();
        let detail = format!("supported values: {}", list.join(", "));
        Self::new(
            ErrorType::NotSupported,
            field,
            BadValue::Str(value.to_owned()),
            detail,
        )
    }

    /// `field: Forbidden: detail`.
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Forbidden, field, BadValue::Omit, detail)
    }

    /// `field: Duplicate value: "value"`.
    pub fn duplicate(field: impl Into<String>, value: &str) -> Self {
        Self::new(ErrorType::Duplicate, field, BadValue::Str(value.to_owned()), "")
    }

    fn new(kind: ErrorType, field: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        FieldError {
            kind,
            field: field.into(),
            value,
            detail: detail.into(),
        }
    }

    /// The category.
    pub fn error_type(&self) -> ErrorType {
        self.kind
    }

    /// The field path, e.g. `spec.ports[0].port`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The message without the field: `Invalid value: "x": detail`.
    ///
    /// Mirrors apimachinery `field.Error.ErrorBody`.
    pub fn body(&self) -> String {
        let mut s = self.kind.text().to_owned();
        let omit = matches!(self.kind, ErrorType::Required | ErrorType::Forbidden);
        match &self.value {
            _ if omit => {}
            BadValue::Omit => {}
            BadValue::Str(v) => s.push_str(&format!(": {}", quote(v))),
            BadValue::Raw(v) => s.push_str(&format!(": {v}")),
        }
        if !self.detail.is_empty() {
            s.push_str(&format!(": {}", self.detail));
        }
        s
    }
}

/// `field: body`, as in the Status message.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// A Go `%q`-style quoted string (JSON quoting, which agrees for printable text).
pub(crate) fn quote(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// The 422 `Invalid` Status for `errors` about the object `name` of `kind` in `group`.
///
/// The message is `Kind[.group] "name" is invalid: <errors>`, the errors deduplicated by text and,
/// when more than one remains, bracketed and comma-separated; every error is a cause.
///
/// Mirrors apimachinery `errors.NewInvalid` with `field.ErrorList.ToAggregate`.
pub fn invalid_status(kind: &str, group: Option<&str>, name: &str, errors: &[FieldError]) -> Status {
    let qualified = match group {
        Some(g) if !g.is_empty() => format!("{kind}.{g}"),
        _ => kind.to_owned(),
    };
    let mut texts: Vec<String> = Vec::new();
    for e in errors {
        let t = e.to_string();
        if !texts.contains(&t) {
            texts.push(t);
        }
    }
    let message = match texts.as_slice() {
        [] => format!("{qualified} {} is invalid", quote(name)),
        [one] => format!("{qualified} {} is invalid: {one}", quote(name)),
        many => format!("{qualified} {} is invalid: [{}]", quote(name), many.join(", ")),
    };
    let causes = errors
        .iter()
        .map(|e| StatusCause {
            reason: Some(e.kind.cause().to_owned()),
            message: Some(e.body()),
            field: Some(e.field.clone()),
            ..StatusCause::default()
        })
        .collect();
    Status::failure(422, StatusReason::INVALID, message).with_details(StatusDetails {
        name: (!name.is_empty()).then(|| name.to_owned()),
        group: group.filter(|g| !g.is_empty()).map(str::to_owned),
        kind: Some(kind.to_owned()),
        causes,
        ..StatusDetails::default()
    })
}

/// Validates `obj` about to be stored as `resource` (the plural, e.g. `services`); `old` is the
/// stored version for an update (`None` on create).
///
/// # Errors
/// The real server's 422 `Invalid` Status listing every problem found.
///
/// Mirrors the `Validate`/`ValidateUpdate` of each resource's registry strategy, followed by the
/// generic object-meta checks of apiserver `rest.BeforeCreate`/`BeforeUpdate`.
// The error is the Status the HTTP layer sends as is; boxing it would only add an allocation there.
#[allow(clippy::result_large_err)]
pub fn validate(resource: &str, obj: &Value, old: Option<&Value>) -> Result<(), Status> {
    let (kind, group) = kind_and_group(resource, obj);
    let errors = collect_errors(resource, obj, old);
    if errors.is_empty() {
        return Ok(());
    }
    let name = str_at(obj, &["metadata", "name"]);
    Err(invalid_status(&kind, Some(&group), name, &errors))
}

/// Every problem with `obj`, in the order the real server finds them.
pub fn collect_errors(resource: &str, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(old) = old {
        let meta = object_meta_update(obj, old);
        errors.extend(meta.iter().cloned());
        errors.extend(meta);
    }
    errors.extend(kinds::validate_kind(resource, obj));
    if let Some(old) = old {
        errors.extend(kinds::validate_kind_update(resource, obj, old));
    }
    errors
}

/// The kind and group errors name: from the resource table for built-ins (Events are core Events
/// whichever API group served them), else from the object.
fn kind_and_group(resource: &str, obj: &Value) -> (String, String) {
    let builtin = match resource {
        "configmaps" => Some(("ConfigMap", "")),
        "secrets" => Some(("Secret", "")),
        "services" => Some(("Service", "")),
        "pods" => Some(("Pod", "")),
        "namespaces" => Some(("Namespace", "")),
        "nodes" => Some(("Node", "")),
        "serviceaccounts" => Some(("ServiceAccount", "")),
        "events" => Some(("Event", "")),
        "deployments" => Some(("Deployment", "apps")),
        "leases" => Some(("Lease", "coordination.k8s.io")),
        "customresourcedefinitions" => Some(("CustomResourceDefinition", "apiextensions.k8s.io")),
        _ => None,
    };
    if let Some((k, g)) = builtin {
        return (k.to_owned(), g.to_owned());
    }
    let kind = str_at(obj, &["kind"]).to_owned();
    let api_version = str_at(obj, &["apiVersion"]);
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or_default();
    (kind, group.to_owned())
}

/// The string at `path`, or `""`.
pub(crate) fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = obj;
    for key in path {
        match cur.get(key) {
            Some(v) => cur = v,
            None => return "",
        }
    }
    cur.as_str().unwrap_or_default()
}

/// Checks of an update that apply to every kind: immutable name and namespace, and no new finalizers
/// once deletion started. The real server runs them twice (the generic check and the strategy's), so
/// each problem appears twice among the causes, once in the message.
///
/// Mirrors apimachinery `ValidateObjectMetaUpdate`.
fn object_meta_update(obj: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for field in ["name", "namespace"] {
        let (new_v, old_v) = (
            str_at(obj, &["metadata", field]),
            str_at(old, &["metadata", field]),
        );
        if new_v != old_v {
            errs.push(FieldError::invalid(
                format!("metadata.{field}"),
                new_v,
                "field is immutable",
            ));
        }
    }
    let deleting = old
        .get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|t| !t.is_null());
    if deleting {
        let old_fin = finalizers(old);
        let added: Vec<&str> = finalizers(obj)
            .into_iter()
            .filter(|f| !old_fin.contains(f))
            .collect();
        if !added.is_empty() {
            let go: Vec<String> = added.iter().map(|f| quote(f)).collect();
            errs.push(FieldError::forbidden(
                "metadata.finalizers",
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    go.join(", ")
                ),
            ));
        }
    }
    errs
}

fn finalizers(obj: &Value) -> Vec<&str> {
    obj.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
