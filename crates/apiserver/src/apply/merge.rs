//! Merging an applied configuration into the live object, and removing fields by path.
//!
//! Mirrors structured-merge-diff `typed.TypedValue.Merge` and `RemoveItems`.

use serde_json::{Map, Value};

use super::fieldpath::{Path, PathElement};
use super::walk::list_type_at;
use crate::patch::json_equal;
use crate::patch::schema::{is_atomic_map, ListType};

/// Merges `config` into `live`: maps field by field, list-maps item by item on their keys (new items
/// appended), sets as unions; atomic maps and lists, and scalars, take the configuration's value.
/// `null`s in the configuration are skipped.
pub fn merge(live: &mut Value, config: &Value) {
    merge_at(live, config, &mut Vec::new());
}

fn merge_at(live: &mut Value, config: &Value, path: &mut Path) {
    let atomic = matches!(path.last(), Some(PathElement::Field(f)) if is_atomic_map(f));
    match (live, config) {
        (Value::Object(l), Value::Object(c)) if !atomic => merge_maps(l, c, path),
        (Value::Array(l), Value::Array(c)) => merge_lists(l, c, path),
        (live, config) => *live = without_nulls(config),
    }
}

fn merge_maps(live: &mut Map<String, Value>, config: &Map<String, Value>, path: &mut Path) {
    for (key, value) in config {
        if value.is_null() {
            continue;
        }
        path.push(PathElement::Field(key.clone()));
        match live.get_mut(key) {
            Some(slot) => merge_at(slot, value, path),
            None => {
                live.insert(key.clone(), without_nulls(value));
            }
        }
        path.pop();
    }
}

fn merge_lists(live: &mut Vec<Value>, config: &[Value], path: &mut Path) {
    match list_type_at(path, &[live.as_slice(), config]) {
        ListType::Atomic => *live = config.iter().map(without_nulls).collect(),
        ListType::Set => {
            for item in config {
                if !live.iter().any(|l| json_equal(l, item)) {
                    live.push(item.clone());
                }
            }
        }
        ListType::Map(keys) => {
            let mut live_keys: Vec<Option<PathElement>> =
                live.iter().map(|l| PathElement::key_of(l, keys)).collect();
            for item in config {
                let Some(pe) = PathElement::key_of(item, keys) else {
                    continue;
                };
                let found = live_keys.iter().position(|k| k.as_ref() == Some(&pe));
                match found.and_then(|i| live.get_mut(i)) {
                    Some(existing) => {
                        path.push(pe);
                        merge_at(existing, item, path);
                        path.pop();
                    }
                    None => {
                        live.push(without_nulls(item));
                        live_keys.push(Some(pe));
                    }
                }
            }
        }
    }
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Removes the field or list item at `path`; returns whether something was removed.
pub fn remove_path(value: &mut Value, path: &[PathElement]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match value_at_mut(value, parent) {
        Some(Value::Object(map)) => matches!(last, PathElement::Field(name) if map.remove(name).is_some()),
        Some(Value::Array(items)) => {
            let found = items
                .iter()
                .enumerate()
                .position(|(i, item)| last.matches_item(i, item));
            found.map(|i| items.remove(i)).is_some()
        }
        _ => false,
    }
}

/// The value at `path`, if any.
pub fn value_at_mut<'a>(value: &'a mut Value, path: &[PathElement]) -> Option<&'a mut Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let child = match (value, first) {
        (Value::Object(map), PathElement::Field(name)) => map.get_mut(name),
        (Value::Array(items), pe) => {
            let i = items
                .iter()
                .enumerate()
                .position(|(i, item)| pe.matches_item(i, item))?;
            items.get_mut(i)
        }
        _ => None,
    }?;
    value_at_mut(child, rest)
}

/// Whether `v` is an empty map or list (which Go's `omitempty` drops when re-encoding).
pub fn is_empty_container(v: &Value) -> bool {
    v.as_object().is_some_and(Map::is_empty) || v.as_array().is_some_and(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(name: &str) -> PathElement {
        PathElement::Field(name.to_owned())
    }

    #[test]
    fn merges_containers_by_name_and_replaces_atomic_fields() {
        let mut live = json!({"spec": {
        "selector": {"matchLabels": {"app": "web", "old": "x"}},
        "template": {"spec": {"containers": [
            {"name": "web", "image": "a", "command": ["x", "y"], "resources": {}},
        ]}}}});
        let config = json!({"spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"spec": {"containers": [
            {"name": "web", "image": "b", "command": ["z"]},
            {"name": "side", "image": "c", "args": null},
        ]}}}});
        merge(&mut live, &config);
        assert_eq!(
            live,
            json!({"spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [
                {"name": "web", "image": "b", "command": ["z"], "resources": {}},
                {"name": "side", "image": "c"},
            ]}}}})
        );
    }

    #[test]
    fn finalizers_merge_as_a_set() {
        let mut live = json!({"metadata": {"finalizers": ["a"]}});
        merge(&mut live, &json!({"metadata": {"finalizers": ["b", "a"]}}));
        assert_eq!(live, json!({"metadata": {"finalizers": ["a", "b"]}}));
    }

    #[test]
    fn removes_fields_and_items() {
        let mut obj = json!({"metadata": {"labels": {"tier": "x"}, "name": "n"},
            "spec": {"ports": [{"port": 80, "name": "a"}, {"port": 81}], "x": {"y": {"z": 1}}}});
        assert!(remove_path(&mut obj, &[f("metadata"), f("labels"), f("tier")]));
        let key = PathElement::Key("{\"port\":80,\"protocol\":\"TCP\"}".into());
        assert!(remove_path(
            &mut obj,
            &[f("spec"), f("ports"), key.clone(), f("name")]
        ));
        assert!(remove_path(&mut obj, &[f("spec"), f("x"), f("y"), f("z")]));
        assert!(!remove_path(&mut obj, &[f("spec"), f("nope")]));
        assert!(!remove_path(&mut obj, &[]));
        assert_eq!(
            obj,
            json!({"metadata": {"labels": {}, "name": "n"}, "spec": {"ports": [{"port": 80}, {"port": 81}], "x": {"y": {}}}})
        );
        assert!(is_empty_container(&obj["metadata"]["labels"]));
        assert!(remove_path(&mut obj, &[f("spec"), f("ports"), key]));
        assert_eq!(obj["spec"]["ports"], json!([{"port": 81}]));
    }
}
