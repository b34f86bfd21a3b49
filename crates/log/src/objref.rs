//! `kobj` and `kref`: object references rendered as `ns/name` or `name`.

use std::fmt;

use clientgo_apimachinery::Object;

/// A namespace/name reference for log values. Mirrors klog's `ObjectRef`.
///
/// Displays as `namespace/name`, or `name` for cluster-scoped objects. klog quotes it (through its
/// `String()`): log it as a string for that, `tracing::info!(pod = kobj(&pod).to_string(), "synced")`
/// prints `pod="default/web"`; with `%` it prints bare, `pod=default/web` (see [`crate::entry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// The namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}/{}", self.namespace, self.name)
        }
    }
}

/// The reference of any object. Mirrors klog's `KObj`.
pub fn kobj<O: Object + ?Sized>(obj: &O) -> ObjectRef {
    let meta = obj.metadata();
    ObjectRef {
        namespace: meta.namespace.clone().unwrap_or_default().into(),
        name: meta.name.clone().unwrap_or_default().into(),
    }
}

/// A reference from a namespace and a name. Mirrors klog's `KRef`.
pub fn kref(namespace: &str, name: &str) -> ObjectRef {
    ObjectRef {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientgo_apimachinery::DynamicObject;

    #[test]
    fn kref_renders_namespace_and_name() {
        assert_eq!(kref("default", "web").to_string(), "default/web");
        assert_eq!(kref("", "node-1").to_string(), "node-1");
    }

    #[test]
    fn kobj_reads_metadata() {
        let mut obj: DynamicObject = serde_json::from_str(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"prod"}}"#,
        )
        .unwrap();
        assert_eq!(kobj(&obj).to_string(), "prod/web");
        obj.metadata_mut().namespace = None;
        assert_eq!(kobj(&obj).to_string(), "web");
    }
}
