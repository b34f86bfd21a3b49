//! Stored objects: one revision of one object as pre-serialized JSON plus the few fields filtering needs.
//!
//! The server keeps objects as bytes, not as typed structs, so list and watch copy bytes straight to the
//! socket. Mirrors what the apiserver's watch cache keeps per object (`storeElement`: key, object, labels
//! and fields for selector matching).

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Map, Value};

/// One revision of an object.
#[derive(Debug, Clone)]
pub struct StoredObject {
    bytes: Bytes,
    header_len: usize,
    rv: u64,
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
    fields: Vec<(&'static str, String)>,
}

impl StoredObject {
    /// Serializes `value` (which must already carry its final metadata.resourceVersion) and records the
    /// filtering fields. `field_labels` are the resource's selectable fields besides name/namespace.
    pub fn new(value: &Value, rv: u64, field_labels: &[&'static str]) -> Self {
        let (bytes, header_len) = serialize(value);
        let meta = value.get("metadata");
        let s = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let labels = meta
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let fields = field_labels.iter().map(|f| (*f, field_value(value, f))).collect();
        StoredObject {
            bytes: Bytes::from(bytes),
            header_len,
            rv,
            name: s("name"),
            namespace: s("namespace"),
            labels,
            fields,
        }
    }

    /// The full JSON, `kind` and `apiVersion` first.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The JSON without the leading `"kind":..,"apiVersion":..,` members, as typed lists print items.
    /// Returns the bytes after the opening brace and header; callers write `{` first.
    pub fn body_without_type(&self) -> Bytes {
        self.bytes.slice(self.header_len..)
    }

    /// The resourceVersion of this revision.
    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// metadata.name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// metadata.namespace (`""` when cluster-scoped).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// metadata.labels.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// The value of a field-selector path, `None` when the resource does not support it.
    pub fn field(&self, path: &str) -> Option<&str> {
        match path {
            "metadata.name" => Some(&self.name),
            "metadata.namespace" => Some(&self.namespace),
            _ => self
                .fields
                .iter()
                .find(|(k, _)| *k == path)
                .map(|(_, v)| v.as_str()),
        }
    }

    /// Parses the stored JSON back into a value (for updates and patches).
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

/// The string form of a dotted field path (`spec.nodeName`), `""` when absent; booleans print as
/// `true`/`false` as the real field sets do.
pub fn field_value(value: &Value, path: &str) -> String {
    let mut cur = value;
    for part in path.split('.') {
        match cur.get(part) {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Serializes an object with `kind`, `apiVersion` and `metadata` first (the real server's order), then
/// the remaining members. Returns the bytes and the length of the `{"kind":..,"apiVersion":..,` header
/// (0 when the object lacks either) so list items can omit it.
pub fn serialize(value: &Value) -> (Vec<u8>, usize) {
    let Some(map) = value.as_object() else {
        return (serde_json::to_vec(value).unwrap_or_default(), 0);
    };
    let mut out = Vec::with_capacity(512);
    out.push(b'{');
    let mut first = true;
    let put = |out: &mut Vec<u8>, k: &str, v: &Value, first: &mut bool| {
        if !*first {
            out.push(b',');
        }
        *first = false;
        // Writing to a Vec cannot fail and a Value always serializes.
        let _ = serde_json::to_writer(&mut *out, k);
        out.push(b':');
        let _ = serde_json::to_writer(&mut *out, v);
    };
    let mut header_len = 0;
    if let (Some(k), Some(a)) = (map.get("kind"), map.get("apiVersion")) {
        put(&mut out, "kind", k, &mut first);
        put(&mut out, "apiVersion", a, &mut first);
        out.push(b',');
        header_len = out.len();
        first = true;
    } else {
        for key in ["kind", "apiVersion"] {
            if let Some(v) = map.get(key) {
                put(&mut out, key, v, &mut first);
            }
        }
    }
    if let Some(m) = map.get("metadata") {
        put(&mut out, "metadata", m, &mut first);
    }
    for (k, v) in map {
        if k != "kind" && k != "apiVersion" && k != "metadata" {
            put(&mut out, k, v, &mut first);
        }
    }
    if header_len == out.len() {
        // Only kind and apiVersion: drop the trailing comma.
        out.pop();
        header_len = 0;
    }
    out.push(b'}');
    (out, header_len)
}

/// Mutable access to `metadata`, creating it when absent. Returns `None` when `obj` is not an object.
pub fn meta_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    let meta = map.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

/// `metadata.<key>` as a string.
pub fn meta_str<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(key)?.as_str()
}

/// `metadata.finalizers` as strings.
pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Sets `metadata.resourceVersion`.
pub fn set_rv(obj: &mut Value, rv: u64) {
    if let Some(m) = meta_mut(obj) {
        m.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialize_puts_kind_api_version_metadata_first_and_header_strips() {
        let v = json!({"data":{"a":"b"},"metadata":{"name":"x"},"apiVersion":"v1","kind":"ConfigMap"});
        let (b, h) = serialize(&v);
        assert_eq!(
            std::str::from_utf8(&b).unwrap(),
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"},"data":{"a":"b"}}"#
        );
        assert_eq!(
            &b[h..],
            br#""metadata":{"name":"x"},"data":{"a":"b"}}"#.as_slice()
        );
    }

    #[test]
    fn stored_object_fields() {
        let v = json!({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"n","labels":{"a":"1"}},"spec":{"nodeName":"n1"},"status":{"phase":"Running"}});
        let s = StoredObject::new(&v, 5, &["spec.nodeName", "status.phase"]);
        assert_eq!(s.field("spec.nodeName"), Some("n1"));
        assert_eq!(s.field("status.phase"), Some("Running"));
        assert_eq!(s.field("metadata.namespace"), Some("n"));
        assert_eq!(s.field("spec.other"), None);
        assert_eq!(s.labels().get("a").map(String::as_str), Some("1"));
        assert_eq!(s.to_value(), v);
    }
}
