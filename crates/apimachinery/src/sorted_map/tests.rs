use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{SortedMap, StringMap};
use crate::SharedStr;

#[test]
fn insert_get_remove_behave_like_a_btree_map() {
    let mut m = StringMap::new();
    assert!(m.is_empty());
    assert_eq!(m.insert("b", "2"), None);
    assert_eq!(m.insert("a", "1"), None);
    assert_eq!(m.insert("c", "3"), None);
    assert_eq!(m.insert("b", "two"), Some("2".into()));
    assert_eq!(m.len(), 3);
    assert_eq!(m.get("b").map(SharedStr::as_str), Some("two"));
    assert!(m.contains_key("a"));
    assert!(!m.contains_key("z"));
    let a = m.get_mut("a").expect("present");
    *a = format!("{a}!").into();
    assert_eq!(m.remove("c"), Some("3".into()));
    assert_eq!(m.remove("c"), None);
    let pairs: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(pairs, [("a", "1!"), ("b", "two")]);
    m.retain(|k, _| k != "a");
    assert_eq!(m.keys().collect::<Vec<_>>(), ["b"]);
    m.clear();
    assert!(m.is_empty());
}

#[test]
fn decoding_sorts_keeps_the_last_repeated_key_and_leaves_no_spare_room() {
    let m: StringMap = serde_json::from_str(r#"{"z":"1","a":"2","z":"3","m":"4"}"#).expect("decodes");
    assert_eq!(
        serde_json::to_string(&m).expect("encodes"),
        r#"{"a":"2","m":"4","z":"3"}"#
    );
    assert_eq!(m.entries.capacity(), m.entries.len());
}

#[test]
fn decoding_a_non_string_value_names_the_problem() {
    let err = serde_json::from_str::<StringMap>(r#"{"app":1}"#).expect_err("a number is not a string");
    assert_eq!(
        err.to_string(),
        "invalid type: integer `1`, expected a string at line 1 column 8"
    );
    let err =
        serde_json::from_str::<SortedMap<i32>>(r#"{"a":1,"b":"2"}"#).expect_err("a string is not a number");
    assert_eq!(
        err.to_string(),
        "invalid type: string \"2\", expected i32 at line 1 column 14"
    );
    let err = serde_json::from_str::<StringMap>(r#"["app"]"#).expect_err("a list is not a map");
    assert_eq!(
        err.to_string(),
        "invalid type: sequence, expected a map with string keys at line 1 column 0"
    );
}

#[test]
fn converts_to_and_from_btree_map_and_debug_prints_like_a_map() {
    let b: BTreeMap<String, String> = [("x".to_owned(), "1".to_owned())].into();
    let m = StringMap::from(b.clone());
    assert_eq!(BTreeMap::from(m.clone()), b);
    assert_eq!(format!("{m:?}"), r#"{"x": "1"}"#);
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[a-e]{0,3}", "[a-z0-9]{0,4}"), 0..12)
}

proptest! {
    /// Whatever the order and repeats, a `StringMap` holds what a `BTreeMap` built the same way holds.
    #[test]
    fn collect_and_insert_match_btree_map(pairs in pairs(), removes in proptest::collection::vec("[a-e]{0,3}", 0..4)) {
        let mut expected: BTreeMap<String, String> = pairs.iter().cloned().collect();
        let mut collected: StringMap = pairs.iter().cloned().collect();
        let mut inserted = StringMap::new();
        let mut model = BTreeMap::new();
        for (k, v) in &pairs {
            prop_assert_eq!(
                inserted.insert(k.clone(), v.clone()).map(String::from),
                model.insert(k.clone(), v.clone())
            );
        }
        for k in &removes {
            prop_assert_eq!(collected.remove(k.as_str()).map(String::from), expected.remove(k));
            inserted.remove(k.as_str());
        }
        prop_assert_eq!(&collected, &inserted);
        prop_assert_eq!(BTreeMap::from(collected), expected);
    }

    /// Decoding any JSON object of strings gives what decoding it into a `BTreeMap` gives, and
    /// encodes back to the same text.
    #[test]
    fn decode_matches_btree_map(pairs in pairs()) {
        let body = format!(
            "{{{}}}",
            pairs.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect::<Vec<_>>().join(",")
        );
        let ours: StringMap = serde_json::from_str(&body).expect("decodes");
        let theirs: BTreeMap<String, String> = serde_json::from_str(&body).expect("decodes");
        prop_assert_eq!(serde_json::to_string(&ours).expect("encodes"), serde_json::to_string(&theirs).expect("encodes"));
        prop_assert_eq!(BTreeMap::from(ours), theirs);
    }
}

#[test]
fn values_of_any_type_and_null_for_nothing_else() {
    let m: SortedMap<Option<Vec<u8>>> = serde_json::from_str(r#"{"b":[1,2],"a":null}"#).expect("decodes");
    assert_eq!(m.get("a"), Some(&None));
    assert_eq!(m["b"], Some(vec![1, 2]));
    assert_eq!(
        serde_json::to_string(&m).expect("encodes"),
        r#"{"a":null,"b":[1,2]}"#
    );
    assert!(
        serde_json::from_str::<SortedMap<i32>>("null").is_err(),
        "a map field's null is the field codec's business"
    );
}

#[test]
fn keys_are_interned_and_one_word() {
    let a: SortedMap<i32> = serde_json::from_str(r#"{"example.com/dongle":1}"#).expect("decodes");
    let b: SortedMap<i32> = serde_json::from_str(r#"{"example.com/dongle":2}"#).expect("decodes");
    let key = |m: &SortedMap<i32>| m.keys().next().expect("one key").clone();
    assert!(key(&a).shares_with(&key(&b)));
    assert_eq!(size_of::<(SharedStr, i64)>(), 16);
}

fn numbered_pairs() -> impl Strategy<Value = Vec<(String, i64)>> {
    proptest::collection::vec(("[a-e]{0,3}", any::<i64>()), 0..12)
}

proptest! {
    /// The same properties for a map of numbers: whatever the order and repeats, a `SortedMap`
    /// holds what a `BTreeMap` built the same way holds, and decodes and encodes as one does.
    #[test]
    fn sorted_map_of_numbers_matches_btree_map(pairs in numbered_pairs(), removes in proptest::collection::vec("[a-e]{0,3}", 0..4)) {
        let mut expected: BTreeMap<String, i64> = pairs.iter().cloned().collect();
        let mut collected: SortedMap<i64> = pairs.iter().cloned().collect();
        let mut inserted = SortedMap::new();
        let mut model = BTreeMap::new();
        for (k, v) in &pairs {
            prop_assert_eq!(inserted.insert(k.clone(), *v), model.insert(k.clone(), *v));
        }
        for k in &removes {
            prop_assert_eq!(collected.remove(k.as_str()), expected.remove(k));
            inserted.remove(k.as_str());
        }
        prop_assert_eq!(&collected, &inserted);
        prop_assert_eq!(collected.iter().map(|(k, v)| (k.to_string(), *v)).collect::<Vec<_>>(), expected.clone().into_iter().collect::<Vec<_>>());

        let body = format!(
            "{{{}}}",
            pairs.iter().map(|(k, v)| format!("{k:?}:{v}")).collect::<Vec<_>>().join(",")
        );
        let ours: SortedMap<i64> = serde_json::from_str(&body).expect("decodes");
        let theirs: BTreeMap<String, i64> = serde_json::from_str(&body).expect("decodes");
        prop_assert_eq!(serde_json::to_string(&ours).expect("encodes"), serde_json::to_string(&theirs).expect("encodes"));
        prop_assert_eq!(ours.entries.capacity(), ours.len());
    }
}
