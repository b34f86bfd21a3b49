//! The apps API group, version v1.
//!
//! Mirrors `k8s.io/api/apps/v1`.

mod deployment;

pub use deployment::{
    Deployment, DeploymentCondition, DeploymentSpec, DeploymentStatus, DeploymentStrategy,
    RollingUpdateDeployment,
};
