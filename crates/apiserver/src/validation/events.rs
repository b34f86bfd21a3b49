//! Event validation, for both views: core/v1 Events and events.k8s.io/v1 Events.
//!
//! The real server stores one internal Event; a core/v1 request gets the lax "legacy" checks, an
//! events.k8s.io/v1 request the legacy checks plus the strict ones. Which view `obj` is in is read
//! from its `apiVersion`.
//!
//! Mirrors k8s.io/kubernetes `pkg/apis/core/validation/events.go` (`ValidateEventCreate`,
//! `legacyValidateEvent`).

use serde_json::Value;

use super::kinds::{generic_meta, object_meta, Scope};
use super::names::{dns1123_subdomain, qualified_name};
use super::{str_at, FieldError};

const REPORTING_INSTANCE_LENGTH_LIMIT: usize = 128;
const ACTION_LENGTH_LIMIT: usize = 128;
const REASON_LENGTH_LIMIT: usize = 128;
const NOTE_LENGTH_LIMIT: usize = 1024;

/// The internal Event's fields, read from either view.
struct EventView<'a> {
    /// events.k8s.io/v1 (strict) rather than core/v1 or v1beta1 (legacy only).
    strict: bool,
    namespace: &'a str,
    event_time: bool,
    involved_namespace: &'a str,
    reporting_field: &'static str,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
    action: &'a str,
    reason: &'a str,
    message: &'a str,
    type_: &'a str,
    first_timestamp: bool,
    last_timestamp: bool,
    count: i64,
    source_set: bool,
    series: Option<&'a Value>,
}

fn is_set(v: Option<&Value>) -> bool {
    v.is_some_and(|t| !t.is_null() && t.as_str() != Some(""))
}

impl<'a> EventView<'a> {
    fn read(obj: &'a Value) -> Self {
        let events_api = str_at(obj, &["apiVersion"]).starts_with("events.k8s.io/");
        let strict = str_at(obj, &["apiVersion"]) == "events.k8s.io/v1";
        let pick = |core: &'static str, events: &'static str| if events_api { events } else { core };
        let source = obj.get(pick("source", "deprecatedSource"));
        EventView {
            strict,
            namespace: str_at(obj, &["metadata", "namespace"]),
            event_time: is_set(obj.get("eventTime")),
            involved_namespace: str_at(obj, &[pick("involvedObject", "regarding"), "namespace"]),
            reporting_field: pick("reportingComponent", "reportingController"),
            reporting_controller: str_at(obj, &[pick("reportingComponent", "reportingController")]),
            reporting_instance: str_at(obj, &["reportingInstance"]),
            action: str_at(obj, &["action"]),
            reason: str_at(obj, &["reason"]),
            message: str_at(obj, &[pick("message", "note")]),
            type_: str_at(obj, &["type"]),
            first_timestamp: is_set(obj.get(pick("firstTimestamp", "deprecatedFirstTimestamp"))),
            last_timestamp: is_set(obj.get(pick("lastTimestamp", "deprecatedLastTimestamp"))),
            count: obj
                .get(pick("count", "deprecatedCount"))
                .and_then(Value::as_i64)
                .unwrap_or(0),
            source_set: ["component", "host"]
                .iter()
                .any(|k| !str_at(source.unwrap_or(&Value::Null), &[k]).is_empty()),
            series: obj.get("series").filter(|s| !s.is_null()),
        }
    }
}

/// Validates an Event on create. When the Event's own checks pass, the generic metadata checks
/// (name required, path-segment rules) run, as in the real server.
pub(super) fn event(obj: &Value) -> Vec<FieldError> {
    let ev = EventView::read(obj);
    let mut errs = legacy(&ev);
    if ev.strict {
        errs.extend(object_meta(obj, Scope::Namespaced, dns1123_subdomain));
        errs.extend(strict(&ev));
    }
    if errs.is_empty() {
        errs = generic_meta(obj);
    }
    errs
}

fn too_long(errs: &mut Vec<FieldError>, field: &str, value: &str, limit: usize) {
    if value.len() > limit {
        errs.push(FieldError::invalid(
            field,
            "",
            format!("can have at most {limit} characters"),
        ));
    }
}

/// Mirrors `legacyValidateEvent`.
fn legacy(ev: &EventView<'_>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ns_mismatch = || {
        FieldError::invalid(
            "involvedObject.namespace",
            ev.involved_namespace,
            "does not match event.namespace",
        )
    };
    if !ev.event_time {
        let mismatch = if ev.involved_namespace.is_empty() {
            !ev.namespace.is_empty() && ev.namespace != "default"
        } else {
            ev.namespace != ev.involved_namespace
        };
        if mismatch {
            errs.push(ns_mismatch());
        }
    } else {
        if ev.involved_namespace.is_empty() && ev.namespace != "default" && ev.namespace != "kube-system" {
            errs.push(ns_mismatch());
        }
        if ev.reporting_controller.is_empty() {
            errs.push(FieldError::required(ev.reporting_field, ""));
        }
        for msg in qualified_name(ev.reporting_controller) {
            errs.push(FieldError::invalid(
                ev.reporting_field,
                ev.reporting_controller,
                msg,
            ));
        }
        if ev.reporting_instance.is_empty() {
            errs.push(FieldError::required("reportingInstance", ""));
        }
        too_long(
            &mut errs,
            "reportingInstance",
            ev.reporting_instance,
            REPORTING_INSTANCE_LENGTH_LIMIT,
        );
        if ev.action.is_empty() {
            errs.push(FieldError::required("action", ""));
        }
        too_long(&mut errs, "action", ev.action, ACTION_LENGTH_LIMIT);
        if ev.reason.is_empty() {
            errs.push(FieldError::required("reason", ""));
        }
        too_long(&mut errs, "reason", ev.reason, REASON_LENGTH_LIMIT);
        too_long(&mut errs, "message", ev.message, NOTE_LENGTH_LIMIT);
    }
    for msg in dns1123_subdomain(ev.namespace) {
        errs.push(FieldError::invalid("namespace", ev.namespace, msg));
    }
    errs
}

/// Mirrors the events.k8s.io/v1 part of `ValidateEventCreate` and `validateV1EventSeries`.
fn strict(ev: &EventView<'_>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(series) = ev.series {
        if series.get("count").and_then(Value::as_i64).unwrap_or(0) < 2 {
            errs.push(FieldError::invalid("series.count", "", "should be at least 2"));
        }
        if !is_set(series.get("lastObservedTime")) {
            errs.push(FieldError::required("series.lastObservedTime", ""));
        }
    }
    if !ev.event_time {
        errs.push(FieldError::required("eventTime", ""));
    }
    if ev.type_ != "Normal" && ev.type_ != "Warning" {
        errs.push(FieldError::invalid(
            "type",
            "",
            format!("has invalid value: {}", ev.type_),
        ));
    }
    let unset = [
        (ev.first_timestamp, "firstTimestamp"),
        (ev.last_timestamp, "lastTimestamp"),
        (ev.count != 0, "count"),
        (ev.source_set, "source"),
    ];
    for (set, field) in unset {
        if set {
            errs.push(FieldError::invalid(field, "", "needs to be unset"));
        }
    }
    errs
}
