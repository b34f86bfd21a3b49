//! Applying popped deltas to the informer's store and turning them into handler notifications.
//!
//! Mirrors `processDeltas` in client-go `tools/cache/controller.go`; the rest of that file is the
//! parent module.

use std::sync::Arc;

use clientgo_apimachinery::Object;

use crate::delta::ReplaceDelta;
use crate::delta::{Delta, DeltaObject, DeltaType, Deltas};
use crate::error::Error;
use crate::notification::Notification;
use crate::real_fifo::FifoItem;
use crate::store::Store;

/// Applies `deltas` (oldest first) to `store` and reports each resulting notification to `notify`.
///
/// Mirrors client-go `processDeltas`: `Sync`, `Replaced`, `Added` and `Updated` become an update
/// when the store already holds the key and an add otherwise; `Deleted` removes the key (by the
/// tombstone's key for a [`DeletedFinalStateUnknown`](crate::DeletedFinalStateUnknown)) and is
/// always reported.
///
/// # Errors
/// [`Error::Key`] when the store's key function fails; earlier deltas stay applied.
pub fn process_deltas<K, S: Store<K> + ?Sized>(
    store: &S,
    deltas: &Deltas<K>,
    is_in_initial_list: bool,
    mut notify: impl FnMut(Notification<K>),
) -> Result<(), Error> {
    for delta in deltas {
        apply_delta(store, delta, is_in_initial_list, &mut notify)?;
    }
    Ok(())
}

/// Applies one item of a [`RealFifo`](crate::RealFifo) (popped with
/// [`pop_item`](crate::RealFifo::pop_item)) to `store` and reports each resulting notification to
/// `notify`.
///
/// Mirrors client-go 1.36 `processDeltas` with atomic events:
/// - a delta is applied as [`process_deltas`] applies it;
/// - a [`FifoItem::ReplacedAll`] replaces the store's contents in one step (readers never see half
///   a relist), then reports a deletion (a tombstone carrying the last stored state) for every key
///   the list lacks, then an add or update for every listed object, in list order
///   (`processReplacedAllInfo`);
/// - a [`FifoItem::SyncAll`] reports every stored object as an update from itself to itself;
/// - a [`FifoItem::Bookmark`] changes nothing and reports nothing: the caller records
///   [`FifoItem::resource_version`] as the store's version.
///
/// # Errors
/// [`Error::Key`] when the store's key function fails; a relist is then not applied at all.
pub fn process_item<K: Object, S: Store<K> + ?Sized>(
    store: &S,
    item: &FifoItem<K>,
    is_in_initial_list: bool,
    mut notify: impl FnMut(Notification<K>),
) -> Result<(), Error> {
    match item {
        FifoItem::Delta(delta) => apply_delta(store, delta, is_in_initial_list, &mut notify),
        FifoItem::ReplacedAll {
            resource_version,
            objects,
        } => {
            let changes = store.replace(objects.clone(), resource_version)?;
            let (deleted, listed): (Vec<_>, Vec<_>) = changes
                .into_iter()
                .partition(|c| matches!(c, ReplaceDelta::Deleted(_)));
            for change in deleted.into_iter().chain(listed) {
                notify(match change {
                    ReplaceDelta::Deleted(tombstone) => {
                        Notification::Delete(DeltaObject::DeletedFinalStateUnknown(tombstone))
                    }
                    ReplaceDelta::Added(obj) => Notification::Add {
                        obj,
                        is_in_initial_list,
                    },
                    ReplaceDelta::Updated { old, new } => Notification::Update { old, new },
                });
            }
            Ok(())
        }
        FifoItem::SyncAll => {
            for obj in store.list() {
                notify(Notification::Update {
                    old: Arc::clone(&obj),
                    new: obj,
                });
            }
            Ok(())
        }
        FifoItem::Bookmark { .. } => Ok(()),
    }
}

/// Applies one delta and reports it, as [`process_deltas`] does for each.
fn apply_delta<K, S: Store<K> + ?Sized>(
    store: &S,
    delta: &Delta<K>,
    is_in_initial_list: bool,
    notify: &mut impl FnMut(Notification<K>),
) -> Result<(), Error> {
    match (delta.delta_type, &delta.object) {
        (DeltaType::Deleted, object) => {
            match object {
                DeltaObject::Object(obj) => {
                    store.delete(obj)?;
                }
                DeltaObject::DeletedFinalStateUnknown(tombstone) => {
                    store.delete_by_key(&tombstone.key);
                }
            }
            notify(Notification::Delete(object.clone()));
        }
        (_, DeltaObject::Object(obj)) => match store.update(Arc::clone(obj))? {
            Some(old) => notify(Notification::Update {
                old,
                new: Arc::clone(obj),
            }),
            None => notify(Notification::Add {
                obj: Arc::clone(obj),
                is_in_initial_list,
            }),
        },
        // Queues only put tombstones in Deleted deltas; nothing to apply otherwise.
        (_, DeltaObject::DeletedFinalStateUnknown(_)) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use crate::delta::DeletedFinalStateUnknown;
    use crate::key::meta_namespace_key_func;
    use crate::test_util::{pod, Obj};

    fn describe(n: Notification<Obj>) -> String {
        match n {
            Notification::Add {
                obj,
                is_in_initial_list,
            } => format!(
                "add {} {} {is_in_initial_list}",
                obj.name(),
                obj.resource_version()
            ),
            Notification::Update { old, new } => {
                format!(
                    "update {} {}->{}",
                    new.name(),
                    old.resource_version(),
                    new.resource_version()
                )
            }
            Notification::Delete(DeltaObject::Object(obj)) => format!("delete {}", obj.name()),
            Notification::Delete(DeltaObject::DeletedFinalStateUnknown(t)) => {
                format!("delete tombstone {}", t.key)
            }
        }
    }

    fn run(store: &Cache<Obj>, deltas: Vec<Delta<Obj>>, initial: bool) -> Vec<String> {
        let mut seen = Vec::new();
        process_deltas(store, &Deltas::new(deltas), initial, |n| seen.push(describe(n)))
            .expect("keys are valid");
        seen
    }

    #[test]
    fn added_then_updated_then_deleted_notify_in_order() {
        let store = Cache::new_store(meta_namespace_key_func);
        let seen = run(
            &store,
            vec![
                Delta::new(DeltaType::Replaced, pod("ns", "a", "1")),
                Delta::new(DeltaType::Updated, pod("ns", "a", "2")),
                Delta::new(DeltaType::Sync, pod("ns", "a", "2")),
                Delta::new(DeltaType::Deleted, pod("ns", "a", "2")),
            ],
            true,
        );
        assert_eq!(
            seen,
            ["add a 1 true", "update a 1->2", "update a 2->2", "delete a"]
        );
        assert!(store.is_empty());
    }

    #[test]
    fn tombstone_deletes_by_key() {
        let store = Cache::new_store(meta_namespace_key_func);
        store.add(pod("ns", "gone", "5")).expect("valid key");
        let seen = run(
            &store,
            vec![Delta {
                delta_type: DeltaType::Deleted,
                object: DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
                    key: "ns/gone".into(),
                    obj: None,
                }),
            }],
            false,
        );
        assert_eq!(seen, ["delete tombstone ns/gone"]);
        assert!(store.get_by_key("ns/gone").is_none());
    }

    fn run_item(store: &Cache<Obj>, item: FifoItem<Obj>, initial: bool) -> Vec<String> {
        let mut seen = Vec::new();
        process_item(store, &item, initial, |n| seen.push(describe(n))).expect("keys are valid");
        seen
    }

    #[test]
    fn a_replaced_all_replaces_the_store_then_reports_deletions_first() {
        let store = Cache::new_store(meta_namespace_key_func);
        for o in [pod("ns", "gone", "1"), pod("ns", "kept", "1")] {
            store.add(o).expect("valid key");
        }
        let item = FifoItem::ReplacedAll {
            resource_version: "7".into(),
            objects: vec![pod("ns", "new", "7"), pod("ns", "kept", "6")],
        };
        assert_eq!(item.resource_version(), Some("7"));
        let seen = run_item(&store, item, true);
        assert_eq!(
            seen,
            ["delete tombstone ns/gone", "add new 7 true", "update kept 1->6"]
        );
        let mut names: Vec<String> = store.list().iter().map(|o| o.name().to_owned()).collect();
        names.sort();
        assert_eq!(names, ["kept", "new"]);
    }

    #[test]
    fn a_sync_all_reports_every_stored_object_as_unchanged() {
        let store = Cache::new_store(meta_namespace_key_func);
        store.add(pod("ns", "a", "3")).expect("valid key");
        let seen = run_item(&store, FifoItem::SyncAll, false);
        assert_eq!(seen, ["update a 3->3"]);
        assert_eq!(FifoItem::<Obj>::SyncAll.resource_version(), None);
    }

    #[test]
    fn a_bookmark_changes_and_reports_nothing_but_carries_its_version() {
        let store = Cache::new_store(meta_namespace_key_func);
        store.add(pod("ns", "a", "3")).expect("valid key");
        let item = FifoItem::Bookmark {
            resource_version: "9".into(),
        };
        assert_eq!(item.resource_version(), Some("9"));
        assert!(run_item(&store, item, false).is_empty());
        assert_eq!(store.list().len(), 1);
        let delta = FifoItem::Delta(Delta::new(DeltaType::Added, pod("ns", "b", "4")));
        assert_eq!(delta.resource_version(), Some("4"));
        assert_eq!(run_item(&store, delta, false), ["add b 4 false"]);
    }

    #[test]
    fn add_after_sync_reports_not_in_initial_list() {
        let store = Cache::new_store(meta_namespace_key_func);
        let seen = run(
            &store,
            vec![Delta::new(DeltaType::Added, pod("ns", "b", "7"))],
            false,
        );
        assert_eq!(seen, ["add b 7 false"]);
    }
}
