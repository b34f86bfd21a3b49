//! References from one object to another.

use clientgo_apimachinery::SharedStr;
use serde::{Deserialize, Serialize};

/// A reference to an object in the same namespace, by name.
///
/// Mirrors core/v1 `LocalObjectReference`.
#[doc(alias = "v1.LocalObjectReference")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalObjectReference {
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SharedStr>,
}

/// A full reference to an object: kind, namespace, name, uid and optionally a field inside it.
///
/// Mirrors core/v1 `ObjectReference`, used by Events (`involvedObject`) and ServiceAccounts.
#[doc(alias = "v1.ObjectReference")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// Kind of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SharedStr>,
    /// Namespace of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<SharedStr>,
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SharedStr>,
    /// UID of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<SharedStr>,
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<SharedStr>,
    /// The referent's resourceVersion when the reference was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<SharedStr>,
    /// A field inside the referent, e.g. `spec.containers{app}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<SharedStr>,
}
