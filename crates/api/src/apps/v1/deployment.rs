//! Deployments: declarative, rolling updates of a replicated set of pods.

use clientgo_apimachinery::labels::LabelSelector;
use clientgo_apimachinery::SharedStr;
use clientgo_apimachinery::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

use crate::core::v1::PodTemplateSpec;
use crate::macros::resource;
use crate::serde_util::{is_false, is_zero, null_as_default, vec_exact};
use crate::IntOrString;

/// A Deployment.
///
/// Mirrors apps/v1 `Deployment`. `spec` and `status` are always written, like Go.
#[doc(alias = "v1.Deployment")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// `apps/v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Deployment`.
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
    pub spec: DeploymentSpec,
    /// Observed rollout state.
    #[serde(default)]
    pub status: DeploymentStatus,
}

resource!(
    Deployment,
    group = "apps",
    version = "v1",
    kind = "Deployment",
    plural = "deployments",
    namespaced = true
);

/// How many pods of which template, and how to roll out changes.
///
/// Mirrors apps/v1 `DeploymentSpec`.
#[doc(alias = "v1.DeploymentSpec")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    /// Desired number of pods; the server defaults it to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Which pods belong to the Deployment; must match the template's labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// The pods to create.
    #[serde(default)]
    pub template: PodTemplateSpec,
    /// How old pods are replaced. Always written, like Go.
    #[serde(default)]
    pub strategy: DeploymentStrategy,
    /// Seconds a new pod must be ready before it counts as available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_seconds: Option<i32>,
    /// How many old ReplicaSets to keep for rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// Whether rollouts are paused.
    #[serde(default, skip_serializing_if = "is_false")]
    pub paused: bool,
    /// Seconds without progress before the rollout is reported failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
}

/// Mirrors apps/v1 `DeploymentStrategy`.
#[doc(alias = "v1.DeploymentStrategy")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStrategy {
    /// `RollingUpdate` or `Recreate`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<SharedStr>,
    /// Rolling update limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateDeployment>,
}

/// Mirrors apps/v1 `RollingUpdateDeployment`.
#[doc(alias = "v1.RollingUpdateDeployment")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingUpdateDeployment {
    /// Pods that may be unavailable during the update: a count or a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// Pods that may be created above the desired count: a count or a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
}

/// Mirrors apps/v1 `DeploymentStatus`. Counts are omitted when zero, like Go.
#[doc(alias = "v1.DeploymentStatus")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStatus {
    /// The generation the controller last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Non-terminating pods targeted by the Deployment.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replicas: i32,
    /// Pods with the current template.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub updated_replicas: i32,
    /// Ready pods.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ready_replicas: i32,
    /// Pods ready for at least `minReadySeconds`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub available_replicas: i32,
    /// Pods still needed for full availability.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unavailable_replicas: i32,
    /// Pods being terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminating_replicas: Option<i32>,
    /// Conditions `Available`, `Progressing`, `ReplicaFailure`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub conditions: Vec<DeploymentCondition>,
    /// Hash collision counter for ReplicaSet names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
}

/// One Deployment condition.
///
/// Mirrors apps/v1 `DeploymentCondition`.
#[doc(alias = "v1.DeploymentCondition")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentCondition {
    /// Condition type, e.g. `Available`.
    #[serde(default, rename = "type")]
    pub type_: SharedStr,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: SharedStr,
    /// When the condition was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Machine-readable reason, e.g. `NewReplicaSetAvailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SharedStr>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<SharedStr>,
}

impl Deployment {
    /// The Deployment's condition of type `type_`, e.g. `Available`.
    pub fn condition(&self, type_: &str) -> Option<&DeploymentCondition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }
}
