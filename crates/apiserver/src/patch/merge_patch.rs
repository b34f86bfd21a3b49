//! RFC 7386 JSON Merge Patch.

use serde_json::{Map, Value};

/// Applies an RFC 7386 merge patch: objects merge key by key, `null` deletes a key, anything else
/// (arrays included) replaces.
///
/// A patch that is not an object replaces the whole target, as the RFC says; the server must then
/// reject a result that is not an object (a Kubernetes object is always one).
///
/// Mirrors evanphx/json-patch `MergePatch`, used by apiserver `handlers/patch.go` for
/// `application/merge-patch+json`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(map) = target {
        merge_into(map, patch);
    }
}

fn merge_into(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else if let Some(existing) = target.get_mut(key) {
            merge_patch(existing, value);
        } else {
            let mut fresh = Value::Null;
            merge_patch(&mut fresh, value);
            target.insert(key.clone(), fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn merged(target: Value, patch: Value) -> Value {
        let mut t = target;
        merge_patch(&mut t, &patch);
        t
    }

    #[test]
    fn rfc_7386_appendix_a_examples() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (json!({"a":"b","b":"c"}), json!({"a":null}), json!({"b":"c"})),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (target, patch, want) in cases {
            assert_eq!(merged(target, patch.clone()), want, "patch {patch}");
        }
    }

    #[test]
    fn transcript_11_finalizers_list_is_replaced() {
        let cm = json!({"metadata": {"name": "cm-fin", "finalizers": ["example.com/cleanup"]}});
        let patch = json!({"metadata":{"finalizers":["example.com/cleanup","example.com/second"]}});
        assert_eq!(
            merged(cm, patch),
            json!({"metadata": {"name": "cm-fin", "finalizers": ["example.com/cleanup","example.com/second"]}})
        );
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..3).prop_map(Value::from),
            "[ab]{0,1}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 20, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-c]", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// True when no object inside `v` (at any depth) has a null member.
    fn has_no_null_members(v: &Value) -> bool {
        match v {
            Value::Object(m) => m.values().all(|x| !x.is_null() && has_no_null_members(x)),
            Value::Array(a) => a.iter().all(has_no_null_members),
            _ => true,
        }
    }

    proptest! {
        #[test]
        fn applying_twice_equals_applying_once(target in arb_json(), patch in arb_json()) {
            let once = merged(target, patch.clone());
            let twice = merged(once.clone(), patch);
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn patching_with_the_result_is_a_no_op(target in arb_json(), patch in arb_json()) {
            let once = merged(target, patch);
            if has_no_null_members(&once) {
                prop_assert_eq!(merged(once.clone(), once.clone()), once);
            }
        }

        #[test]
        fn empty_object_patch_keeps_objects(target in prop::collection::btree_map("[a-c]", arb_json(), 0..3)) {
            let t = Value::Object(target.into_iter().collect());
            prop_assert_eq!(merged(t.clone(), json!({})), t);
        }
    }
}
