//! Runs the watch and informer examples' `run` functions against the embedded API server (scaled
//! down) and checks what they print. The examples' sources are compiled in.

#![allow(dead_code)] // Each example's `main` is unused here.
#![allow(clippy::duplicate_mod)] // Two examples include watch_pods_basic.rs for its helpers.

#[path = "../examples/indexer_queries.rs"]
mod indexer_queries;
#[path = "../examples/informer_basic.rs"]
mod informer_basic;
#[path = "../examples/informer_factory_options.rs"]
mod informer_factory_options;
#[path = "../examples/retry_watcher_basic.rs"]
mod retry_watcher_basic;
#[path = "../examples/retry_watcher_resource_version.rs"]
mod retry_watcher_resource_version;
#[path = "../examples/store_get_by_key.rs"]
mod store_get_by_key;
#[path = "../examples/watch_all_namespaces.rs"]
mod watch_all_namespaces;
#[path = "../examples/watch_channel_close.rs"]
mod watch_channel_close;
#[path = "../examples/watch_double_loop_rewatch.rs"]
mod watch_double_loop_rewatch;
#[path = "../examples/watch_event_ordering.rs"]
mod watch_event_ordering;
#[path = "../examples/watch_event_types.rs"]
mod watch_event_types;
#[path = "../examples/watch_idle_timeout_resume.rs"]
mod watch_idle_timeout_resume;
#[path = "../examples/watch_persist_resource_version.rs"]
mod watch_persist_resource_version;
#[path = "../examples/watch_pods_basic.rs"]
mod watch_pods_basic;
#[path = "../examples/watch_resource_version_resume.rs"]
mod watch_resource_version_resume;
#[path = "../examples/watch_selectors.rs"]
mod watch_selectors;

use std::time::Duration;

use clientgo_apiserver::ApiServer;

const GUARD: Duration = Duration::from_secs(60);

async fn seeded() -> ApiServer {
    let s = ApiServer::start().await.unwrap();
    clientgo_apiserver::embedded::seed_demo_cluster(&s);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_pods_basic_prints_adds_deletes_and_the_close() {
    let s = seeded().await;
    // The server ends the watch after the six events (its timeoutSeconds is only a fallback).
    s.faults().close_watches_after_events(Some(6));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_pods_basic::run(s.kubeconfig_path(), "default", 50, true, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    assert_eq!(
        lines,
        [
            "ADDED    pod-1",
            "ADDED    pod-2",
            "ADDED    pod-3",
            "DELETED  pod-1",
            "DELETED  pod-2",
            "DELETED  pod-3",
            "Channel closed"
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_watcher_basic_resumes_without_duplicates_and_refuses_empty_versions() {
    let s = seeded().await;
    s.faults().close_watches_after_events(Some(2));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        retry_watcher_basic::run(s.kubeconfig_path(), "default", true, 6, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        out.matches("refused: initial resourceVersion").count(),
        2,
        "{out}"
    );
    let events: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("ADDED") || l.starts_with("DELETED"))
        .collect();
    assert_eq!(events.len(), 6, "{out}");
    assert!(out.contains("duplicates: 0"), "{out}");
    assert!(out.contains("no restart after stop()"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_watcher_resource_version_shows_the_seeds_mistake() {
    let s = seeded().await;
    s.faults().close_watches_after_events(Some(1));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        retry_watcher_resource_version::run(s.kubeconfig_path(), "default", &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.contains("ignoring options (the seed): DELETED pod-a MISSED"),
        "{out}"
    );
    assert!(
        out.contains("ignoring options (the seed): ADDED pod-b, ADDED pod-b"),
        "duplicates: {out}"
    );
    assert!(
        out.contains("forwarding options: ADDED pod-b, DELETED pod-a\n"),
        "{out}"
    );
    assert!(out.contains("forwarding options: DELETED pod-a seen"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_basic_logs_the_initial_list_the_activity_and_a_resync() {
    let s = seeded().await;
    let lines = tokio::time::timeout(
        GUARD,
        informer_basic::run(s.kubeconfig_path(), Duration::from_secs(1), true, 1),
    )
    .await
    .unwrap()
    .unwrap();
    let initial = lines.iter().filter(|l| l.ends_with("(initial list)")).count();
    assert_eq!(initial, 7, "{lines:#?}");
    assert!(lines.contains(&"add kube-system/etcd-control-plane ip=10.244.0.2 node=control-plane hostIP=<none> (initial list)".to_owned()), "{lines:#?}");
    for i in 1..=3 {
        assert!(
            lines.contains(&format!(
                "add default/pod-{i} ip=<none> node=<none> hostIP=<none>"
            )),
            "{lines:#?}"
        );
        assert!(lines.contains(&format!("delete default/pod-{i}")), "{lines:#?}");
    }
    assert!(
        lines.last().unwrap().starts_with("resync replayed "),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexer_queries_answer_from_the_node_and_namespace_indexes() {
    let s = seeded().await;
    let mut out = String::new();
    tokio::time::timeout(GUARD, indexer_queries::run(s.kubeconfig_path(), &mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(out.contains("nodes with pods: [\"control-plane\"]"), "{out}");
    assert!(
        out.contains(
            "pods on control-plane: coredns-5d78c9869d-4xkqz, coredns-5d78c9869d-9hbnm, etcd-control-plane"
        ),
        "{out}"
    );
    assert!(out.contains("keys in kube-system: 7"), "{out}");
    assert!(
        out.contains("get_by_key(kube-system/coredns-5d78c9869d-4xkqz): rv="),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_get_by_key_finds_namespaced_and_cluster_scoped_objects() {
    let s = seeded().await;
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        store_get_by_key::run(s.kubeconfig_path(), "kube-system/etcd-control-plane", &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.contains("found pod etcd-control-plane (key kube-system/etcd-control-plane), phase Running"),
        "{out}"
    );
    assert!(out.contains("missing key: None"), "{out}");
    assert!(
        out.contains("cluster-scoped key \"kube-system\" -> namespace kube-system"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_selectors_are_applied_by_the_server() {
    let s = seeded().await;
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_selectors::run(s.kubeconfig_path(), "default", &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(out.contains("labels app=pod-1,id=1: pod-1\n"), "{out}");
    assert!(out.contains("labels app,id: pod-1, pod-2\n"), "{out}");
    assert!(out.contains("fields metadata.name=pod-2: pod-2\n"), "{out}");
    assert!(out.contains("all namespaces (10 pods):"), "{out}");
    assert!(out.contains("  kube-system  etcd-control-plane"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_persist_resource_version_resumes_and_restarts_from_now_after_410() {
    let s = seeded().await;
    let config =
        clientgo_clientcmd::build_config_from_flags("", s.kubeconfig_path().to_str().unwrap()).unwrap();
    let pods = clientgo_client::Clientset::new(&config)
        .unwrap()
        .core_v1()
        .pods("default");
    let dir = std::env::temp_dir().join(format!("clientgo-persist-rv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("resource-version.txt");
    let _ = std::fs::remove_file(&file);
    let make = |name: &str| -> clientgo_api::core::v1::Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
        }))
        .unwrap()
    };

    // First run: nothing saved, so it starts from now (and saves that); then pod-1 and pod-2
    // are created and the next run replays them.
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_persist_resource_version::run(s.kubeconfig_path(), "default", &file, 0, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.starts_with("no saved resourceVersion: starting from now"),
        "{out}"
    );
    for n in ["pod-1", "pod-2"] {
        pods.create(&make(n), &Default::default()).await.unwrap();
    }
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_persist_resource_version::run(s.kubeconfig_path(), "default", &file, 2, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(out.contains("ADDED pod-1\nADDED pod-2\n"), "{out}");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        out.ends_with(&format!("saved resourceVersion {saved}\n")),
        "{out}"
    );

    // While "down": pod-3 created, pod-1 deleted. The second run replays exactly those.
    pods.create(&make("pod-3"), &Default::default()).await.unwrap();
    pods.delete("pod-1", &Default::default()).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_persist_resource_version::run(s.kubeconfig_path(), "default", &file, 2, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(out, format!("resuming from saved resourceVersion {saved}\nADDED pod-3\nDELETED pod-1\nsaved resourceVersion {}\n", std::fs::read_to_string(&file).unwrap()));

    // Compaction: the saved version is gone; a warning, then from now.
    pods.delete("pod-2", &Default::default()).await.unwrap();
    s.compact_now();
    let p3 = pods.clone();
    let mut out = String::new();
    let run = watch_persist_resource_version::run(s.kubeconfig_path(), "default", &file, 1, &mut out);
    let (f2, stale) = (file.clone(), std::fs::read_to_string(&file).unwrap());
    let writer = async move {
        // Once the example has restarted from now (it saves the new version), create pod-4.
        while std::fs::read_to_string(&f2).unwrap_or_default() == stale {
            tokio::task::yield_now().await;
        }
        p3.create(&make("pod-4"), &Default::default()).await.unwrap();
    };
    let (r, ()) = tokio::time::timeout(GUARD, futures_util::future::join(run, writer))
        .await
        .unwrap();
    r.unwrap();
    assert!(out.contains("Warn: too old resource version"), "{out}");
    assert!(out.contains("ADDED pod-4\n"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_factory_options_restrict_namespace_and_labels_with_per_type_resync() {
    let s = seeded().await;
    let config =
        clientgo_clientcmd::build_config_from_flags("", s.kubeconfig_path().to_str().unwrap()).unwrap();
    informer_factory_options::seed_objects(&clientgo_client::Clientset::new(&config).unwrap())
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        informer_factory_options::run(
            s.kubeconfig_path(),
            Duration::from_secs(1),
            Duration::from_secs(1),
            1,
            &mut out,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.contains("pods cached: kube-system/cp-a, kube-system/cp-b\n"),
        "{out}"
    );
    assert!(
        out.contains("deployments cached: kube-system/cp-operator\n"),
        "{out}"
    );
    assert!(out.contains("resync rounds seen: pods >= 1"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_event_types_shows_all_five() {
    let s = ApiServer::builder()
        .bookmark_interval(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let mut out = String::new();
    let compact = || {
        s.compact_now();
    };
    tokio::time::timeout(
        GUARD,
        watch_event_types::run(s.kubeconfig_path(), "default", &compact, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "ADDED    pod-1 labels={}", "{out}");
    assert_eq!(lines[1], "MODIFIED pod-1 labels={\"stage\": \"two\"}", "{out}");
    assert_eq!(lines[2], "DELETED  pod-1 labels={\"stage\": \"two\"}", "{out}");
    assert!(
        lines[3].starts_with("BOOKMARK resourceVersion advanced to "),
        "{out}"
    );
    assert!(lines[5].starts_with("ERROR    code=410 reason=Expired"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_double_loop_rewatch_shows_duplicates_and_lost_events() {
    let s = ApiServer::start().await.unwrap();
    s.faults().close_watches_after_events(Some(1));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_double_loop_rewatch::run(s.kubeconfig_path(), "default", &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(out.contains("round 1: event for pod-a\n"), "{out}");
    assert!(out.contains("round 2: event for pod-a (duplicate)\n"), "{out}");
    assert!(
        out.contains("pod-b was created and deleted between the watches: never seen"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_all_namespaces_prints_the_namespace_column() {
    let s = seeded().await;
    s.faults().close_watches_after_events(Some(7));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_all_namespaces::run(s.kubeconfig_path(), 60, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NAMESPACE       NAME"), "{out}");
    assert_eq!(lines.len(), 8, "{out}");
    assert!(
        lines.iter().skip(1).all(|l| l.starts_with("kube-system     ")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_resource_version_resume_replays_exactly_the_later_events() {
    let s = ApiServer::start().await.unwrap();
    s.faults().close_watches_after_events(Some(2));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_resource_version_resume::run(s.kubeconfig_path(), "default", 60, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    let events: Vec<&str> = out.lines().filter(|l| l.starts_with("  event for")).collect();
    assert_eq!(events.len(), 2, "{out}");
    assert!(events[0].starts_with("  event for pod-2 at "), "{out}");
    assert!(events[1].starts_with("  event for pod-3 at "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_channel_close_shows_the_three_causes() {
    let s = ApiServer::start().await.unwrap();
    let cut = |on: bool| {
        s.faults().close_watches_after_events(on.then_some(1));
        s.faults().cut_watches(on);
    };
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_channel_close::run(s.kubeconfig_path(), "default", 1, &cut, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.contains("1. closed by the server after timeoutSeconds=1 (0 events)"),
        "{out}"
    );
    assert!(out.contains("2. connection dropped after 1 event(s)"), "{out}");
    assert!(
        out.contains("3. stopped by the client: stream ended with no event: true"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_event_ordering_initial_events_are_not_in_version_order() {
    let s = ApiServer::start().await.unwrap();
    s.faults().close_watches_after_events(Some(3));
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_event_ordering::run(s.kubeconfig_path(), "default", 60, &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("ADDED "))
        .map(|l| &l[..5])
        .collect();
    assert_eq!(names, ["pod-a", "pod-b", "pod-c"], "{out}");
    assert!(
        out.contains("initial events in resourceVersion order: false"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_idle_timeout_resume_gives_up_on_a_stalled_watch_and_loses_nothing() {
    let s = seeded().await;
    let stall = || s.faults().stall_next_requests(1);
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        watch_idle_timeout_resume::run(
            s.kubeconfig_path(),
            Some(&stall),
            Duration::from_millis(500),
            &mut out,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(
        lines[0],
        "plain watch on a stalled connection: nothing in 1.5s, no error, no end: it would wait forever"
    );
    let rv = lines[1]
        .strip_prefix("RetryWatcher from resourceVersion ")
        .and_then(|l| l.strip_suffix(" with a 500ms idle timeout"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        &lines[2..5],
        [
            "first event only after the idle timeout: true",
            "ADDED configmap/idle-2",
            "ADDED configmap/idle-3",
        ]
    );
    let last: u64 = lines[5]
        .strip_prefix("resumed: 2 events, none lost; resume point now resourceVersion ")
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    assert!(last > rv.parse::<u64>().unwrap());
}
