//! Pods: the unit of scheduling, one or more containers sharing a network namespace and volumes.

use std::borrow::Cow;

use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{ObjectMeta, StringMap, Time};
use serde::{Deserialize, Serialize};

use crate::core::v1::container::Container;
use crate::core::v1::container_status::ContainerStatus;
use crate::core::v1::object_reference::LocalObjectReference;
use crate::core::v1::resources::ResourceList;
use crate::core::v1::volume::Volume;
use crate::macros::{resource, str_field};
use crate::serde_util::{is_false, null_as_default, vec_exact};
use crate::RawJson;

/// A pod: desired containers and volumes (`spec`) and what the kubelet observes (`status`).
///
/// Mirrors core/v1 `Pod` (`k8s.io/api/core/v1/types.go`). `spec` and `status` are plain values, as in
/// Go, and are always written (`{}` when empty).
#[doc(alias = "v1.Pod")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Pod`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: PodSpec,
    /// Observed state.
    #[serde(default)]
    pub status: PodStatus,
}

resource!(
    Pod,
    group = "",
    version = "v1",
    kind = "Pod",
    plural = "pods",
    namespaced = true,
    fields = pod_field
);

/// The field-selector paths the API server supports for pods (`pod.ToSelectableFields`).
fn pod_field<'a>(pod: &'a Pod, path: &str) -> Option<Cow<'a, str>> {
    match path {
        "spec.nodeName" => str_field(pod.spec.node_name.as_ref()),
        "spec.restartPolicy" => str_field(pod.spec.restart_policy.as_ref()),
        "spec.schedulerName" => str_field(pod.spec.scheduler_name.as_ref()),
        "spec.serviceAccountName" => str_field(pod.spec.service_account_name.as_ref()),
        "spec.hostNetwork" => Some(Cow::Borrowed(if pod.spec.host_network {
            "true"
        } else {
            "false"
        })),
        "status.phase" => str_field(pod.status.phase.as_ref()),
        // The server selects on the first of podIPs, not on the singular field.
        "status.podIP" => Some(Cow::Borrowed(
            pod.status.pod_ips.first().map_or("", |ip| ip.ip.as_str()),
        )),
        "status.nominatedNodeName" => str_field(pod.status.nominated_node_name.as_ref()),
        _ => None,
    }
}

/// What a pod should run and how.
///
/// Mirrors core/v1 `PodSpec`. Deep, rarely read members (affinity, security context, DNS config,
/// topology spread constraints, ephemeral containers, ...) are kept verbatim as [`RawJson`].
#[doc(alias = "v1.PodSpec")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// Volumes the containers can mount.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub volumes: Vec<Volume>,
    /// Containers run to completion, in order, before the main containers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub init_containers: Vec<Container>,
    /// The main containers.
    #[serde(default, deserialize_with = "vec_exact")]
    pub containers: Vec<Container>,
    /// Debugging containers added to a running pod, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_containers: Option<RawJson>,
    /// `Always`, `OnFailure` or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<SharedStr>,
    /// Seconds between SIGTERM and SIGKILL on deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    /// Time limit for the pod, in seconds since it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    /// `ClusterFirst`, `ClusterFirstWithHostNet`, `Default` or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<SharedStr>,
    /// Labels a node must have to run the pod.
    #[serde(
        default,
        skip_serializing_if = "StringMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub node_selector: StringMap,
    /// The ServiceAccount the pod runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<SharedStr>,
    /// Deprecated alias of `serviceAccountName`, still written by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<SharedStr>,
    /// Whether the ServiceAccount token is mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// The node the pod is bound to; empty until scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<SharedStr>,
    /// Whether the pod uses the host's network namespace.
    #[serde(default, skip_serializing_if = "is_false")]
    pub host_network: bool,
    /// Whether the pod uses the host's PID namespace.
    #[serde(default, rename = "hostPID", skip_serializing_if = "is_false")]
    pub host_pid: bool,
    /// Whether the pod uses the host's IPC namespace.
    #[serde(default, rename = "hostIPC", skip_serializing_if = "is_false")]
    pub host_ipc: bool,
    /// Whether containers share one PID namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_process_namespace: Option<bool>,
    /// Pod-level security options, kept verbatim (the server writes `{}` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<RawJson>,
    /// Secrets used to pull images.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    /// Hostname inside the pod; the pod name when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<SharedStr>,
    /// Subdomain, for `<hostname>.<subdomain>.<ns>.svc` DNS names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<SharedStr>,
    /// Node and pod (anti-)affinity, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<RawJson>,
    /// The scheduler responsible for the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<SharedStr>,
    /// Taints the pod tolerates.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub tolerations: Vec<Toleration>,
    /// Extra /etc/hosts entries, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_aliases: Option<RawJson>,
    /// Name of the PriorityClass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<SharedStr>,
    /// Priority resolved from the PriorityClass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// DNS resolver settings, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_config: Option<RawJson>,
    /// Extra conditions for readiness, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_gates: Option<RawJson>,
    /// The RuntimeClass to run with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<SharedStr>,
    /// Whether Service environment variables are injected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_service_links: Option<bool>,
    /// `PreemptLowerPriority` or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<SharedStr>,
    /// Resources the runtime itself uses for the pod.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub overhead: ResourceList,
    /// How pods spread across topology domains, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_spread_constraints: Option<RawJson>,
    /// Whether the hostname is the FQDN.
    #[serde(
        default,
        rename = "setHostnameAsFQDN",
        skip_serializing_if = "Option::is_none"
    )]
    pub set_hostname_as_fqdn: Option<bool>,
    /// The pod's OS, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<RawJson>,
    /// Whether the host's user namespace is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_users: Option<bool>,
    /// Gates that hold the pod back from scheduling, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_gates: Option<RawJson>,
    /// Dynamic resource claims, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_claims: Option<RawJson>,
    /// Pod-level resource requirements, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<RawJson>,
    /// Hostname override for the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname_override: Option<SharedStr>,
}

/// A taint the pod tolerates.
///
/// Mirrors core/v1 `Toleration`.
#[doc(alias = "v1.Toleration")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Toleration {
    /// Taint key; empty with operator `Exists` matches every taint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<SharedStr>,
    /// `Exists` or `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<SharedStr>,
    /// Value for `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SharedStr>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<SharedStr>,
    /// How long a `NoExecute` taint is tolerated before eviction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// What the kubelet and the control plane observe about a pod.
///
/// Mirrors core/v1 `PodStatus`. Resource claim statuses are kept verbatim.
#[doc(alias = "v1.PodStatus")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    /// The spec generation this status reflects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<SharedStr>,
    /// Conditions such as `PodScheduled`, `Initialized`, `ContainersReady`, `Ready`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub conditions: Vec<PodCondition>,
    /// Human-readable detail about the pod's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
    /// Short reason, e.g. `Evicted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Node the scheduler nominated while preempting for this pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_node_name: Option<SharedStr>,
    /// Primary IP of the node.
    #[serde(default, rename = "hostIP", skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<SharedStr>,
    /// IPs of the node.
    #[serde(
        default,
        rename = "hostIPs",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub host_ips: Vec<HostIp>,
    /// Primary IP of the pod.
    #[serde(default, rename = "podIP", skip_serializing_if = "Option::is_none")]
    pub pod_ip: Option<SharedStr>,
    /// IPs of the pod, primary first.
    #[serde(
        default,
        rename = "podIPs",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub pod_ips: Vec<PodIp>,
    /// When the kubelet acknowledged the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// Statuses of the init containers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub init_container_statuses: Vec<ContainerStatus>,
    /// Statuses of the main containers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub container_statuses: Vec<ContainerStatus>,
    /// `Guaranteed`, `Burstable` or `BestEffort`.
    #[serde(default, rename = "qosClass", skip_serializing_if = "Option::is_none")]
    pub qos_class: Option<SharedStr>,
    /// Statuses of ephemeral containers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub ephemeral_container_statuses: Vec<ContainerStatus>,
    /// Deprecated in-place resize status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize: Option<SharedStr>,
    /// Resource claim statuses, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_claim_statuses: Option<RawJson>,
    /// Extended resource claim status, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_resource_claim_status: Option<RawJson>,
}

/// One pod condition, e.g. `Ready: True`.
///
/// Mirrors core/v1 `PodCondition`. The two times are always written, `null` when unset, like Go's
/// `metav1.Time`.
#[doc(alias = "v1.PodCondition")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCondition {
    /// Condition type, e.g. `Ready`.
    #[serde(default, rename = "type")]
    pub type_: SharedStr,
    /// The spec generation the condition was set for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: SharedStr,
    /// When the condition was last probed.
    #[serde(default)]
    pub last_probe_time: Option<Time>,
    /// When the status last changed.
    #[serde(default)]
    pub last_transition_time: Option<Time>,
    /// Machine-readable reason for the last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
}

/// One IP address of a pod.
///
/// Mirrors core/v1 `PodIP`.
#[doc(alias = "v1.PodIP")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodIp {
    /// The address.
    #[serde(default)]
    pub ip: SharedStr,
}

/// One IP address of the pod's node.
///
/// Mirrors core/v1 `HostIP`.
#[doc(alias = "v1.HostIP")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostIp {
    /// The address.
    #[serde(default)]
    pub ip: SharedStr,
}

impl Pod {
    /// The pod's condition of type `type_`, e.g. `Ready`.
    pub fn condition(&self, type_: &str) -> Option<&PodCondition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }

    /// True when the `Ready` condition is `True`.
    ///
    /// Mirrors `podutil.IsPodReady`.
    pub fn is_ready(&self) -> bool {
        self.condition("Ready").is_some_and(|c| c.status == "True")
    }
}
