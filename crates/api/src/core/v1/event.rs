//! core/v1 Events: reports of something that happened to an object.

use std::borrow::Cow;

use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{MicroTime, ObjectMeta, Time};
use serde::{Deserialize, Serialize};

use crate::core::v1::object_reference::ObjectReference;
use crate::macros::{resource, str_field};
use crate::serde_util::null_as_default;
use crate::RawJson;

/// An event, as recorded by `kubectl describe`'s "Events" section.
///
/// Mirrors core/v1 `Event`. Like Go, `involvedObject`, `source`, `firstTimestamp`, `lastTimestamp`,
/// `eventTime` (as `null` when unset), `reportingComponent` and `reportingInstance` are always
/// written. The series is kept verbatim.
#[doc(alias = "v1.Event")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Event`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The object the event is about.
    #[serde(default)]
    pub involved_object: ObjectReference,
    /// Short machine-readable reason, e.g. `Scheduled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
    /// The component that reported it (older reporters).
    #[serde(default)]
    pub source: EventSource,
    /// When the event was first recorded.
    #[serde(default)]
    pub first_timestamp: Option<Time>,
    /// When the event was most recently recorded.
    #[serde(default)]
    pub last_timestamp: Option<Time>,
    /// How many times it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
    /// `Normal` or `Warning`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<SharedStr>,
    /// When the event was first observed (newer reporters), with microseconds.
    #[serde(default)]
    pub event_time: Option<MicroTime>,
    /// Series data for repeated events, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<RawJson>,
    /// What was done, e.g. `Binding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<SharedStr>,
    /// A secondary object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<ObjectReference>,
    /// The controller that reported it, e.g. `kubernetes.io/kubelet`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub reporting_component: SharedStr,
    /// The controller instance that reported it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub reporting_instance: SharedStr,
}

resource!(
    Event,
    group = "",
    version = "v1",
    kind = "Event",
    plural = "events",
    namespaced = true,
    fields = event_field
);

/// The field-selector paths the API server supports for events (`event.ToSelectableFields`).
fn event_field<'a>(ev: &'a Event, path: &str) -> Option<Cow<'a, str>> {
    let obj = &ev.involved_object;
    match path {
        "involvedObject.kind" => str_field(obj.kind.as_ref()),
        "involvedObject.namespace" => str_field(obj.namespace.as_ref()),
        "involvedObject.name" => str_field(obj.name.as_ref()),
        "involvedObject.uid" => str_field(obj.uid.as_ref()),
        "involvedObject.apiVersion" => str_field(obj.api_version.as_ref()),
        "involvedObject.resourceVersion" => str_field(obj.resource_version.as_ref()),
        "involvedObject.fieldPath" => str_field(obj.field_path.as_ref()),
        "reason" => str_field(ev.reason.as_ref()),
        "reportingComponent" => Some(Cow::Borrowed(&ev.reporting_component)),
        // The server falls back to the reporting controller when the source component is empty.
        "source" => match ev.source.component.as_deref() {
            Some(c) if !c.is_empty() => Some(Cow::Borrowed(c)),
            _ => Some(Cow::Borrowed(&ev.reporting_component)),
        },
        "type" => str_field(ev.type_.as_ref()),
        _ => None,
    }
}

/// The component and host that reported an event.
///
/// Mirrors core/v1 `EventSource`.
#[doc(alias = "v1.EventSource")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSource {
    /// Reporting component, e.g. `kubelet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<SharedStr>,
    /// Node name, for kubelet events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<SharedStr>,
}
