//! Pod templates: the pod a workload controller stamps out.

use clientgo_apimachinery::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::core::v1::pod::PodSpec;

/// The metadata and spec of the pods a Deployment, ReplicaSet, Job... creates.
///
/// Mirrors core/v1 `PodTemplateSpec`. Both members are always written, like Go.
#[doc(alias = "v1.PodTemplateSpec")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PodTemplateSpec {
    /// Labels and annotations of the created pods.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec of the created pods.
    #[serde(default)]
    pub spec: PodSpec,
}
