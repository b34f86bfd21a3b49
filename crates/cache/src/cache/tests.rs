use super::*;
use crate::delta::{DeletedFinalStateUnknown, DeltaObject, ReplaceDelta};
use crate::error::KeyError;
use crate::index::{meta_namespace_index_func, Indexers, NAMESPACE_INDEX};
use crate::key::{
    deletion_handling_meta_namespace_key_func, meta_namespace_key_func, split_meta_namespace_key,
};
use crate::test_util::{labelled, pod, Obj};
use clientgo_apimachinery::Object;

fn indexer() -> Cache<Obj> {
    Cache::new_indexer(
        meta_namespace_key_func,
        Indexers::new()
            .with(NAMESPACE_INDEX, meta_namespace_index_func::<Obj>)
            .with("nodeName", |o: &Obj| {
                o.metadata
                    .labels
                    .get("node")
                    .map(String::from)
                    .into_iter()
                    .collect()
            }),
    )
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn meta_namespace_key_func_namespaced_and_cluster_scoped() {
    assert_eq!(
        meta_namespace_key_func(&*pod("kube-system", "etcd-node-1", "1")),
        Ok("kube-system/etcd-node-1".to_owned())
    );
    assert_eq!(
        meta_namespace_key_func(&*pod("", "node-1", "1")),
        Ok("node-1".to_owned())
    );
}

#[test]
fn meta_namespace_key_func_refuses_a_nameless_object() {
    let err = meta_namespace_key_func(&*pod("ns", "", "1")).expect_err("no name");
    assert_eq!(
        err,
        KeyError::MissingName {
            namespace: Some("ns".into())
        }
    );
    assert_eq!(err.to_string(), r#"object has no metadata.name (namespace "ns")"#);
}

/// Mirrors client-go's `TestDeletionHandlingObjectToName` (`controller_test.go`), with the key
/// function in place of `ObjectToName` (we have no `ObjectName`): a tombstone is named by its key,
/// which is the deleted object's name.
#[test]
fn test_deletion_handling_object_to_name() {
    let cm = pod("testnamespace", "testname", "1");
    let key = meta_namespace_key_func(&*cm).expect("named");
    let tombstone = DeltaObject::DeletedFinalStateUnknown(DeletedFinalStateUnknown::<Obj> {
        key,
        obj: Some(Arc::clone(&cm)),
    });
    assert_eq!(
        deletion_handling_meta_namespace_key_func(&tombstone),
        deletion_handling_meta_namespace_key_func(&DeltaObject::Object(cm))
    );
    assert_eq!(
        deletion_handling_meta_namespace_key_func(&tombstone),
        Ok("testnamespace/testname".to_owned())
    );
}

#[test]
fn split_meta_namespace_key_cases() {
    assert_eq!(split_meta_namespace_key("ns/name"), Ok(("ns", "name")));
    assert_eq!(split_meta_namespace_key("name"), Ok(("", "name")));
    assert_eq!(split_meta_namespace_key(""), Ok(("", "")));
    assert_eq!(
        split_meta_namespace_key("a/b/c"),
        Err(KeyError::UnexpectedKeyFormat { key: "a/b/c".into() })
    );
}

#[test]
fn store_add_get_update_delete() {
    let store: Cache<Obj> = Cache::new_store(meta_namespace_key_func);
    let probe = pod("kube-system", "etcd-node-1", "0");
    // Before the informer fills it, Get finds nothing (and is not an error).
    assert_eq!(store.get(&*probe), Ok(None));
    assert_eq!(store.add(pod("kube-system", "etcd-node-1", "1")), Ok(None));
    assert_eq!(
        store
            .get(&*probe)
            .expect("key")
            .map(|o| o.resource_version().to_owned()),
        Some("1".into())
    );
    let old = store
        .update(pod("kube-system", "etcd-node-1", "2"))
        .expect("key")
        .expect("existed");
    assert_eq!(old.resource_version(), "1");
    assert_eq!(store.list_keys(), ["kube-system/etcd-node-1"]);
    assert_eq!(store.list().len(), 1);
    assert_eq!(store.len(), 1);
    let removed = store.delete(&*probe).expect("key").expect("existed");
    assert_eq!(removed.resource_version(), "2");
    assert!(store.is_empty());
    assert_eq!(store.delete(&*probe), Ok(None));
}

#[test]
fn store_key_errors_surface_as_error_key() {
    let store: Cache<Obj> = Cache::new_store(meta_namespace_key_func);
    let nameless = pod("ns", "", "1");
    for err in [
        store.add(Arc::clone(&nameless)).expect_err("no name"),
        store.update(Arc::clone(&nameless)).expect_err("no name"),
        store.delete(&*nameless).expect_err("no name"),
        store.get(&*nameless).expect_err("no name"),
        store
            .replace(vec![pod("ns", "ok", "1"), nameless], "1")
            .expect_err("no name"),
    ] {
        assert!(err.is_key_error());
        assert_eq!(err.to_string(), "couldn't create key for object");
        assert!(std::error::Error::source(&err).is_some());
    }
    // The failed replace left the store untouched.
    assert!(store.is_empty());
}

#[test]
fn delete_by_key_and_get_by_key() {
    let store: Cache<Obj> = Cache::new_store(meta_namespace_key_func);
    store.add(pod("a", "x", "1")).expect("key");
    assert!(store.get_by_key("a/x").is_some());
    assert!(store.delete_by_key("a/x").is_some());
    assert!(store.get_by_key("a/x").is_none());
    assert!(store.delete_by_key("a/x").is_none());
}

#[test]
fn replace_reports_added_updated_and_deleted() {
    let store = indexer();
    store.add(pod("a", "stays", "1")).expect("key");
    store.add(pod("a", "goes", "1")).expect("key");
    let deltas = store
        .replace(vec![pod("a", "stays", "2"), pod("b", "arrives", "2")], "2")
        .expect("keys");
    assert_eq!(deltas.len(), 3);
    assert!(matches!(&deltas[0], ReplaceDelta::Updated { old, new }
        if old.resource_version() == "1" && new.resource_version() == "2"));
    assert!(matches!(&deltas[1], ReplaceDelta::Added(o) if o.name() == "arrives"));
    assert!(matches!(&deltas[2], ReplaceDelta::Deleted(t)
        if t.key == "a/goes" && t.obj.as_ref().is_some_and(|o| o.name() == "goes")));
    assert_eq!(sorted(store.list_keys()), ["a/stays", "b/arrives"]);
    assert_eq!(store.resync(), Ok(()));
}

#[test]
fn indexer_queries() {
    let store = indexer();
    store
        .add(labelled("kube-system", "etcd-node-1", "1", &[("node", "node-1")]))
        .expect("key");
    store
        .add(labelled("kube-system", "etcd-node-2", "1", &[("node", "node-2")]))
        .expect("key");
    store
        .add(labelled("default", "web", "1", &[("node", "node-1")]))
        .expect("key");

    assert_eq!(
        store.get_indexers().names().collect::<Vec<_>>(),
        [NAMESPACE_INDEX, "nodeName"]
    );
    assert_eq!(
        sorted(
            store
                .by_index(NAMESPACE_INDEX, "kube-system")
                .expect("index")
                .iter()
                .map(|o| o.name().to_owned())
                .collect()
        ),
        ["etcd-node-1", "etcd-node-2"]
    );
    assert_eq!(
        sorted(store.index_keys("nodeName", "node-1").expect("index")),
        ["default/web", "kube-system/etcd-node-1"]
    );
    assert_eq!(
        sorted(store.list_index_func_values(NAMESPACE_INDEX)),
        ["default", "kube-system"]
    );
    let probe = labelled("other", "probe", "1", &[("node", "node-2")]);
    let same_node = store.index("nodeName", &probe).expect("index");
    assert_eq!(same_node.len(), 1);
    assert_eq!(same_node[0].name(), "etcd-node-2");
    assert!(store.by_index("nodeName", "node-9").expect("index").is_empty());
    assert!(store.by_index("zone", "a").is_err());

    let err = store
        .add_indexers(Indexers::new().with("zone", |_: &Obj| Vec::new()))
        .expect_err("store has data");
    assert_eq!(
        err.to_string(),
        "cannot add indexers to a store that already holds 3 objects"
    );
}

#[test]
fn cache_is_a_key_lister_getter() {
    let store: Arc<Cache<Obj>> = Arc::new(Cache::new_store(meta_namespace_key_func));
    store.add(pod("a", "x", "1")).expect("key");
    let known: crate::KnownObjects<Obj> = store;
    assert_eq!(known.list_keys(), ["a/x"]);
    assert!(known.get_by_key("a/x").is_some());
}

#[test]
fn debug_and_key_of() {
    let store = indexer();
    assert_eq!(store.key_of(&pod("a", "x", "1")), Ok("a/x".to_owned()));
    assert_eq!(
        format!("{store:?}"),
        r#"Cache { storage: ThreadSafeStore { len: 0, indexers: ["namespace", "nodeName"] }, .. }"#
    );
    assert_eq!(store.thread_safe_store().len(), 0);
}
