//! The core API group, version v1: pods, namespaces, services, config maps, secrets, nodes, events,
//! service accounts.
//!
//! Mirrors `k8s.io/api/core/v1`.

mod container;
mod container_status;
mod object_reference;
mod pod;
mod resources;
mod volume;

pub use container::{Container, ContainerPort, EnvFromSource, EnvSourceRef, EnvVar, VolumeMount};
pub use container_status::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
};
pub use object_reference::{LocalObjectReference, ObjectReference};
pub use pod::{HostIp, Pod, PodCondition, PodIp, PodSpec, PodStatus, Toleration};
pub use resources::{ResourceList, ResourceRequirements};
pub use volume::{Volume, VolumeSource};
