//! Walking objects with the schema: the field set an applied configuration sets, and the comparison
//! of two versions of an object.
//!
//! Mirrors structured-merge-diff `typed.TypedValue.ToFieldSet` and `typed.Compare`.

use serde_json::{Map, Value};

use super::fieldpath::{FieldSet, Path, PathElement};
use crate::patch::json_equal;
use crate::patch::schema::{is_atomic_map, list_type, ListType};

/// Metadata fields no manager ever owns, as the real server strips them.
///
/// Mirrors apiserver `fieldmanager/internal/stripmeta.go`.
const STRIPPED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "clusterName",
    "generation",
    "managedFields",
    "resourceVersion",
];

/// Whether a root-level or metadata-level field is stripped from field management.
fn stripped(path: &[PathElement], field: &str) -> bool {
    match path {
        [] => field == "apiVersion" || field == "kind",
        [PathElement::Field(m)] if m == "metadata" => STRIPPED_METADATA.contains(&field),
        _ => false,
    }
}

/// Names of the fields along `path` (list items skipped), for schema look-ups.
fn field_names(path: &[PathElement]) -> Vec<&str> {
    path.iter()
        .filter_map(|pe| match pe {
            PathElement::Field(name) => Some(name.as_str()),
            _ => None,
        })
        .collect()
}

/// The last field name on `path` and the names before it.
fn context(path: &[PathElement]) -> (&str, Vec<&str>) {
    let mut names = field_names(path);
    let last = names.pop().unwrap_or_default();
    (last, names)
}

fn is_atomic_at(path: &[PathElement]) -> bool {
    matches!(path.last(), Some(PathElement::Field(name)) if is_atomic_map(name))
}

/// How the list at `path` merges, given every version of it; lists whose items lack their keys are
/// treated as atomic.
pub(crate) fn list_type_at(path: &[PathElement], lists: &[&[Value]]) -> ListType {
    if !matches!(path.last(), Some(PathElement::Field(_))) {
        return ListType::Atomic;
    }
    let (field, parents) = context(path);
    match list_type(field, &parents) {
        ListType::Map(keys) if lists.iter().all(|l| l.iter().all(|i| has_keys(i, keys))) => {
            ListType::Map(keys)
        }
        ListType::Map(_) => ListType::Atomic,
        other => other,
    }
}

/// Whether `item` has every key field (or a default for it).
fn has_keys(item: &Value, keys: &[&str]) -> bool {
    keys.iter()
        .all(|k| item.get(*k).is_some_and(|v| !v.is_null()) || crate::patch::schema::key_default(k).is_some())
}

/// The set of fields an applied configuration sets: its leaves, its list-map items and set items.
pub fn to_field_set(config: &Value) -> FieldSet {
    let mut set = subtree(config, &mut Vec::new(), false);
    set.set_member(false);
    set
}

/// The field set of `value` found at `path`, built bottom-up: leaves (scalars, empty and atomic
/// containers), list-map and set items, and, when `containers` is set, every map and list too (what
/// a comparison reports as added or removed). `metadata` itself and stripped fields never count.
fn subtree(value: &Value, path: &mut Path, containers: bool) -> FieldSet {
    let mut node = FieldSet::new();
    let granular = match value {
        Value::Object(map) if !map.is_empty() && !is_atomic_at(path) => {
            for (key, child) in map {
                if stripped(path, key) {
                    continue;
                }
                path.push(PathElement::Field(key.clone()));
                let sub = subtree(child, path, containers);
                if let Some(pe) = path.pop() {
                    if !sub.is_empty() {
                        node.add_child(pe, sub);
                    }
                }
            }
            true
        }
        Value::Array(items) if !items.is_empty() => match list_type_at(path, &[items]) {
            ListType::Atomic => false,
            ListType::Set => {
                for item in items {
                    node.add_child(PathElement::value_of(item), FieldSet::leaf());
                }
                true
            }
            ListType::Map(keys) => {
                for item in items {
                    if let Some(pe) = PathElement::key_of(item, keys) {
                        path.push(pe);
                        let mut sub = subtree(item, path, containers);
                        sub.set_member(true);
                        if let Some(pe) = path.pop() {
                            node.add_child(pe, sub);
                        }
                    }
                }
                true
            }
        },
        _ => false,
    };
    node.set_member(!granular || (containers && !is_metadata_root(path)));
    node
}

/// What changed between two versions of an object.
///
/// Mirrors structured-merge-diff `typed.Comparison`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Paths present only in the new version (maps and list items included).
    pub added: FieldSet,
    /// Leaves whose value changed.
    pub modified: FieldSet,
    /// Paths present only in the old version.
    pub removed: FieldSet,
}

impl Comparison {
    /// Added and modified paths: what the writer of the new version takes ownership of.
    pub fn changed(&self) -> FieldSet {
        self.added.union(&self.modified)
    }
}

/// Compares two versions of an object (stripped metadata ignored).
pub fn compare(old: &Value, new: &Value) -> Comparison {
    let mut cmp = Comparison::default();
    let empty = Map::new();
    let old_map = old.as_object().unwrap_or(&empty);
    let new_map = new.as_object().unwrap_or(&empty);
    compare_maps(old_map, new_map, &mut Vec::new(), &mut cmp);
    cmp
}

fn compare_maps(old: &Map<String, Value>, new: &Map<String, Value>, path: &mut Path, cmp: &mut Comparison) {
    let keys = old.keys().chain(new.keys().filter(|k| !old.contains_key(*k)));
    for key in keys {
        if stripped(path, key) {
            continue;
        }
        path.push(PathElement::Field(key.clone()));
        compare_values(old.get(key), new.get(key), path, cmp);
        path.pop();
    }
}

fn is_empty_container(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

fn compare_values(old: Option<&Value>, new: Option<&Value>, path: &mut Path, cmp: &mut Comparison) {
    // Equal subtrees hold no change; checking that first skips the walk for most of an update.
    match (old, new) {
        (Some(a), Some(b)) if a == b => return,
        (None, Some(v)) => {
            let node = subtree(v, path, true);
            return cmp.added.graft(path, node);
        }
        (Some(v), None) => {
            let node = subtree(v, path, true);
            return cmp.removed.graft(path, node);
        }
        _ => {}
    }
    let either = new.or(old);
    let both_empty = is_empty_container(old) && is_empty_container(new);
    let granular = match either {
        Some(Value::Object(_)) => !both_empty && !is_atomic_at(path) && same_shape(old, new),
        Some(Value::Array(items)) => {
            !both_empty && same_shape(old, new) && list_type_at(path, &[items]) != ListType::Atomic
        }
        _ => false,
    };
    if !granular {
        compare_leaf(old, new, path, cmp);
        return;
    }
    match (old, new) {
        (Some(Value::Array(_)) | None, Some(Value::Array(_)) | None) => compare_lists(old, new, path, cmp),
        _ => {
            let empty = Map::new();
            let o = old.and_then(Value::as_object).unwrap_or(&empty);
            let n = new.and_then(Value::as_object).unwrap_or(&empty);
            compare_maps(o, n, path, cmp);
        }
    }
    if is_metadata_root(path) {
        return;
    }
    if old.is_none() {
        cmp.added.insert(path);
    } else if new.is_none() {
        cmp.removed.insert(path);
    }
}

/// `metadata` itself is stripped from field management; its fields are not.
fn is_metadata_root(path: &[PathElement]) -> bool {
    matches!(path, [PathElement::Field(m)] if m == "metadata")
}

/// Whether both sides (when present) are containers of the same kind, so they compare field by field.
fn same_shape(old: Option<&Value>, new: Option<&Value>) -> bool {
    matches!(
        (old, new),
        (Some(Value::Object(_)), Some(Value::Object(_)))
            | (Some(Value::Array(_)), Some(Value::Array(_)))
            | (Some(Value::Object(_) | Value::Array(_)), None)
            | (None, Some(Value::Object(_) | Value::Array(_)))
    )
}

fn compare_leaf(old: Option<&Value>, new: Option<&Value>, path: &Path, cmp: &mut Comparison) {
    match (old, new) {
        (None, Some(_)) => cmp.added.insert(path),
        (Some(_), None) => cmp.removed.insert(path),
        (Some(a), Some(b)) if !json_equal(a, b) => cmp.modified.insert(path),
        _ => {}
    }
}

fn compare_lists(old: Option<&Value>, new: Option<&Value>, path: &mut Path, cmp: &mut Comparison) {
    let old_items: &[Value] = old.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let new_items: &[Value] = new.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let kind = list_type_at(path, &[old_items, new_items]);
    let element = |item: &Value| match kind {
        ListType::Map(keys) => PathElement::key_of(item, keys),
        _ => Some(PathElement::value_of(item)),
    };
    let index = |items: &'_ [Value]| -> Vec<(PathElement, usize)> {
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| element(item).map(|pe| (pe, i)))
            .collect()
    };
    let old_index = index(old_items);
    let new_index = index(new_items);
    let news_only = new_index
        .iter()
        .filter(|(pe, _)| !old_index.iter().any(|(o, _)| o == pe));
    let mut done: Vec<&PathElement> = Vec::with_capacity(old_index.len());
    for (pe, _) in old_index.iter().chain(news_only) {
        if done.contains(&pe) {
            continue;
        }
        done.push(pe);
        let (o, n) = (find(&old_index, old_items, pe), find(&new_index, new_items, pe));
        path.push(pe.clone());
        match kind {
            ListType::Map(_) => compare_values(o, n, path, cmp),
            _ => compare_leaf(o, n, path, cmp),
        }
        path.pop();
    }
}

/// The item of `items` whose element (in `index`) is `pe`.
fn find<'v>(index: &[(PathElement, usize)], items: &'v [Value], pe: &PathElement) -> Option<&'v Value> {
    index
        .iter()
        .find(|(p, _)| p == pe)
        .and_then(|(_, i)| items.get(*i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applied_service_field_set_matches_transcript_14() {
        let config = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web"}},
            "spec": {"type": "ClusterIP", "selector": {"app": "web"},
                     "ports": [{"name": "http", "port": 80, "targetPort": 80}]}
        });
        assert_eq!(
            to_field_set(&config).to_fields_v1(),
            json!({
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}}},
                    "f:selector": {},
                    "f:type": {}
                }
            })
        );
    }

    #[test]
    fn update_of_configmap_data_matches_transcript_07() {
        let old = json!({"metadata": {"name": "cm-2", "labels": {"app": "demo"}}, "data": {"k": "v2"}});
        let new =
            json!({"metadata": {"name": "cm-2", "labels": {"app": "demo"}}, "data": {"k": "v2", "jp": "x"}});
        let cmp = compare(&old, &new);
        assert_eq!(cmp.added.to_fields_v1(), json!({"f:data": {"f:jp": {}}}));
        assert!(cmp.modified.is_empty() && cmp.removed.is_empty());
    }

    #[test]
    fn creation_owns_new_maps_and_list_items() {
        let new = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "labels": {"app": "demo"}, "finalizers": ["example.com/cleanup"]},
            "data": {"k": "v"}});
        let cmp = compare(&json!({}), &new);
        assert_eq!(
            cmp.changed().to_fields_v1(),
            json!({
                "f:data": {".": {}, "f:k": {}},
                "f:metadata": {
                    "f:finalizers": {".": {}, "v:\"example.com/cleanup\"": {}},
                    "f:labels": {".": {}, "f:app": {}}
                }
            })
        );
    }

    #[test]
    fn removal_and_atomic_fields() {
        let old = json!({"metadata": {"finalizers": ["a"]}, "involvedObject": {}, "source": {}});
        let new = json!({"metadata": {}, "involvedObject": {"kind": "Pod"}, "source": {"component": "s"}});
        let cmp = compare(&old, &new);
        assert_eq!(
            cmp.removed.to_fields_v1(),
            json!({"f:metadata": {"f:finalizers": {".": {}, "v:\"a\"": {}}}})
        );
        assert_eq!(cmp.modified.to_fields_v1(), json!({"f:involvedObject": {}}));
        assert_eq!(cmp.added.to_fields_v1(), json!({"f:source": {"f:component": {}}}));
    }

    #[test]
    fn containers_compare_by_name_and_port_key() {
        let old = json!({"spec": {"containers": [{"name": "web", "image": "a", "ports": [{"containerPort": 80}]}]}});
        let new = json!({"spec": {"containers": [{"name": "web", "image": "b", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}});
        let cmp = compare(&old, &new);
        assert_eq!(
            cmp.modified.to_fields_v1(),
            json!({"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}}}}})
        );
        assert_eq!(
            cmp.added.to_fields_v1(),
            json!({"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {"f:protocol": {}}}}}}})
        );
    }
}
