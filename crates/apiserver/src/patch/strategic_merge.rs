//! Strategic merge patch: merge patch plus list merging by key and the `$patch` directives.
//!
//! Supported: maps merge and `null` deletes (as RFC 7386); lists of objects listed in
//! [`super::schema`] merge item by item on their merge key, new items appended; `metadata.finalizers`
//! merges as a set; other lists are replaced. Directives: `$patch: replace | delete | merge` on maps
//! and on list items (`{"$patch": "replace"}` as a list item replaces the whole list),
//! `$deleteFromPrimitiveList/<field>`, `$retainKeys`, and `$setElementOrder/<field>` (the order
//! kubectl's client-side apply asks for). Without an order directive, existing items keep their
//! place and new items are appended.

use serde_json::{Map, Value};

use super::schema::{list_type, ListType};
use super::{json_equal, json_type_name, PatchError};

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM: &str = "$deleteFromPrimitiveList/";
const SET_ORDER: &str = "$setElementOrder/";

/// Applies a strategic merge patch to `target` (a JSON object).
///
/// Atomic: on error `target` is unchanged.
///
/// # Errors
/// [`PatchError::NotAnObject`] when the patch is not an object, [`PatchError::InvalidDirective`] for
/// an unknown `$patch` value or a list item to delete without its merge key, and
/// [`PatchError::DirectiveNotAList`] for a malformed `$deleteFromPrimitiveList` or `$retainKeys`.
///
/// Mirrors apimachinery `strategicpatch.StrategicMergeMapPatch` as apiserver `handlers/patch.go`
/// calls it for `application/strategic-merge-patch+json`.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError::NotAnObject {
            found: json_type_name(patch),
        });
    };
    let mut doc = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let mut path = Vec::new();
    match merge_map(&mut doc, patch, &mut path)? {
        Outcome::Keep => *target = Value::Object(doc),
        Outcome::Delete => *target = Value::Object(Map::new()),
    }
    Ok(())
}

/// What the caller must do with a merged map: keep it, or delete it (`$patch: delete`).
enum Outcome {
    Keep,
    Delete,
}

fn merge_map(
    original: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<Outcome, PatchError> {
    match patch.get(PATCH) {
        None => {}
        Some(Value::String(d)) if d == "merge" => {}
        Some(Value::String(d)) if d == "delete" => return Ok(Outcome::Delete),
        Some(Value::String(d)) if d == "replace" => {
            original.clear();
            let without: Map<String, Value> = patch
                .iter()
                .filter(|(k, _)| k.as_str() != PATCH)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            merge_map(original, &without, path)?;
            return Ok(Outcome::Keep);
        }
        Some(other) => return Err(invalid_directive(other, path)),
    }
    if let Some(keys) = patch.get(RETAIN_KEYS) {
        let keys = keys.as_array().ok_or_else(|| not_a_list(path, RETAIN_KEYS))?;
        original.retain(|k, _| keys.iter().any(|r| r.as_str() == Some(k)));
    }
    let orders = element_orders(patch, path)?;
    let before: Vec<Vec<Value>> = orders
        .iter()
        .map(|(field, _)| {
            original
                .get(*field)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM) {
            delete_from_primitive_list(original, field, value, path)?;
        } else if key.starts_with('$') {
            continue;
        } else {
            path.push(key.clone());
            merge_field(original, key, value, path)?;
            path.pop();
        }
    }
    for ((field, order), server) in orders.into_iter().zip(before) {
        reorder(original, field, order, &server, path);
    }
    Ok(Outcome::Keep)
}

/// The `$setElementOrder/<field>` directives of a patch map.
fn element_orders<'p>(
    patch: &'p Map<String, Value>,
    path: &[String],
) -> Result<Vec<(&'p str, &'p [Value])>, PatchError> {
    patch
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(SET_ORDER).map(|field| (k, field, v)))
        .map(|(k, field, v)| {
            v.as_array()
                .map(|a| (field, a.as_slice()))
                .ok_or_else(|| not_a_list(path, k))
        })
        .collect()
}

/// Enforces `$setElementOrder`: the items named in `order` take its relative order, the other
/// (server-only) items keep theirs, and the two sequences are interleaved by the live list's order.
///
/// Mirrors strategicpatch `normalizeElementOrder` and `mergeSortedSlice`.
fn reorder(
    original: &mut Map<String, Value>,
    field: &str,
    order: &[Value],
    server: &[Value],
    path: &[String],
) {
    let parents: Vec<&str> = path.iter().map(String::as_str).collect();
    let id: fn(&Value, &str) -> Option<Value> = |v, key| match key {
        "" => Some(v.clone()),
        key => v.get(key).cloned(),
    };
    let key = match list_type(field, &parents) {
        ListType::Map(keys) => keys.first().copied().unwrap_or("name"),
        ListType::Set => "",
        ListType::Atomic => return,
    };
    let Some(Value::Array(merged)) = original.get_mut(field) else {
        return;
    };
    let order_ids: Vec<Value> = order.iter().filter_map(|o| id(o, key)).collect();
    let pos_in =
        |ids: &[Value], item: &Value| id(item, key).and_then(|i| ids.iter().position(|o| json_equal(o, &i)));
    let server_ids: Vec<Value> = server.iter().filter_map(|s| id(s, key)).collect();
    let (mut in_patch, server_only): (Vec<Value>, Vec<Value>) = merged
        .drain(..)
        .partition(|item| pos_in(&order_ids, item).is_some());
    in_patch.sort_by_key(|item| pos_in(&order_ids, item));
    let (mut left, mut right) = (
        server_only.into_iter().peekable(),
        in_patch.into_iter().peekable(),
    );
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let left_first =
            matches!((pos_in(&server_ids, l), pos_in(&server_ids, r)), (Some(a), Some(b)) if a < b);
        let next = if left_first { left.next() } else { right.next() };
        merged.extend(next);
    }
    merged.extend(left);
    merged.extend(right);
}

fn merge_field(
    original: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    path: &mut Vec<String>,
) -> Result<(), PatchError> {
    match value {
        Value::Null => {
            original.remove(key);
        }
        Value::Object(patch_map) => {
            let slot = original
                .entry(key.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(map) = slot {
                if let Outcome::Delete = merge_map(map, patch_map, path)? {
                    original.remove(key);
                }
            }
        }
        Value::Array(items) => {
            let parents: Vec<&str> = path[..path.len().saturating_sub(1)]
                .iter()
                .map(String::as_str)
                .collect();
            let kind = list_type(key, &parents);
            let slot = original
                .entry(key.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(list) = slot {
                merge_list(list, items, kind, path)?;
            }
        }
        scalar => {
            original.insert(key.to_owned(), scalar.clone());
        }
    }
    Ok(())
}

fn merge_list(
    original: &mut Vec<Value>,
    patch: &[Value],
    kind: ListType,
    path: &mut Vec<String>,
) -> Result<(), PatchError> {
    if let Some(pos) = patch.iter().position(is_replace_directive) {
        original.clear();
        let rest: Vec<&Value> = patch
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != pos)
            .map(|(_, v)| v)
            .collect();
        for item in rest {
            append_fresh(original, item, path)?;
        }
        return Ok(());
    }
    match kind {
        ListType::Map(keys) => {
            let key = keys.first().copied().unwrap_or("name");
            for item in patch {
                merge_list_item(original, item, key, path)?;
            }
        }
        ListType::Set => {
            for item in patch {
                if !original.iter().any(|o| json_equal(o, item)) {
                    original.push(item.clone());
                }
            }
        }
        ListType::Atomic => {
            original.clear();
            for item in patch {
                append_fresh(original, item, path)?;
            }
        }
    }
    Ok(())
}

fn merge_list_item(
    original: &mut Vec<Value>,
    item: &Value,
    key: &str,
    path: &mut Vec<String>,
) -> Result<(), PatchError> {
    let Value::Object(item_map) = item else {
        original.push(item.clone());
        return Ok(());
    };
    let Some(key_value) = item_map.get(key) else {
        return match item_map.get(PATCH) {
            Some(d) => Err(invalid_directive(d, path)),
            None => append_fresh(original, item, path),
        };
    };
    let matches = |o: &Value| o.get(key).is_some_and(|v| json_equal(v, key_value));
    if item_map.get(PATCH).and_then(Value::as_str) == Some("delete") {
        original.retain(|o| !matches(o));
        return Ok(());
    }
    match original.iter_mut().find(|o| matches(o)) {
        Some(Value::Object(existing)) => {
            if let Outcome::Delete = merge_map(existing, item_map, path)? {
                original.retain(|o| !matches(o));
            }
            Ok(())
        }
        _ => append_fresh(original, item, path),
    }
}

/// Appends a patch item that has no counterpart, with its directives applied to an empty value.
fn append_fresh(list: &mut Vec<Value>, item: &Value, path: &mut Vec<String>) -> Result<(), PatchError> {
    match item {
        Value::Object(patch_map) => {
            let mut fresh = Map::new();
            if let Outcome::Keep = merge_map(&mut fresh, patch_map, path)? {
                list.push(Value::Object(fresh));
            }
        }
        other => list.push(other.clone()),
    }
    Ok(())
}

fn is_replace_directive(item: &Value) -> bool {
    item.as_object()
        .is_some_and(|m| m.len() == 1 && m.get(PATCH).and_then(Value::as_str) == Some("replace"))
}

fn delete_from_primitive_list(
    original: &mut Map<String, Value>,
    field: &str,
    values: &Value,
    path: &[String],
) -> Result<(), PatchError> {
    let values = values
        .as_array()
        .ok_or_else(|| not_a_list(path, &format!("{DELETE_FROM}{field}")))?;
    if let Some(Value::Array(list)) = original.get_mut(field) {
        list.retain(|v| !values.iter().any(|d| json_equal(d, v)));
    }
    Ok(())
}

fn dotted(path: &[String]) -> String {
    if path.is_empty() {
        ".".to_owned()
    } else {
        path.join(".")
    }
}

fn invalid_directive(value: &Value, path: &[String]) -> PatchError {
    PatchError::InvalidDirective {
        directive: value.as_str().map_or_else(|| value.to_string(), str::to_owned),
        path: dotted(path),
    }
}

fn not_a_list(path: &[String], directive: &str) -> PatchError {
    let path = if path.is_empty() {
        directive.to_owned()
    } else {
        format!("{}.{directive}", path.join("."))
    };
    PatchError::DirectiveNotAList { path }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(target: Value, patch: Value) -> Value {
        let mut t = target;
        strategic_merge_patch(&mut t, &patch).unwrap();
        t
    }

    #[test]
    fn transcript_07_adds_a_data_key() {
        let cm = json!({"data": {"jp": "x", "k": "v2", "patched": "yes"}});
        assert_eq!(
            smp(cm, json!({"data":{"smp":"y"}})),
            json!({"data": {"jp": "x", "k": "v2", "patched": "yes", "smp": "y"}})
        );
    }

    #[test]
    fn transcript_13_event_count_and_series_patches() {
        let ev = json!({"reason": "Scheduled", "count": 1, "lastTimestamp": "2026-11-23T18:19:42Z", "message": "m"});
        let patch = json!({"message":"m","count":2,"lastTimestamp":"2026-11-23T18:19:43Z"});
        assert_eq!(
            smp(ev, patch),
            json!({"reason": "Scheduled", "count": 2, "lastTimestamp": "2026-11-23T18:19:43Z", "message": "m"})
        );
        let ev = json!({"note": "n"});
        let patch = json!({"series":{"count":2,"lastObservedTime":"2026-11-23T18:19:39.996324Z"}});
        assert_eq!(
            smp(ev, patch),
            json!({"note": "n", "series": {"count": 2, "lastObservedTime": "2026-11-23T18:19:39.996324Z"}})
        );
    }

    fn pod() -> Value {
        json!({"spec": {"containers": [
            {"name": "web", "image": "nginx:1.26", "ports": [{"containerPort": 80, "protocol": "TCP"}],
             "env": [{"name": "A", "value": "1"}]},
            {"name": "sidecar", "image": "busybox", "command": ["sh"]}
        ]}})
    }

    #[test]
    fn containers_merge_by_name() {
        let out = smp(
            pod(),
            json!({"spec": {"containers": [
                {"name": "web", "image": "nginx:1.27", "env": [{"name": "B", "value": "2"}]},
                {"name": "new", "image": "alpine"}
            ]}}),
        );
        assert_eq!(
            out,
            json!({"spec": {"containers": [
                {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                {"name": "sidecar", "image": "busybox", "command": ["sh"]},
                {"name": "new", "image": "alpine"}
            ]}})
        );
    }

    #[test]
    fn delete_and_replace_directives_in_lists() {
        let out = smp(
            pod(),
            json!({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}),
        );
        assert_eq!(out["spec"]["containers"].as_array().map(Vec::len), Some(1));
        assert_eq!(out["spec"]["containers"][0]["name"], "web");

        let out = smp(
            pod(),
            json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}}),
        );
        assert_eq!(
            out,
            json!({"spec": {"containers": [{"name": "only", "image": "x"}]}})
        );
    }

    #[test]
    fn atomic_lists_are_replaced_and_maps_take_directives() {
        let out = smp(
            pod(),
            json!({"spec": {"containers": [{"name": "sidecar", "command": ["sleep", "1"]}]}}),
        );
        assert_eq!(out["spec"]["containers"][1]["command"], json!(["sleep", "1"]));

        let out = smp(
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
            json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
        );
        assert_eq!(out, json!({"metadata": {"labels": {"c": "3"}}}));

        let out = smp(
            json!({"metadata": {"labels": {"a": "1"}, "name": "x"}}),
            json!({"metadata": {"labels": {"$patch": "delete"}}}),
        );
        assert_eq!(out, json!({"metadata": {"name": "x"}}));
    }

    #[test]
    fn finalizers_merge_as_a_set_and_delete_from_primitive_list() {
        let obj = json!({"metadata": {"finalizers": ["a", "b"]}});
        assert_eq!(
            smp(obj.clone(), json!({"metadata": {"finalizers": ["b", "c"]}})),
            json!({"metadata": {"finalizers": ["a", "b", "c"]}})
        );
        assert_eq!(
            smp(
                obj,
                json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "$setElementOrder/finalizers": ["b"]}})
            ),
            json!({"metadata": {"finalizers": ["b"]}})
        );
    }

    #[test]
    fn set_element_order_like_kubectl_apply() {
        let live = json!({"spec": {"containers": [
            {"name": "a", "image": "1"}, {"name": "server-only", "image": "s"}, {"name": "c", "image": "3"}]}});
        // kubectl inserts b between a and c.
        let patch = json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
            "containers": [{"name": "b", "image": "2"}]}});
        let out = smp(live, patch);
        let names: Vec<&str> = out["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b", "server-only", "c"]);

        let live = json!({"metadata": {"finalizers": ["x", "y"]}});
        let patch = json!({"metadata": {"$setElementOrder/finalizers": ["y", "x"]}});
        assert_eq!(smp(live, patch), json!({"metadata": {"finalizers": ["y", "x"]}}));

        let err =
            strategic_merge_patch(&mut json!({}), &json!({"$setElementOrder/containers": 1})).unwrap_err();
        assert_eq!(
            err,
            PatchError::DirectiveNotAList {
                path: "$setElementOrder/containers".into()
            }
        );
    }

    #[test]
    fn retain_keys_and_nulls() {
        let obj = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let out = smp(
            obj,
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null}}}),
        );
        assert_eq!(out, json!({"spec": {"strategy": {"type": "Recreate"}}}));
    }

    #[test]
    fn service_ports_merge_by_port() {
        let svc = json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}});
        let out = smp(
            svc,
            json!({"spec": {"ports": [{"port": 443, "targetPort": 8443}]}}),
        );
        assert_eq!(
            out["spec"]["ports"][1],
            json!({"port": 443, "name": "https", "targetPort": 8443})
        );
    }

    #[test]
    fn errors_leave_the_target_unchanged() {
        let original = pod();
        let mut t = original.clone();
        let err = strategic_merge_patch(&mut t, &json!({"spec": {"$patch": "explode", "x": 1}})).unwrap_err();
        assert_eq!(
            err,
            PatchError::InvalidDirective {
                directive: "explode".into(),
                path: "spec".into()
            }
        );
        assert_eq!(err.to_status().code, Some(400));
        assert_eq!(t, original);

        let err = strategic_merge_patch(&mut t, &json!([1])).unwrap_err();
        assert_eq!(err, PatchError::NotAnObject { found: "array" });

        let err = strategic_merge_patch(&mut t, &json!({"spec": {"containers": [{"$patch": "delete"}]}}))
            .unwrap_err();
        assert_eq!(
            err,
            PatchError::InvalidDirective {
                directive: "delete".into(),
                path: "spec.containers".into()
            }
        );

        let err = strategic_merge_patch(
            &mut t,
            &json!({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            PatchError::DirectiveNotAList {
                path: "metadata.$deleteFromPrimitiveList/finalizers".into()
            }
        );
        assert_eq!(t, original);
    }

    #[test]
    fn plain_merge_patch_documents_behave_like_merge_patch() {
        let target = json!({"a": {"b": 1, "c": [1, 2]}, "d": 1});
        let patch = json!({"a": {"b": null, "c": [3], "e": {"f": null, "g": 1}}, "d": null});
        let mut via_merge = target.clone();
        super::super::merge_patch(&mut via_merge, &patch);
        assert_eq!(smp(target, patch), via_merge);
    }
}
