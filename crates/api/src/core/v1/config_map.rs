//! ConfigMaps: non-confidential configuration as key/value pairs.

use std::collections::BTreeMap;

use clientgo_apimachinery::ObjectMeta;
use clientgo_apimachinery::SharedStr;
use serde::{Deserialize, Serialize};

use crate::byte_string::ByteString;
use crate::macros::resource;
use crate::serde_util::null_as_default;

/// A ConfigMap.
///
/// Mirrors core/v1 `ConfigMap`.
#[doc(alias = "v1.ConfigMap")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `ConfigMap`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Whether the data can no longer change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
    /// UTF-8 values.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub data: BTreeMap<String, String>,
    /// Binary values (base64 on the wire).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub binary_data: BTreeMap<String, ByteString>,
}

resource!(
    ConfigMap,
    group = "",
    version = "v1",
    kind = "ConfigMap",
    plural = "configmaps",
    namespaced = true
);
