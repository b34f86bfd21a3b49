//! Named after client-go's `the_real_fifo_test.go` where a Go test covers the same behaviour.

use super::*;
use crate::store::{meta_namespace_key_func, Cache, Store};
use crate::test_util::{pod, Obj};
use clientgo_apimachinery::Object;
use std::convert::Infallible;

fn fifo(known: &[Arc<Obj>]) -> (RealFifo<Obj>, Arc<Cache<Obj>>) {
    let store = Arc::new(Cache::new_store(meta_namespace_key_func));
    for o in known {
        store.add(Arc::clone(o)).expect("valid key");
    }
    let known: KnownObjects<Obj> = Arc::clone(&store) as KnownObjects<Obj>;
    (RealFifo::new(meta_namespace_key_func, known), store)
}

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

fn drain(f: &mut RealFifo<Obj>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(result) = f.pop(|d, _| {
        assert_eq!(d.len(), 1, "RealFifo pops one delta at a time");
        Ok::<(), ProcessError<Infallible>>(())
    }) {
        let deltas = result.unwrap_or_else(|e| match e {});
        out.extend(deltas.iter().map(describe));
    }
    out
}

#[test]
fn real_fifo_add_update_delivers_every_delta_in_order() {
    let (mut f, _) = fifo(&[]);
    f.add(pod("ns", "foo", "1")).expect("key");
    f.add(pod("ns", "bar", "1")).expect("key");
    f.update(pod("ns", "foo", "2")).expect("key");
    f.delete(pod("ns", "foo", "2")).expect("key");
    assert_eq!(f.len(), 4);
    assert_eq!(
        drain(&mut f),
        ["Added foo 1", "Added bar 1", "Updated foo 2", "Deleted foo 2"]
    );
    assert!(f.is_empty());
}

#[test]
fn real_fifo_enqueueing_delivers_deletes_of_unknown_objects() {
    let (mut f, _) = fifo(&[]);
    f.delete(pod("ns", "ghost", "1")).expect("key");
    assert_eq!(drain(&mut f), ["Deleted ghost 1"]);
}

#[test]
fn real_fifo_refuses_unkeyable_objects() {
    let (mut f, _) = fifo(&[]);
    assert!(f.add(pod("ns", "", "1")).expect_err("nameless").is_key_error());
    assert!(f.is_empty());
    assert!(!f.has_synced());
}

#[test]
fn real_fifo_replace_makes_deletions_before_replaced() {
    let (mut f, _) = fifo(&[pod("ns", "foo", "1"), pod("ns", "bar", "1")]);
    f.add(pod("ns", "queued", "5")).expect("key");
    f.replace(vec![pod("ns", "foo", "2")], "2").expect("keys");
    assert_eq!(
        drain(&mut f),
        [
            "Added queued 5",
            "Deleted tombstone(ns/queued) 5",
            "Deleted tombstone(ns/bar) 1",
            "Replaced foo 2"
        ]
    );
}

#[test]
fn real_fifo_replace_with_delete_delta_in_adds_no_second_delete() {
    let (mut f, _) = fifo(&[pod("ns", "foo", "1")]);
    f.delete(pod("ns", "foo", "1")).expect("key");
    f.replace(Vec::new(), "2").expect("keys");
    assert_eq!(drain(&mut f), ["Deleted foo 1"]);
}

#[test]
fn real_fifo_replace_keeps_a_queued_delete_before_a_recreation() {
    let (mut f, _) = fifo(&[pod("ns", "foo", "1")]);
    f.delete(pod("ns", "foo", "1")).expect("key");
    f.replace(vec![pod("ns", "foo", "9")], "9").expect("keys");
    assert_eq!(drain(&mut f), ["Deleted foo 1", "Replaced foo 9"]);
}

#[test]
fn real_fifo_resync_skips_objects_with_queued_deltas() {
    let (mut f, _) = fifo(&[pod("ns", "foo", "1"), pod("ns", "bar", "1")]);
    f.update(pod("ns", "foo", "2")).expect("key");
    f.resync().expect("keys");
    assert_eq!(drain(&mut f), ["Updated foo 2", "Sync bar 1"]);
}

#[test]
fn real_fifo_resync_non_existing_after_queued_delete() {
    let (mut f, _) = fifo(&[pod("ns", "foo", "1")]);
    f.delete(pod("ns", "foo", "1")).expect("key");
    f.resync().expect("keys");
    assert_eq!(drain(&mut f), ["Deleted foo 1"]);
}

#[test]
fn real_fifo_requeue_on_pop_retries_first() {
    let (mut f, _) = fifo(&[]);
    f.add(pod("ns", "a", "1")).expect("key");
    f.add(pod("ns", "b", "1")).expect("key");
    let r = f.pop(|_, _| Err(ProcessError::Requeue("busy")));
    assert_eq!(r.map(|r| r.map(|_| ())), Some(Err("busy")));
    let r = f.pop(|_, _| Err(ProcessError::Failed("broken")));
    assert_eq!(r.map(|r| r.map(|_| ())), Some(Err("broken")));
    assert_eq!(drain(&mut f), ["Added b 1"], "a was retried first, then dropped");
}

#[test]
fn real_fifo_has_synced_after_initial_items_popped() {
    let (mut f, _) = fifo(&[pod("ns", "old", "1")]);
    f.replace(vec![pod("ns", "a", "1"), pod("ns", "b", "1")], "1")
        .expect("keys");
    f.add(pod("ns", "late", "2")).expect("key");
    let mut flags = Vec::new();
    while let Some(r) = f.pop(|_, initial| {
        flags.push(initial);
        Ok::<(), ProcessError<Infallible>>(())
    }) {
        r.unwrap_or_else(|e| match e {});
    }
    assert_eq!(flags, [true, true, true, false]);
    assert!(f.has_synced());
}

#[test]
fn real_fifo_requeue_during_initial_list_keeps_has_synced_false() {
    let (mut f, _) = fifo(&[]);
    f.replace(vec![pod("ns", "a", "1")], "1").expect("keys");
    let _ = f.pop(|_, _| Err(ProcessError::Requeue(())));
    assert!(
        !f.has_synced(),
        "the requeued item is still part of the initial list"
    );
    let _ = f.pop(|_, _| Ok::<(), ProcessError<()>>(()));
    assert!(f.has_synced());
}

#[test]
fn real_fifo_pop_batch_stops_at_a_repeated_key_and_the_initial_list() {
    let (mut f, store) = fifo(&[]);
    f.replace(vec![pod("ns", "a", "1"), pod("ns", "b", "1")], "1")
        .expect("keys");
    f.add(pod("ns", "c", "2")).expect("key");
    f.update(pod("ns", "a", "2")).expect("key");
    f.update(pod("ns", "c", "3")).expect("key");

    let mut batches = Vec::new();
    while let Some(r) = f.pop_batch(|batch, initial| {
        for d in batch {
            if let DeltaObject::Object(o) = &d.object {
                store.update(Arc::clone(o)).expect("key");
            }
        }
        batches.push((initial, batch.iter().map(describe).collect::<Vec<_>>()));
        Ok::<(), ProcessError<Infallible>>(())
    }) {
        r.unwrap_or_else(|e| match e {});
    }
    assert_eq!(
        batches,
        [
            (true, vec!["Replaced a 1".to_owned(), "Replaced b 1".to_owned()]),
            (false, vec!["Added c 2".to_owned(), "Updated a 2".to_owned()]),
            (false, vec!["Updated c 3".to_owned()]),
        ]
    );
    assert!(f.pop_batch(|_, _| Ok::<(), ProcessError<()>>(())).is_none());
}

#[test]
fn real_fifo_pop_batch_respects_batch_size_and_requeues_whole_batch() {
    let (f, _) = fifo(&[]);
    let mut f = f.with_batch_size(2);
    for name in ["a", "b", "c"] {
        f.add(pod("ns", name, "1")).expect("key");
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
    let (mut f, _) = fifo(&[]);
    f.close();
    assert!(f.is_closed());
    assert_eq!(
        format!("{f:?}"),
        "RealFifo { len: 0, populated: false, initial_population_count: 0, closed: true, .. }"
    );
}
