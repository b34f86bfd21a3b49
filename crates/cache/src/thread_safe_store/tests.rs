use super::*;
use crate::index::{meta_namespace_index_func, NAMESPACE_INDEX};
use crate::test_util::{labelled, pod, Obj};
use clientgo_apimachinery::Object;

fn app_index(obj: &Obj) -> Vec<String> {
    obj.metadata
        .labels
        .get("app")
        .map(String::from)
        .into_iter()
        .collect()
}

fn store() -> ThreadSafeStore<Obj> {
    ThreadSafeStore::new(
        Indexers::new()
            .with(NAMESPACE_INDEX, meta_namespace_index_func::<Obj>)
            .with("app", app_index),
    )
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn names(objs: &[Arc<Obj>]) -> Vec<String> {
    sorted(objs.iter().map(|o| o.name().to_owned()).collect())
}

#[test]
fn add_get_list_and_list_keys() {
    let s = store();
    assert!(s.is_empty());
    assert!(s.add("a/x".into(), pod("a", "x", "1")).is_none());
    assert!(s.add("b/y".into(), pod("b", "y", "1")).is_none());
    assert_eq!(s.len(), 2);
    assert_eq!(s.get("a/x").map(|o| o.name().to_owned()), Some("x".into()));
    assert!(s.get("a/nope").is_none());
    assert_eq!(names(&s.list()), ["x", "y"]);
    assert_eq!(sorted(s.list_keys()), ["a/x", "b/y"]);
}

#[test]
fn get_returns_the_stored_arc_not_a_copy() {
    let s = store();
    let obj = pod("a", "x", "1");
    s.add("a/x".into(), Arc::clone(&obj));
    let got = s.get("a/x").expect("stored");
    assert!(Arc::ptr_eq(&got, &obj));
    let listed = s.by_index(NAMESPACE_INDEX, "a").expect("index exists");
    assert!(Arc::ptr_eq(&listed[0], &obj));
}

#[test]
fn update_returns_old_and_moves_only_changed_index_values() {
    let s = store();
    s.add("a/x".into(), labelled("a", "x", "1", &[("app", "web")]));
    let old = s
        .update("a/x".into(), labelled("a", "x", "2", &[("app", "db")]))
        .expect("replaced an object");
    assert_eq!(old.resource_version(), "1");
    assert!(s.by_index("app", "web").expect("index").is_empty());
    assert_eq!(names(&s.by_index("app", "db").expect("index")), ["x"]);
    assert_eq!(names(&s.by_index(NAMESPACE_INDEX, "a").expect("index")), ["x"]);
    assert_eq!(s.list_index_func_values("app"), ["db"]);
    // Losing the label removes the object from the index altogether.
    s.update("a/x".into(), labelled("a", "x", "3", &[]));
    assert!(s.list_index_func_values("app").is_empty());
    assert_eq!(
        s.get("a/x").map(|o| o.resource_version().to_owned()),
        Some("3".into())
    );
}

#[test]
fn by_index_after_an_update_in_place_returns_the_new_object() {
    let s = store();
    s.add("a/x".into(), labelled("a", "x", "1", &[("app", "web")]));
    let before = s.by_index("app", "web").expect("index");
    assert_eq!(before[0].resource_version(), "1");
    let again = s.by_index("app", "web").expect("index");
    assert!(
        Arc::ptr_eq(&before, &again),
        "an unchanged value reuses its result"
    );
    s.update("a/x".into(), labelled("a", "x", "2", &[("app", "web")]));
    let after = s.by_index("app", "web").expect("index");
    assert_eq!(after[0].resource_version(), "2");
    assert_eq!(
        before[0].resource_version(),
        "1",
        "earlier results are untouched snapshots"
    );
    let probe = labelled("b", "probe", "1", &[("app", "web")]);
    assert_eq!(s.index("app", &probe).expect("index")[0].resource_version(), "2");
}

#[test]
fn delete_removes_object_and_index_entries() {
    let s = store();
    s.add("a/x".into(), labelled("a", "x", "1", &[("app", "web")]));
    s.add("a/y".into(), labelled("a", "y", "1", &[("app", "web")]));
    assert_eq!(s.delete("a/x").map(|o| o.name().to_owned()), Some("x".into()));
    assert!(s.delete("a/x").is_none());
    assert_eq!(s.index_keys("app", "web").expect("index"), ["a/y"]);
    s.delete("a/y");
    assert!(s.list_index_func_values("app").is_empty());
    assert!(s.list_index_func_values(NAMESPACE_INDEX).is_empty());
    assert!(s.is_empty());
}

#[test]
fn freed_slots_are_reused_without_stale_index_entries() {
    let s = store();
    s.add("a/x".into(), labelled("a", "x", "1", &[("app", "web")]));
    s.delete("a/x");
    s.add("b/z".into(), labelled("b", "z", "1", &[("app", "db")]));
    assert!(s.by_index("app", "web").expect("index").is_empty());
    assert!(s.by_index(NAMESPACE_INDEX, "a").expect("index").is_empty());
    assert_eq!(names(&s.by_index("app", "db").expect("index")), ["z"]);
}

#[test]
fn index_matches_any_shared_value() {
    let s = ThreadSafeStore::new(Indexers::new().with("labels", |o: &Obj| {
        o.metadata.labels.values().map(String::from).collect()
    }));
    s.add("x".into(), labelled("", "x", "1", &[("a", "red"), ("b", "blue")]));
    s.add("y".into(), labelled("", "y", "1", &[("a", "blue")]));
    s.add("z".into(), labelled("", "z", "1", &[("a", "green")]));
    let probe = labelled("", "probe", "1", &[("p", "red"), ("q", "blue")]);
    assert_eq!(names(&s.index("labels", &probe).expect("index")), ["x", "y"]);
    let single = labelled("", "probe", "1", &[("p", "green")]);
    assert_eq!(names(&s.index("labels", &single).expect("index")), ["z"]);
    let none = labelled("", "probe", "1", &[]);
    assert!(s.index("labels", &none).expect("index").is_empty());
    assert_eq!(
        sorted(s.list_index_func_values("labels")),
        ["blue", "green", "red"]
    );
}

#[test]
fn unknown_index_is_an_error_naming_it() {
    let s = store();
    let err = s.by_index("nodeName", "n1").expect_err("no such index");
    assert!(err.is_index_not_found());
    assert_eq!(err.to_string(), r#"index with name "nodeName" does not exist"#);
    assert!(s.index_keys("nodeName", "n1").is_err());
    assert!(s.index("nodeName", &pod("a", "x", "1")).is_err());
    assert!(s.list_index_func_values("nodeName").is_empty());
}

#[test]
fn add_indexers_refused_once_store_has_data() {
    let s: ThreadSafeStore<Obj> = ThreadSafeStore::default();
    s.add("a/x".into(), pod("a", "x", "1"));
    let err = s.add_indexers(Indexers::namespace()).expect_err("store has data");
    assert_eq!(err, Error::StoreNotEmpty { len: 1 });
    assert!(s.get_indexers().is_empty());
}

#[test]
fn add_indexers_on_empty_store_then_indexes_new_objects() {
    let s: ThreadSafeStore<Obj> = ThreadSafeStore::new(Indexers::namespace());
    s.add_indexers(Indexers::new().with("app", app_index))
        .expect("store is empty");
    assert_eq!(
        s.get_indexers().names().collect::<Vec<_>>(),
        ["app", NAMESPACE_INDEX]
    );
    s.add("a/x".into(), labelled("a", "x", "1", &[("app", "web")]));
    assert_eq!(s.index_keys("app", "web").expect("index"), ["a/x"]);
    assert_eq!(s.index_keys(NAMESPACE_INDEX, "a").expect("index"), ["a/x"]);
}

#[test]
fn add_indexers_conflict_names_the_clash_and_adds_nothing() {
    let s: ThreadSafeStore<Obj> = ThreadSafeStore::new(Indexers::namespace());
    let err = s
        .add_indexers(
            Indexers::new()
                .with("app", app_index)
                .with(NAMESPACE_INDEX, meta_namespace_index_func::<Obj>),
        )
        .expect_err("namespace exists");
    assert_eq!(
        err,
        Error::IndexerConflict {
            names: vec![NAMESPACE_INDEX.to_owned()]
        }
    );
    assert_eq!(s.get_indexers().len(), 1);
}

#[test]
fn replace_diffs_into_the_live_store_and_reports_changes() {
    let s = store();
    let kept_old = labelled("a", "kept", "1", &[("app", "web")]);
    s.add("a/kept".into(), Arc::clone(&kept_old));
    s.add("a/gone".into(), labelled("a", "gone", "1", &[("app", "web")]));
    let kept_new = labelled("a", "kept", "2", &[("app", "db")]);
    let deltas = s.replace(
        vec![
            ("a/kept".into(), Arc::clone(&kept_new)),
            ("b/new".into(), pod("b", "new", "2")),
        ],
        "2",
    );
    let described: Vec<String> = deltas
        .iter()
        .map(|d| match d {
            ReplaceDelta::Added(o) => format!("added {}", o.name()),
            ReplaceDelta::Updated { old, new } => format!(
                "updated {} {}->{}",
                new.name(),
                old.resource_version(),
                new.resource_version()
            ),
            ReplaceDelta::Deleted(t) => format!(
                "deleted {} last rv {}",
                t.key,
                t.obj.as_ref().map(|o| o.resource_version()).unwrap_or("?")
            ),
        })
        .collect();
    assert_eq!(
        described,
        ["updated kept 1->2", "added new", "deleted a/gone last rv 1"]
    );
    if let ReplaceDelta::Updated { old, .. } = &deltas[0] {
        assert!(Arc::ptr_eq(old, &kept_old));
    }
    assert_eq!(sorted(s.list_keys()), ["a/kept", "b/new"]);
    assert!(s.by_index("app", "web").expect("index").is_empty());
    assert_eq!(s.index_keys("app", "db").expect("index"), ["a/kept"]);
    assert_eq!(sorted(s.list_index_func_values(NAMESPACE_INDEX)), ["a", "b"]);
}

#[test]
fn replace_with_empty_list_empties_store_and_indices() {
    let s = store();
    s.add("a/x".into(), labelled("a", "x", "1", &[("app", "web")]));
    let deltas = s.replace(Vec::new(), "9");
    assert_eq!(deltas.len(), 1);
    assert!(matches!(&deltas[0], ReplaceDelta::Deleted(t) if t.key == "a/x"));
    assert!(s.is_empty());
    assert!(s.list_index_func_values("app").is_empty());
    s.add("a/y".into(), pod("a", "y", "1"));
    assert_eq!(s.index_keys(NAMESPACE_INDEX, "a").expect("index"), ["a/y"]);
}

#[test]
fn replace_with_a_repeated_key_keeps_the_last() {
    let s = store();
    let deltas = s.replace(
        vec![
            ("a/x".into(), pod("a", "x", "1")),
            ("a/x".into(), pod("a", "x", "2")),
        ],
        "2",
    );
    assert!(matches!(&deltas[0], ReplaceDelta::Added(_)));
    assert!(matches!(&deltas[1], ReplaceDelta::Updated { .. }));
    assert_eq!(s.len(), 1);
    assert_eq!(
        s.get("a/x").map(|o| o.resource_version().to_owned()),
        Some("2".into())
    );
}

#[test]
fn index_function_panic_does_not_poison_the_store() {
    let s = ThreadSafeStore::new(Indexers::new().with("boom", |o: &Obj| {
        assert!(o.name() != "bomb", "index function exploded");
        vec![o.name().to_owned()]
    }));
    s.add("ok".into(), pod("", "ok", "1"));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.add("bomb".into(), pod("", "bomb", "1"));
    }));
    assert!(result.is_err());
    // The panic happened outside the lock: the store is intact and consistent.
    assert_eq!(s.list_keys(), ["ok"]);
    assert_eq!(s.index_keys("boom", "ok").expect("index"), ["ok"]);
}

#[test]
fn readers_see_whole_objects_while_a_writer_updates() {
    let s = Arc::new(store());
    for i in 0..50 {
        s.add(format!("a/p{i}"), pod("a", &format!("p{i}"), "0"));
    }
    let writer = {
        let s = Arc::clone(&s);
        std::thread::spawn(move || {
            for round in 1..=20 {
                for i in 0..50 {
                    s.update(format!("a/p{i}"), pod("a", &format!("p{i}"), &round.to_string()));
                }
            }
        })
    };
    for _ in 0..200 {
        assert_eq!(s.by_index(NAMESPACE_INDEX, "a").expect("index").len(), 50);
    }
    writer.join().expect("writer finished");
    assert!(s.list().iter().all(|o| o.resource_version() == "20"));
}

#[test]
fn debug_shows_size_and_indexers() {
    let s = store();
    s.add("a/x".into(), pod("a", "x", "1"));
    assert_eq!(
        format!("{s:?}"),
        r#"ThreadSafeStore { len: 1, indexers: ["app", "namespace"] }"#
    );
    s.resync();
    assert_eq!(s.len(), 1);
}

mod model {
    //! Model-based test: random operations against a `BTreeMap`, indices checked against a
    //! recomputation from the model after every step.
    use super::*;
    use crate::cache::Cache;
    use crate::key::meta_namespace_key_func;
    use crate::store::Store;
    use crate::Indexer;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8, u8, u8, u8),
        Update(u8, u8, u8, u8),
        Delete(u8, u8),
        Replace(Vec<(u8, u8, u8, u8)>),
    }

    fn obj(ns: u8, name: u8, app: u8, rv: u8) -> Arc<Obj> {
        let ns = if ns == 0 { String::new() } else { format!("ns{ns}") };
        let app = format!("app{app}");
        let tier = format!("tier{}", name % 3);
        let labels: Vec<(&str, &str)> = if app == "app0" {
            vec![]
        } else {
            vec![("app", app.as_str()), ("tier", tier.as_str())]
        };
        labelled(&ns, &format!("p{name}"), &rv.to_string(), &labels)
    }

    fn key(ns: u8, name: u8) -> String {
        if ns == 0 {
            format!("p{name}")
        } else {
            format!("ns{ns}/p{name}")
        }
    }

    fn labels_index(o: &Obj) -> Vec<String> {
        o.metadata.labels.values().map(String::from).collect()
    }

    fn indexers() -> Indexers<Obj> {
        Indexers::namespace()
            .with("app", app_index)
            .with("labels", labels_index)
    }

    fn op() -> impl Strategy<Value = Op> {
        let item = (0u8..3, 0u8..8, 0u8..4, any::<u8>());
        prop_oneof![
            4 => item.clone().prop_map(|(a, b, c, d)| Op::Add(a, b, c, d)),
            3 => item.clone().prop_map(|(a, b, c, d)| Op::Update(a, b, c, d)),
            2 => (0u8..3, 0u8..8).prop_map(|(a, b)| Op::Delete(a, b)),
            1 => proptest::collection::vec(item, 0..12).prop_map(Op::Replace),
        ]
    }

    fn check(cache: &Cache<Obj>, model: &BTreeMap<String, Arc<Obj>>) {
        let keys: BTreeSet<String> = cache.list_keys().into_iter().collect();
        assert_eq!(keys, model.keys().cloned().collect::<BTreeSet<_>>());
        assert_eq!(cache.list().len(), model.len());
        for (k, v) in model {
            let got = cache.get_by_key(k).expect("model key present");
            assert!(Arc::ptr_eq(&got, v), "key {k} holds a different object");
        }
        let idx = indexers();
        for name in idx.names() {
            let func = idx.get(name).expect("listed name");
            let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (k, v) in model {
                for value in func(v) {
                    expected.entry(value).or_default().insert(k.clone());
                }
            }
            let values: BTreeSet<String> = cache.list_index_func_values(name).into_iter().collect();
            assert_eq!(
                values,
                expected.keys().cloned().collect::<BTreeSet<_>>(),
                "values of {name}"
            );
            for (value, want) in &expected {
                let got: BTreeSet<String> = cache
                    .index_keys(name, value)
                    .expect("index exists")
                    .into_iter()
                    .collect();
                assert_eq!(&got, want, "index {name} value {value}");
                let objs = cache.by_index(name, value).expect("index exists");
                assert_eq!(objs.len(), want.len());
                for o in objs.iter() {
                    let k = meta_namespace_key_func(&**o).expect("named");
                    assert!(
                        Arc::ptr_eq(&model[&k], o),
                        "by_index({name}, {value}) returned a stale {k}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn indexer_matches_a_btreemap_model(ops in proptest::collection::vec(op(), 1..60)) {
            let cache = Cache::new_indexer(meta_namespace_key_func, indexers());
            let mut model: BTreeMap<String, Arc<Obj>> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Add(ns, n, app, rv) => {
                        let o = obj(ns, n, app, rv);
                        let old = cache.add(Arc::clone(&o)).expect("valid key");
                        let model_old = model.insert(key(ns, n), o);
                        prop_assert_eq!(old.is_some(), model_old.is_some());
                    }
                    Op::Update(ns, n, app, rv) => {
                        let o = obj(ns, n, app, rv);
                        cache.update(Arc::clone(&o)).expect("valid key");
                        model.insert(key(ns, n), o);
                    }
                    Op::Delete(ns, n) => {
                        let removed = cache.delete_by_key(&key(ns, n));
                        prop_assert_eq!(removed.is_some(), model.remove(&key(ns, n)).is_some());
                    }
                    Op::Replace(items) => {
                        let list: Vec<Arc<Obj>> =
                            items.iter().map(|&(a, b, c, d)| obj(a, b, c, d)).collect();
                        let deltas = cache.replace(list.clone(), "rv").expect("valid keys");
                        let mut next = BTreeMap::new();
                        for o in list {
                            next.insert(meta_namespace_key_func(&*o).expect("named"), o);
                        }
                        let deleted: BTreeSet<String> = deltas
                            .iter()
                            .filter_map(|d| match d {
                                ReplaceDelta::Deleted(t) => Some(t.key.clone()),
                                _ => None,
                            })
                            .collect();
                        let expected_deleted: BTreeSet<String> =
                            model.keys().filter(|k| !next.contains_key(*k)).cloned().collect();
                        prop_assert_eq!(deleted, expected_deleted);
                        let added = deltas.iter().filter(|d| matches!(d, ReplaceDelta::Added(_))).count();
                        let expected_added = next.keys().filter(|k| !model.contains_key(*k)).count();
                        prop_assert_eq!(added, expected_added);
                        model = next;
                    }
                }
                check(&cache, &model);
            }
        }
    }
}
