//! Containers as a pod's spec declares them.

use clientgo_apimachinery::SharedStr;
use serde::{Deserialize, Serialize};

use crate::core::v1::resources::ResourceRequirements;
use crate::serde_util::{is_false, vec_exact};
use crate::RawJson;

/// One container of a pod: image, command, environment, ports, resources, mounts and probes.
///
/// Mirrors core/v1 `Container` (`k8s.io/api/core/v1/types.go`). Probes, lifecycle hooks, the security
/// context, resize policy and volume devices are kept verbatim as [`RawJson`]: controllers rarely
/// read them, and keeping them as text keeps a cached pod small while round-tripping them exactly.
#[doc(alias = "v1.Container")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Name, unique within the pod.
    #[serde(default)]
    pub name: SharedStr,
    /// Image reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<SharedStr>,
    /// Entrypoint; the image's ENTRYPOINT when empty.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub command: Vec<SharedStr>,
    /// Arguments; the image's CMD when empty.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub args: Vec<SharedStr>,
    /// Working directory; the image's when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<SharedStr>,
    /// Ports the container exposes.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub ports: Vec<ContainerPort>,
    /// Sources of whole sets of environment variables.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub env_from: Vec<EnvFromSource>,
    /// Environment variables.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub env: Vec<EnvVar>,
    /// Requests and limits. Always written, as `{}` when empty, like Go.
    #[serde(default)]
    pub resources: ResourceRequirements,
    /// How resources may be resized in place, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize_policy: Option<RawJson>,
    /// `Always` for sidecar init containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<SharedStr>,
    /// Per-exit-code restart rules, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy_rules: Option<RawJson>,
    /// Volumes mounted into the container.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub volume_mounts: Vec<VolumeMount>,
    /// Block devices, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_devices: Option<RawJson>,
    /// Liveness probe, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<RawJson>,
    /// Readiness probe, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<RawJson>,
    /// Startup probe, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<RawJson>,
    /// postStart and preStop hooks, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<RawJson>,
    /// Where the container writes its termination message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_path: Option<SharedStr>,
    /// `File` or `FallbackToLogsOnError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_message_policy: Option<SharedStr>,
    /// `Always`, `IfNotPresent` or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<SharedStr>,
    /// Security options, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<RawJson>,
    /// Whether the container has a stdin buffer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stdin: bool,
    /// Whether stdin closes after the first attach.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stdin_once: bool,
    /// Whether the container gets a TTY.
    #[serde(default, skip_serializing_if = "is_false")]
    pub tty: bool,
}

/// A network port a container listens on.
///
/// Mirrors core/v1 `ContainerPort`.
#[doc(alias = "v1.ContainerPort")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    /// IANA name, referable from Services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SharedStr>,
    /// Port on the host, when exposed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i32>,
    /// Port inside the pod's network namespace.
    #[serde(default)]
    pub container_port: i32,
    /// `TCP`, `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<SharedStr>,
    /// Host IP to bind the host port to.
    #[serde(default, rename = "hostIP", skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<SharedStr>,
}

/// One environment variable: a literal value, or a reference resolved by the kubelet.
///
/// Mirrors core/v1 `EnvVar`. `valueFrom` (field, resource, ConfigMap or Secret key references) is
/// kept verbatim; read it with [`RawJson::parse`].
#[doc(alias = "v1.EnvVar")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    /// Variable name.
    #[serde(default)]
    pub name: SharedStr,
    /// Literal value, with `$(VAR)` references expanded by the kubelet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SharedStr>,
    /// Where the value comes from when not literal, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<RawJson>,
}

/// A set of environment variables taken from a ConfigMap or Secret.
///
/// Mirrors core/v1 `EnvFromSource`.
#[doc(alias = "v1.EnvFromSource")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvFromSource {
    /// Prefix added to every key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<SharedStr>,
    /// The ConfigMap to take keys from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<EnvSourceRef>,
    /// The Secret to take keys from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<EnvSourceRef>,
}

/// The ConfigMap or Secret an [`EnvFromSource`] names.
///
/// Mirrors core/v1 `ConfigMapEnvSource` and `SecretEnvSource`, which have the same fields.
#[doc(alias = "v1.ConfigMapEnvSource")]
#[doc(alias = "v1.SecretEnvSource")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvSourceRef {
    /// Name of the object in the pod's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SharedStr>,
    /// Whether the object may be missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// Where a volume appears inside a container.
///
/// Mirrors core/v1 `VolumeMount`.
#[doc(alias = "v1.VolumeMount")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    /// Name of the pod volume.
    #[serde(default)]
    pub name: SharedStr,
    /// Whether the mount is read-only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// `Disabled`, `IfPossible` or `Enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recursive_read_only: Option<SharedStr>,
    /// Path inside the container.
    #[serde(default)]
    pub mount_path: SharedStr,
    /// Sub-path of the volume to mount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<SharedStr>,
    /// `None`, `HostToContainer` or `Bidirectional`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_propagation: Option<SharedStr>,
    /// Sub-path with `$(VAR)` expansion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path_expr: Option<SharedStr>,
}
