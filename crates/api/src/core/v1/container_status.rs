//! What the kubelet reports about each container of a pod.

use clientgo_apimachinery::shared_str::unique_opt;
use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::Time;
use serde::{Deserialize, Serialize};

use crate::core::v1::resources::ResourceList;
use crate::serde_util::null_as_default;
use crate::RawJson;

/// The observed state of one container.
///
/// Mirrors core/v1 `ContainerStatus`. `ready`, `restartCount`, `image` and `imageID` are always
/// written, like Go. Resource, mount, user and health details are kept verbatim.
#[doc(alias = "v1.ContainerStatus")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// The container's name in the pod spec.
    #[serde(default)]
    pub name: SharedStr,
    /// Current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ContainerState>,
    /// State of the previous termination, for restarted containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_state: Option<ContainerState>,
    /// Whether the container passes its readiness probe.
    #[serde(default)]
    pub ready: bool,
    /// Number of restarts.
    #[serde(default)]
    pub restart_count: i32,
    /// The image the container runs.
    #[serde(default)]
    pub image: SharedStr,
    /// The image's resolved digest reference.
    #[serde(default, rename = "imageID")]
    pub image_id: SharedStr,
    /// Runtime id, `<type>://<id>`; unique to this container, so decoded without interning.
    #[serde(
        default,
        rename = "containerID",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "unique_opt"
    )]
    pub container_id: Option<SharedStr>,
    /// Whether the container has passed its startup probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    /// Resources allocated by the node.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub allocated_resources: ResourceList,
    /// Resources currently applied, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<RawJson>,
    /// Mount status, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<RawJson>,
    /// The user identity the process runs as, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<RawJson>,
    /// Health of allocated resources, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_resources_status: Option<RawJson>,
    /// Signal sent to stop the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<SharedStr>,
}

/// A container's state: at most one of waiting, running, terminated is set.
///
/// Mirrors core/v1 `ContainerState`. Waiting and terminated details are boxed: most containers are
/// running, and the box keeps the common case small.
#[doc(alias = "v1.ContainerState")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    /// Not yet running, e.g. `ContainerCreating` or `CrashLoopBackOff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Box<ContainerStateWaiting>>,
    /// Running since a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<ContainerStateRunning>,
    /// Exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Box<ContainerStateTerminated>>,
}

/// Mirrors core/v1 `ContainerStateWaiting`.
#[doc(alias = "v1.ContainerStateWaiting")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateWaiting {
    /// Why the container is not running yet, e.g. `ImagePullBackOff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
}

/// Mirrors core/v1 `ContainerStateRunning`.
#[doc(alias = "v1.ContainerStateRunning")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateRunning {
    /// When the container (last) started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
}

/// Mirrors core/v1 `ContainerStateTerminated`.
#[doc(alias = "v1.ContainerStateTerminated")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateTerminated {
    /// Exit status of the last termination.
    #[serde(default)]
    pub exit_code: i32,
    /// Signal that ended the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Short reason, e.g. `Completed` or `OOMKilled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
    /// When the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    /// Runtime id of the terminated container; decoded without interning.
    #[serde(
        default,
        rename = "containerID",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "unique_opt"
    )]
    pub container_id: Option<SharedStr>,
}
