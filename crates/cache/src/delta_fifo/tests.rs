//! Named after client-go's `delta_fifo_test.go` where a Go test covers the same behaviour.

use super::*;
use crate::store::{meta_namespace_key_func, Cache};
use crate::test_util::{pod, Obj};
use clientgo_apimachinery::Object;
use std::convert::Infallible;

fn known(objs: &[Arc<Obj>]) -> Arc<Cache<Obj>> {
    let store = Arc::new(Cache::new_store(meta_namespace_key_func));
    for o in objs {
        store.add(Arc::clone(o)).expect("valid key");
    }
    store
}

fn fifo_with(known: &Arc<Cache<Obj>>) -> DeltaFifo<Obj> {
    let known: KnownObjects<Obj> = Arc::clone(known) as KnownObjects<Obj>;
    DeltaFifo::new(meta_namespace_key_func).with_known_objects(known)
}

/// Pops one item, processing nothing.
fn pop(f: &mut DeltaFifo<Obj>) -> Option<Deltas<Obj>> {
    f.pop(|_, _| Ok::<(), ProcessError<Infallible>>(()))
        .map(|r| r.unwrap_or_else(|e| match e {}))
}

/// `Type name rv` for every delta, tombstones as `Deleted tombstone(key) rv`.
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

fn drain(f: &mut DeltaFifo<Obj>) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    while let Some(d) = pop(f) {
        let key = f.key_of(&d.newest().expect("non-empty").object).expect("key");
        out.push((key, describe(&d)));
    }
    out
}

#[test]
fn delta_fifo_basic_pops_in_insertion_order() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    for i in 0..5 {
        f.add(pod("ns", &format!("p{i}"), "1")).expect("key");
    }
    assert_eq!(f.len(), 5);
    let keys: Vec<String> = drain(&mut f).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["ns/p0", "ns/p1", "ns/p2", "ns/p3", "ns/p4"]);
    assert!(f.is_empty());
    assert!(pop(&mut f).is_none());
}

#[test]
fn delta_fifo_add_update_accumulates_under_one_key() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.add(pod("ns", "foo", "1")).expect("key");
    f.add(pod("ns", "bar", "1")).expect("key");
    f.update(pod("ns", "foo", "2")).expect("key");
    f.delete(pod("ns", "foo", "2")).expect("key");
    assert_eq!(f.len(), 2);
    assert_eq!(f.list_keys(), ["ns/foo", "ns/bar"]);
    assert_eq!(
        describe(&f.get_by_key("ns/foo").expect("queued")),
        ["Added foo 1", "Updated foo 2", "Deleted foo 2"]
    );
    let newest: Vec<String> = f
        .list()
        .iter()
        .map(|o| o.object().map(|o| o.name().to_owned()).unwrap_or_default())
        .collect();
    assert_eq!(newest, ["foo", "bar"]);
}

#[test]
fn delta_fifo_requeue_on_pop() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.add(pod("ns", "foo", "1")).expect("key");
    let result = f.pop(|d, _| {
        assert_eq!(describe(d), ["Added foo 1"]);
        Err(ProcessError::Requeue("handler busy"))
    });
    assert_eq!(result.map(|r| r.map(|_| ())), Some(Err("handler busy")));
    assert_eq!(f.list_keys(), ["ns/foo"]);
    let result = f.pop(|_, _| Err(ProcessError::Failed("gave up")));
    assert_eq!(result.map(|r| r.map(|_| ())), Some(Err("gave up")));
    assert!(f.is_empty(), "a failed (not requeued) item is dropped");
}

#[test]
fn queued_deltas_counts_every_delta_of_every_key() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.add(pod("ns", "a", "1")).expect("key");
    f.update(pod("ns", "a", "2")).expect("key");
    f.add(pod("ns", "b", "1")).expect("key");
    f.delete(pod("ns", "b", "2")).expect("key");
    f.delete(pod("ns", "b", "2")).expect("key");
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
fn delta_fifo_add_if_not_present_keeps_newer_deltas() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.add(pod("ns", "foo", "1")).expect("key");
    let popped = pop(&mut f).expect("queued");
    f.update(pod("ns", "foo", "2")).expect("key");
    f.add_if_not_present(popped.clone()).expect("key");
    assert_eq!(
        describe(&f.get_by_key("ns/foo").expect("queued")),
        ["Updated foo 2"]
    );
    pop(&mut f);
    f.add_if_not_present(popped).expect("key");
    assert_eq!(
        describe(&f.get_by_key("ns/foo").expect("queued")),
        ["Added foo 1"]
    );
    assert_eq!(
        f.add_if_not_present(Deltas::new(Vec::new())),
        Err(Error::Key(KeyError::EmptyDeltas))
    );
}

#[test]
fn dedup_consecutive_deletes_keeps_the_most_informative() {
    let mut d: Deltas<Obj> = Deltas::new(vec![Delta::new(DeltaType::Added, pod("ns", "a", "1"))]);
    d.push_dedup(Delta::new(DeltaType::Deleted, pod("ns", "a", "2")));
    d.push_dedup(Delta::new(DeltaType::Deleted, pod("ns", "a", "3")));
    assert_eq!(
        describe(&d),
        ["Added a 1", "Deleted a 2"],
        "older real deletion kept"
    );

    let tombstone = |rv: &str| Delta {
        delta_type: DeltaType::Deleted,
        object: DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
            key: "ns/a".into(),
            obj: Some(pod("ns", "a", rv)),
        }),
    };
    let mut d: Deltas<Obj> = Deltas::new(vec![tombstone("1")]);
    d.push_dedup(Delta::new(DeltaType::Deleted, pod("ns", "a", "2")));
    assert_eq!(
        describe(&d),
        ["Deleted a 2"],
        "a real deletion replaces a tombstone"
    );
    d.push_dedup(tombstone("3"));
    assert_eq!(
        describe(&d),
        ["Deleted a 2"],
        "a tombstone never replaces a real deletion"
    );
}

#[test]
fn delta_fifo_enqueueing_no_lister_ignores_unknown_deletes() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.delete(pod("ns", "ghost", "1")).expect("key");
    assert!(f.is_empty());
    f.add(pod("ns", "real", "1")).expect("key");
    f.delete(pod("ns", "real", "1")).expect("key");
    assert_eq!(
        describe(&f.get_by_key("ns/real").expect("queued")),
        ["Added real 1", "Deleted real 1"]
    );
}

#[test]
fn delta_fifo_enqueueing_with_lister_queues_deletes_of_known_objects() {
    let store = known(&[pod("ns", "known", "1")]);
    let mut f = fifo_with(&store);
    f.delete(pod("ns", "known", "1")).expect("key");
    f.delete(pod("ns", "ghost", "1")).expect("key");
    assert_eq!(f.list_keys(), ["ns/known"]);
}

#[test]
fn delta_fifo_replace_makes_deletions_with_deleted_final_state_unknown() {
    let store = known(&[
        pod("ns", "foo", "1"),
        pod("ns", "bar", "1"),
        pod("ns", "baz", "1"),
    ]);
    let mut f = fifo_with(&store);
    f.add(pod("ns", "queued", "5")).expect("key");
    f.replace(vec![pod("ns", "foo", "2")], "2").expect("keys");
    let mut got = drain(&mut f);
    got.sort();
    assert_eq!(
        got,
        [
            (
                "ns/bar".to_owned(),
                vec!["Deleted tombstone(ns/bar) 1".to_owned()]
            ),
            (
                "ns/baz".to_owned(),
                vec!["Deleted tombstone(ns/baz) 1".to_owned()]
            ),
            ("ns/foo".to_owned(), vec!["Replaced foo 2".to_owned()]),
            (
                "ns/queued".to_owned(),
                vec![
                    "Added queued 5".to_owned(),
                    "Deleted tombstone(ns/queued) 5".to_owned()
                ]
            ),
        ]
    );
}

#[test]
fn delta_fifo_replace_delta_type_sync_when_replaced_not_emitted() {
    let mut f = DeltaFifo::new(meta_namespace_key_func).with_emit_delta_type_replaced(false);
    f.replace(vec![pod("ns", "foo", "1")], "1").expect("keys");
    assert_eq!(describe(&f.get_by_key("ns/foo").expect("queued")), ["Sync foo 1"]);
}

#[test]
fn delta_fifo_replace_keeps_a_queued_real_deletion_over_a_tombstone() {
    let store = known(&[pod("ns", "foo", "1")]);
    let mut f = fifo_with(&store);
    f.delete(pod("ns", "foo", "1")).expect("key");
    f.replace(Vec::new(), "2").expect("keys");
    assert_eq!(
        describe(&f.get_by_key("ns/foo").expect("queued")),
        ["Deleted foo 1"]
    );
}

#[test]
fn delta_fifo_replace_tombstone_of_a_tombstone_carries_the_inner_object() {
    let store = known(&[pod("ns", "foo", "1")]);
    let mut f = fifo_with(&store);
    f.replace(Vec::new(), "2").expect("keys");
    f.replace(Vec::new(), "3").expect("keys");
    // The second relist's tombstone would carry the first tombstone's object, not the tombstone.
    assert_eq!(
        describe(&f.get_by_key("ns/foo").expect("queued")),
        ["Deleted tombstone(ns/foo) 1"]
    );
}

#[test]
fn delta_fifo_replace_rejects_an_unkeyable_list_without_queueing() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    let err = f
        .replace(vec![pod("ns", "ok", "1"), pod("ns", "", "1")], "1")
        .expect_err("nameless");
    assert!(err.is_key_error());
    assert!(f.is_empty());
    assert!(!f.has_synced());
}

#[test]
fn delta_fifo_resync_produces_sync_only_for_objects_not_queued() {
    let store = known(&[pod("ns", "foo", "1"), pod("ns", "bar", "1")]);
    let mut f = fifo_with(&store);
    f.update(pod("ns", "foo", "2")).expect("key");
    f.resync().expect("keys");
    let mut got = drain(&mut f);
    got.sort();
    assert_eq!(
        got,
        [
            ("ns/bar".to_owned(), vec!["Sync bar 1".to_owned()]),
            ("ns/foo".to_owned(), vec!["Updated foo 2".to_owned()]),
        ]
    );
}

#[test]
fn delta_fifo_resync_non_existing_keeps_the_queued_delete_alone() {
    let store = known(&[pod("ns", "foo", "1")]);
    let mut f = fifo_with(&store);
    f.delete(pod("ns", "foo", "1")).expect("key");
    f.resync().expect("keys");
    assert_eq!(
        describe(&f.get_by_key("ns/foo").expect("queued")),
        ["Deleted foo 1"]
    );
}

#[test]
fn delta_fifo_resync_without_known_objects_does_nothing() {
    let mut f = DeltaFifo::<Obj>::new(meta_namespace_key_func);
    f.resync().expect("no known objects");
    assert!(f.is_empty());
}

#[test]
fn delta_fifo_has_synced_after_first_replace_batch_is_popped() {
    let store = known(&[pod("ns", "old", "1")]);
    let mut f = fifo_with(&store);
    assert!(!f.has_synced());
    f.replace(vec![pod("ns", "a", "1"), pod("ns", "b", "1")], "1")
        .expect("keys");
    assert!(!f.has_synced());
    // A watch event arriving during the initial sync is not part of the initial list.
    f.add(pod("ns", "late", "2")).expect("key");
    let mut initial_flags = Vec::new();
    for _ in 0..3 {
        f.pop(|_, in_initial| {
            initial_flags.push(in_initial);
            Ok::<(), ProcessError<Infallible>>(())
        });
    }
    assert_eq!(initial_flags, [true, true, true], "a, b and the old tombstone");
    assert!(f.has_synced());
    f.pop(|_, in_initial| {
        assert!(!in_initial, "the late add is not in the initial list");
        Ok::<(), ProcessError<Infallible>>(())
    });
}

#[test]
fn delta_fifo_has_synced_at_once_when_an_add_comes_first() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.add(pod("ns", "a", "1")).expect("key");
    assert!(f.has_synced());
    f.replace(vec![pod("ns", "b", "1")], "1").expect("keys");
    assert!(f.has_synced(), "only the first relist counts");
}

#[test]
fn delta_fifo_empty_replace_syncs_at_once() {
    let mut f = DeltaFifo::<Obj>::new(meta_namespace_key_func);
    f.replace(Vec::new(), "1").expect("keys");
    assert!(f.has_synced());
}

#[test]
fn delta_fifo_key_of_tombstone_and_object() {
    let f = DeltaFifo::<Obj>::new(meta_namespace_key_func);
    let tombstone = DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
        key: "x/y".into(),
        obj: None,
    });
    assert_eq!(f.key_of(&tombstone), Ok("x/y".to_owned()));
    assert_eq!(
        f.key_of(&DeltaObject::Object(pod("", "n", "1"))),
        Ok("n".to_owned())
    );
}

#[test]
fn delta_fifo_close_and_debug() {
    let mut f = DeltaFifo::new(meta_namespace_key_func);
    f.add(pod("ns", "a", "1")).expect("key");
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
        Delta::new(DeltaType::Added, pod("ns", "a", "1")),
        Delta::new(DeltaType::Updated, pod("ns", "a", "2")),
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
