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

mod support;

use std::collections::BTreeMap;

use clientgo_apiserver::ApiServer;
use support::GUARD;

/// The `start`/`done` lines of each key, in the order printed.
fn reconciles_per_key(lines: &[String]) -> BTreeMap<String, Vec<&'static str>> {
    let mut per_key: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for l in lines {
        let (what, rest) = match l.split_once(' ') {
            Some(("start", rest)) => ("start", rest),
            Some(("done", rest)) => ("done", rest),
            _ => continue,
        };
        let key = rest.split_whitespace().next().unwrap().to_owned();
        per_key.entry(key).or_default().push(what);
    }
    per_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_max_concurrent_reconciles_runs_keys_side_by_side_but_one_key_never_twice_at_once() {
    let session = support::session("controller_max_concurrent_reconciles").await;
    let args = controller_max_concurrent_reconciles::Args {
        workers: 3,
        keys: 9,
        work_ms: 50,
    };
    tokio::time::timeout(GUARD, controller_max_concurrent_reconciles::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    // Every key was reconciled twice (its own write queued it again while it was in flight), and
    // its second reconcile started only after the first was done.
    let per_key = reconciles_per_key(&lines);
    assert_eq!(per_key.len(), 9, "{lines:#?}");
    for (key, seq) in &per_key {
        assert_eq!(seq, &["start", "done", "start", "done"], "{key}: {lines:#?}");
    }
    let summary = &lines[lines.len() - 5..];
    assert_eq!(summary[0], "workers: 3");
    assert_eq!(summary[1], "reconciled: 9 keys, 18 reconciles");
    let max: usize = summary[2]
        .strip_prefix("max in flight: ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (2..=3).contains(&max),
        "several keys at once, at most 3: {lines:#?}"
    );
    assert_eq!(summary[3], "max in flight per key: 1");
    assert_eq!(summary[4], "drained and stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_max_concurrent_reconciles_drains_and_stops_on_interrupt() {
    // 20 keys, each reconciled twice for 200 ms on 2 workers, need 4 s; Ctrl-C comes after the
    // third reconcile is done.
    let session = support::session("controller_max_concurrent_reconciles").await;
    let args = controller_max_concurrent_reconciles::Args {
        workers: 2,
        keys: 20,
        work_ms: 200,
    };
    let ctrl_c = async {
        let done = || {
            session
                .out()
                .lines()
                .iter()
                .filter(|l| l.starts_with("done "))
                .count()
        };
        session.out().wait_for(|_| done() >= 3).await;
        session.interrupt();
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(controller_max_concurrent_reconciles::run(&session, &args), ctrl_c)
    })
    .await
    .unwrap();
    result.unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let reconciles: usize = lines
        .iter()
        .find_map(|l| l.strip_prefix("reconciled: "))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|l| l.strip_suffix(" reconciles"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(reconciles < 40, "stopped before the end: {lines:#?}");
    // Drained: every reconcile that started also finished, none twice at once.
    for (key, seq) in reconciles_per_key(&lines) {
        assert!(
            seq.chunks(2).all(|pair| pair == ["start", "done"]),
            "{key}: {seq:?}"
        );
    }
    assert!(lines.contains(&"max in flight per key: 1".to_owned()));
    assert_eq!(lines.last().unwrap(), "drained and stopped");
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
