//! Leases: lightweight locks for leader election and node heartbeats.

use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{MicroTime, ObjectMeta};
use serde::{Deserialize, Serialize};

use crate::macros::resource;
use crate::serde_util::null_as_default;

/// A lease.
///
/// Mirrors coordination.k8s.io/v1 `Lease`. `spec` is always written, like Go.
#[doc(alias = "v1.Lease")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    /// `coordination.k8s.io/v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Lease`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Holder and timing.
    #[serde(default)]
    pub spec: LeaseSpec,
}

resource!(
    Lease,
    group = "coordination.k8s.io",
    version = "v1",
    kind = "Lease",
    plural = "leases",
    namespaced = true
);

/// Who holds a lease and until when.
///
/// Mirrors coordination.k8s.io/v1 `LeaseSpec`.
#[doc(alias = "v1.LeaseSpec")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseSpec {
    /// Identity of the current holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_identity: Option<SharedStr>,
    /// How long candidates wait after `renewTime` before taking over, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_duration_seconds: Option<i32>,
    /// When the current holder acquired the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquire_time: Option<MicroTime>,
    /// When the holder last renewed the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_time: Option<MicroTime>,
    /// How many times the lease changed holders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_transitions: Option<i32>,
    /// Coordinated leader election strategy, e.g. `OldestEmulationVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<SharedStr>,
    /// The holder the strategy prefers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_holder: Option<SharedStr>,
}
