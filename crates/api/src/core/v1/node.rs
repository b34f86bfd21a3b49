//! Nodes: the machines pods run on.

use std::borrow::Cow;

use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

use crate::core::v1::resources::ResourceList;
use crate::macros::resource;
use crate::serde_util::{is_false, null_as_default, vec_exact};
use crate::RawJson;

/// A node.
///
/// Mirrors core/v1 `Node`. `spec` and `status` are always written, like Go.
#[doc(alias = "v1.Node")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Node`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Configuration: CIDRs, taints, schedulability.
    #[serde(default)]
    pub spec: NodeSpec,
    /// Observed capacity, conditions and addresses.
    #[serde(default)]
    pub status: NodeStatus,
}

resource!(
    Node,
    group = "",
    version = "v1",
    kind = "Node",
    plural = "nodes",
    namespaced = false,
    fields = node_field
);

/// Nodes support `spec.unschedulable` besides the metadata fields.
fn node_field<'a>(node: &'a Node, path: &str) -> Option<Cow<'a, str>> {
    match path {
        "spec.unschedulable" => Some(Cow::Borrowed(if node.spec.unschedulable {
            "true"
        } else {
            "false"
        })),
        _ => None,
    }
}

/// Mirrors core/v1 `NodeSpec`. The deprecated dynamic config source is kept verbatim.
#[doc(alias = "v1.NodeSpec")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    /// Pod IP range of the node.
    #[serde(default, rename = "podCIDR", skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<SharedStr>,
    /// Pod IP ranges, one per IP family.
    #[serde(
        default,
        rename = "podCIDRs",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub pod_cidrs: Vec<SharedStr>,
    /// Cloud provider id, `<provider>://<id>`.
    #[serde(default, rename = "providerID", skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<SharedStr>,
    /// Whether new pods may not be scheduled here (cordoned).
    #[serde(default, skip_serializing_if = "is_false")]
    pub unschedulable: bool,
    /// Taints repelling pods that do not tolerate them.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub taints: Vec<Taint>,
    /// Deprecated dynamic kubelet config source, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_source: Option<RawJson>,
    /// Deprecated external id.
    #[serde(default, rename = "externalID", skip_serializing_if = "Option::is_none")]
    pub external_id: Option<SharedStr>,
}

/// A taint on a node.
///
/// Mirrors core/v1 `Taint`.
#[doc(alias = "v1.Taint")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Taint {
    /// Taint key.
    #[serde(default)]
    pub key: SharedStr,
    /// Taint value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SharedStr>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    #[serde(default)]
    pub effect: SharedStr,
    /// When a `NoExecute` taint was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<Time>,
}

/// Mirrors core/v1 `NodeStatus`. System info, images, attached volumes, daemon endpoints, config,
/// runtime handlers and features are kept verbatim (images alone can be many kilobytes).
#[doc(alias = "v1.NodeStatus")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Total resources of the node.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub capacity: ResourceList,
    /// Resources available to pods.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub allocatable: ResourceList,
    /// Deprecated lifecycle phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<SharedStr>,
    /// Conditions such as `Ready`, `MemoryPressure`, `DiskPressure`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub conditions: Vec<NodeCondition>,
    /// Addresses: `InternalIP`, `Hostname`, ...
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub addresses: Vec<NodeAddress>,
    /// Kubelet endpoint, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon_endpoints: Option<RawJson>,
    /// Versions of kubelet, runtime, kernel, OS, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_info: Option<RawJson>,
    /// Images on the node, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<RawJson>,
    /// Volumes in use, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes_in_use: Option<RawJson>,
    /// Volumes attached, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes_attached: Option<RawJson>,
    /// Dynamic config status, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RawJson>,
    /// Available runtime handlers, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_handlers: Option<RawJson>,
    /// Supported node features, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<RawJson>,
    /// Declared node features, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_features: Option<RawJson>,
}

/// One node condition.
///
/// Mirrors core/v1 `NodeCondition`. The two times are always written, `null` when unset, like Go.
#[doc(alias = "v1.NodeCondition")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeCondition {
    /// Condition type, e.g. `Ready`.
    #[serde(default, rename = "type")]
    pub type_: SharedStr,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: SharedStr,
    /// When the kubelet last reported it.
    #[serde(default)]
    pub last_heartbeat_time: Option<Time>,
    /// When the status last changed.
    #[serde(default)]
    pub last_transition_time: Option<Time>,
    /// Machine-readable reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
}

/// One address of a node.
///
/// Mirrors core/v1 `NodeAddress`.
#[doc(alias = "v1.NodeAddress")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAddress {
    /// `Hostname`, `InternalIP`, `ExternalIP`, `InternalDNS` or `ExternalDNS`.
    #[serde(default, rename = "type")]
    pub type_: SharedStr,
    /// The address.
    #[serde(default)]
    pub address: SharedStr,
}

impl Node {
    /// The node's condition of type `type_`, e.g. `Ready`.
    pub fn condition(&self, type_: &str) -> Option<&NodeCondition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }
}
