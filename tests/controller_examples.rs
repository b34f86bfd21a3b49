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

fn leader_election_args() -> leader_election_lease::Args {
    leader_election_lease::Args {
        lease_ms: 3000,
        renew_ms: 2000,
        retry_ms: 1000,
        healthz_timeout_ms: 20000,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_election_lease_moves_the_lease_on_kill_and_on_release() {
    let session = support::session("leader_election_lease").await;
    tokio::time::timeout(
        GUARD,
        leader_election_lease::run(&session, &leader_election_args()),
    )
    .await
    .unwrap()
    .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("missing {l:?} in {lines:#?}"))
    };
    assert_eq!(
        lines[0],
        "lease leader-election-lease/example-lease: lease 3000 ms, renew 2000 ms, retry 1000 ms (kube-controller-manager: 15 s, 10 s, 2 s)"
    );
    // b sees a lead, and takes over only after a was killed.
    assert!(pos("replica-a: started leading") < pos("replica-b: new leader is \"replica-a\""));
    assert!(pos("replica-b: new leader is \"replica-a\"") < pos("killing replica-a (no release)"));
    assert!(pos("killing replica-a (no release)") < pos("replica-b: new leader is \"replica-b\""));
    assert!(pos("replica-b: new leader is \"replica-b\"") < pos("replica-b: started leading"));
    assert_eq!(
        lines[pos("replica-b: started leading") + 1],
        "lease holder \"replica-b\", transitions 1"
    );
    // Cancelled with release_on_cancel: the holder is emptied at once.
    assert!(pos("cancelling replica-b (release_on_cancel)") < pos("replica-b: stopped leading"));
    assert_eq!(lines.last().unwrap(), "lease holder \"\" after release");
    assert!(
        !lines.contains(&"replica-a: stopped leading".to_owned()),
        "a was killed, its callbacks never ran again: {lines:#?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.ends_with(": started leading")).count(),
        2,
        "{lines:#?}"
    );
    // The health checks: the leader renews in time, a follower is healthy without leading.
    let a_healthy = pos("replica-a healthz leaderElection: ok (leading, renewed in time)");
    let b_following = pos("replica-b healthz leaderElection: ok (not leading)");
    assert!(pos("replica-b: new leader is \"replica-a\"") < a_healthy);
    assert!(a_healthy < b_following && b_following < pos("killing replica-a (no release)"));
    assert_eq!(
        lines[pos("lease holder \"replica-b\", transitions 1") + 1],
        "replica-b healthz leaderElection: ok (leading, renewed in time)"
    );
    assert_eq!(
        lines[lines.len() - 2],
        "replica-b healthz leaderElection: ok (not leading)",
        "after the release"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_election_lease_interrupted_while_leading_releases_the_lease() {
    let session = support::session("leader_election_lease").await;
    let args = leader_election_args();
    // Ctrl-C once b leads: b is stopped like a cancelled replica and hands the Lease back.
    let ctrl_c = async {
        session
            .out()
            .wait_for(|l| l == "replica-b leads for 3000 ms")
            .await;
        session.interrupt();
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(leader_election_lease::run(&session, &args), ctrl_c)
    })
    .await
    .unwrap();
    result.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(
        lines.last().unwrap(),
        "interrupted: replica-b released the lease, holder \"\"",
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"replica-b: stopped leading".to_owned()),
        "{lines:#?}"
    );
    assert!(
        !lines.contains(&"cancelling replica-b (release_on_cancel)".to_owned()),
        "the script was interrupted before its own cancel: {lines:#?}"
    );
    let lease = session
        .clientset()
        .coordination_v1()
        .leases("leader-election-lease")
        .get(leader_election_lease::LEASE, &Default::default())
        .await
        .unwrap();
    assert_eq!(lease.spec.holder_identity.as_deref(), Some(""));
    assert_eq!(lease.spec.lease_duration_seconds, Some(1));
    session.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_election_lease_interrupted_while_waiting_for_the_lease_stops_the_follower() {
    let session = support::session("leader_election_lease").await;
    let args = leader_election_args();
    // Ctrl-C while b waits for the dead leader's Lease to expire.
    let ctrl_c = async {
        session
            .out()
            .wait_for(|l| l == "killing replica-a (no release)")
            .await;
        session.interrupt();
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(leader_election_lease::run(&session, &args), ctrl_c)
    })
    .await
    .unwrap();
    result.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines.last().unwrap(), "replica-b: stopped leading", "{lines:#?}");
    assert!(
        !lines.contains(&"replica-b: started leading".to_owned()),
        "{lines:#?}"
    );
    // Nobody released it: the killed leader's Lease just runs out.
    let lease = session
        .clientset()
        .coordination_v1()
        .leases("leader-election-lease")
        .get(leader_election_lease::LEASE, &Default::default())
        .await
        .unwrap();
    assert_eq!(lease.spec.holder_identity.as_deref(), Some("replica-a"));
    session.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_workqueue_informer_reads_the_lister_retries_with_backoff_drops_after_max_retries_and_drains(
) {
    let session = support::session("controller_workqueue_informer").await;
    tokio::time::timeout(
        GUARD,
        controller_workqueue_informer::run(&session, &clientgo_example::NoArgs {}),
    )
    .await
    .unwrap()
    .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(
        lines[0],
        "controller sample-controller: 2 workers, 3 retries, ConfigMaps labelled app=sample in namespace controller-workqueue-informer"
    );
    // The keys' attempts interleave (two workers); each key's own attempts are in order.
    let of = |name: &str| -> Vec<&str> {
        let prefix = format!("controller-workqueue-informer/{name} attempt ");
        lines
            .iter()
            .filter_map(|l| l.strip_prefix(prefix.as_str()))
            .collect()
    };
    assert_eq!(of("ok"), ["1: synced (3 objects in the lister)"]);
    assert_eq!(
        of("flaky"),
        [
            "1: transient error; requeued with backoff (requeue 1 of 3)",
            "2: transient error; requeued with backoff (requeue 2 of 3)",
            "3: synced (3 objects in the lister)",
        ]
    );
    assert_eq!(
        of("poison"),
        [
            "1: permanent error; requeued with backoff (requeue 1 of 3)",
            "2: permanent error; requeued with backoff (requeue 2 of 3)",
            "3: permanent error; requeued with backoff (requeue 3 of 3)",
            "4: permanent error; 3 requeues used up, dropping the key",
        ]
    );
    assert_eq!(lines.len(), 1 + 8 + 1, "{lines:#?}");
    assert_eq!(lines.last().unwrap(), "shut down: in-flight reconciles drained");
}

fn finalizer_args() -> finalizer_reconcile::Args {
    finalizer_reconcile::Args { wait_seconds: 30 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizer_reconcile_applies_cleans_up_once_lets_the_object_go_and_recovers_a_stuck_namespace() {
    let session = support::session("finalizer_reconcile").await;
    tokio::time::timeout(GUARD, finalizer_reconcile::run(&session, &finalizer_args()))
        .await
        .unwrap()
        .unwrap();
    // The example's namespace goes: nothing in it still carries a finalizer.
    session.finish().await.unwrap();
    assert_eq!(
        support::example_lines(&session),
        [
            "controller finalizer-demo: adds example.com/cleanup to ConfigMaps labelled app=finalizer-demo in namespace finalizer-reconcile",
            // Once in the reconcile that adds the finalizer, once for the patch's own event.
            "apply:    finalizer-reconcile/guarded is live, finalizers [\"example.com/cleanup\"]",
            "apply:    finalizer-reconcile/guarded is live, finalizers [\"example.com/cleanup\"]",
            "delete:   finalizer-reconcile/guarded",
            "finalize: finalizer-reconcile/guarded is marked for deletion (deletionTimestamp set, still stored): releasing what it holds, then removing example.com/cleanup",
            "gone:     finalizer-reconcile/guarded: the server deleted it once its last finalizer went",
            "object gone from the server: true",
            "stuck namespace finalizer-reconcile-stuck: Terminating, spec.finalizers [\"kubernetes\"]; configmap finalizer-reconcile-stuck/orphan still holds [\"example.com/cleanup\"]",
            "PUT /api/v1/namespaces/finalizer-reconcile-stuck/finalize with spec.finalizers []",
            "stuck namespace finalizer-reconcile-stuck gone: true",
            "configmap finalizer-reconcile-stuck/orphan left behind in storage: true",
            "stuck namespace finalizer-reconcile-stuck: created again, since what it left can only be changed in an existing namespace",
            "configmap finalizer-reconcile-stuck/orphan released: example.com/cleanup removed, the object went with it",
        ]
    );
    // Nothing left: the orphan went with its finalizer, the namespace created again for it with
    // the session.
    let core = session.clientset().core_v1();
    let orphan = core
        .config_maps(finalizer_reconcile::STUCK_NAMESPACE)
        .get("orphan", &Default::default())
        .await;
    assert!(orphan.unwrap_err().is_not_found());
    let stuck = core
        .namespaces()
        .get(finalizer_reconcile::STUCK_NAMESPACE, &Default::default())
        .await;
    assert!(stuck.unwrap_err().is_not_found());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizer_reconcile_interrupted_before_the_cleanup_still_releases_its_finalizer() {
    let session = support::session("finalizer_reconcile").await;
    let args = finalizer_args();
    let ctrl_c = async {
        session.out().wait_for(|l| l.starts_with("apply:")).await;
        session.interrupt();
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(finalizer_reconcile::run(&session, &args), ctrl_c)
    })
    .await
    .unwrap();
    result.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(
        lines.last().unwrap(),
        "released: finalizer-reconcile/guarded still carried example.com/cleanup (the controller stopped before its cleanup)"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("stuck namespace finalizer-reconcile-stuck")),
        "{lines:#?}"
    );
    // Without the release the namespace would stay Terminating and this would time out.
    tokio::time::timeout(GUARD, session.finish())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizer_reconcile_clears_a_stuck_namespace_a_killed_run_left() {
    let session = support::session("finalizer_reconcile").await;
    // What a run killed between the namespace's deletion and its recovery leaves.
    let core = session.clientset().core_v1();
    let mut ns = clientgo::api::core::v1::Namespace::new(finalizer_reconcile::STUCK_NAMESPACE);
    ns.metadata.labels.insert(
        clientgo_example::MANAGED_BY_LABEL,
        clientgo_example::MANAGED_BY_VALUE,
    );
    core.namespaces().create(&ns, &Default::default()).await.unwrap();
    let mut orphan = clientgo::api::core::v1::ConfigMap::new("orphan");
    orphan
        .metadata
        .finalizers
        .push(finalizer_reconcile::FINALIZER.into());
    core.config_maps(finalizer_reconcile::STUCK_NAMESPACE)
        .create(&orphan, &Default::default())
        .await
        .unwrap();
    core.namespaces()
        .delete(finalizer_reconcile::STUCK_NAMESPACE, &Default::default())
        .await
        .unwrap();
    tokio::time::timeout(GUARD, finalizer_reconcile::run(&session, &finalizer_args()))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let pos = |want: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(want))
            .unwrap_or_else(|| panic!("no {want:?} in {lines:#?}"))
    };
    assert!(
        pos("stuck namespace finalizer-reconcile-stuck: left by an earlier run, deleting it first")
            < pos("stuck namespace finalizer-reconcile-stuck: Terminating")
    );
    assert_eq!(
        lines.last().unwrap(),
        "configmap finalizer-reconcile-stuck/orphan released: example.com/cleanup removed, the object went with it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalizer_reconcile_releases_an_orphan_a_killed_run_left_in_storage() {
    let session = support::session("finalizer_reconcile").await;
    // What a run killed right after its /finalize leaves: no namespace, its orphan in storage.
    let core = session.clientset().core_v1();
    let stuck = finalizer_reconcile::STUCK_NAMESPACE;
    core.namespaces()
        .create(
            &clientgo::api::core::v1::Namespace::new(stuck),
            &Default::default(),
        )
        .await
        .unwrap();
    let mut orphan = clientgo::api::core::v1::ConfigMap::new("orphan");
    orphan
        .metadata
        .finalizers
        .push(finalizer_reconcile::FINALIZER.into());
    core.config_maps(stuck)
        .create(&orphan, &Default::default())
        .await
        .unwrap();
    core.namespaces()
        .delete(stuck, &Default::default())
        .await
        .unwrap();
    let mut ns = core.namespaces().get(stuck, &Default::default()).await.unwrap();
    ns.spec.finalizers.clear();
    core.namespaces()
        .finalize(&ns, &Default::default())
        .await
        .unwrap();
    tokio::time::timeout(GUARD, finalizer_reconcile::run(&session, &finalizer_args()))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert!(
        lines.contains(
            &"stuck namespace finalizer-reconcile-stuck: released configmap orphan, left in storage by an earlier run"
                .to_owned()
        ),
        "{lines:#?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        "configmap finalizer-reconcile-stuck/orphan released: example.com/cleanup removed, the object went with it"
    );
}
