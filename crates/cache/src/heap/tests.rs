//! client-go's `tools/cache/heap_test.go`, ported, plus a property test against a sorted model.
//! Go's `Close`/`IsClosed` cases (`TestHeapEmptyPop`, `TestHeap_Close`, `TestHeapAddAfterClose`)
//! have no counterpart: this heap never blocks, so there is nothing for a close to wake.

use std::sync::Arc;

use proptest::prelude::*;

use super::Heap;
use crate::test_util::{named as obj, named_key as key, Named as Obj};

fn heap() -> Heap<Obj> {
    Heap::new(key, Arc::new(|a: &Obj, b: &Obj| a.val < b.val))
}

fn pop_val(h: &mut Heap<Obj>) -> Option<i64> {
    h.pop().map(|o| o.val)
}

#[test]
fn test_heap_basic() {
    let mut h = heap();
    const AMOUNT: i64 = 500;
    for i in (1..=AMOUNT).rev() {
        h.add(obj(&format!("a{i}"), i)).unwrap();
    }
    for u in 0..AMOUNT {
        h.add(obj(&format!("b{u}"), u + 1)).unwrap();
    }
    let mut prev = 0;
    for _ in 0..AMOUNT * 2 {
        let num = pop_val(&mut h).unwrap();
        assert!(prev <= num, "got {num} out of order, last was {prev}");
        prev = num;
    }
    assert!(h.is_empty());
}

#[test]
fn test_heap_add() {
    let mut h = heap();
    h.add(obj("foo", 10)).unwrap();
    h.add(obj("bar", 1)).unwrap();
    h.add(obj("baz", 11)).unwrap();
    h.add(obj("zab", 30)).unwrap();
    h.add(obj("foo", 13)).unwrap(); // This updates "foo".
    assert_eq!(pop_val(&mut h), Some(1));
    assert_eq!(pop_val(&mut h), Some(11));
    assert_eq!(h.delete(&obj("baz", 11)).unwrap(), None, "nothing is deleted");
    h.add(obj("foo", 14)).unwrap(); // foo is updated.
    assert_eq!(pop_val(&mut h), Some(14));
    assert_eq!(pop_val(&mut h), Some(30));
}

#[test]
fn test_heap_bulk_add() {
    let mut h = heap();
    const AMOUNT: i64 = 500;
    h.bulk_add((1..=AMOUNT).rev().map(|i| obj(&format!("a{i}"), i)))
        .unwrap();
    let mut prev = -1;
    for _ in 0..AMOUNT {
        let num = pop_val(&mut h).unwrap();
        assert!(prev < num, "got {num} out of order, last was {prev}");
        prev = num;
    }
}

/// Go's Pop blocks on an empty heap until it is closed; this one answers `None` at once.
#[test]
fn test_heap_empty_pop() {
    assert_eq!(pop_val(&mut heap()), None);
}

#[test]
fn test_heap_add_if_not_present() {
    let mut h = heap();
    h.add_if_not_present(obj("foo", 10)).unwrap();
    h.add_if_not_present(obj("bar", 1)).unwrap();
    h.add_if_not_present(obj("baz", 11)).unwrap();
    h.add_if_not_present(obj("zab", 30)).unwrap();
    h.add_if_not_present(obj("foo", 13)).unwrap(); // This is not added.
    assert_eq!(h.len(), 4);
    assert_eq!(h.get_by_key("foo").map(|o| o.val), Some(10));
    assert_eq!(pop_val(&mut h), Some(1));
    assert_eq!(pop_val(&mut h), Some(10));
    // bar is already popped. Let's add another one.
    h.add_if_not_present(obj("bar", 14)).unwrap();
    assert_eq!(pop_val(&mut h), Some(11));
    assert_eq!(pop_val(&mut h), Some(14));
}

#[test]
fn test_heap_delete() {
    let mut h = heap();
    h.add(obj("foo", 10)).unwrap();
    h.add(obj("bar", 1)).unwrap();
    h.add(obj("bal", 31)).unwrap();
    h.add(obj("baz", 11)).unwrap();
    // Delete head. Delete works with the key and doesn't care about the value.
    assert!(
        h.delete(&obj("bar", 200)).unwrap().is_some(),
        "failed to delete head"
    );
    assert_eq!(pop_val(&mut h), Some(10));
    h.add(obj("zab", 30)).unwrap();
    h.add(obj("faz", 30)).unwrap();
    let len = h.len();
    assert_eq!(h.delete(&obj("non-existent", 10)).unwrap(), None);
    assert_eq!(h.len(), len, "no item removed");
    assert!(
        h.delete(&obj("bal", 31)).unwrap().is_some(),
        "failed to delete tail"
    );
    assert!(
        h.delete(&obj("zab", 30)).unwrap().is_some(),
        "failed to delete item"
    );
    assert_eq!(pop_val(&mut h), Some(11));
    assert_eq!(pop_val(&mut h), Some(30));
    assert!(h.is_empty());
}

#[test]
fn test_heap_update() {
    let mut h = heap();
    h.add(obj("foo", 10)).unwrap();
    h.add(obj("bar", 1)).unwrap();
    h.add(obj("bal", 31)).unwrap();
    h.add(obj("baz", 11)).unwrap();
    // Update an item to a value that should push it to the head.
    h.update(obj("baz", 0)).unwrap();
    assert_eq!(h.peek().map(|o| o.name.as_str()), Some("baz"));
    assert_eq!(pop_val(&mut h), Some(0));
    // Update bar to push it farther back in the queue.
    h.update(obj("bar", 100)).unwrap();
    assert_eq!(h.peek().map(|o| o.name.as_str()), Some("foo"));
}

#[test]
fn test_heap_get() {
    let mut h = heap();
    h.add(obj("foo", 10)).unwrap();
    h.add(obj("bar", 1)).unwrap();
    h.add(obj("bal", 31)).unwrap();
    h.add(obj("baz", 11)).unwrap();
    // Get works with the key.
    assert_eq!(h.get(&obj("baz", 0)).unwrap().map(|o| o.val), Some(11));
    assert_eq!(h.get(&obj("non-existing", 0)).unwrap(), None);
}

#[test]
fn test_heap_get_by_key() {
    let mut h = heap();
    h.add(obj("foo", 10)).unwrap();
    h.add(obj("bar", 1)).unwrap();
    h.add(obj("bal", 31)).unwrap();
    h.add(obj("baz", 11)).unwrap();
    assert_eq!(h.get_by_key("baz").map(|o| o.val), Some(11));
    assert_eq!(h.get_by_key("non-existing"), None);
}

#[test]
fn test_heap_list_and_list_keys() {
    let mut h = heap();
    assert!(h.list().is_empty() && h.list_keys().is_empty());
    let items = [("foo", 10), ("bar", 1), ("bal", 30), ("baz", 11), ("faz", 30)];
    for (k, v) in items {
        h.add(obj(k, v)).unwrap();
    }
    let mut listed: Vec<(String, i64)> = h.list().iter().map(|o| (o.name.clone(), o.val)).collect();
    listed.sort();
    let mut expected: Vec<(String, i64)> = items.iter().map(|&(k, v)| (k.to_owned(), v)).collect();
    expected.sort();
    assert_eq!(listed, expected);
    let mut keys = h.list_keys();
    keys.sort();
    assert_eq!(keys, ["bal", "bar", "baz", "faz", "foo"]);
}

/// One operation of the property test.
#[derive(Debug, Clone)]
enum Op {
    Add(u8, i64),
    AddIfNotPresent(u8, i64),
    Delete(u8),
    Pop,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..12, -20i64..20).prop_map(|(k, v)| Op::Add(k, v)),
        (0u8..12, -20i64..20).prop_map(|(k, v)| Op::AddIfNotPresent(k, v)),
        (0u8..12).prop_map(Op::Delete),
        Just(Op::Pop),
    ]
}

proptest! {
    /// The heap agrees with a map of key to value: what it holds, and that `pop` gives a
    /// smallest value.
    #[test]
    fn the_heap_matches_a_keyed_model(ops in proptest::collection::vec(op(), 0..200)) {
        let mut h = heap();
        let mut model = std::collections::BTreeMap::<String, i64>::new();
        for op in ops {
            match op {
                Op::Add(k, v) => {
                    h.add(obj(&k.to_string(), v)).unwrap();
                    model.insert(k.to_string(), v);
                }
                Op::AddIfNotPresent(k, v) => {
                    h.add_if_not_present(obj(&k.to_string(), v)).unwrap();
                    model.entry(k.to_string()).or_insert(v);
                }
                Op::Delete(k) => {
                    let removed = h.delete_by_key(&k.to_string()).map(|o| o.val);
                    prop_assert_eq!(removed, model.remove(&k.to_string()));
                }
                Op::Pop => match h.pop() {
                    None => prop_assert!(model.is_empty()),
                    Some(o) => {
                        prop_assert_eq!(Some(o.val), model.values().copied().min());
                        prop_assert_eq!(model.remove(&o.name), Some(o.val));
                    }
                },
            }
            prop_assert_eq!(h.len(), model.len());
            for (k, v) in &model {
                prop_assert_eq!(h.get_by_key(k).map(|o| o.val), Some(*v));
            }
        }
    }
}
