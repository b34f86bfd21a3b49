//! Namespaces: the scope of names for namespaced objects.

use std::borrow::Cow;

use clientgo_apimachinery::ObjectMeta;
use clientgo_apimachinery::SharedStr;
use serde::{Deserialize, Serialize};

use crate::macros::{resource, str_field};
use crate::serde_util::{null_as_default, vec_exact};
use crate::RawJson;

/// A namespace.
///
/// Mirrors core/v1 `Namespace`. `spec` and `status` are always written, like Go.
#[doc(alias = "v1.Namespace")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Namespace`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Finalizers that must run before the namespace is removed.
    #[serde(default)]
    pub spec: NamespaceSpec,
    /// Lifecycle phase.
    #[serde(default)]
    pub status: NamespaceStatus,
}

resource!(
    Namespace,
    group = "",
    version = "v1",
    kind = "Namespace",
    plural = "namespaces",
    namespaced = false,
    fields = namespace_field
);

/// Namespaces support `status.phase` besides the metadata fields.
fn namespace_field<'a>(ns: &'a Namespace, path: &str) -> Option<Cow<'a, str>> {
    match path {
        "status.phase" => str_field(ns.status.phase.as_ref()),
        _ => None,
    }
}

/// Mirrors core/v1 `NamespaceSpec`.
#[doc(alias = "v1.NamespaceSpec")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceSpec {
    /// Finalizers (e.g. `kubernetes`) that must be removed, through the `finalize` subresource,
    /// before the namespace is deleted.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub finalizers: Vec<SharedStr>,
}

/// Mirrors core/v1 `NamespaceStatus`.
#[doc(alias = "v1.NamespaceStatus")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamespaceStatus {
    /// `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<SharedStr>,
    /// Conditions reported while terminating, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<RawJson>,
}
