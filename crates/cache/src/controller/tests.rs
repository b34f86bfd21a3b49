//! The ports of client-go's
//! `tools/cache/controller_test.go` that need no API server (the others are in
//! `tests/controller_go.rs`).
//!
//! Not ported, with why:
//! - `TestProcessDeltasInBatch`: we have no `TransactionStore` nor `processDeltasInBatch`; a
//!   popped batch is applied delta by delta.
//! - `TestDeletionHandlingObjectToName`: we have no `ObjectName`; the same check on the key
//!   function is `test_deletion_handling_object_to_name` in `store/tests.rs`.

use super::*;
use crate::cache::Cache;
use crate::delta_fifo::DeltaFifo;
use crate::key::{deletion_handling_meta_namespace_key_func, meta_namespace_key_func};
use crate::notification::Notification;
use crate::real_fifo::RealFifo;
use crate::store::KnownObjects;
use crate::store::Store;
use crate::test_util::{labelled, pod, Obj};

/// `action key` for a notification, as client-go's `eventRecorder` of `controller_test.go` logs.
fn record(n: &Notification<Obj>) -> (String, String) {
    let key = |o: &Arc<Obj>| meta_namespace_key_func(&**o).unwrap_or_default();
    match n {
        Notification::Add { obj, .. } => ("add".into(), key(obj)),
        Notification::Update { new, .. } => ("update".into(), key(new)),
        Notification::Delete(obj) => (
            "delete".into(),
            deletion_handling_meta_namespace_key_func(obj).unwrap_or_default(),
        ),
    }
}

/// Pops everything `queue` holds into `store` with [`process_deltas`]; the notifications, recorded.
fn drain_into<Q: Queue<Obj>>(queue: &mut Q, store: &Cache<Obj>) -> Vec<(String, String)> {
    let mut history = Vec::new();
    while let Some(r) = queue.pop(|deltas, initial| {
        process_deltas(store, deltas, initial, |n| history.push(record(&n))).map_err(ProcessError::Failed)
    }) {
        r.expect("valid keys");
    }
    history
}

/// Mirrors `TestReplaceEvents`: a relist after missed events updates what is still listed, deletes
/// what is gone and adds what is new, and leaves the store holding exactly the list. Go drives a
/// running controller's RealFIFO; the sans-IO queue and [`process_deltas`] are that controller's
/// core, run here by hand, for both queue kinds.
#[test]
fn test_replace_events() {
    replace_events("RealFifo", |known| RealFifo::new(meta_namespace_key_func, known));
    replace_events("DeltaFifo", |known| {
        DeltaFifo::new(meta_namespace_key_func).with_known_objects(known)
    });
}

/// Mirrors `TestReplaceEvents` with client-go 1.36's atomic FIFO: the relist is popped as one
/// unit and applied with [`process_item`], which reports the deletion first, then the listed
/// objects in list order.
#[test]
fn test_replace_events_atomic() {
    let keep = pod("default", "pod-1", "1");
    let modified = labelled("default", "pod-2", "2", &[("ver", "1")]);
    let deleted = pod("default", "pod-3", "3");
    let modified_updated = labelled("default", "pod-2", "5", &[("ver", "2")]);
    let added = pod("default", "pod-4", "6");

    let store = Arc::new(Cache::new_store(meta_namespace_key_func));
    let mut queue =
        RealFifo::new(meta_namespace_key_func, Arc::clone(&store) as KnownObjects<Obj>).with_atomic_events();
    let drain = |queue: &mut RealFifo<Obj>| {
        let mut history = Vec::new();
        while let Some(r) = queue.pop_item(|item, initial| {
            process_item(&*store, item, initial, |n| history.push(record(&n))).map_err(ProcessError::Failed)
        }) {
            r.expect("valid keys");
        }
        history
    };
    for o in [&keep, &modified, &deleted] {
        queue.add(Arc::clone(o)).expect("key");
    }
    assert_eq!(drain(&mut queue).len(), 3);

    let replaced = vec![keep, modified_updated, added];
    queue.replace(replaced.clone(), "123").expect("keys");
    let history = drain(&mut queue);
    let expected: Vec<(String, String)> = [
        ("delete", "default/pod-3"),
        ("update", "default/pod-1"),
        ("update", "default/pod-2"),
        ("add", "default/pod-4"),
    ]
    .iter()
    .map(|(a, k)| ((*a).to_owned(), (*k).to_owned()))
    .collect();
    assert_eq!(history, expected);
    let mut items = store.list();
    items.sort_by_key(|o| meta_namespace_key_func(&**o).unwrap_or_default());
    assert_eq!(items, replaced, "the store holds the list");
}

fn replace_events<Q: Queue<Obj>>(kind: &str, make: impl FnOnce(KnownObjects<Obj>) -> Q) {
    let keep = pod("default", "pod-1", "1");
    let modified = labelled("default", "pod-2", "2", &[("ver", "1")]);
    let deleted = pod("default", "pod-3", "3");
    let modified_updated = labelled("default", "pod-2", "5", &[("ver", "2")]);
    let added = pod("default", "pod-4", "6");

    let store = Arc::new(Cache::new_store(meta_namespace_key_func));
    let mut queue = make(Arc::clone(&store) as KnownObjects<Obj>);
    for o in [&keep, &modified, &deleted] {
        queue.add(Arc::clone(o)).expect("key");
    }
    assert_eq!(drain_into(&mut queue, &store).len(), 3, "{kind}: the three adds");

    // Missed while the watch was down: pod-2 changed, pod-3 went, pod-4 came.
    let replaced = vec![keep, modified_updated, added];
    queue.replace(replaced.clone(), "123").expect("keys");
    let mut history = drain_into(&mut queue, &store);
    history.sort();
    let mut expected: Vec<(String, String)> = [
        ("update", "default/pod-1"),
        ("update", "default/pod-2"),
        ("delete", "default/pod-3"),
        ("add", "default/pod-4"),
    ]
    .iter()
    .map(|(a, k)| ((*a).to_owned(), (*k).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(history, expected, "{kind}");

    let mut items = store.list();
    items.sort_by_key(|o| meta_namespace_key_func(&**o).unwrap_or_default());
    assert_eq!(items, replaced, "{kind}: the store holds the list");
}
