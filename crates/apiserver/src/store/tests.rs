use super::*;
use serde_json::json;

fn cm(name: &str, v: &str) -> Value {
    json!({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":name,"namespace":"ns"},"data":{"k":v}})
}

fn put(store: &Store, name: &str, v: &str) -> Written {
    let res: Arc<str> = Arc::from("configmaps");
    let val = cm(name, v);
    store
        .guaranteed_update(&res, &format!("ns/{name}"), &[], |_| {
            Ok(Outcome::Put(val.clone()))
        })
        .unwrap()
}

#[test]
fn writes_get_increasing_resource_versions_and_events() {
    let store = Store::new(LogLimits::default(), 10);
    let a = put(&store, "a", "1");
    let b = put(&store, "a", "2");
    assert_eq!(a.object.rv(), 11);
    assert_eq!(a.kind, Some(EventKind::Added));
    assert_eq!(b.object.rv(), 12);
    assert_eq!(b.kind, Some(EventKind::Modified));
    let batch = store.read_events("configmaps", 10, 100).unwrap();
    let kinds: Vec<_> = batch.events.iter().map(|e| (e.rv, e.kind)).collect();
    assert_eq!(kinds, vec![(11, EventKind::Added), (12, EventKind::Modified)]);
    assert_eq!(batch.last_rv, 12);
    assert_eq!(store.read_events("secrets", 10, 100).unwrap().events.len(), 0);
}

#[test]
fn snapshot_at_an_older_version_undoes_later_writes() {
    let store = Store::new(LogLimits::default(), 0);
    put(&store, "a", "1"); // 1
    put(&store, "b", "1"); // 2
    put(&store, "a", "2"); // 3
    put(&store, "c", "1"); // 4
    let res: Arc<str> = Arc::from("configmaps");
    store
        .guaranteed_update(&res, "ns/b", &[], |cur| {
            Ok(Outcome::Delete(cur.unwrap().to_value()))
        })
        .unwrap(); // 5
    let at2 = store.snapshot_at("configmaps", "ns/", "", 2).unwrap();
    let got: Vec<_> = at2.items.iter().map(|(k, o)| (k.to_string(), o.rv())).collect();
    assert_eq!(got, vec![("ns/a".into(), 1), ("ns/b".into(), 2)]);
    let latest = store.snapshot_latest("configmaps", "ns/", "");
    let got: Vec<_> = latest.items.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(got, vec!["ns/a", "ns/c"]);
    assert_eq!(
        store.snapshot_at("configmaps", "ns/", "", 9).unwrap_err(),
        SnapshotError::TooLarge(5)
    );
}

#[test]
fn pages_copy_only_their_objects_and_count_what_follows() {
    let store = Store::new(LogLimits::default(), 0);
    for name in ["a", "b", "c", "d", "e"] {
        put(&store, name, "1"); // rv 1..=5
    }
    let not_c = |o: &StoredObject| o.name() != "c";
    let spec = |limit, count_rest| PageSpec {
        limit,
        count_rest,
        keep: &not_c,
    };
    let keys = |p: &Page| p.items.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>();
    let first = store.page_latest("configmaps", "ns/", "", &spec(2, true));
    assert_eq!(
        (keys(&first), first.rest, first.rv),
        (vec!["ns/a".into(), "ns/b".into()], 2, 5)
    );
    // From just after "ns/b": "c" is filtered out, "d" and "e" remain.
    let second = store.page_latest("configmaps", "ns/", "ns/b\0", &spec(1, false));
    assert_eq!((keys(&second), second.rest), (vec!["ns/d".into()], 1));
    let all = store.page_latest("configmaps", "ns/", "", &spec(0, true));
    assert_eq!((all.items.len(), all.rest), (4, 0));
    // Keys of the namespaces around `ns` ("ns-1" sorts before it, "ns0" after) stay out of its pages.
    let res: Arc<str> = Arc::from("configmaps");
    for key in ["ns-1/x", "ns0/y"] {
        store
            .guaranteed_update(&res, key, &[], |_| Ok(Outcome::Put(cm("x", "1"))))
            .unwrap();
    }
    let all = store.page_latest("configmaps", "ns/", "", &spec(0, true));
    assert_eq!(all.items.len(), 4);
    assert_eq!(
        store
            .page_latest("configmaps", "", "", &spec(0, true))
            .items
            .len(),
        6
    );
    // A start past the prefix's keys selects nothing (and does not panic on an inverted range).
    let past = store.page_latest("configmaps", "ns/", "ns1", &spec(2, true));
    assert_eq!((past.items.len(), past.rest), (0, 0));
    // At an older version, after later writes: the rebuilt snapshot, paged the same way.
    put(&store, "a", "2"); // 8
    let old = store.page_at("configmaps", "ns/", "", 5, &spec(3, true)).unwrap();
    let got: Vec<_> = old.items.iter().map(|(k, o)| (k.to_string(), o.rv())).collect();
    assert_eq!(
        got,
        vec![("ns/a".into(), 1), ("ns/b".into(), 2), ("ns/d".into(), 4)]
    );
    assert_eq!((old.rest, old.rv), (1, 5));
    assert_eq!(
        store
            .page_at("configmaps", "ns/", "", 9, &spec(1, true))
            .unwrap_err(),
        SnapshotError::TooLarge(8)
    );
}

#[test]
fn compaction_makes_old_versions_unavailable() {
    let store = Store::new(
        LogLimits {
            max_events: 3,
            max_age: None,
        },
        0,
    );
    for i in 0..5 {
        put(&store, "a", &i.to_string());
    }
    assert_eq!(store.compacted_rv(), 2);
    assert_eq!(store.read_events("configmaps", 1, 10).unwrap_err(), 2);
    assert_eq!(store.read_events("configmaps", 2, 10).unwrap().events.len(), 3);
    assert_eq!(
        store.snapshot_at("configmaps", "", "", 1).unwrap_err(),
        SnapshotError::Compacted(2)
    );
    store.compact_now();
    assert_eq!(store.compacted_rv(), 5);
    assert_eq!(store.read_events("configmaps", 4, 10).unwrap_err(), 5);
}

#[test]
fn guaranteed_update_retries_when_the_object_changed_underneath() {
    let store = Arc::new(Store::new(LogLimits::default(), 0));
    put(&store, "a", "0");
    let res: Arc<str> = Arc::from("configmaps");
    let mut calls = 0;
    let w = store
        .guaranteed_update(&res, "ns/a", &[], |cur| {
            calls += 1;
            if calls == 1 {
                // A concurrent writer sneaks in between the read and the commit.
                put(&store, "a", "sneaky");
            }
            let mut v = cur.unwrap().to_value();
            v["data"]["seen"] = json!(calls);
            Ok(Outcome::Put(v))
        })
        .unwrap();
    assert_eq!(calls, 2);
    let v = w.object.to_value();
    assert_eq!(v["data"]["k"], "sneaky");
    assert_eq!(v["metadata"]["resourceVersion"], "3");
}
