//! What the server knows about the shape of the built-in kinds: which lists merge by key, which are
//! sets, and which maps and structs are atomic.
//!
//! The real server reads this from the Go struct tags (`patchStrategy`, `patchMergeKey`, `listType`,
//! `listMapKey`, `structType=atomic`) through the OpenAPI schema. We keep a small table keyed by field
//! name (and the parent field where a name is ambiguous), which covers the lists of the resources the
//! embedded server serves. Fields of unknown lists are atomic, as for a list without `listType` in
//! the real schema. Used by the strategic merge patch and by server-side apply alike.
//!
//! Mirrors the `+listType`/`+patchMergeKey` annotations of k8s.io/api `core/v1/types.go`,
//! `apps/v1/types.go` and apimachinery `meta/v1/types.go`.

use serde_json::Value;

/// How the items of a list are identified when two versions of it are merged.
///
/// Mirrors structured-merge-diff `schema.List` (`ElementRelationship` and `Keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// The list is one value: a change replaces it whole (`listType=atomic`, the default).
    Atomic,
    /// A list of distinct scalars merged as a set (`listType=set`), e.g. `metadata.finalizers`.
    Set,
    /// A list of objects identified by these fields (`listType=map` with `listMapKey`s); the first
    /// is the strategic merge patch's `patchMergeKey`.
    Map(&'static [&'static str]),
}

const NAME: &[&str] = &["name"];

/// The list type of the field `field`, whose enclosing fields (names only, outermost first) are
/// `parents`.
pub fn list_type(field: &str, parents: &[&str]) -> ListType {
    let parent = parents.last().copied().unwrap_or_default();
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => ListType::Map(NAME),
        "ports" if is_container_list(parent) => ListType::Map(&["containerPort", "protocol"]),
        "ports" if parent == "spec" => ListType::Map(&["port", "protocol"]),
        "volumeMounts" => ListType::Map(&["mountPath"]),
        "volumeDevices" => ListType::Map(&["devicePath"]),
        "conditions" => ListType::Map(&["type"]),
        "ownerReferences" => ListType::Map(&["uid"]),
        "hostAliases" => ListType::Map(&["ip"]),
        "topologySpreadConstraints" => ListType::Map(&["topologyKey", "whenUnsatisfiable"]),
        "taints" => ListType::Map(&["key", "effect"]),
        "finalizers" if parent == "metadata" => ListType::Set,
        _ => ListType::Atomic,
    }
}

fn is_container_list(field: &str) -> bool {
    matches!(field, "containers" | "initContainers" | "ephemeralContainers")
}

/// Whether the map or struct at `field` is one value, replaced whole and owned as a leaf.
///
/// Label selectors (`structType=atomic`), Service `spec.selector` and `nodeSelector`
/// (`mapType=atomic`), and object references (`structType=atomic`).
pub fn is_atomic_map(field: &str) -> bool {
    matches!(
        field,
        "selector"
            | "nodeSelector"
            | "podSelector"
            | "namespaceSelector"
            | "labelSelector"
            | "involvedObject"
            | "regarding"
            | "related"
    )
}

/// The value a list-map key field takes when an item omits it (`protocol` defaults to `TCP`).
pub fn key_default(key: &str) -> Option<Value> {
    (key == "protocol").then(|| Value::String("TCP".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_depend_on_their_parent() {
        assert_eq!(
            list_type("ports", &["spec", "template", "spec", "containers"]),
            ListType::Map(&["containerPort", "protocol"])
        );
        assert_eq!(
            list_type("ports", &["spec"]),
            ListType::Map(&["port", "protocol"])
        );
        assert_eq!(list_type("finalizers", &["metadata"]), ListType::Set);
        assert_eq!(list_type("finalizers", &["spec"]), ListType::Atomic);
        assert_eq!(list_type("command", &["spec", "containers"]), ListType::Atomic);
    }
}
