//! Runs the informer factory, store and indexer examples' `run` functions against the embedded API
//! server (scaled down) and checks the lesson each prints. The examples' sources are compiled in.
//! (informer_basic has its own test binary: it installs the process's tracing subscriber.)

#![allow(dead_code)] // Each example's `main` is unused here.

mod support;

#[path = "../examples/indexer_queries.rs"]
mod indexer_queries;
#[path = "../examples/informer_factory_options.rs"]
mod informer_factory_options;
#[path = "../examples/informer_watcher.rs"]
mod informer_watcher;
#[path = "../examples/store_get_by_key.rs"]
mod store_get_by_key;

use std::time::Duration;

use clientgo_api::apps::v1::Deployment;
use clientgo_api::core::v1::Pod;
use clientgo_client::WriteOptions;
use clientgo_example::Session;
use support::GUARD;

/// The demo cluster's kube-system pods, by name.
const KUBE_SYSTEM_PODS: [&str; 8] = [
    "coredns-5d78c9869d-4xkqz",
    "coredns-5d78c9869d-9hbnm",
    "etcd-control-plane",
    "kindnet-4hxqp",
    "kube-apiserver-control-plane",
    "kube-controller-manager-control-plane",
    "kube-proxy-7xj2p",
    "kube-scheduler-control-plane",
];

/// The one line that starts with `prefix`.
fn line_starting<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    let found: Vec<&String> = lines.iter().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "one line starting with {prefix:?} in {lines:#?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_get_by_key_gets_nothing_before_the_sync_then_the_shared_cached_pod() {
    let session = support::session("store_get_by_key").await;
    let args = store_get_by_key::Args {
        key: "kube-system/etcd-control-plane".to_owned(),
    };
    tokio::time::timeout(GUARD, store_get_by_key::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);

    // Two stores with two maps, keyed by one function.
    let pods_store = line_starting(&lines, "pods store:");
    let deployments_store = line_starting(&lines, "deployments store:");
    for store in [pods_store, deployments_store] {
        assert!(
            store.ends_with(r#"Cache { storage: ThreadSafeStore { len: 0, indexers: ["namespace"] }, .. }"#)
        );
    }
    let maps = line_starting(&lines, "two stores, two maps (pods at 0x");
    let addresses: Vec<&str> = maps
        .split(" at ")
        .skip(1)
        .map(|s| s.split([',', ')']).next().unwrap())
        .collect();
    assert_eq!(addresses.len(), 2, "{maps}");
    assert_ne!(addresses[0], addresses[1], "{maps}");
    assert!(
        lines.contains(&r#"  key of a namespaced pod:         "kube-system/etcd-control-plane""#.to_owned())
    );
    assert!(lines.contains(&r#"  key of a cluster-scoped object:  "kube-system" (a Namespace)"#.to_owned()));
    assert!(line_starting(&lines, "  key of a tombstone:").contains(r#""default/gone""#));

    // get makes the key first: a nameless pod has none.
    assert_eq!(
        line_starting(&lines, "get(&Pod::default())"),
        "get(&Pod::default()) = error: couldn't create key for object: object has no metadata.name"
    );
    // Before the list the store is empty; after has_synced() it holds the pod, and get and
    // get_by_key hand out the same shared object.
    let pod = "namespace: kube-system, name: etcd-control-plane";
    let before = line_starting(&lines, "before the informer has listed");
    assert_eq!(
        before,
        format!("before the informer has listed (has_synced() = false): get(&Pod {{{pod}}}) = <nil>")
    );
    let synced = line_starting(&lines, "has_synced() = ");
    assert!(
        synced.starts_with("has_synced() = true (asked every 100ms, it answered false ")
            && synced.ends_with("time(s)); the store holds 8 pods"),
        "{synced}"
    );
    let found = "Pod {name: etcd-control-plane, namespace: kube-system, uid: ";
    let by_object = line_starting(&lines, &format!("get(&Pod {{{pod}}}) = "));
    let by_key = line_starting(&lines, "get_by_key(\"kube-system/etcd-control-plane\") = ");
    for line in [by_object, by_key] {
        assert!(
            line.contains(found) && line.ends_with("phase: Running}"),
            "{line}"
        );
    }
    assert_eq!(
        by_object.split_once(" = ").unwrap().1,
        by_key.split_once(" = ").unwrap().1
    );
    assert!(lines
        .contains(&"both are the same cached object (Arc::ptr_eq = true), shared, not copied".to_owned()));
    assert!(lines.contains(&"get_by_key(\"default/no-such-pod\") = <nil>".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexer_queries_answer_from_the_namespace_and_node_indexes_and_refuse_late_indexers() {
    let session = support::session("indexer_queries").await;
    tokio::time::timeout(
        GUARD,
        indexer_queries::run(&session, &clientgo_example::NoArgs {}),
    )
    .await
    .unwrap()
    .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let kube_system_keys: Vec<String> = KUBE_SYSTEM_PODS
        .iter()
        .map(|n| format!("kube-system/{n}"))
        .collect();
    let mut on_node: Vec<&str> = KUBE_SYSTEM_PODS.to_vec();
    on_node.push("pod-1");
    let expected = [
        r#"get_indexers() = ["namespace"]"#.to_owned(),
        r#"add_indexers(nodeName) on the empty store: ok; get_indexers() = ["namespace", "nodeName"]"#.to_owned(),
        "synced: 10 pods in the indexer".to_owned(),
        r#"list_index_func_values("namespace") = ["indexer-queries", "kube-system"]"#.to_owned(),
        format!(r#"index_keys("namespace", "kube-system") = {kube_system_keys:?}"#),
        format!(r#"by_index("namespace", "kube-system") = [{}]"#, KUBE_SYSTEM_PODS.join(", ")),
        r#"list_index_func_values("nodeName") = ["control-plane"]"#.to_owned(),
        format!(r#"by_index("nodeName", "control-plane") = 9 pods: [{}]"#, on_node.join(", ")),
        format!(r#"index("nodeName", indexer-queries/pod-1) = the pods on its node: [{}]"#, on_node.join(", ")),
        r#"pods with no node, in no nodeName bucket: ["indexer-queries/pod-2"]"#.to_owned(),
        r#"by_index("no-such-index", "x") = error: index with name "no-such-index" does not exist"#.to_owned(),
        "add_indexers(phase) after the sync: refused: cannot add indexers to a store that already holds 10 objects"
            .to_owned(),
    ];
    assert_eq!(lines, expected);
}

/// A pod in kube-system with `labels`.
fn kube_system_pod(name: &str, labels: serde_json::Value) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "kube-system", "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    }))
    .unwrap()
}

/// A Deployment in kube-system with `labels`.
fn kube_system_deployment(name: &str, labels: serde_json::Value) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "kube-system", "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
    }))
    .unwrap()
}

/// While the example watches: objects without the label, then with it; returns once the
/// labelled Deployment (the last) has reached the example's handler.
async fn create_while_watching(session: &Session) {
    session
        .out()
        .wait_for(|l| l.starts_with("watching the resyncs"))
        .await;
    let pods = session.clientset().core_v1().pods("kube-system");
    let deployments = session.clientset().apps_v1().deployments("kube-system");
    let create = WriteOptions::default();
    let cp = serde_json::json!({"tier": "control-plane"});
    pods.create(
        &kube_system_pod("extra-other", serde_json::json!({"tier": "node"})),
        &create,
    )
    .await
    .unwrap();
    deployments
        .create(
            &kube_system_deployment("other-deploy", serde_json::json!({})),
            &create,
        )
        .await
        .unwrap();
    pods.create(&kube_system_pod("extra-control-plane", cp.clone()), &create)
        .await
        .unwrap();
    deployments
        .create(&kube_system_deployment("mydeploy", cp), &create)
        .await
        .unwrap();
    session
        .out()
        .wait_for(|l| l == r#""Add new deployment to Store" name="kube-system/mydeploy""#)
        .await;
}

/// The number of rounds in the rate line of `type_description`.
fn rounds(lines: &[String], type_description: &str, period: &str) -> usize {
    let line = line_starting(lines, &format!("{type_description} (resync {period}): "));
    let count = line.split(": ").nth(1).and_then(|s| s.split(' ').next()).unwrap();
    let listed = lines
        .iter()
        .filter(|l| l.contains(&format!("s  resync of {type_description} (")))
        .count();
    let count: usize = count.parse().unwrap();
    assert_eq!(count, listed, "{line}");
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_factory_options_select_by_namespace_and_label_and_resync_each_type_at_its_period() {
    let session = support::session("informer_factory_options").await;
    // The seed's periods (Pods 20 s, Deployments 30 s: 3 and 2 rounds a minute) scaled down 20
    // times.
    let args = informer_factory_options::Args {
        pod_resync: Duration::from_secs(1),
        deployment_resync: Duration::from_millis(1500),
        default_resync: Duration::from_secs(45),
        duration: Duration::from_millis(3500),
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(
            informer_factory_options::run(&session, &args),
            create_while_watching(&session)
        )
    })
    .await
    .unwrap();
    result.unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);

    // The list: only kube-system's control-plane pods; the others are named with their tier.
    let control_plane = [
        "etcd-control-plane",
        "kube-apiserver-control-plane",
        "kube-controller-manager-control-plane",
        "kube-scheduler-control-plane",
    ];
    assert_eq!(
        line_starting(&lines, "the selector "),
        format!(
            "the selector tier=control-plane let 4 of the 8 pods in kube-system through: {}",
            control_plane.join(", ")
        )
    );
    assert_eq!(
        line_starting(&lines, "  left out: "),
        "  left out: coredns-5d78c9869d-4xkqz (no tier label), coredns-5d78c9869d-9hbnm (no tier label), \
         kindnet-4hxqp (tier=node), kube-proxy-7xj2p (no tier label)"
    );
    assert_eq!(
        line_starting(&lines, "deployments in kube-system"),
        "deployments in kube-system with tier=control-plane: none"
    );
    // The watch carries the selector too: of the objects created while watching, only the
    // labelled ones reach the handlers (each type's handler, the seed's Deployment one fixed).
    let mut added: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("\"Add new "))
        .collect();
    added.sort_unstable();
    let mut expected: Vec<String> = control_plane
        .iter()
        .chain(["extra-control-plane"].iter())
        .map(|n| format!("pod to Store\" name=\"kube-system/{n}\""))
        .collect();
    expected.push("deployment to Store\" name=\"kube-system/mydeploy\"".to_owned());
    expected.sort_unstable();
    assert_eq!(added, expected);

    // Each type resyncs at its own period, the default at neither. How many rounds fit in the
    // window depends on the machine's timing (3 and 2 on a quiet one), so the test checks the
    // periods each type runs with and that each type resynced, not the counts.
    assert!(rounds(&lines, "*v1.Pod", "1s") >= 1, "{lines:#?}");
    assert!(rounds(&lines, "*v1.Deployment", "1.5s") >= 1, "{lines:#?}");
    assert!(line_starting(&lines, "watching the resyncs for 3.5s")
        .contains("default resync 45s, used by neither type"));
}

/// The informer watcher: the listed pod as ADDED, the watched pod's life, then the stop and what
/// the store still holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_watcher_streams_the_list_then_the_watch_and_keeps_a_store() {
    let session = support::session("informer_watcher").await;
    let args = informer_watcher::Args {
        seconds: Duration::from_secs(30),
    };
    tokio::time::timeout(GUARD, informer_watcher::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    assert_eq!(
        support::squeezed_lines(&session),
        [
            "TYPE NAME PHASE",
            "ADDED pod-0 Running",
            "ADDED pod-1 Pending",
            "MODIFIED pod-1 Running",
            "DELETED pod-1 Running",
            "watcher stopped; its store holds 1 pod(s): pod-0",
        ]
    );
}
