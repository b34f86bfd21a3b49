//! Untyped objects for any resource, including custom resources without a Rust type.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::meta::ObjectMeta;
use crate::resource::{ApiResource, Object};
use crate::serde_util::null_as_default;
use crate::shared_str::SharedStr;

/// Any Kubernetes object as JSON: `apiVersion`, `kind` and `metadata` decoded, every other top-level
/// field kept as JSON in [`DynamicObject::data`].
///
/// Mirrors apimachinery `unstructured.Unstructured`. Unlike the typed resources, nothing is dropped:
/// every field survives a decode/encode round trip. Top-level fields other than `apiVersion`, `kind`
/// and `metadata` are kept verbatim in [`DynamicObject::data`]; inside `metadata`, the fields
/// [`ObjectMeta`] does not model (at any depth: unknown keys in owner references and managedFields
/// entries too) are kept verbatim in their `unknown_fields`.
///
/// What does change is only the form of the modelled metadata, which comes back as the API server
/// writes it: timestamps in UTC with whole seconds, and fields that are `null` or empty (`""`, `{}`,
/// `[]`) omitted, as Go's `omitempty` does. The same holds for an empty or `null` `apiVersion` and
/// `kind`.
#[doc(alias = "Unstructured")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicObject {
    /// `apiVersion`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: String,
    /// `kind`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// Decoded metadata, with its unmodelled fields in [`ObjectMeta::unknown_fields`].
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// Every other top-level field (`spec`, `status`, `data`, ...), verbatim.
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl DynamicObject {
    /// An empty object of the given resource's kind, named `name`.
    pub fn new(name: impl Into<SharedStr>, resource: &ApiResource) -> Self {
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

    #[test]
    fn unknown_metadata_fields_survive_a_round_trip() {
        let json = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","fooBar":{"a":[1,{"b":null}]},"zNull":null,"labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true,"futureFlag":"yes"}],"managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2026-11-23T06:48:34Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{}},"newKey":42,"another":{"x":"y"}}]},"spec":{}}"#;
        let obj: DynamicObject = serde_json::from_str(json).unwrap();
        let unknown = |fields: &crate::UnknownFields, name: &str| -> Value {
            fields.get(name).expect("kept").parse().expect("JSON")
        };
        assert_eq!(
            unknown(&obj.metadata.unknown_fields, "fooBar")["a"][1]["b"],
            Value::Null
        );
        assert_eq!(
            unknown(&obj.metadata.managed_fields[0].unknown_fields, "newKey"),
            42
        );
        assert_eq!(
            unknown(&obj.metadata.owner_references[0].unknown_fields, "futureFlag"),
            "yes"
        );
        assert_eq!(obj.metadata.labels["app"], "web");
        let back: Value = serde_json::to_value(&obj).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(json).unwrap());
        let again: DynamicObject = serde_json::from_value(back).unwrap();
        assert_eq!(again, obj);
    }

    #[test]
    fn null_type_fields_and_metadata_decode_as_absent() {
        let obj: DynamicObject =
            serde_json::from_str(r#"{"apiVersion":null,"kind":null,"metadata":null,"x":1}"#).unwrap();
        assert_eq!(obj.metadata, ObjectMeta::default());
        assert_eq!(serde_json::to_string(&obj).unwrap(), r#"{"metadata":{},"x":1}"#);
    }
}
