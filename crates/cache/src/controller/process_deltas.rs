//! Applying popped deltas to the informer's store and turning them into handler notifications.
//!
//! Mirrors `processDeltas` in client-go `tools/cache/controller.go`; the rest of that file is the
//! parent module.

use std::sync::Arc;

use crate::delta_fifo::{DeltaObject, DeltaType, Deltas};
use crate::error::Error;
use crate::notification::Notification;
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta_fifo::{DeletedFinalStateUnknown, Delta};
    use crate::store::{meta_namespace_key_func, Cache};
    use crate::test_util::{pod, Obj};
    use clientgo_apimachinery::Object;

    fn run(store: &Cache<Obj>, deltas: Vec<Delta<Obj>>, initial: bool) -> Vec<String> {
        let mut seen = Vec::new();
        process_deltas(store, &Deltas::new(deltas), initial, |n| {
            seen.push(match n {
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
                Notification::Delete(DeltaObject::Object(obj)) => {
                    format!("delete {}", obj.name())
                }
                Notification::Delete(DeltaObject::DeletedFinalStateUnknown(t)) => {
                    format!("delete tombstone {}", t.key)
                }
            });
        })
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
