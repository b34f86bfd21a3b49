//! Property test of `DynamicObject` round trips: any object, with unknown fields at the top level, in
//! `metadata`, in owner references and in managedFields entries, encodes back to the same JSON.

use clientgo_apimachinery::{DynamicObject, Time};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Strings with the characters JSON escapes, multi-byte characters, and anything else.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9\\-./]{0,12}",
        "[\"\\\\{}\n a-z\u{e9}\u{1f600}]{0,12}",
        any::<String>()
    ]
}

/// Any JSON value, nulls and nesting included.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        text().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Fields no version of the API has: names starting with `x` clash with none of the modelled ones.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("x[a-zA-Z0-9]{0,8}", json_value(), 0..3).prop_map(|m| m.into_iter().collect())
}

/// A timestamp as the API server writes it: UTC, whole seconds.
fn timestamp() -> impl Strategy<Value = Value> {
    (0i64..253_402_300_800).prop_map(|s| Value::String(Time::from_unix_seconds(s).to_string()))
}

/// Adds `key: value` to `map` when the value is present.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v);
    }
}

fn string_map() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(text(), text(), 1..3)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect()))
}

fn owner_reference() -> impl Strategy<Value = Value> {
    (
        text(),
        text(),
        text(),
        text(),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        unknown_fields(),
    )
        .prop_map(|(api_version, kind, name, uid, controller, block, mut m)| {
            put(&mut m, "apiVersion", Some(api_version.into()));
            put(&mut m, "kind", Some(kind.into()));
            put(&mut m, "name", Some(name.into()));
            put(&mut m, "uid", Some(uid.into()));
            put(&mut m, "controller", controller.map(Value::Bool));
            put(&mut m, "blockOwnerDeletion", block.map(Value::Bool));
            Value::Object(m)
        })
}

fn managed_fields_entry() -> impl Strategy<Value = Value> {
    (
        prop::option::of(text()),
        prop::option::of(prop::sample::select(vec!["Apply", "Update"])),
        prop::option::of(timestamp()),
        prop::option::of(json_value()),
        prop::option::of(text()),
        unknown_fields(),
    )
        .prop_map(|(manager, operation, time, fields, subresource, mut m)| {
            put(&mut m, "manager", manager.map(Value::from));
            put(&mut m, "operation", operation.map(Value::from));
            put(&mut m, "apiVersion", Some("v1".into()));
            put(&mut m, "time", time);
            put(&mut m, "fieldsType", Some("FieldsV1".into()));
            put(&mut m, "fieldsV1", fields.filter(|v| !v.is_null()));
            put(&mut m, "subresource", subresource.map(Value::from));
            Value::Object(m)
        })
}

/// Metadata with any subset of the modelled fields (each in the form the server writes: no nulls,
/// no empty collections) plus unknown ones.
fn metadata() -> impl Strategy<Value = Value> {
    (
        (
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of("[0-9]{1,6}"),
            prop::option::of(any::<i64>()),
            prop::option::of(timestamp()),
            prop::option::of(timestamp()),
            prop::option::of(0i64..3600),
        ),
        (
            prop::option::of(string_map()),
            prop::option::of(string_map()),
            prop::collection::vec(owner_reference(), 0..3),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(managed_fields_entry(), 0..3),
            unknown_fields(),
        ),
    )
        .prop_map(
            |((name, gen_name, ns, rv, generation, created, deleted, grace), rest)| {
                let (labels, annotations, owners, finalizers, managed, mut m) = rest;
                put(&mut m, "name", name.map(Value::from));
                put(&mut m, "generateName", gen_name.map(Value::from));
                put(&mut m, "namespace", ns.map(Value::from));
                put(&mut m, "resourceVersion", rv.map(Value::from));
                put(&mut m, "generation", generation.map(Value::from));
                put(&mut m, "creationTimestamp", created);
                put(&mut m, "deletionTimestamp", deleted);
                put(&mut m, "deletionGracePeriodSeconds", grace.map(Value::from));
                put(&mut m, "labels", labels);
                put(&mut m, "annotations", annotations);
                let non_empty = |v: Vec<Value>| (!v.is_empty()).then_some(Value::Array(v));
                put(&mut m, "ownerReferences", non_empty(owners));
                put(
                    &mut m,
                    "finalizers",
                    non_empty(finalizers.into_iter().map(Value::from).collect()),
                );
                put(&mut m, "managedFields", non_empty(managed));
                Value::Object(m)
            },
        )
}

fn object() -> impl Strategy<Value = Value> {
    ("[a-z./]{1,12}", "[A-Za-z]{1,12}", metadata(), unknown_fields()).prop_map(
        |(api_version, kind, metadata, mut m)| {
            m.insert("apiVersion".into(), api_version.into());
            m.insert("kind".into(), kind.into());
            m.insert("metadata".into(), metadata);
            Value::Object(m)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_field_survives_a_decode_encode_round_trip(json in object()) {
        let text = serde_json::to_string(&json).unwrap();
        let obj: DynamicObject = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(serde_json::to_value(&obj).unwrap(), json.clone());
        let again: DynamicObject = serde_json::from_str(&serde_json::to_string(&obj).unwrap()).unwrap();
        prop_assert_eq!(&again, &obj);
        let from_value: DynamicObject = serde_json::from_value(json).unwrap();
        prop_assert_eq!(from_value, obj);
    }
}
