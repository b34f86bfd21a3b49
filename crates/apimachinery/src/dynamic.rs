//! Untyped objects for any resource, including custom resources without a Rust type.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::meta::ObjectMeta;
use crate::resource::{ApiResource, Object};

/// Any Kubernetes object as JSON: `apiVersion`, `kind` and `metadata` decoded, every other top-level
/// field kept as JSON in [`DynamicObject::data`].
///
/// Mirrors apimachinery `unstructured.Unstructured`. Unlike the typed resources, nothing is dropped:
/// unknown fields survive a decode/encode round trip (every `ObjectMeta` field is modelled, and all
/// other fields are kept verbatim).
#[doc(alias = "Unstructured")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicObject {
    /// `apiVersion`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Decoded metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Every other top-level field (`spec`, `status`, `data`, ...), verbatim.
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl DynamicObject {
    /// An empty object of the given resource's kind, named `name`.
    pub fn new(name: impl Into<String>, resource: &ApiResource) -> Self {
        DynamicObject {
            api_version: resource.api_version(),
            kind: resource.kind.clone(),
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            data: Map::new(),
        }
    }

    /// The JSON value at a dotted path below the top level, e.g. `spec.replicas`.
    pub fn get_path(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut cur = self.data.get(parts.next()?)?;
        for part in parts {
            cur = cur.as_object()?.get(part)?;
        }
        Some(cur)
    }
}

impl Object for DynamicObject {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }

    /// Besides `metadata.name` and `metadata.namespace`, any path to a string, number or boolean.
    fn field(&self, path: &str) -> Option<Cow<'_, str>> {
        let meta = self.metadata();
        match path {
            "metadata.name" => Some(Cow::Borrowed(meta.name.as_deref().unwrap_or(""))),
            "metadata.namespace" => Some(Cow::Borrowed(meta.namespace.as_deref().unwrap_or(""))),
            _ => match self.get_path(path)? {
                Value::String(s) => Some(Cow::Borrowed(s)),
                v @ (Value::Number(_) | Value::Bool(_)) => Some(Cow::Owned(v.to_string())),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"ns","resourceVersion":"3"},"spec":{"size":3,"nested":{"x":[1,"two",null]}},"status":{"phase":"Ready"},"zzz":true}"#;
        let obj: DynamicObject = serde_json::from_str(json).unwrap();
        assert_eq!(obj.name(), "w");
        assert_eq!(obj.field("status.phase").as_deref(), Some("Ready"));
        assert_eq!(obj.field("spec.size").as_deref(), Some("3"));
        assert_eq!(obj.field("spec.nested"), None);
        let back: Value = serde_json::to_value(&obj).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(json).unwrap());
    }
}
