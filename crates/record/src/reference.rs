//! Building the `ObjectReference` an Event is about. Mirrors client-go `tools/reference`.

use clientgo_api::core::v1::ObjectReference;
use clientgo_apimachinery::{DynamicObject, ObjectMeta, Resource};

/// A reference to a typed object, for an Event's `regarding` or `related`.
///
/// Mirrors `reference.GetReference`: kind and apiVersion come from the type, the rest from the
/// metadata (name, namespace, uid, resourceVersion).
pub fn get_reference<K: Resource>(obj: &K) -> ObjectReference {
    from_parts(K::KIND, &K::api_version(), obj.metadata())
}

/// A reference to an untyped object (a custom resource read with the dynamic client); kind and
/// apiVersion come from the object itself.
pub fn get_dynamic_reference(obj: &DynamicObject) -> ObjectReference {
    from_parts(&obj.kind, &obj.api_version, &obj.metadata)
}

fn from_parts(kind: &str, api_version: &str, meta: &ObjectMeta) -> ObjectReference {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    ObjectReference {
        kind: non_empty(kind).map(Into::into),
        api_version: non_empty(api_version).map(Into::into),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        ..ObjectReference::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientgo_api::core::v1::ConfigMap;

    #[test]
    fn typed_reference_takes_kind_from_the_type_and_identity_from_the_metadata() {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("cfg".into());
        cm.metadata.namespace = Some("demo".into());
        cm.metadata.uid = Some("u-1".into());
        cm.metadata.resource_version = Some("42".into());
        let r = get_reference(&cm);
        assert_eq!(r.kind.as_deref(), Some("ConfigMap"));
        assert_eq!(r.api_version.as_deref(), Some("v1"));
        assert_eq!(r.name.as_deref(), Some("cfg"));
        assert_eq!(r.namespace.as_deref(), Some("demo"));
        assert_eq!(r.uid.as_deref(), Some("u-1"));
        assert_eq!(r.resource_version.as_deref(), Some("42"));
    }

    #[test]
    fn dynamic_reference_takes_kind_from_the_object() {
        let obj: DynamicObject = serde_json::from_str(
            r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"demo"}}"#,
        )
        .unwrap();
        let r = get_dynamic_reference(&obj);
        assert_eq!(r.kind.as_deref(), Some("Widget"));
        assert_eq!(r.api_version.as_deref(), Some("example.com/v1"));
        assert_eq!(r.uid, None);
    }
}
