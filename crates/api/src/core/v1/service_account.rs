//! ServiceAccounts: identities for processes running in pods.

use clientgo_apimachinery::ObjectMeta;
use clientgo_apimachinery::SharedStr;
use serde::{Deserialize, Serialize};

use crate::core::v1::object_reference::{LocalObjectReference, ObjectReference};
use crate::macros::resource;
use crate::serde_util::{null_as_default, vec_exact};

/// A ServiceAccount.
///
/// Mirrors core/v1 `ServiceAccount`.
#[doc(alias = "v1.ServiceAccount")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `ServiceAccount`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Secrets pods running as this account may use (legacy token secrets).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub secrets: Vec<ObjectReference>,
    /// Image pull secrets added to pods running as this account.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vec_exact"
    )]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    /// Whether pods get the account's token mounted by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
}

resource!(
    ServiceAccount,
    group = "",
    version = "v1",
    kind = "ServiceAccount",
    plural = "serviceaccounts",
    namespaced = true
);
