//! RFC 6902 JSON Patch with RFC 6901 JSON pointers.
//!
//! Mirrors evanphx/json-patch as the apiserver uses it: operations apply in order to a working copy
//! that replaces the target only when every operation succeeded, so a failed `test` leaves the object
//! untouched.

use serde_json::{Map, Value};

use super::{json_equal, json_type_name, OperationError, PatchError};

/// The most operations one JSON patch may hold, as in the real server (`maxJSONPatchOperations`).
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// Applies an RFC 6902 JSON patch (an array of `add`, `remove`, `replace`, `move`, `copy` and
/// `test` operations) to `target`.
///
/// Pointers use RFC 6901 syntax with the `~0`/`~1` escapes; `-` appends to an array in `add`, `move`
/// and `copy` destinations. The patch is atomic: on error `target` is unchanged.
///
/// # Errors
/// [`PatchError::NotAnArray`], [`PatchError::OperationNotAnObject`] or
/// [`PatchError::TooManyOperations`] for a malformed document, and [`PatchError::Operation`] naming
/// the failing operation and why.
///
/// Mirrors evanphx/json-patch `Patch.Apply` called by apiserver `handlers/patch.go` `applyJSPatch`.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let ops = patch.as_array().ok_or(PatchError::NotAnArray {
        found: json_type_name(patch),
    })?;
    if ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(PatchError::TooManyOperations {
            max: MAX_JSON_PATCH_OPERATIONS,
            got: ops.len(),
        });
    }
    let ops = ops
        .iter()
        .enumerate()
        .map(|(index, op)| {
            op.as_object().ok_or(PatchError::OperationNotAnObject {
                index,
                found: json_type_name(op),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut doc = target.clone();
    for (index, op) in ops.into_iter().enumerate() {
        apply_one(&mut doc, op).map_err(|reason| PatchError::Operation {
            index,
            op: op
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            reason,
        })?;
    }
    *target = doc;
    Ok(())
}

fn apply_one(doc: &mut Value, op: &Map<String, Value>) -> Result<(), OperationError> {
    let kind = member_str(op, "op")?;
    let path = member_str(op, "path")?;
    match kind {
        "add" => add(doc, path, member_value(op)?.clone()),
        "remove" => remove(doc, path).map(drop),
        "replace" => replace(doc, path, member_value(op)?.clone()),
        "move" => {
            let from = member_str(op, "from")?;
            if from == path {
                return get(doc, from).map(drop);
            }
            if path.starts_with(from) && path.as_bytes().get(from.len()) == Some(&b'/') {
                return Err(OperationError::MoveIntoChild {
                    from: from.to_owned(),
                    path: path.to_owned(),
                });
            }
            let value = remove(doc, from)?;
            add(doc, path, value)
        }
        "copy" => {
            let value = get(doc, member_str(op, "from")?)?.clone();
            add(doc, path, value)
        }
        "test" => {
            if json_equal(get(doc, path)?, member_value(op)?) {
                Ok(())
            } else {
                Err(OperationError::TestFailed(path.to_owned()))
            }
        }
        _ => Err(OperationError::UnknownOp),
    }
}

fn member_str<'a>(op: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, OperationError> {
    op.get(name)
        .and_then(Value::as_str)
        .ok_or(OperationError::MissingMember(name))
}

fn member_value(op: &Map<String, Value>) -> Result<&Value, OperationError> {
    op.get("value").ok_or(OperationError::MissingMember("value"))
}

/// Splits a pointer into unescaped reference tokens; `""` is the whole document.
fn tokens(pointer: &str) -> Result<Vec<String>, OperationError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer
        .strip_prefix('/')
        .ok_or_else(|| OperationError::InvalidPointer(pointer.to_owned()))?;
    rest.split('/')
        .map(|raw| unescape(raw).ok_or_else(|| OperationError::InvalidPointer(pointer.to_owned())))
        .collect()
}

fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Parses an array index: digits without leading zeros, below `limit` (inclusive when `allow_end`).
fn index(token: &str, len: usize, allow_end: bool, pointer: &str) -> Result<usize, OperationError> {
    let bad = || OperationError::InvalidIndex(pointer.to_owned());
    if token == "-" {
        return if allow_end { Ok(len) } else { Err(bad()) };
    }
    let well_formed = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    let i: usize = if well_formed {
        token.parse().map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    if i < len || (allow_end && i == len) {
        Ok(i)
    } else {
        Err(bad())
    }
}

fn get<'a>(doc: &'a Value, pointer: &str) -> Result<&'a Value, OperationError> {
    let mut cur = doc;
    for token in tokens(pointer)? {
        cur = match cur {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => items.get(index(&token, items.len(), false, pointer)?),
            _ => None,
        }
        .ok_or_else(|| OperationError::PathNotFound(pointer.to_owned()))?;
    }
    Ok(cur)
}

/// The container holding the pointer's last token, and that token.
fn parent_mut<'a>(
    doc: &'a mut Value,
    pointer: &str,
) -> Result<Option<(&'a mut Value, String)>, OperationError> {
    let mut toks = tokens(pointer)?;
    let Some(last) = toks.pop() else {
        return Ok(None);
    };
    let mut cur = doc;
    for token in toks {
        cur = match cur {
            Value::Object(map) => map.get_mut(&token),
            Value::Array(items) => {
                let i = index(&token, items.len(), false, pointer)?;
                items.get_mut(i)
            }
            _ => None,
        }
        .ok_or_else(|| OperationError::PathNotFound(pointer.to_owned()))?;
    }
    Ok(Some((cur, last)))
}

fn add(doc: &mut Value, pointer: &str, value: Value) -> Result<(), OperationError> {
    let Some((parent, last)) = parent_mut(doc, pointer)? else {
        *doc = value;
        return Ok(());
    };
    match parent {
        Value::Object(map) => {
            map.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index(&last, items.len(), true, pointer)?;
            items.insert(i, value);
            Ok(())
        }
        _ => Err(OperationError::PathNotFound(pointer.to_owned())),
    }
}

fn remove(doc: &mut Value, pointer: &str) -> Result<Value, OperationError> {
    let (parent, last) = parent_mut(doc, pointer)?.ok_or(OperationError::RemoveRoot)?;
    match parent {
        Value::Object(map) => map.remove(&last),
        Value::Array(items) => {
            let i = index(&last, items.len(), false, pointer)?;
            Some(items.remove(i))
        }
        _ => None,
    }
    .ok_or_else(|| OperationError::PathNotFound(pointer.to_owned()))
}

fn replace(doc: &mut Value, pointer: &str, value: Value) -> Result<(), OperationError> {
    let Some((parent, last)) = parent_mut(doc, pointer)? else {
        *doc = value;
        return Ok(());
    };
    let slot = match parent {
        Value::Object(map) => map.get_mut(&last),
        Value::Array(items) => {
            let i = index(&last, items.len(), false, pointer)?;
            items.get_mut(i)
        }
        _ => None,
    }
    .ok_or_else(|| OperationError::PathNotFound(pointer.to_owned()))?;
    *slot = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn apply(doc: Value, patch: Value) -> Result<Value, PatchError> {
        let mut d = doc;
        json_patch(&mut d, &patch).map(|()| d)
    }

    fn reason(doc: Value, patch: Value) -> OperationError {
        match apply(doc, patch) {
            Err(PatchError::Operation { reason, .. }) => reason,
            other => panic!("expected an operation error, got {other:?}"),
        }
    }

    #[test]
    fn transcript_07_add_to_configmap_data() {
        let cm = json!({"data": {"k": "v2", "patched": "yes"}});
        let out = apply(cm, json!([{"op":"add","path":"/data/jp","value":"x"}])).unwrap();
        assert_eq!(out, json!({"data": {"jp": "x", "k": "v2", "patched": "yes"}}));
    }

    #[test]
    fn transcript_11_stale_test_is_generic_422_and_leaves_target() {
        let original = json!({"metadata": {"resourceVersion": "210", "finalizers": ["example.com/cleanup"]}});
        let patch = json!([
            {"op":"test","path":"/metadata/resourceVersion","value":"209"},
            {"op":"remove","path":"/metadata/finalizers"}
        ]);
        let mut doc = original.clone();
        let err = json_patch(&mut doc, &patch).unwrap_err();
        assert_eq!(doc, original);
        assert_eq!(
            err,
            PatchError::Operation {
                index: 0,
                op: "test".into(),
                reason: OperationError::TestFailed("/metadata/resourceVersion".into())
            }
        );
        let st = err.to_status();
        assert_eq!(st.code, Some(422));
        assert_eq!(
            st.message.as_deref(),
            Some("the server rejected our request due to an error in our request")
        );
    }

    #[test]
    fn transcript_11_fresh_test_then_remove() {
        let doc = json!({"metadata": {"resourceVersion": "210", "finalizers": ["example.com/cleanup"]}});
        let patch = json!([
            {"op":"test","path":"/metadata/resourceVersion","value":"210"},
            {"op":"remove","path":"/metadata/finalizers"}
        ]);
        assert_eq!(
            apply(doc, patch).unwrap(),
            json!({"metadata": {"resourceVersion": "210"}})
        );
    }

    #[test]
    fn table_of_successful_operations() {
        let cases = [
            (
                json!({"a": [1, 2]}),
                json!([{"op":"add","path":"/a/1","value":9}]),
                json!({"a": [1, 9, 2]}),
            ),
            (
                json!({"a": [1]}),
                json!([{"op":"add","path":"/a/-","value":2}]),
                json!({"a": [1, 2]}),
            ),
            (
                json!({"a": [1]}),
                json!([{"op":"add","path":"/a/1","value":2}]),
                json!({"a": [1, 2]}),
            ),
            (json!({}), json!([{"op":"add","path":"","value":[1]}]), json!([1])),
            (
                json!({"a/b": 1, "m~n": 2}),
                json!([{"op":"remove","path":"/a~1b"},{"op":"replace","path":"/m~0n","value":3}]),
                json!({"m~n": 3}),
            ),
            (
                json!({"a": {"b": 1}}),
                json!([{"op":"move","from":"/a/b","path":"/c"}]),
                json!({"a": {}, "c": 1}),
            ),
            (
                json!({"a": [1, 2, 3]}),
                json!([{"op":"move","from":"/a/0","path":"/a/-"}]),
                json!({"a": [2, 3, 1]}),
            ),
            (
                json!({"a": {"b": 1}}),
                json!([{"op":"copy","from":"/a","path":"/c"}]),
                json!({"a": {"b": 1}, "c": {"b": 1}}),
            ),
            (
                json!({"a": 1}),
                json!([{"op":"test","path":"/a","value":1.0}]),
                json!({"a": 1}),
            ),
            (
                json!({"a": 1}),
                json!([{"op":"move","from":"/a","path":"/a"}]),
                json!({"a": 1}),
            ),
            (
                json!({"": 1}),
                json!([{"op":"replace","path":"/","value":2}]),
                json!({"": 2}),
            ),
            (
                json!({"a": 1}),
                json!([{"op":"add","path":"/a","value":null}]),
                json!({"a": null}),
            ),
        ];
        for (doc, patch, want) in cases {
            assert_eq!(apply(doc, patch.clone()).unwrap(), want, "patch {patch}");
        }
    }

    #[test]
    fn table_of_failures() {
        let doc = json!({"a": [1, 2], "o": {"x": 1}});
        let cases = [
            (json!([{"op":"nope","path":"/a"}]), OperationError::UnknownOp),
            (json!([{"path":"/a"}]), OperationError::MissingMember("op")),
            (
                json!([{"op":"add","value":1}]),
                OperationError::MissingMember("path"),
            ),
            (
                json!([{"op":"add","path":"/b"}]),
                OperationError::MissingMember("value"),
            ),
            (
                json!([{"op":"copy","path":"/b"}]),
                OperationError::MissingMember("from"),
            ),
            (
                json!([{"op":"add","path":"a","value":1}]),
                OperationError::InvalidPointer("a".into()),
            ),
            (
                json!([{"op":"add","path":"/a~2","value":1}]),
                OperationError::InvalidPointer("/a~2".into()),
            ),
            (
                json!([{"op":"remove","path":"/zz"}]),
                OperationError::PathNotFound("/zz".into()),
            ),
            (
                json!([{"op":"add","path":"/zz/y","value":1}]),
                OperationError::PathNotFound("/zz/y".into()),
            ),
            (
                json!([{"op":"replace","path":"/o/y","value":1}]),
                OperationError::PathNotFound("/o/y".into()),
            ),
            (
                json!([{"op":"add","path":"/a/3","value":1}]),
                OperationError::InvalidIndex("/a/3".into()),
            ),
            (
                json!([{"op":"add","path":"/a/01","value":1}]),
                OperationError::InvalidIndex("/a/01".into()),
            ),
            (
                json!([{"op":"remove","path":"/a/-"}]),
                OperationError::InvalidIndex("/a/-".into()),
            ),
            (
                json!([{"op":"remove","path":"/a/x"}]),
                OperationError::InvalidIndex("/a/x".into()),
            ),
            (json!([{"op":"remove","path":""}]), OperationError::RemoveRoot),
            (
                json!([{"op":"move","from":"/o","path":"/o/x/y"}]),
                OperationError::MoveIntoChild {
                    from: "/o".into(),
                    path: "/o/x/y".into(),
                },
            ),
            (
                json!([{"op":"test","path":"/o/x","value":2}]),
                OperationError::TestFailed("/o/x".into()),
            ),
            (
                json!([{"op":"add","path":"/a/0/x","value":1}]),
                OperationError::PathNotFound("/a/0/x".into()),
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(reason(doc.clone(), patch.clone()), want, "patch {patch}");
        }
    }

    #[test]
    fn malformed_documents() {
        assert_eq!(
            apply(json!({}), json!({"op": "add"})),
            Err(PatchError::NotAnArray { found: "object" })
        );
        assert_eq!(
            apply(json!({}), json!([{"op":"test","path":"","value":{}}, "x"])),
            Err(PatchError::OperationNotAnObject {
                index: 1,
                found: "string"
            })
        );
        let many = Value::Array(vec![
            json!({"op":"test","path":"","value":{}});
            MAX_JSON_PATCH_OPERATIONS + 1
        ]);
        assert_eq!(
            apply(json!({}), many),
            Err(PatchError::TooManyOperations {
                max: MAX_JSON_PATCH_OPERATIONS,
                got: MAX_JSON_PATCH_OPERATIONS + 1
            })
        );
    }

    #[test]
    fn later_failure_rolls_back_earlier_operations() {
        let original = json!({"a": 1});
        let mut doc = original.clone();
        let patch = json!([{"op":"add","path":"/b","value":2},{"op":"remove","path":"/c"}]);
        let err = json_patch(&mut doc, &patch).unwrap_err();
        assert!(matches!(err, PatchError::Operation { index: 1, .. }));
        assert_eq!(doc, original);
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..5).prop_map(Value::from),
            "[a-c~/]{0,2}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-c~/]{0,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn arb_pointer() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                "[a-c]",
                "[0-3]",
                Just("-".to_owned()),
                Just("~1".to_owned()),
                Just("~".to_owned())
            ],
            0..4,
        )
        .prop_map(|t| t.iter().map(|s| format!("/{s}")).collect())
    }

    fn arb_op() -> impl Strategy<Value = Value> {
        (
            prop_oneof![
                Just("add"),
                Just("remove"),
                Just("replace"),
                Just("move"),
                Just("copy"),
                Just("test"),
                Just("bad")
            ],
            arb_pointer(),
            arb_pointer(),
            arb_json(),
        )
            .prop_map(|(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}))
    }

    proptest! {
        #[test]
        fn never_panics_and_is_atomic_on_failure(doc in arb_json(), ops in prop::collection::vec(arb_op(), 0..6)) {
            let mut target = doc.clone();
            match json_patch(&mut target, &Value::Array(ops)) {
                Ok(()) => {}
                Err(_) => prop_assert_eq!(target, doc),
            }
        }

        #[test]
        fn add_then_test_succeeds(doc in prop::collection::btree_map("[a-c]{1,2}", arb_json(), 0..4), key in "[a-c]{1,2}", value in arb_json()) {
            let mut target = Value::Object(doc.into_iter().collect());
            let path = format!("/{key}");
            let patch = json!([{"op":"add","path":path,"value":value},{"op":"test","path":path,"value":value}]);
            prop_assert!(json_patch(&mut target, &patch).is_ok());
            prop_assert_eq!(target.get(&key), Some(&value));
        }
    }
}
