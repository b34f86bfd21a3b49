//! Ports of client-go's `tools/cache/delta_fifo_test.go`, each named after its Go test, plus
//! tests of what is ours alone (the delta count, refusing an unkeyable list, `Deltas`).
//!
//! Objects are cluster-scoped pods keyed by name, standing for Go's `testFifoObject`; their
//! resourceVersion stands for its value. Known objects are [`Literal`], Go's
//! `literalListerGetter`. Go's DeltaFIFO queues `Sync` on a relist unless `EmitDeltaTypeReplaced`
//! is set, ours queues `Replaced` unless told otherwise: ports of tests written for Go's default
//! build their queue with `with_emit_delta_type_replaced(false)`.
//!
//! Not ported, with why:
//! - `TestDeltaFIFO_PopShouldUnblockWhenClosed`: a sans-IO `pop` never blocks, it returns `None`
//!   on an empty queue; waking a waiting consumer on close is [`AsyncQueue`](crate::AsyncQueue)'s
//!   job and is tested there.
//! - `TestDeltaFIFO_transformer`: our queues take no transform function (the reflector applies
//!   the informer's transform before objects are shared as `Arc`s), as [`DeltaFifo`]'s doc says.
//! - `BenchmarkDeltaFIFOListKeys`: a benchmark, not a test.
//! - The goroutine halves of `TestDeltaFIFO_basic`, `_addUpdate` and `_addReplace` (producers and
//!   a consumer racing, a 50 ms wait for "nothing more"): with `&mut self` there is no race to
//!   have; the ports check the same orders and emptiness directly.

use super::*;
use crate::delta::{Delta, DeltaObject, DeltaType, Deltas};
use crate::key::meta_namespace_key_func;
use crate::test_util::{pod, Literal, Obj};
use clientgo_apimachinery::Object;
use std::convert::Infallible;

/// A call made on a queue, for a table case.
type Operation<'a> = &'a dyn Fn(&mut DeltaFifo<Obj>);

/// Go's `mkFifoObj(name, val)`: a cluster-scoped object keyed by `name`, its value as version.
fn obj(name: &str, val: u32) -> Arc<Obj> {
    pod("", name, &val.to_string())
}

/// A queue with no known objects, queueing `Replaced` on a relist.
fn fifo() -> DeltaFifo<Obj> {
    DeltaFifo::new(meta_namespace_key_func)
}

/// A queue knowing `known` (in that order), queueing `Sync` on a relist as Go's does by default.
fn go_default(known: &[Arc<Obj>]) -> DeltaFifo<Obj> {
    fifo()
        .with_known_objects(Literal::known(known))
        .with_emit_delta_type_replaced(false)
}

/// `Type name value` for every delta, tombstones as `Deleted tombstone(key) value`.
fn describe(d: &Deltas<Obj>) -> Vec<String> {
    d.iter()
        .map(|delta| {
            let obj = match &delta.object {
                DeltaObject::Object(o) => format!("{} {}", o.name(), o.resource_version()),
                DeltaObject::DeletedFinalStateUnknown(t) => format!(
                    "tombstone({}) {}",
                    t.key,
                    t.obj.as_ref().map(|o| o.resource_version()).unwrap_or("-")
                ),
            };
            format!("{:?} {obj}", delta.delta_type)
        })
        .collect()
}

/// Pops one item, processing nothing: Go's `Pop(f)`, described.
fn pop(f: &mut DeltaFifo<Obj>) -> Option<Vec<String>> {
    pop2(f).map(|(d, _)| d)
}

/// Pops one item: its description and `is_in_initial_list` (Go's `pop2`).
fn pop2(f: &mut DeltaFifo<Obj>) -> Option<(Vec<String>, bool)> {
    let mut initial = false;
    let deltas = f
        .pop(|_, i| {
            initial = i;
            Ok::<(), ProcessError<Infallible>>(())
        })?
        .unwrap_or_else(|e| match e {});
    Some((describe(&deltas), initial))
}

/// Go's `testPop(f)`: the value of the newest delta's object.
fn test_pop(f: &mut DeltaFifo<Obj>) -> Option<u32> {
    let deltas = f.pop(|_, _| Ok::<(), ProcessError<Infallible>>(()))?;
    let deltas = deltas.unwrap_or_else(|e| match e {});
    let newest = deltas.newest()?.object.object()?;
    newest.resource_version().parse().ok()
}

/// Every popped item, described.
fn drain(f: &mut DeltaFifo<Obj>) -> Vec<Vec<String>> {
    std::iter::from_fn(|| pop(f)).collect()
}

/// Mirrors `TestDeltaFIFO_basic`: two producers' objects come out each in the order they were
/// added. Go races two goroutines; here the adds interleave.
#[test]
fn test_delta_fifo_basic() {
    let mut f = fifo();
    const AMOUNT: u32 = 500;
    for i in 0..AMOUNT {
        f.add(obj(&format!("a{i}"), i + 1)).expect("key");
        f.add(obj(&format!("b{i}"), i + 1)).expect("key");
    }
    let (mut last_a, mut last_b) = (0, 0);
    for _ in 0..AMOUNT * 2 {
        let popped = pop(&mut f).expect("queued");
        let [one] = popped.as_slice() else {
            panic!("one delta per key, got {popped:?}");
        };
        let mut words = one.split(' ');
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

/// Mirrors `TestDeltaFIFO_replaceWithDeleteDeltaIn`: a relist listing an object whose deletion is
/// still queued appends the new object after the deletion (kubernetes#83810: dropping it would
/// lose the re-creation).
#[test]
fn test_delta_fifo_replace_with_delete_delta_in() {
    let mut f = go_default(&[obj("foo", 1)]);
    f.delete(obj("foo", 1)).expect("key");
    f.replace(vec![obj("foo", 2)], "").expect("keys");
    assert_eq!(pop(&mut f).expect("queued"), ["Deleted foo 1", "Sync foo 2"]);
}

/// Mirrors `TestDeltaFIFOW_ReplaceMakesDeletionsForObjectsOnlyInQueue`, one entry per Go case,
/// each run with and without known objects as in Go.
#[test]
fn test_delta_fifo_replace_makes_deletions_for_objects_only_in_queue() {
    let o = obj("foo", 2);
    let o2 = obj("foo", 3);
    type Operations<'a> = &'a dyn Fn(DeltaFifo<Obj>) -> DeltaFifo<Obj>;
    let cases: [(&str, Operations<'_>, &[&str]); 6] = [
        (
            "Added object should be deleted on Replace",
            &|mut f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![], "0").expect("keys");
                f
            },
            &["Added foo 2", "Deleted tombstone(foo) 2"],
        ),
        (
            "Replaced object should have only a single Delete",
            &|f| {
                let mut f = f.with_emit_delta_type_replaced(true);
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![Arc::clone(&o)], "0").expect("keys");
                f.replace(vec![], "0").expect("keys");
                f
            },
            &["Added foo 2", "Replaced foo 2", "Deleted tombstone(foo) 2"],
        ),
        (
            "Deleted object should have only a single Delete",
            &|mut f| {
                f.add(Arc::clone(&o)).expect("key");
                f.delete(Arc::clone(&o)).expect("key");
                f.replace(vec![], "0").expect("keys");
                f
            },
            &["Added foo 2", "Deleted foo 2"],
        ),
        (
            "Synced objects should have a single delete",
            &|mut f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![Arc::clone(&o)], "0").expect("keys");
                f.replace(vec![Arc::clone(&o)], "0").expect("keys");
                f.replace(vec![], "0").expect("keys");
                f
            },
            &[
                "Added foo 2",
                "Sync foo 2",
                "Sync foo 2",
                "Deleted tombstone(foo) 2",
            ],
        ),
        (
            "Added objects should have a single delete on multiple Replaces",
            &|mut f| {
                f.add(Arc::clone(&o)).expect("key");
                f.replace(vec![], "0").expect("keys");
                f.replace(vec![], "1").expect("keys");
                f
            },
            &["Added foo 2", "Deleted tombstone(foo) 2"],
        ),
        (
            "Added and deleted and added object should be deleted",
            &|mut f| {
                f.add(Arc::clone(&o)).expect("key");
                f.delete(Arc::clone(&o)).expect("key");
                f.add(Arc::clone(&o2)).expect("key");
                f.replace(vec![], "0").expect("keys");
                f
            },
            &[
                "Added foo 2",
                "Deleted foo 2",
                "Added foo 3",
                "Deleted tombstone(foo) 3",
            ],
        ),
    ];
    for (name, operations, expected) in cases {
        for (with, f) in [
            ("with known objects", go_default(&[])),
            (
                "without known objects",
                fifo().with_emit_delta_type_replaced(false),
            ),
        ] {
            let mut f = operations(f);
            assert_eq!(pop(&mut f).expect("queued"), expected, "{name}, {with}");
            assert!(f.is_empty(), "{name}, {with}: nothing left over");
        }
    }
}

/// Mirrors `TestDeltaFIFO_requeueOnPop` of client-go before it dropped `ErrRequeue`: a requeued
/// item is back under its key; a successfully processed one is gone.
#[test]
fn test_delta_fifo_requeue_on_pop() {
    let mut f = fifo();
    f.add(obj("foo", 10)).expect("key");
    let result = f.pop(|d, _| {
        assert_eq!(describe(d), ["Added foo 10"]);
        Err(ProcessError::Requeue("test error"))
    });
    assert_eq!(result.map(|r| r.map(|_| ())), Some(Err("test error")));
    assert!(f.get_by_key("foo").is_some(), "object should have been requeued");
    assert_eq!(pop(&mut f).expect("requeued"), ["Added foo 10"]);
    assert!(f.get_by_key("foo").is_none(), "object should have been removed");
    // Ours alone: a failure that does not ask for a requeue drops the item.
    f.add(obj("foo", 11)).expect("key");
    let result = f.pop(|_, _| Err(ProcessError::Failed("gave up")));
    assert_eq!(result.map(|r| r.map(|_| ())), Some(Err("gave up")));
    assert!(f.is_empty());
}

/// Mirrors `TestDeltaFIFO_addUpdate`: one key accumulates its changes; `list` shows the newest,
/// one pop hands all of them over, and the key is gone after.
#[test]
fn test_delta_fifo_add_update() {
    let mut f = fifo();
    f.add(obj("foo", 10)).expect("key");
    f.update(obj("foo", 12)).expect("key");
    f.delete(obj("foo", 15)).expect("key");
    let newest: Vec<String> = f
        .list()
        .iter()
        .filter_map(|o| o.object().map(|o| o.resource_version().to_owned()))
        .collect();
    assert_eq!(newest, ["15"]);
    assert_eq!(f.list_keys(), ["foo"]);
    assert_eq!(test_pop(&mut f), Some(15));
    assert!(pop(&mut f).is_none(), "got a second value");
    assert!(f.get_by_key("foo").is_none(), "item did not get removed");
}

/// Mirrors `TestDeltaFIFO_enqueueingNoLister`: without known objects, the deletion of an object
/// never queued is dropped (a relist presumably reported it already).
#[test]
fn test_delta_fifo_enqueueing_no_lister() {
    let mut f = fifo();
    f.add(obj("foo", 10)).expect("key");
    f.update(obj("bar", 15)).expect("key");
    f.add(obj("qux", 17)).expect("key");
    f.delete(obj("qux", 18)).expect("key");
    f.delete(obj("baz", 20)).expect("key");
    for expected in [10, 15, 18] {
        assert_eq!(test_pop(&mut f), Some(expected));
    }
    assert!(f.is_empty(), "queue unexpectedly not empty: {:?}", f.list_keys());
}

/// Mirrors `TestDeltaFIFO_enqueueingWithLister`: the deletion of a known object is queued.
#[test]
fn test_delta_fifo_enqueueing_with_lister() {
    let mut f = go_default(&[obj("foo", 5), obj("bar", 6), obj("baz", 7)]);
    f.add(obj("foo", 10)).expect("key");
    f.update(obj("bar", 15)).expect("key");
    f.delete(obj("baz", 20)).expect("key");
    for expected in [10, 15, 20] {
        assert_eq!(test_pop(&mut f), Some(expected));
    }
    assert!(f.is_empty());
}

/// Mirrors `TestDeltaFIFO_addReplace`: the relist's state is the newest under the key.
#[test]
fn test_delta_fifo_add_replace() {
    let mut f = fifo();
    f.add(obj("foo", 10)).expect("key");
    f.replace(vec![obj("foo", 15)], "0").expect("keys");
    assert_eq!(test_pop(&mut f), Some(15));
    assert!(pop(&mut f).is_none(), "got a second value");
    assert!(f.get_by_key("foo").is_none(), "item did not get removed");
}

/// Mirrors `TestDeltaFIFO_ResyncNonExisting`: a resync adds nothing for a key with a queued
/// delete.
#[test]
fn test_delta_fifo_resync_non_existing() {
    let mut f = go_default(&[obj("foo", 5)]);
    f.delete(obj("foo", 10)).expect("key");
    f.resync().expect("keys");
    assert_eq!(
        describe(&f.get_by_key("foo").expect("queued")),
        ["Deleted foo 10"]
    );
}

/// Mirrors `TestDeltaFIFO_Resync`.
#[test]
fn test_delta_fifo_resync() {
    let mut f = go_default(&[obj("foo", 5)]);
    f.resync().expect("keys");
    assert_eq!(describe(&f.get_by_key("foo").expect("queued")), ["Sync foo 5"]);
    // Ours alone: without known objects there is nothing to resync.
    let mut f = fifo();
    f.resync().expect("no known objects");
    assert!(f.is_empty());
}

/// Mirrors `TestDeltaFIFO_DeleteExistingNonPropagated`: the deletion of an object queued (but not
/// known) is queued behind its add.
#[test]
fn test_delta_fifo_delete_existing_non_propagated() {
    let mut f = go_default(&[]);
    f.add(obj("foo", 5)).expect("key");
    f.delete(obj("foo", 6)).expect("key");
    assert_eq!(
        describe(&f.get_by_key("foo").expect("queued")),
        ["Added foo 5", "Deleted foo 6"]
    );
}

/// Mirrors `TestDeltaFIFO_ReplaceMakesDeletions`, one block per Go scenario: a relist queues a
/// tombstone for every queued or known key it lacks, carrying the newest state known (a
/// tombstone's own object for a tombstone), and a real deletion is never replaced by one.
#[test]
fn test_delta_fifo_replace_makes_deletions() {
    let known = [obj("foo", 5), obj("bar", 6), obj("baz", 7)];

    let mut f = go_default(&known);
    f.delete(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            vec!["Deleted baz 10"],
            vec!["Sync foo 5"],
            vec!["Deleted tombstone(bar) 6"]
        ]
    );

    let mut f = go_default(&known);
    f.add(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            vec!["Added baz 10", "Deleted tombstone(baz) 10"],
            vec!["Sync foo 5"],
            vec!["Deleted tombstone(bar) 6"]
        ]
    );

    let mut f = go_default(&known);
    f.delete(obj("bar", 6)).expect("key");
    f.add(obj("bar", 100)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            vec!["Deleted bar 6", "Added bar 100", "Deleted tombstone(bar) 100"],
            vec!["Sync foo 5"],
            vec!["Deleted tombstone(baz) 7"]
        ]
    );

    let mut f = go_default(&known);
    f.replace(vec![obj("bar", 100), obj("foo", 5)], "0")
        .expect("keys");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            vec!["Sync bar 100", "Deleted tombstone(bar) 100"],
            vec!["Sync foo 5", "Sync foo 5"],
            vec!["Deleted tombstone(baz) 7"]
        ]
    );

    let mut f = fifo().with_emit_delta_type_replaced(false);
    f.add(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            vec!["Added baz 10", "Deleted tombstone(baz) 10"],
            vec!["Sync foo 5"]
        ]
    );
}

/// Mirrors `TestDeltaFIFO_ReplaceMakesDeletionsReplaced`.
#[test]
fn test_delta_fifo_replace_makes_deletions_replaced() {
    let mut f =
        go_default(&[obj("foo", 5), obj("bar", 6), obj("baz", 7)]).with_emit_delta_type_replaced(true);
    f.delete(obj("baz", 10)).expect("key");
    f.replace(vec![obj("foo", 6)], "0").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            vec!["Deleted baz 10"],
            vec!["Replaced foo 6"],
            vec!["Deleted tombstone(bar) 6"]
        ]
    );
}

/// Mirrors `TestDeltaFIFO_ReplaceDeltaType`: `Replaced` when asked for (our default), `Sync`
/// otherwise (Go's default).
#[test]
fn test_delta_fifo_replace_delta_type() {
    let mut f = fifo().with_known_objects(Literal::known(&[obj("foo", 5)]));
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(drain(&mut f), [vec!["Replaced foo 5"]]);
    let mut f = go_default(&[obj("foo", 5)]);
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    assert_eq!(drain(&mut f), [vec!["Sync foo 5"]]);
}

/// Mirrors `TestDeltaFIFO_UpdateResyncRace`: a resync skips a key with a queued change, which is
/// newer than the known state a `Sync` would re-deliver.
#[test]
fn test_delta_fifo_update_resync_race() {
    let mut f = go_default(&[obj("foo", 5)]);
    f.update(obj("foo", 6)).expect("key");
    f.resync().expect("keys");
    assert_eq!(drain(&mut f), [vec!["Updated foo 6"]]);
}

/// Mirrors `TestDeltaFIFO_HasSyncedCorrectOnDeletion`: the relist's tombstones count towards the
/// initial list, and each item of it is popped flagged as such.
#[test]
fn test_delta_fifo_has_synced_correct_on_deletion() {
    let mut f = go_default(&[obj("foo", 5), obj("bar", 6), obj("baz", 7)]);
    f.replace(vec![obj("foo", 5)], "0").expect("keys");
    for expected in [
        "Sync foo 5",
        "Deleted tombstone(bar) 6",
        "Deleted tombstone(baz) 7",
    ] {
        assert!(!f.has_synced(), "synced before {expected}");
        assert_eq!(pop2(&mut f), Some((vec![expected.to_owned()], true)));
    }
    assert!(f.has_synced());
    // Ours alone: a change arriving after the relist is not part of the initial list.
    f.add(obj("late", 2)).expect("key");
    assert_eq!(pop2(&mut f), Some((vec!["Added late 2".to_owned()], false)));
}

/// Mirrors `TestDeltaFIFO_detectLineJumpers`: a key keeps its place in line however often it
/// changes, and a key popped and changed again goes to the back.
#[test]
fn test_delta_fifo_detect_line_jumpers() {
    let mut f = fifo();
    f.add(obj("foo", 10)).expect("key");
    f.add(obj("bar", 1)).expect("key");
    f.add(obj("foo", 11)).expect("key");
    f.add(obj("foo", 13)).expect("key");
    f.add(obj("zab", 30)).expect("key");
    assert_eq!(test_pop(&mut f), Some(13));
    f.add(obj("foo", 14)).expect("key");
    for expected in [1, 30, 14] {
        assert_eq!(test_pop(&mut f), Some(expected));
    }
}

/// Mirrors `TestDeltaFIFO_addIfNotPresent` of client-go releases that had `AddIfNotPresent`:
/// popped deltas go back only under a key with nothing queued, at the back of the line.
#[test]
fn test_delta_fifo_add_if_not_present() {
    let mut f = fifo();
    assert_eq!(
        f.add_if_not_present(Deltas::new(Vec::new())),
        Err(Error::Key(KeyError::EmptyDeltas))
    );
    f.add(obj("b", 3)).expect("key");
    let b3 = f
        .pop(|_, _| Ok::<(), ProcessError<Infallible>>(()))
        .expect("queued")
        .unwrap_or_else(|e| match e {});
    f.add(obj("c", 4)).expect("key");
    let c4 = f
        .pop(|_, _| Ok::<(), ProcessError<Infallible>>(()))
        .expect("queued")
        .unwrap_or_else(|e| match e {});
    assert!(f.is_empty());

    f.add(obj("a", 1)).expect("key");
    f.add(obj("b", 2)).expect("key");
    f.add_if_not_present(b3).expect("key");
    f.add_if_not_present(c4).expect("key");
    assert_eq!(f.len(), 3);
    for expected in [1, 2, 4] {
        assert_eq!(test_pop(&mut f), Some(expected));
    }
}

/// Mirrors `TestDeltaFIFO_KeyOf`: a tombstone's key is its own. (Go's cases wrapping either in a
/// `Deltas` have no counterpart: `key_of` takes the newest delta's object.)
#[test]
fn test_delta_fifo_key_of() {
    let f = fifo();
    assert_eq!(f.key_of(&DeltaObject::Object(obj("A", 1))), Ok("A".to_owned()));
    let tombstone = DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
        key: "B".into(),
        obj: None,
    });
    assert_eq!(f.key_of(&tombstone), Ok("B".to_owned()));
}

/// Mirrors `TestDeltaFIFO_HasSynced`, one entry per Go case: synced once anything but a relist
/// came first, or once every key of the first relist was popped (a key listed twice is one item).
#[test]
fn test_delta_fifo_has_synced() {
    let replace_ab = |f: &mut DeltaFifo<Obj>| {
        f.replace(vec![obj("a", 1), obj("b", 2)], "0").expect("keys");
    };
    let pop_one = |f: &mut DeltaFifo<Obj>| {
        pop(f).expect("queued");
    };
    let cases: [(&[Operation<'_>], bool); 7] = [
        (&[], false),
        (&[&|f| f.add(obj("a", 1)).expect("key")], true),
        (&[&|f| f.replace(vec![], "0").expect("keys")], true),
        (&[&replace_ab], false),
        (&[&replace_ab, &pop_one], false),
        (&[&replace_ab, &pop_one, &pop_one], true),
        (
            &[
                &|f| f.replace(vec![obj("a", 1), obj("a", 2)], "0").expect("keys"),
                &pop_one,
            ],
            true,
        ),
    ];
    for (i, (actions, expected)) in cases.into_iter().enumerate() {
        let mut f = fifo();
        for action in actions {
            action(&mut f);
        }
        assert_eq!(f.has_synced(), expected, "case {i}");
    }
    // Ours alone: only the first relist counts.
    let mut f = fifo();
    f.add(obj("a", 1)).expect("key");
    f.replace(vec![obj("b", 1)], "1").expect("keys");
    assert!(f.has_synced());
}

// Ours alone.

#[test]
fn queued_deltas_counts_every_delta_of_every_key() {
    let mut f = fifo();
    f.add(obj("a", 1)).expect("key");
    f.update(obj("a", 2)).expect("key");
    f.add(obj("b", 1)).expect("key");
    f.delete(obj("b", 2)).expect("key");
    f.delete(obj("b", 2)).expect("key");
    assert_eq!(f.len(), 2);
    assert_eq!(f.queued_deltas(), 4, "the second delete of b was deduplicated");
    let requeued = f.pop(|_, _| Err(ProcessError::Requeue("busy")));
    assert!(matches!(requeued, Some(Err("busy"))));
    assert_eq!(f.queued_deltas(), 4, "a requeued item counts again");
    pop(&mut f);
    assert_eq!(f.queued_deltas(), 2);
    pop(&mut f);
    assert_eq!(f.queued_deltas(), 0);
}

#[test]
fn dedup_consecutive_deletes_keeps_the_most_informative() {
    let mut d: Deltas<Obj> = Deltas::new(vec![Delta::new(DeltaType::Added, obj("a", 1))]);
    d.push_dedup(Delta::new(DeltaType::Deleted, obj("a", 2)));
    d.push_dedup(Delta::new(DeltaType::Deleted, obj("a", 3)));
    assert_eq!(
        describe(&d),
        ["Added a 1", "Deleted a 2"],
        "older real deletion kept"
    );

    let tombstone = |rv: u32| Delta {
        delta_type: DeltaType::Deleted,
        object: DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
            key: "a".into(),
            obj: Some(obj("a", rv)),
        }),
    };
    let mut d: Deltas<Obj> = Deltas::new(vec![tombstone(1)]);
    d.push_dedup(Delta::new(DeltaType::Deleted, obj("a", 2)));
    assert_eq!(
        describe(&d),
        ["Deleted a 2"],
        "a real deletion replaces a tombstone"
    );
    d.push_dedup(tombstone(3));
    assert_eq!(
        describe(&d),
        ["Deleted a 2"],
        "a tombstone never replaces a real deletion"
    );
}

#[test]
fn delta_fifo_replace_rejects_an_unkeyable_list_without_queueing() {
    let mut f = fifo();
    let err = f
        .replace(vec![obj("ok", 1), pod("ns", "", "1")], "1")
        .expect_err("nameless");
    assert!(err.is_key_error());
    assert!(f.is_empty());
    assert!(!f.has_synced());
}

#[test]
fn delta_fifo_close_and_debug() {
    let mut f = fifo();
    f.add(obj("a", 1)).expect("key");
    assert!(!f.is_closed());
    f.close();
    assert!(f.is_closed());
    // Closing does not drop queued items: the consumer drains them, then stops.
    assert!(pop(&mut f).is_some());
    assert_eq!(
        format!("{f:?}"),
        "DeltaFifo { len: 0, populated: true, initial_population_count: 0, closed: true, .. }"
    );
}

#[test]
fn deltas_accessors() {
    let d = Deltas::new(vec![
        Delta::new(DeltaType::Added, obj("a", 1)),
        Delta::new(DeltaType::Updated, obj("a", 2)),
    ]);
    assert_eq!(d.oldest().map(|x| x.delta_type), Some(DeltaType::Added));
    assert_eq!(d.newest().map(|x| x.delta_type), Some(DeltaType::Updated));
    assert_eq!((&d).into_iter().count(), 2);
    assert_eq!(d.clone().into_vec().len(), 2);
    assert!(Deltas::<Obj>::new(Vec::new()).newest().is_none());
    let tomb = DeltaObject::<Obj>::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
        key: "k".into(),
        obj: None,
    });
    assert!(tomb.is_tombstone());
    assert!(tomb.object().is_none());
}
