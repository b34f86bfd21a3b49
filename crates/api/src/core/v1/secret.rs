//! Secrets: confidential data such as passwords, tokens and keys.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use clientgo_apimachinery::ObjectMeta;
use clientgo_apimachinery::SharedStr;
use serde::{Deserialize, Serialize};

use crate::byte_string::ByteString;
use crate::macros::{resource, str_field};
use crate::serde_util::null_as_default;

/// A Secret.
///
/// Mirrors core/v1 `Secret`. `Debug` lists only the keys of `data` and `stringData`, never their
/// values, so a Secret logged by accident leaks nothing.
#[doc(alias = "v1.Secret")]
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// `v1`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// `Secret`.
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
    /// The secret values (base64 on the wire).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub data: BTreeMap<String, ByteString>,
    /// Write-only plain-text values the server merges into `data`.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub string_data: BTreeMap<String, String>,
    /// Type, e.g. `Opaque` or `kubernetes.io/tls`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<SharedStr>,
}

resource!(
    Secret,
    group = "",
    version = "v1",
    kind = "Secret",
    plural = "secrets",
    namespaced = true,
    fields = secret_field
);

/// Secrets support `type` besides the metadata fields.
fn secret_field<'a>(secret: &'a Secret, path: &str) -> Option<Cow<'a, str>> {
    match path {
        "type" => str_field(secret.type_.as_ref()),
        _ => None,
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("api_version", &self.api_version)
            .field("kind", &self.kind)
            .field("metadata", &self.metadata)
            .field("immutable", &self.immutable)
            .field("data", &self.data.keys().collect::<Vec<_>>())
            .field("string_data", &self.string_data.keys().collect::<Vec<_>>())
            .field("type_", &self.type_)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientgo_apimachinery::Object;

    #[test]
    fn decodes_base64_and_never_prints_values() {
        let json = r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"demo"},"data":{"password":"aHVudGVyMg=="},"stringData":{"user":"admin"},"type":"Opaque"}"#;
        let s: Secret = serde_json::from_str(json).unwrap();
        assert_eq!(s.data["password"].as_bytes(), b"hunter2");
        assert_eq!(s.field("type").as_deref(), Some("Opaque"));
        let debug = format!("{s:?}");
        assert!(debug.contains("password") && debug.contains("user"), "{debug}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("aHVudGVy") && !debug.contains("admin"),
            "{debug}"
        );
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
    }

    #[test]
    fn bad_base64_names_the_problem() {
        let err = serde_json::from_str::<Secret>(r#"{"data":{"k":"c2Vj!mV0"}}"#).unwrap_err();
        assert!(
            err.to_string().contains("invalid base64 character at offset 4"),
            "{err}"
        );
        assert!(!err.to_string().contains("c2Vj"), "{err}");
    }
}
