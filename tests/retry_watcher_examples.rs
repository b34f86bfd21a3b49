//! Runs the RetryWatcher examples' `run` functions against the embedded API server and checks what
//! they print. The examples' sources are compiled in.

#![allow(dead_code)] // Each example's `main` is unused here.
#![allow(clippy::duplicate_mod)] // retry_watcher_basic includes watch_pods_basic.rs for its helpers.

mod support;

#[path = "../examples/retry_watcher_basic.rs"]
mod retry_watcher_basic;
#[path = "../examples/retry_watcher_resource_version.rs"]
mod retry_watcher_resource_version;

use std::time::Duration;

use clientgo_apiserver::ApiServer;
use support::GUARD;

async fn seeded() -> ApiServer {
    let s = ApiServer::start().await.unwrap();
    clientgo_apiserver::embedded::seed_demo_cluster(&s);
    s
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
