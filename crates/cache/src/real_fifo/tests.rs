//! Ports of client-go's `tools/cache/the_real_fifo_test.go`, each named after its Go test, plus
//! tests of what is ours alone (requeueing, refusing unkeyable objects, atomic units popped
//! through `Queue::pop` and `pop_batch`).
//!
//! Objects are cluster-scoped pods keyed by name, standing for Go's `testFifoObject`; their
//! resourceVersion stands for its value. Known objects are [`Literal`], Go's
//! `literalListerGetter`.
//!
//! Not ported, with why:
//! - `TestRealFIFO_PopShouldUnblockWhenClosed`: a sans-IO `pop` never blocks, it returns `None`
//!   on an empty queue; waking a waiting consumer on close is [`AsyncQueue`](crate::AsyncQueue)'s
//!   job and is tested there.
//! - `TestRealFIFO_transformer`: our queues take no transform function (the reflector applies the
//!   informer's transform before objects are shared as `Arc`s), as [`RealFifo`]'s doc says.
//! - The goroutine halves of `TestRealFIFO_basic`, `_addUpdate` and `_addReplace` (producers and
//!   a consumer racing, a 50 ms wait for "nothing more"): with `&mut self` there is no race to
//!   have; the ports check the same orders and emptiness directly.

use super::*;
use crate::key::meta_namespace_key_func;
use crate::test_util::{pod, Literal, Obj};
use clientgo_apimachinery::Object;
use std::convert::Infallible;

/// Calls made on a queue, for a table case.
type Operations<'a> = &'a dyn Fn(&mut RealFifo<Obj>);

/// A named table case: what to do to an empty queue, and what it then pops, described.
type Scenario<'a> = (&'a str, Operations<'a>, &'a [&'a str]);

/// Batches as popped, each delta described.
type Batches<'a> = &'a [&'a [&'a str]];

/// Go's `mkFifoObj(name, val)`: a cluster-scoped object keyed by `name`, its value as version.
fn obj(name: &str, val: u32) -> Arc<Obj> {
    pod("", name, &val.to_string())
}

fn fifo(known: &[Arc<Obj>]) -> RealFifo<Obj> {
    RealFifo::new(meta_namespace_key_func, Literal::known(known))
}

/// `Type name value`; tombstones as `Deleted tombstone(key) value`.
fn describe(delta: &Delta<Obj>) -> String {
    let obj = match &delta.object {
        DeltaObject::Object(o) => format!("{} {}", o.name(), o.resource_version()),
        DeltaObject::DeletedFinalStateUnknown(t) => format!(
            "tombstone({}) {}",
            t.key,
            t.obj.as_ref().map(|o| o.resource_version()).unwrap_or("-")
        ),
    };
    format!("{:?} {obj}", delta.delta_type)
}

/// Pops one item, checking it holds one delta; `(description, is_in_initial_list)`.
fn pop2(f: &mut RealFifo<Obj>) -> Option<(String, bool)> {
    let mut initial = false;
    let deltas = f
        .pop(|_, i| {
            initial = i;
            Ok::<(), ProcessError<Infallible>>(())
        })?
        .unwrap_or_else(|e| match e {});
    assert_eq!(deltas.len(), 1, "a RealFifo pops one delta at a time");
    Some((describe(&deltas[0]), initial))
}

/// Go's `Pop(f)`, described.
fn pop(f: &mut RealFifo<Obj>) -> Option<String> {
    pop2(f).map(|(d, _)| d)
}

/// Go's `popN(f, len(f.getItems()))`: everything queued, described.
fn drain(f: &mut RealFifo<Obj>) -> Vec<String> {
    std::iter::from_fn(|| pop(f)).collect()
}

/// Mirrors `TestRealFIFO_basic`: two producers' objects come out each in the order they were
/// added. Go races two goroutines; here the adds interleave.
#[test]
fn test_real_fifo_basic() {
    let mut f = fifo(&[]);
    const AMOUNT: u32 = 500;
    for i in 0..AMOUNT {
        f.add(obj(&format!("a{i}"), i + 1)).expect("key");
        f.add(obj(&format!("b{i}"), i + 1)).expect("key");
    }
    let (mut last_a, mut last_b) = (0, 0);
    for _ in 0..AMOUNT * 2 {
        let popped = pop(&mut f).expect("queued");
        let mut words = popped.split(' ');
        let (name, val) = (words.nth(1).expect("name"), words.next().expect("value"));
        let val: u32 = val.parse().expect("number");
        let last = if name.starts_with('a') {
            &mut last_a
        } else {
            &mut last_b
        };
        assert!(val > *last, "{name} came out of order after {last}");
        *last = val;
    }
    assert!(f.is_empty());
}

/// Mirrors `TestRealFIFO_replaceWithDeleteDeltaIn`: a relist listing an object whose deletion is
/// still queued queues the new object after the deletion (kubernetes#83810: dropping it would
/// lose the re-creation).
#[test]
fn test_real_fifo_replace_with_delete_delta_in() {
    let mut f = fifo(&[obj("foo", 1)]);
    f.delete(obj("foo", 1)).expect("key");
    f.replace(vec![obj("foo", 2)], "").expect("keys");
    assert_eq!(
        f.deltas().map(describe).collect::<Vec<_>>(),
        ["Deleted foo 1", "Replaced foo 2"]
    );
}

/// Mirrors `TestRealFIFOW_ReplaceMakesDeletionsForObjectsOnlyInQueue`, one entry per Go case.
/// Go comments out its "Replaced object should have only a single Delete" case (a RealFIFO has
/// no `emitDeltaTypeReplaced`); "Synced objects" shows the same with `Replaced` deltas.
#[test]
fn test_real_fifo_replace_makes_deletions_for_objects_only_in_queue() {
    let o = obj("foo", 2);
    let o2 = obj("foo", 3);
    let cases: [Scenario<'_>; 6] = [
        (
            "Added object should be deleted on Replace",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![], "0").expect("keys");
            },
            &["Added foo 2", "Deleted tombstone(foo) 2"],
        ),
        (
            "Deleted object should have only a single Delete",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.delete(Arc::clone(&o)).expect("key");
                f.replace(vec![], "0").expect("keys");
            },
            &["Added foo 2", "Deleted foo 2"],
        ),
        (
            "Synced objects should have a single delete",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![Arc::clone(&o)], "0").expect("keys");
                f.replace(vec![Arc::clone(&o)], "0").expect("keys");
                f.replace(vec![], "0").expect("keys");
            },
            &[
                "Added foo 2",
                "Replaced foo 2",
                "Replaced foo 2",
                "Deleted tombstone(foo) 2",
            ],
        ),
        (
            "Added objects should have a single delete on multiple Replaces",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![], "0").expect("keys");
                f.replace(vec![], "1").expect("keys");
            },
            &["Added foo 2", "Deleted tombstone(foo) 2"],
        ),
        (
            "Added and deleted and added object should be deleted",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.delete(Arc::clone(&o)).expect("key");
                f.add(Arc::clone(&o2)).expect("key");
                f.replace(vec![], "0").expect("keys");
            },
            &[
                "Added foo 2",
                "Deleted foo 2",
                "Added foo 3",
                "Deleted tombstone(foo) 3",
            ],
        ),
        (
            "Bookmark object should not be added without atomic",
            &|f| {
                f.bookmark("123").expect("queued");
                f.replace(vec![], "0").expect("keys");
                f.replace(vec![], "1").expect("keys");
            },
            &[],
        ),
    ];
    for (name, operations, expected) in cases {
        let mut f = fifo(&[]);
        operations(&mut f);
        assert_eq!(drain(&mut f), expected, "{name}");
        assert!(f.is_empty(), "{name}: nothing left over");
    }
}

/// Mirrors `TestRealFIFO_addUpdate`: every change is queued, not just the newest, and popped in
/// order until the queue is empty.
#[test]
fn test_real_fifo_add_update() {
    let mut f = fifo(&[]);
    f.add(obj("foo", 10)).expect("key");
    f.update(obj("foo", 12)).expect("key");
    f.delete(obj("foo", 15)).expect("key");
    assert_eq!(
        f.deltas().map(describe).collect::<Vec<_>>(),
        ["Added foo 10", "Updated foo 12", "Deleted foo 15"]
    );
    assert_eq!(
        drain(&mut f),
        ["Added foo 10", "Updated foo 12", "Deleted foo 15"]
    );
    assert!(f.is_empty());
}

/// Mirrors `TestRealFIFO_enqueueingNoLister`: with nothing known, every change is queued, even
/// the deletion of an object never seen (a DeltaFifo drops that one).
#[test]
fn test_real_fifo_enqueueing_no_lister() {
    let mut f = fifo(&[]);
    f.add(obj("foo", 10)).expect("key");
    f.update(obj("bar", 15)).expect("key");
    f.add(obj("qux", 17)).expect("key");
    f.delete(obj("qux", 18)).expect("key");
    f.delete(obj("baz", 20)).expect("key");
    assert_eq!(
        drain(&mut f),
        [
            "Added foo 10",
            "Updated bar 15",
            "Added qux 17",
            "Deleted qux 18",
            "Deleted baz 20"
        ]
    );
}

/// Mirrors `TestRealFIFO_enqueueingWithLister`.
#[test]
fn test_real_fifo_enqueueing_with_lister() {
    let mut f = fifo(&[obj("foo", 5), obj("bar", 6), obj("baz", 7)]);
    f.add(obj("foo", 10)).expect("key");
    f.update(obj("bar", 15)).expect("key");
    f.delete(obj("baz", 20)).expect("key");
    assert_eq!(
        drain(&mut f),
        ["Added foo 10", "Updated bar 15", "Deleted baz 20"]
    );
}

/// Mirrors `TestRealFIFO_addReplace`: the add and the relist's `Replaced` both come out.
#[test]
fn test_real_fifo_add_replace() {
    let mut f = fifo(&[]);
    f.add(obj("foo", 10)).expect("key");
    f.replace(vec![obj("foo", 15)], "0").expect("keys");
    assert_eq!(drain(&mut f), ["Added foo 10", "Replaced foo 15"]);
    assert!(f.is_empty(), "item did not get removed");
}

/// Mirrors `TestRealFIFO_ResyncNonExisting`: a resync adds nothing for a key with a queued delete.
#[test]
fn test_real_fifo_resync_non_existing() {
    let mut f = fifo(&[obj("foo", 5)]);
    f.delete(obj("foo", 10)).expect("key");
    f.resync().expect("keys");
    assert_eq!(drain(&mut f), ["Deleted foo 10"]);
}

/// Mirrors `TestRealFIFO_Resync`.
#[test]
fn test_real_fifo_resync() {
    let mut f = fifo(&[obj("foo", 5)]);
    f.resync().expect("keys");
    assert_eq!(drain(&mut f), ["Sync foo 5"]);
}

/// Mirrors `TestRealFIFO_DeleteExistingNonPropagated`.
#[test]
fn test_real_fifo_delete_existing_non_propagated() {
    let mut f = fifo(&[]);
    f.add(obj("foo", 5)).expect("key");
    f.delete(obj("foo", 6)).expect("key");
    assert_eq!(drain(&mut f), ["Added foo 5", "Deleted foo 6"]);
}

/// Mirrors `TestRealFIFO_ReplaceMakesDeletions`, one block per Go scenario: a relist queues a
/// tombstone for every queued or known key it lacks (carrying the newest state known), unless the
/// key's last queued change already is a deletion, and queues the tombstones before the listed
/// objects.
#[test]
fn test_real_fifo_replace_makes_deletions() {
    let known = [obj("foo", 5), obj("bar", 6), obj("baz", 7)];

    // A queued delete of baz is kept and not doubled.
    let mut f = fifo(&known);
    f.delete(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        ["Deleted baz 10", "Deleted tombstone(bar) 6", "Replaced foo 5"]
    );

    // A queued add of baz gets a tombstone carrying the added state.
    let mut f = fifo(&known);
    f.add(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            "Added baz 10",
            "Deleted tombstone(baz) 10",
            "Deleted tombstone(bar) 6",
            "Replaced foo 5"
        ]
    );

    // bar deleted and re-created in the queue: its tombstone carries the newest state.
    let mut f = fifo(&known);
    f.delete(obj("bar", 6)).expect("key");
    f.add(obj("bar", 100)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            "Deleted bar 6",
            "Added bar 100",
            "Deleted tombstone(bar) 100",
            "Deleted tombstone(baz) 7",
            "Replaced foo 5"
        ]
    );

    // Two relists: the second's tombstone for bar carries the first's listed state.
    let mut f = fifo(&known);
    f.replace(vec![obj("bar", 100), obj("foo", 5)], "0")
        .expect("keys");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            "Deleted tombstone(baz) 7",
            "Replaced bar 100",
            "Replaced foo 5",
            "Deleted tombstone(bar) 100",
            "Replaced foo 5"
        ]
    );

    // Nothing known: only the queued add is tombstoned.
    let mut f = fifo(&[]);
    f.add(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        ["Added baz 10", "Deleted tombstone(baz) 10", "Replaced foo 5"]
    );
}

/// Mirrors `TestRealFIFO_ReplaceMakesDeletionsReplaced`.
#[test]
fn test_real_fifo_replace_makes_deletions_replaced() {
    let mut f = fifo(&[obj("foo", 5), obj("bar", 6), obj("baz", 7)]);
    f.delete(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 6)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        ["Deleted baz 10", "Deleted tombstone(bar) 6", "Replaced foo 6"]
    );
}

/// Mirrors `TestRealFIFO_UpdateResyncRace`: a resync skips a key with a queued change, which is
/// newer than the known state a `Sync` would re-deliver.
#[test]
fn test_real_fifo_update_resync_race() {
    let mut f = fifo(&[obj("foo", 5)]);
    f.update(obj("foo", 6)).expect("key");
    f.resync().expect("keys");
    assert_eq!(drain(&mut f), ["Updated foo 6"]);
}

/// Mirrors `TestRealFIFO_HasSyncedCorrectOnDeletion`: the relist's tombstones count towards the
/// initial list.
#[test]
fn test_real_fifo_has_synced_correct_on_deletion() {
    let mut f = fifo(&[obj("foo", 5), obj("bar", 6), obj("baz", 7)]);
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    for expected in [
        "Deleted tombstone(bar) 6",
        "Deleted tombstone(baz) 7",
        "Replaced foo 5",
    ] {
        assert!(!f.has_synced(), "synced before {expected}");
        assert_eq!(pop2(&mut f), Some((expected.to_owned(), true)));
    }
    assert!(f.has_synced());
}

/// Mirrors `TestRealFIFO_detectLineJumpers`: every change keeps its place; a later change to a
/// key does not move ahead (a DeltaFifo would pop foo's changes together).
#[test]
fn test_real_fifo_detect_line_jumpers() {
    let mut f = fifo(&[]);
    f.add(obj("foo", 10)).expect("key");
    f.add(obj("bar", 1)).expect("key");
    f.add(obj("foo", 11)).expect("key");
    f.add(obj("foo", 13)).expect("key");
    f.add(obj("zab", 30)).expect("key");
    assert_eq!(pop(&mut f).as_deref(), Some("Added foo 10"));
    f.add(obj("foo", 14)).expect("key");
    assert_eq!(
        drain(&mut f),
        [
            "Added bar 1",
            "Added foo 11",
            "Added foo 13",
            "Added zab 30",
            "Added foo 14"
        ]
    );
}

/// Mirrors `TestRealFIFO_KeyOf`: a tombstone's key is its own. (Go's cases wrapping either in a
/// `Deltas` have no counterpart: a queue keys the newest delta's object.)
#[test]
fn test_real_fifo_key_of() {
    let f = fifo(&[]);
    assert_eq!(f.key_of(&DeltaObject::Object(obj("A", 1))), Ok("A".to_owned()));
    let tombstone = DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
        key: "B".into(),
        obj: None,
    });
    assert_eq!(f.key_of(&tombstone), Ok("B".to_owned()));
}

/// Mirrors `TestRealFIFO_HasSynced`, one entry per Go case: synced once anything but a relist
/// came first, or once every item of the first relist (duplicates included) was popped.
#[test]
fn test_real_fifo_has_synced() {
    let replace_ab = |f: &mut RealFifo<Obj>| {
        f.replace(vec![obj("a", 1), obj("b", 2)], "0").expect("keys");
    };
    let pop_one = |f: &mut RealFifo<Obj>| {
        pop(f).expect("queued");
    };
    let cases: [(&[Operations<'_>], bool); 7] = [
        (&[], false),
        (&[&|f| f.add(obj("a", 1)).expect("key")], true),
        (&[&|f| f.replace(vec![], "0").expect("keys")], true),
        (&[&replace_ab], false),
        (&[&replace_ab, &pop_one], false),
        (&[&replace_ab, &pop_one, &pop_one], true),
        // A list with a key twice cannot come from a sane server; each copy is its own item.
        (
            &[
                &|f| f.replace(vec![obj("a", 1), obj("a", 2)], "0").expect("keys"),
                &pop_one,
                &pop_one,
            ],
            true,
        ),
    ];
    for (i, (actions, expected)) in cases.into_iter().enumerate() {
        let mut f = fifo(&[]);
        for action in actions {
            action(&mut f);
        }
        assert_eq!(f.has_synced(), expected, "case {i}");
    }
}

/// Runs `pop_batch` until the queue is empty; each batch described, with its initial-list flag.
fn drain_batches(f: &mut RealFifo<Obj>) -> Vec<(bool, Vec<String>)> {
    let mut batches = Vec::new();
    while let Some(r) = f.pop_batch(|batch, initial| {
        batches.push((initial, batch.iter().map(describe).collect()));
        Ok::<(), ProcessError<Infallible>>(())
    }) {
        r.unwrap_or_else(|e| match e {});
    }
    batches
}

/// Mirrors `TestRealFIFO_PopMultipleDeltaInBatch`, one entry per Go case: a batch holds no key
/// twice, never mixes the initial list with what came after, and holds at most the batch size.
#[test]
fn test_real_fifo_pop_multiple_delta_in_batch() {
    const UNLIMITED: usize = 999_999;
    let o = |i: u32| obj(&format!("foo{i}"), 5);
    let update = |i: u32| move |f: &mut RealFifo<Obj>| f.update(o(i)).expect("key");
    type Case<'a> = (
        &'a str,
        &'a [u32],
        Vec<Box<dyn Fn(&mut RealFifo<Obj>) + 'a>>,
        usize,
        &'a [&'a [&'a str]],
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "non-split: pop unique items should work",
            &[1, 2, 3],
            vec![],
            UNLIMITED,
            &[&["Replaced foo1 5", "Replaced foo2 5", "Replaced foo3 5"]],
        ),
        (
            "split due to initial list: initial 2 items with 2 updates should have 2 batches",
            &[1, 2],
            vec![Box::new(update(3)), Box::new(update(4))],
            2,
            &[&["Replaced foo1 5", "Replaced foo2 5"], &["Updated foo3 5", "Updated foo4 5"]],
        ),
        (
            "split due to non-unique#1: update single item for multiple items should have separate batch",
            &[1],
            vec![Box::new(update(1)), Box::new(update(1))],
            UNLIMITED,
            &[&["Replaced foo1 5"], &["Updated foo1 5"], &["Updated foo1 5"]],
        ),
        (
            "split due to non-unique#2: update 3 item for with non-unique item at the end should have separate batch",
            &[1, 2],
            vec![Box::new(update(2)), Box::new(update(3))],
            UNLIMITED,
            &[&["Replaced foo1 5", "Replaced foo2 5"], &["Updated foo2 5", "Updated foo3 5"]],
        ),
        (
            "split due to non-unique#3: update 3 item for with non-unique item in the mid should have separate batch",
            &[1, 2, 3],
            vec![Box::new(update(2))],
            UNLIMITED,
            &[&["Replaced foo1 5", "Replaced foo2 5", "Replaced foo3 5"], &["Updated foo2 5"]],
        ),
        (
            "split due to batch size#1: batching initial list should work",
            &[1, 2, 3],
            vec![],
            2,
            &[&["Replaced foo1 5", "Replaced foo2 5"], &["Replaced foo3 5"]],
        ),
        (
            "split due to batch size#2: batching incoming non-initial deltas should work",
            &[],
            vec![Box::new(update(1)), Box::new(update(2)), Box::new(update(3))],
            2,
            &[&["Updated foo1 5", "Updated foo2 5"], &["Updated foo3 5"]],
        ),
        (
            "split due to batch size#3: pop 4 mixed initial & non-initial items with 2 batch size should have 3 batch",
            &[1, 2, 3],
            vec![Box::new(update(4))],
            2,
            &[&["Replaced foo1 5", "Replaced foo2 5"], &["Replaced foo3 5"], &["Updated foo4 5"]],
        ),
    ];
    for (name, initial, actions, batch_size, expected) in cases {
        let initial: Vec<Arc<Obj>> = initial.iter().map(|&i| o(i)).collect();
        let mut f = fifo(&initial).with_batch_size(batch_size);
        f.replace(initial.clone(), "123").expect("keys");
        for action in &actions {
            action(&mut f);
        }
        let batches = drain_batches(&mut f);
        let got: Vec<Vec<&str>> = batches
            .iter()
            .map(|(_, b)| b.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(got, expected, "{name}");
        // The initial list, and nothing else, is handed over flagged as such.
        let flagged: Vec<&str> = batches
            .iter()
            .filter(|(i, _)| *i)
            .flat_map(|(_, b)| b.iter().map(String::as_str))
            .collect();
        let listed: Vec<String> = initial
            .iter()
            .map(|o| format!("Replaced {} 5", o.name()))
            .collect();
        assert_eq!(flagged, listed, "{name}: initial-list flags");
    }
}

/// A key function refusing the objects named `fail…`, for broken-item tests.
fn failing_key(o: &Obj) -> Result<String, KeyError> {
    if o.name().starts_with("fail") {
        return Err(KeyError::MissingName { namespace: None });
    }
    meta_namespace_key_func(o)
}

/// Mirrors `TestRealFIFO_PopBrokenItemsInBatch`, one entry per Go case: an item whose key cannot
/// be computed closes the batch it is in (it is handed over, last), so later keys are not checked
/// against it. As in Go, the broken items are put in the queue directly: `add` refuses them.
#[test]
fn test_real_fifo_pop_broken_items_in_batch() {
    let cases: [(&str, &[&str], Batches<'_>); 4] = [
        ("1st item is broken", &["fail3"], &[&["fail3"]]),
        (
            "nth item is broken",
            &["foo1", "foo2", "fail3"],
            &[&["foo1", "foo2", "fail3"]],
        ),
        (
            "multiple nth items are broken",
            &["foo1", "foo2", "fail3", "fail4"],
            &[&["foo1", "foo2", "fail3"], &["fail4"]],
        ),
        (
            "mixed 1st and nth items are broken",
            &["fail3", "foo1", "fail4"],
            &[&["fail3"], &["foo1", "fail4"]],
        ),
    ];
    for (name, incoming, expected) in cases {
        let mut f = RealFifo::new(failing_key, Literal::known(&[])).with_batch_size(999_999);
        for n in incoming {
            f.items
                .push_back(FifoItem::Delta(Delta::new(DeltaType::Added, obj(n, 5))));
        }
        let got: Vec<Vec<String>> = drain_batches(&mut f)
            .into_iter()
            .map(|(_, b)| {
                b.iter()
                    .map(|d| d.split(' ').nth(1).unwrap_or_default().to_owned())
                    .collect()
            })
            .collect();
        assert_eq!(got, expected, "{name}");
    }
}

/// An atomic queue knowing `known` (in that order).
fn atomic(known: &[Arc<Obj>]) -> RealFifo<Obj> {
    fifo(known).with_atomic_events()
}

/// An item described: a delta as [`describe`] does, `ReplacedAll rv [names]`, `SyncAll`,
/// `Bookmark rv`.
fn describe_item(item: &FifoItem<Obj>) -> String {
    match item {
        FifoItem::Delta(d) => describe(d),
        FifoItem::ReplacedAll {
            resource_version,
            objects,
        } => {
            let names: Vec<String> = objects
                .iter()
                .map(|o| format!("{} {}", o.name(), o.resource_version()))
                .collect();
            format!("ReplacedAll {resource_version} {names:?}")
        }
        FifoItem::SyncAll => "SyncAll".into(),
        FifoItem::Bookmark { resource_version } => format!("Bookmark {resource_version}"),
    }
}

/// Everything queued, popped whole with `pop_item`, described.
fn drain_items(f: &mut RealFifo<Obj>) -> Vec<String> {
    std::iter::from_fn(|| {
        f.pop_item(|_, _| Ok::<(), ProcessError<Infallible>>(()))
            .map(|r| describe_item(&r.unwrap_or_else(|e| match e {})))
    })
    .collect()
}

/// Mirrors `TestRealFIFO_ReplaceAtomic`, one entry per Go case: with atomic events a relist is
/// one item carrying the list and its version, queued behind what came before (nothing is
/// tombstoned by the queue), and a bookmark is an item of its own.
#[test]
fn test_real_fifo_replace_atomic() {
    let o = obj("foo", 2);
    let cases: [Scenario<'_>; 4] = [
        (
            "Base replace",
            &|f| f.replace(vec![], "123").expect("keys"),
            &["ReplacedAll 123 []"],
        ),
        (
            "Added object exists in deltas on Atomic Replace",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![], "123").expect("keys");
            },
            &["Added foo 2", "ReplacedAll 123 []"],
        ),
        (
            "Multiple replaces run in order",
            &|f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![Arc::clone(&o)], "10").expect("keys");
                f.replace(vec![Arc::clone(&o)], "20").expect("keys");
                f.replace(vec![], "56").expect("keys");
            },
            &[
                "Added foo 2",
                r#"ReplacedAll 10 ["foo 2"]"#,
                r#"ReplacedAll 20 ["foo 2"]"#,
                "ReplacedAll 56 []",
            ],
        ),
        (
            "Bookmark object should not be included in Replace",
            &|f| {
                f.bookmark("123").expect("queued");
                f.replace(vec![], "1234").expect("keys");
            },
            &["Bookmark 123", "ReplacedAll 1234 []"],
        ),
    ];
    for (name, operations, expected) in cases {
        let mut f = atomic(&[]);
        operations(&mut f);
        assert_eq!(drain_items(&mut f), expected, "{name}");
        assert!(f.is_empty(), "{name}: nothing left over");
    }
}

/// Mirrors `TestRealFIFO_ReplaceAtomicPop`: the add, then the relist as one unit, then nothing.
#[test]
fn test_real_fifo_replace_atomic_pop() {
    let mut f = atomic(&[]);
    f.add(obj("foo", 10)).expect("key");
    f.replace(vec![obj("foo", 15)], "20").expect("keys");
    assert_eq!(
        drain_items(&mut f),
        ["Added foo 10", r#"ReplacedAll 20 ["foo 15"]"#]
    );
    assert!(f.is_empty(), "item did not get removed");
}

/// Mirrors `TestRealFIFO_ResyncAtomic`, one entry per Go case: a resync is one item, queued
/// behind what came before, whatever is known or queued.
#[test]
fn test_real_fifo_resync_atomic() {
    let cases: [(&str, bool, &[&str]); 2] = [
        ("Base resync", false, &["SyncAll"]),
        (
            "Added object exists in deltas on Atomic Resync",
            true,
            &["Added foo 2", "SyncAll"],
        ),
    ];
    for (name, add_first, expected) in cases {
        let mut f = atomic(&[obj("foo", 1)]);
        if add_first {
            f.add(obj("foo", 2)).expect("key");
        }
        f.resync().expect("queued");
        assert_eq!(drain_items(&mut f), expected, "{name}");
    }
}

// Ours alone: the atomic queue's `Queue::pop`, `pop_batch`, requeue and initial-list accounting.

/// `Queue::pop` on an atomic queue hands a relist over as the plain queue's deltas (worked out
/// against what is known when it is popped), a resync as `Sync` for everything known, and skips
/// bookmarks and relists with nothing to say.
#[test]
fn atomic_units_popped_as_deltas_expand_against_the_known_objects() {
    let mut f = atomic(&[obj("gone", 1), obj("kept", 1)]);
    f.bookmark("5").expect("queued");
    f.replace(vec![obj("kept", 2), obj("new", 2)], "6").expect("keys");
    f.resync().expect("queued");
    let popped: Vec<Vec<String>> = std::iter::from_fn(|| {
        f.pop(|_, _| Ok::<(), ProcessError<Infallible>>(()))
            .map(|r| r.unwrap_or_else(|e| match e {}).iter().map(describe).collect())
    })
    .collect();
    assert_eq!(
        popped,
        [
            vec!["Deleted tombstone(gone) 1", "Replaced kept 2", "Replaced new 2"],
            vec!["Sync gone 1", "Sync kept 1"],
        ]
    );

    let mut f = atomic(&[]);
    f.bookmark("5").expect("queued");
    f.replace(vec![], "6").expect("keys");
    assert!(f.pop(|_, _| Ok::<(), ProcessError<()>>(())).is_none());
    assert!(f.has_synced(), "the skipped relist counted as popped");
}

/// An atomic unit is a batch of its own (expanded), and a batch stops before one.
#[test]
fn atomic_units_close_batches() {
    let mut f = atomic(&[obj("old", 1)]);
    f.add(obj("a", 1)).expect("key");
    f.resync().expect("queued");
    f.add(obj("b", 1)).expect("key");
    let batches: Vec<Vec<String>> = drain_batches(&mut f).into_iter().map(|(_, b)| b).collect();
    assert_eq!(
        batches,
        [vec!["Added a 1"], vec!["Sync old 1"], vec!["Added b 1"]]
    );
}

/// A requeued unit goes back whole to the front, still the initial list; expanded by `pop`, it
/// comes back as its deltas, each still part of the initial list.
#[test]
fn atomic_requeue_keeps_the_unit_and_the_initial_list() {
    let mut f = atomic(&[]);
    f.replace(vec![obj("a", 1), obj("b", 1)], "1").expect("keys");
    f.add(obj("late", 2)).expect("key");
    let r = f.pop_item(|item, initial| {
        assert!(initial);
        assert_eq!(describe_item(item), r#"ReplacedAll 1 ["a 1", "b 1"]"#);
        Err(ProcessError::Requeue("busy"))
    });
    assert!(matches!(r, Some(Err("busy"))));
    assert!(!f.has_synced());
    assert_eq!(f.len(), 2);

    let r = f.pop(|_, _| Err(ProcessError::Requeue("busy")));
    assert!(matches!(r, Some(Err("busy"))));
    assert_eq!(
        f.deltas().map(describe).collect::<Vec<_>>(),
        ["Replaced a 1", "Replaced b 1", "Added late 2"]
    );
    assert_eq!(
        std::iter::from_fn(|| pop2(&mut f)).collect::<Vec<_>>(),
        [
            ("Replaced a 1".to_owned(), true),
            ("Replaced b 1".to_owned(), true),
            ("Added late 2".to_owned(), false)
        ]
    );
}

// Ours alone: client-go's RealFIFO has no requeue, and no test of an unkeyable add.

#[test]
fn real_fifo_refuses_unkeyable_objects() {
    let mut f = fifo(&[]);
    assert!(f.add(pod("ns", "", "1")).expect_err("nameless").is_key_error());
    assert!(f.is_empty());
    assert!(!f.has_synced());
}

#[test]
fn real_fifo_requeue_on_pop_retries_first() {
    let mut f = fifo(&[]);
    f.add(obj("a", 1)).expect("key");
    f.add(obj("b", 1)).expect("key");
    let r = f.pop(|_, _| Err(ProcessError::Requeue("busy")));
    assert_eq!(r.map(|r| r.map(|_| ())), Some(Err("busy")));
    let r = f.pop(|_, _| Err(ProcessError::Failed("broken")));
    assert_eq!(r.map(|r| r.map(|_| ())), Some(Err("broken")));
    assert_eq!(drain(&mut f), ["Added b 1"], "a was retried first, then dropped");
}

#[test]
fn real_fifo_requeue_during_initial_list_keeps_has_synced_false() {
    let mut f = fifo(&[]);
    f.replace(vec![obj("a", 1)], "1").expect("keys");
    let _ = f.pop(|_, _| Err(ProcessError::Requeue(())));
    assert!(
        !f.has_synced(),
        "the requeued item is still part of the initial list"
    );
    let _ = f.pop(|_, _| Ok::<(), ProcessError<()>>(()));
    assert!(f.has_synced());
}

#[test]
fn real_fifo_pop_batch_requeues_the_whole_batch_at_the_front() {
    let mut f = fifo(&[]).with_batch_size(2);
    for name in ["a", "b", "c"] {
        f.add(obj(name, 1)).expect("key");
    }
    let r = f.pop_batch(|batch, _| {
        assert_eq!(batch.len(), 2);
        Err(ProcessError::Requeue("later"))
    });
    assert!(matches!(r, Some(Err("later"))));
    assert_eq!(
        f.deltas().map(describe).collect::<Vec<_>>(),
        ["Added a 1", "Added b 1", "Added c 1"]
    );
}

#[test]
fn real_fifo_close_and_debug() {
    let mut f = fifo(&[]);
    f.close();
    assert!(f.is_closed());
    assert_eq!(
        format!("{f:?}"),
        "RealFifo { len: 0, populated: false, initial_population_count: 0, closed: true, .. }"
    );
}
