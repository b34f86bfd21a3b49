//! events.k8s.io/v1 Events: the newer event API, with series and a reporting controller.

use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{MicroTime, ObjectMeta, Time};
use serde::{Deserialize, Serialize};

use crate::core::v1::{EventSource, ObjectReference};
use crate::macros::resource;
use crate::serde_util::null_as_default;
use crate::RawJson;

/// An event in the events.k8s.io/v1 shape; the server stores it as the same object as a core/v1
/// [`Event`](crate::core::v1::Event).
///
/// Mirrors events.k8s.io/v1 `Event`. Like Go, `eventTime`, `deprecatedSource` and the deprecated
/// timestamps are always written (`null` or `{}` when unset).
/// The series is kept verbatim.
#[doc(alias = "v1.Event")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// `events.k8s.io/v1`.
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
    /// When the event was first observed.
    #[serde(default)]
    pub event_time: Option<MicroTime>,
    /// Series data for repeated events, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<RawJson>,
    /// The controller that emitted it, e.g. `kubernetes.io/kubelet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_controller: Option<SharedStr>,
    /// The controller instance that emitted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_instance: Option<SharedStr>,
    /// What was done or failed, e.g. `Pulling`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<SharedStr>,
    /// Why, e.g. `Pulling`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// The object the event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regarding: Option<ObjectReference>,
    /// A secondary object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<ObjectReference>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<SharedStr>,
    /// `Normal` or `Warning`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<SharedStr>,
    /// The core/v1 `source`, for compatibility.
    #[serde(default)]
    pub deprecated_source: EventSource,
    /// The core/v1 `firstTimestamp`, for compatibility.
    #[serde(default)]
    pub deprecated_first_timestamp: Option<Time>,
    /// The core/v1 `lastTimestamp`, for compatibility.
    #[serde(default)]
    pub deprecated_last_timestamp: Option<Time>,
    /// The core/v1 `count`, for compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_count: Option<i32>,
}

resource!(
    Event,
    group = "events.k8s.io",
    version = "v1",
    kind = "Event",
    plural = "events",
    namespaced = true
);
