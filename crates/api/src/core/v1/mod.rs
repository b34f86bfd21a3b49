//! The core API group, version v1: pods, namespaces, services, config maps, secrets, nodes, events,
//! service accounts.
//!
//! Mirrors `k8s.io/api/core/v1`.

mod config_map;
mod container;
mod container_status;
mod event;
mod namespace;
mod node;
mod object_reference;
mod pod;
mod pod_template;
mod resources;
mod secret;
mod service;
mod service_account;
mod volume;

pub use config_map::ConfigMap;

pub use container::{Container, ContainerPort, EnvFromSource, EnvSourceRef, EnvVar, VolumeMount};
pub use container_status::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
};
pub use event::{Event, EventSource};
pub use namespace::{Namespace, NamespaceSpec, NamespaceStatus};
pub use node::{Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, Taint};
pub use object_reference::{LocalObjectReference, ObjectReference};
pub use pod::{HostIp, Pod, PodCondition, PodIp, PodSpec, PodStatus, Toleration};
pub use pod_template::PodTemplateSpec;
pub use resources::{ResourceList, ResourceRequirements};
pub use secret::Secret;
pub use service::{Service, ServicePort, ServiceSpec, ServiceStatus};
pub use service_account::ServiceAccount;
pub use volume::{Volume, VolumeSource};
