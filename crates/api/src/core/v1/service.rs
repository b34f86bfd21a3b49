//! Services: a stable virtual IP and DNS name in front of a set of pods.

use std::borrow::Cow;

use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{ObjectMeta, StringMap};
use serde::{Deserialize, Serialize};

use crate::macros::{resource, str_field};
use crate::serde_util::{is_false, null_as_default, vec_exact};
use crate::IntOrString;
use crate::RawJson;

/// A Service.
///
/// Mirrors core/v1 `Service`. `spec` and `status` are always written, like Go.
#[doc(alias = "v1.Service")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Service`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired behaviour.
    #[serde(default)]
    pub spec: ServiceSpec,
    /// Observed load balancer state.
    #[serde(default)]
    pub status: ServiceStatus,
}

resource!(
    Service,
    group = "",
    version = "v1",
    kind = "Service",
    plural = "services",
    namespaced = true,
    fields = service_field
);

/// Services support `spec.clusterIP` (kube-proxy selects `spec.clusterIP!=None`) and `spec.type`.
fn service_field<'a>(svc: &'a Service, path: &str) -> Option<Cow<'a, str>> {
    match path {
        "spec.clusterIP" => str_field(svc.spec.cluster_ip.as_ref()),
        "spec.type" => str_field(svc.spec.type_.as_ref()),
        _ => None,
    }
}

/// What a Service exposes and how.
///
/// Mirrors core/v1 `ServiceSpec`. The session affinity config is kept verbatim.
#[doc(alias = "v1.ServiceSpec")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    /// Exposed ports.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub ports: Vec<ServicePort>,
    /// Labels of the pods traffic is routed to.
    #[serde(
        default,
        skip_serializing_if = "StringMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub selector: StringMap,
    /// Primary virtual IP, or `None` for headless services.
    #[serde(default, rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<SharedStr>,
    /// Virtual IPs, primary first.
    #[serde(
        default,
        rename = "clusterIPs",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub cluster_ips: Vec<SharedStr>,
    /// `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<SharedStr>,
    /// Extra IPs nodes accept traffic for.
    #[serde(
        default,
        rename = "externalIPs",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub external_ips: Vec<SharedStr>,
    /// `ClientIP` or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<SharedStr>,
    /// Deprecated requested load balancer IP.
    #[serde(default, rename = "loadBalancerIP", skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<SharedStr>,
    /// Client CIDRs allowed through the load balancer.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub load_balancer_source_ranges: Vec<SharedStr>,
    /// DNS name for `ExternalName` services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<SharedStr>,
    /// `Cluster` or `Local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<SharedStr>,
    /// Health check node port for `Local` traffic policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_node_port: Option<i32>,
    /// Whether not-ready pods get endpoints.
    #[serde(default, skip_serializing_if = "is_false")]
    pub publish_not_ready_addresses: bool,
    /// Session affinity settings, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity_config: Option<RawJson>,
    /// `IPv4` and/or `IPv6`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub ip_families: Vec<SharedStr>,
    /// `SingleStack`, `PreferDualStack` or `RequireDualStack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<SharedStr>,
    /// Whether `LoadBalancer` services get node ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocate_load_balancer_node_ports: Option<bool>,
    /// Load balancer implementation class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_class: Option<SharedStr>,
    /// `Cluster` or `Local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_traffic_policy: Option<SharedStr>,
    /// Traffic distribution preference, e.g. `PreferClose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_distribution: Option<SharedStr>,
}

/// One port a Service exposes.
///
/// Mirrors core/v1 `ServicePort`.
#[doc(alias = "v1.ServicePort")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// Port name, required when there are several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SharedStr>,
    /// `TCP`, `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<SharedStr>,
    /// Application protocol hint, e.g. `http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<SharedStr>,
    /// The port the Service listens on.
    #[serde(default)]
    pub port: i32,
    /// The pod port, by number or by container port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
    /// The port on every node, for `NodePort` and `LoadBalancer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
}

/// Mirrors core/v1 `ServiceStatus`; both members are kept verbatim.
#[doc(alias = "v1.ServiceStatus")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    /// Load balancer ingress points (the server writes `{}` when there are none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<RawJson>,
    /// Conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<RawJson>,
}
