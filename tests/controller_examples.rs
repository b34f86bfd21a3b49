//! Runs the controller and leader-election examples' `run` functions against the embedded API
//! server and checks what they report.

#![allow(dead_code)] // Each example's `main` is unused here.

#[path = "../examples/controller_max_concurrent_reconciles.rs"]
mod controller_max_concurrent_reconciles;
#[path = "../examples/controller_workqueue_informer.rs"]
mod controller_workqueue_informer;
#[path = "../examples/finalizer_reconcile.rs"]
mod finalizer_reconcile;
#[path = "../examples/leader_election_lease.rs"]
mod leader_election_lease;

use std::time::Duration;

use clientgo_apiserver::ApiServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_max_concurrent_reconciles_reconciles_every_key_never_twice_at_once() {
    let s = ApiServer::start().await.unwrap();
    let lines = controller_max_concurrent_reconciles::run(
        s.kubeconfig_path(),
        3,
        9,
        Duration::from_millis(20),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(lines[0], "workers: 3");
    assert_eq!(lines[1], "reconciled: 9 keys");
    let max: usize = lines[2].strip_prefix("max in flight: ").unwrap().parse().unwrap();
    assert!((1..=3).contains(&max), "{lines:?}");
    assert_eq!(lines[3], "max in flight per key: 1");
    assert_eq!(lines[4], "drained and stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_max_concurrent_reconciles_drains_and_stops_on_interrupt() {
    // 20 keys of 200 ms each on 2 workers need 2 s; the interrupt (main's Ctrl-C) comes 1 s after
    // the controller starts waiting for it (an async block: the timer starts when first polled).
    let s = ApiServer::start().await.unwrap();
    let interrupt = async { tokio::time::sleep(Duration::from_secs(1)).await };
    let lines = controller_max_concurrent_reconciles::run(
        s.kubeconfig_path(),
        2,
        20,
        Duration::from_millis(200),
        interrupt,
    )
    .await
    .unwrap();
    let reconciled: usize = lines[1]
        .strip_prefix("reconciled: ")
        .and_then(|l| l.strip_suffix(" keys"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(reconciled < 20, "stopped before the end: {lines:?}");
    assert_eq!(lines[3], "max in flight per key: 1");
    assert_eq!(lines[4], "drained and stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_election_lease_moves_the_lease_on_kill_and_on_release() {
    let s = ApiServer::start().await.unwrap();
    let lines = leader_election_lease::run(s.kubeconfig_path()).await.unwrap();
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("missing {l:?} in {lines:?}"))
    };
    assert!(pos("replica-a: started leading") < pos("killing replica-a (no release)"));
    assert!(pos("killing replica-a (no release)") < pos("replica-b: started leading"));
    assert!(pos("replica-b: new leader is \"replica-b\"") > pos("killing replica-a (no release)"));
    assert_eq!(
        lines[pos("replica-b: started leading") + 1..]
            .iter()
            .find(|l| l.starts_with("lease holder"))
            .unwrap(),
        "lease holder \"replica-b\", transitions 1"
    );
    assert!(pos("replica-b: stopped leading") < pos("lease holder \"\" after release"));
    assert!(
        !lines.contains(&"replica-a: stopped leading".to_owned()),
        "a was killed: {lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_workqueue_informer_retries_drops_after_max_retries_and_drains() {
    let s = ApiServer::start().await.unwrap();
    let lines = controller_workqueue_informer::run(s.kubeconfig_path(), std::future::pending())
        .await
        .unwrap();
    assert_eq!(
        lines,
        [
            "default/flaky attempt 1: transient error",
            "default/flaky attempt 2: transient error",
            "default/flaky attempt 3: synced (3 objects in the lister)",
            "default/ok attempt 1: synced (3 objects in the lister)",
            "default/poison attempt 1: permanent error",
            "default/poison attempt 2: permanent error",
            "default/poison attempt 3: permanent error",
            "default/poison attempt 4: permanent error",
            "shut down: in-flight reconciles drained",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizer_reconcile_applies_cleans_up_once_and_the_object_goes() {
    let s = ApiServer::start().await.unwrap();
    let lines = finalizer_reconcile::run(s.kubeconfig_path(), std::future::pending())
        .await
        .unwrap();
    assert_eq!(
        lines,
        [
            // Once in the reconcile that adds the finalizer, once for the patch's own event.
            "apply: default/guarded is live, finalizers [\"example.com/cleanup\"]",
            "apply: default/guarded is live, finalizers [\"example.com/cleanup\"]",
            "cleanup: releasing what default/guarded holds",
            "object gone from the server: true",
            "namespace stuck-demo: Terminating, spec.finalizers [\"kubernetes\"]; configmap stuck-demo/orphan still holds [\"example.com/cleanup\"]",
            "PUT /api/v1/namespaces/stuck-demo/finalize with spec.finalizers []",
            "namespace stuck-demo gone: true",
            "configmap stuck-demo/orphan left behind in storage: true",
        ]
    );
}
