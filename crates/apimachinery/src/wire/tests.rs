use proptest::prelude::*;
use serde_json::{json, Value};

use crate::{RawJson, SharedStr, StringMap, UnknownFields};

/// One field of every mode, plus a nested struct and a list of them, as a generated struct has.
#[derive(Debug, Clone, Default, PartialEq)]
struct Sample {
    count: i32,
    flag: bool,
    note: Option<SharedStr>,
    items: Vec<Inner>,
    labels: StringMap,
    uid: Option<SharedStr>,
    inner: Inner,
    unknown_fields: UnknownFields,
}

wire_struct!(Sample, "a sample" {
    "count" => count: req,
    "flag" => flag: omit,
    "note" => note: opt,
    "items" => items: list,
    "labels" => labels: map,
    "uid" => uid: unique,
    "inner" => inner: req,
});

#[derive(Debug, Clone, Default, PartialEq)]
struct Inner {
    name: SharedStr,
    unknown_fields: UnknownFields,
}

wire_struct!(Inner, "an inner" {
    "name" => name: omit,
});

/// A generic struct, as `List<T>` is: its `Default` asks nothing of `T`.
#[derive(Debug, Clone, PartialEq)]
struct Wrapper<T> {
    items: Vec<T>,
    unknown_fields: UnknownFields,
}

impl<T> Default for Wrapper<T> {
    fn default() -> Self {
        Wrapper {
            items: Vec::new(),
            unknown_fields: UnknownFields::new(),
        }
    }
}

wire_struct!(Wrapper<T>, "a wrapper" {
    "items" => items: req,
});

fn decode(text: &str) -> Sample {
    serde_json::from_str(text).expect("decodes")
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("encodes")
}

#[test]
fn each_mode_decodes_and_encodes_as_documented() {
    let s = decode(
        r#"{"count":3,"flag":true,"note":"n","items":[{"name":"a"}],"labels":{"k":"v"},"uid":"u-1234567890","inner":{"name":"i"}}"#,
    );
    assert_eq!(s.count, 3);
    assert!(s.flag);
    assert_eq!(s.note.as_deref(), Some("n"));
    assert_eq!(s.items[0].name, "a");
    assert_eq!(s.items.capacity(), 1, "lists keep no spare room");
    assert_eq!(s.labels["k"], "v");
    assert!(
        !s.uid
            .as_ref()
            .expect("set")
            .shares_with(&SharedStr::interned("u-1234567890")),
        "unique strings are not interned"
    );
    assert_eq!(s.inner.name, "i");
    assert_eq!(
        encode(&s),
        r#"{"count":3,"flag":true,"note":"n","items":[{"name":"a"}],"labels":{"k":"v"},"uid":"u-1234567890","inner":{"name":"i"}}"#
    );

    // Absent and null read as the default; only `req` fields are written when empty.
    let empty = decode(
        r#"{"count":null,"flag":null,"note":null,"items":null,"labels":null,"uid":null,"inner":null}"#,
    );
    assert_eq!(empty, Sample::default());
    assert_eq!(decode("{}"), Sample::default());
    assert_eq!(encode(&empty), r#"{"count":0,"inner":{}}"#);
}

/// Go's always-written pointer and slice: the API server writes `"conditions": null` when unset.
#[derive(Debug, Clone, Default, PartialEq)]
struct Always {
    when: Option<SharedStr>,
    conditions: Vec<SharedStr>,
    unknown_fields: UnknownFields,
}

wire_struct!(Always, "always" {
    "when" => when: null,
    "conditions" => conditions: null,
});

#[test]
fn null_mode_writes_unset_as_null_and_reads_it_back() {
    let unset: Always = serde_json::from_str(r#"{"when":null,"conditions":null}"#).expect("decodes");
    assert_eq!(unset, Always::default());
    assert_eq!(encode(&unset), r#"{"when":null,"conditions":null}"#);
    assert_eq!(serde_json::from_str::<Always>("{}").expect("decodes"), unset);
    let set: Always = serde_json::from_str(r#"{"when":"now","conditions":["Ready"]}"#).expect("decodes");
    assert_eq!((set.when.as_deref(), set.conditions.len()), (Some("now"), 1));
    assert_eq!(encode(&set), r#"{"when":"now","conditions":["Ready"]}"#);
}

#[test]
fn unknown_fields_come_back_last_at_every_depth_byte_for_byte() {
    let text = r#"{"count":1,"items":[{"name":"a","x-item":[1,"two",{"3":null}]}],"inner":{"x-inner":1.50},"x-top":{"deep":{"er":true}},"x-str":"s"}"#;
    let s = decode(text);
    assert_eq!(s.unknown_fields.len(), 2);
    assert_eq!(
        s.unknown_fields.get("x-top").map(RawJson::as_str),
        Some(r#"{"deep":{"er":true}}"#)
    );
    assert_eq!(
        s.items[0].unknown_fields.get("x-item").map(RawJson::as_str),
        Some(r#"[1,"two",{"3":null}]"#)
    );
    // Numbers are kept as written, not as a float re-printed.
    assert_eq!(
        s.inner.unknown_fields.get("x-inner").map(RawJson::as_str),
        Some("1.50")
    );
    assert_eq!(encode(&s), text);
}

#[test]
fn unknown_fields_survive_a_typed_edit() {
    let mut s = decode(r#"{"count":1,"x-new":{"a":1},"items":[{"name":"a","x-old":2}]}"#);
    s.count = 2;
    s.items.push(Inner::default());
    s.items.swap(0, 1);
    assert_eq!(
        serde_json::from_str::<Value>(&encode(&s)).expect("JSON"),
        json!({"count": 2, "items": [{}, {"name": "a", "x-old": 2}], "inner": {}, "x-new": {"a": 1}})
    );
}

#[test]
fn repeated_keys_keep_the_last_value() {
    let s = decode(r#"{"count":1,"x":1,"y":2,"count":2,"x":3}"#);
    assert_eq!(s.count, 2);
    assert_eq!(encode(&s), r#"{"count":2,"inner":{},"x":3,"y":2}"#);
}

#[test]
fn generic_structs_decode_their_items() {
    let w: Wrapper<Inner> = serde_json::from_str(r#"{"items":[{"name":"a"}],"more":0}"#).expect("decodes");
    assert_eq!(w.items[0].name, "a");
    assert_eq!(encode(&w), r#"{"items":[{"name":"a"}],"more":0}"#);
    assert_eq!(encode(&Wrapper::<Inner>::default()), r#"{"items":[]}"#);
}

#[test]
fn decodes_from_a_json_value_too() {
    let s: Sample = serde_json::from_value(json!({"count": 4, "x-v": [true]})).expect("decodes");
    assert_eq!(s.count, 4);
    assert_eq!(s.unknown_fields.get("x-v").map(RawJson::as_str), Some("[true]"));
}

/// Malformed input fails with serde's message, which says what was wrong, and with where it was.
#[test]
fn malformed_input_names_what_and_where() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"count":"3"}"#,
            "invalid type: string \"3\", expected i32 at line 1 column 12",
        ),
        (
            r#"{"count":3,"flag":1}"#,
            "invalid type: integer `1`, expected a boolean at line 1 column 19",
        ),
        (
            r#"{"items":{}}"#,
            "invalid type: map, expected a sequence at line 1 column 9",
        ),
        (
            r#"{"items":[{"name":7}]}"#,
            "invalid type: integer `7`, expected a string at line 1 column 19",
        ),
        (
            r#"{"items":[3]}"#,
            "invalid type: integer `3`, expected an inner at line 1 column 11",
        ),
        (
            r#"{"labels":{"a":[]}}"#,
            "invalid type: sequence, expected a string at line 1 column 15",
        ),
        (
            r#"[1]"#,
            "invalid type: sequence, expected a sample at line 1 column 0",
        ),
        (
            r#"null"#,
            "invalid type: null, expected a sample at line 1 column 4",
        ),
        (r#"{"count":1,"x-new":[1,}"#, "expected value at line 1 column 23"),
        (r#"{"count":1,"x-new":tru}"#, "expected ident at line 1 column 23"),
        (r#"{"count":1"#, "EOF while parsing an object at line 1 column 10"),
        (r#"{"count":1,}"#, "trailing comma at line 1 column 12"),
        (
            r#"{"count":99999999999}"#,
            "invalid value: integer `99999999999`, expected i32 at line 1 column 20",
        ),
    ];
    for (input, message) in cases {
        let err = serde_json::from_str::<Sample>(input).expect_err(input);
        assert_eq!(err.to_string(), *message, "for {input}");
    }
}

/// A JSON text for any value, including the strings and numbers serde_json must keep verbatim.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-z\"\\\\é\u{1F600} ]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Any mix of known fields and unknown keys (names that are not the struct's, any values) at
    /// the top and inside list items comes back as the same JSON.
    #[test]
    fn any_unknown_keys_round_trip(
        count in any::<i32>(),
        note in proptest::option::of("[a-z]{0,10}"),
        names in prop::collection::vec("[a-z]{0,9}", 0..3),
        top in prop::collection::btree_map("x-[a-z]{1,6}", json_value(), 0..4),
        item in prop::collection::btree_map("y-[a-z]{1,6}", json_value(), 0..3),
    ) {
        let mut object = json!({"count": count, "inner": {}});
        if let Some(note) = &note {
            object["note"] = json!(note);
        }
        if !names.is_empty() {
            let items: Vec<Value> = names.iter().map(|n| {
                let mut i = if n.is_empty() { json!({}) } else { json!({"name": n}) };
                for (k, v) in &item {
                    i[k] = v.clone();
                }
                i
            }).collect();
            object["items"] = Value::Array(items);
        }
        for (k, v) in &top {
            object[k] = v.clone();
        }
        let text = object.to_string();
        let s: Sample = serde_json::from_str(&text).expect("decodes");
        prop_assert_eq!(s.unknown_fields.len(), top.len());
        // Both sides parsed from text, so that a float reads back the same way on each.
        let back: Value = serde_json::from_str(&encode(&s)).expect("JSON");
        prop_assert_eq!(back, serde_json::from_str::<Value>(&text).expect("JSON"));
    }

    /// Garbage never panics: it decodes or fails with an error.
    #[test]
    fn garbage_is_an_error_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), cut in 0usize..200) {
        let _ = serde_json::from_slice::<Sample>(&bytes);
        let valid = r#"{"count":1,"items":[{"name":"a","z":[1,{"q":null}]}],"labels":{"a":"b"},"x":{"y":"z"}}"#;
        let _ = serde_json::from_str::<Sample>(&valid[..cut.min(valid.len())]);
    }
}
