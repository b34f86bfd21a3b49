//! client-go's `tools/leaderelection/leaderelection_test.go`, against the embedded server.
//!
//! client-go scripts a fake clientset with reactors and counts its actions; here the Lease lives
//! in the embedded API server, its request log counts the elector's requests (by User-Agent),
//! and faults aimed at the elector's client stand in for reactors that hang or fail.
//!
//! Not ported: the endpoints/configmaps and multi-lock cases (`TestTryAcquireOrRenewEndpoints*`,
//! `TestTryAcquireOrRenewConfigMaps*`, `testTryAcquireOrRenewMultiLock`: only the Lease lock
//! exists, as in client-go since 1.24) and `TestTryCoordinatedRenew` (coordinated leader
//! election is not implemented). `TestLeaseSpecToLeaderElectionRecordRoundTrip` is in
//! `resource_lock.rs`; `TestLeaderElectionConfigValidation` in `tests/election_server.rs`.

use std::sync::Arc;
use std::time::Duration;

use clientgo_api::coordination::v1::LeaseSpec;
use clientgo_api::events::v1::Event;
use clientgo_apiserver::{ClientFault, InjectedError};
use clientgo_client::{GetOptions, ListOptions, WriteOptions};
use clientgo_flowcontrol::Clock;
use clientgo_record::{BroadcasterOptions, EventBroadcaster};
use tokio_util::sync::CancellationToken;

use crate::test_support::{
    clientset, clock, config, create_lease, elector, leases, ops, server, settle, wait_for_ops, Seen, GUARD,
    LEASE,
};
use crate::{LeaderElectionRecord, LeaseLock};

const RETRY: Duration = Duration::from_secs(1);

/// When the elector last observed a change, relative to the clock's now.
#[derive(Clone, Copy)]
enum Observed {
    Now,
    Past,
    Future,
}

struct Case {
    name: &'static str,
    /// The lease in the server before the attempt (`None`: no lease).
    lease: Option<LeaseSpec>,
    observed_record: LeaderElectionRecord,
    observed_time: Observed,
    /// Try again after this much time when the first attempt did not give the expected result.
    retry_after: Option<Duration>,
    expect_success: bool,
    transition_leader: bool,
    out_holder: &'static str,
    ops: &'static [&'static str],
}

fn held_by(holder: &str, seconds: Option<i32>) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(holder.into()),
        lease_duration_seconds: seconds,
        ..LeaseSpec::default()
    }
}

fn record_of(holder: &str) -> LeaderElectionRecord {
    LeaderElectionRecord {
        holder_identity: holder.to_owned(),
        ..LeaderElectionRecord::default()
    }
}

#[allow(clippy::too_many_lines)] // one table, as in client-go
fn try_acquire_or_renew_cases() -> Vec<Case> {
    vec![
        Case {
            name: "acquire from no object",
            lease: None,
            observed_record: LeaderElectionRecord::default(),
            observed_time: Observed::Now,
            retry_after: None,
            expect_success: true,
            transition_leader: false,
            out_holder: "baz",
            ops: &["GET", "POST"],
        },
        Case {
            name: "acquire from object without annotations",
            lease: Some(LeaseSpec::default()),
            observed_record: LeaderElectionRecord::default(),
            observed_time: Observed::Now,
            retry_after: None,
            expect_success: true,
            transition_leader: true,
            out_holder: "baz",
            ops: &["GET", "PUT"],
        },
        Case {
            name: "acquire from led object with the lease duration seconds",
            lease: Some(held_by("bing", Some(3))),
            observed_record: LeaderElectionRecord::default(),
            observed_time: Observed::Now,
            retry_after: Some(Duration::from_secs(3)),
            expect_success: true,
            transition_leader: true,
            out_holder: "baz",
            ops: &["GET", "GET", "PUT"],
        },
        Case {
            name: "acquire from unled object",
            lease: Some(held_by("", None)),
            observed_record: LeaderElectionRecord::default(),
            observed_time: Observed::Now,
            retry_after: None,
            expect_success: true,
            transition_leader: true,
            out_holder: "baz",
            ops: &["GET", "PUT"],
        },
        Case {
            name: "acquire from led, unacked object",
            lease: Some(held_by("bing", None)),
            observed_record: record_of("bing"),
            observed_time: Observed::Past,
            retry_after: None,
            expect_success: true,
            transition_leader: true,
            out_holder: "baz",
            ops: &["GET", "PUT"],
        },
        Case {
            name: "acquire from empty led, acked object",
            lease: Some(held_by("", None)),
            observed_record: LeaderElectionRecord::default(),
            observed_time: Observed::Future,
            retry_after: None,
            expect_success: true,
            transition_leader: true,
            out_holder: "baz",
            ops: &["GET", "PUT"],
        },
        // client-go's lease has no duration here and still counts as held because its real clock
        // moves between the `now` it took and the read; a fake clock does not move, so the
        // lease says 10 s.
        Case {
            name: "don't acquire from led, acked object",
            lease: Some(held_by("bing", Some(10))),
            observed_record: LeaderElectionRecord::default(),
            observed_time: Observed::Future,
            retry_after: None,
            expect_success: false,
            transition_leader: false,
            out_holder: "bing",
            ops: &["GET"],
        },
        // The fast path is taken (we lead and the observation is recent) but the lock has never
        // read the lease, so it fails without a request and the slow path reads, as in client-go.
        Case {
            name: "renew already acquired object",
            lease: Some(held_by("baz", None)),
            observed_record: record_of("baz"),
            observed_time: Observed::Future,
            retry_after: None,
            expect_success: true,
            transition_leader: false,
            out_holder: "baz",
            ops: &["GET", "PUT"],
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_try_acquire_or_renew_leases() {
    for case in try_acquire_or_renew_cases() {
        let server = server().await;
        if let Some(spec) = case.lease.clone() {
            create_lease(&server, spec).await;
        }
        let clock = clock();
        let seen = Seen::default();
        let le = elector(config(&server, &clock, &seen));
        let at = match case.observed_time {
            Observed::Now => clock.now(),
            Observed::Past => clock.now() - Duration::from_secs(1000 * 3600),
            Observed::Future => clock.now() + Duration::from_secs(1000 * 3600),
        };
        le.with_observed(|o| {
            o.record = case.observed_record.clone();
            o.time = at;
        });
        let mut ok = le.try_acquire_or_renew().await;
        if ok != case.expect_success {
            if let Some(after) = case.retry_after {
                clock.advance(after);
                ok = le.try_acquire_or_renew().await;
            }
        }
        assert_eq!(ok, case.expect_success, "{}", case.name);
        let observed = le.with_observed(|o| o.record.clone());
        assert_eq!(observed.holder_identity, case.out_holder, "{}", case.name);
        assert_eq!(ops(&server, "baz"), case.ops, "{}: api interactions", case.name);
        let transitions = i32::from(case.transition_leader);
        assert_eq!(observed.leader_transitions, transitions, "{}", case.name);
        le.maybe_report_transition();
        let reported = seen.lock().unwrap().clone();
        assert_eq!(reported, [format!("leader {}", case.out_holder)], "{}", case.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_release_lease_leases() {
    // "release acquired lock from no object". client-go 1.36 reads the lease before releasing
    // (GET, PUT); the release here writes over the record it holds (PUT) and reads only on a
    // conflict, so the release is one request.
    let server = server().await;
    let clock = clock();
    let seen = Seen::default();
    let le = elector(config(&server, &clock, &seen));
    assert!(le.try_acquire_or_renew().await);
    le.maybe_report_transition();
    assert!(le.release().await);
    let observed = le.with_observed(|o| o.record.clone());
    assert_eq!(observed.holder_identity, "");
    assert_eq!(observed.leader_transitions, 0);
    assert_eq!(ops(&server, "baz"), ["GET", "POST", "PUT"]);
    le.maybe_report_transition();
    assert_eq!(*seen.lock().unwrap(), ["leader baz", "leader "]);
    let lease = leases(&server, "check")
        .get(LEASE, &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(lease.spec.holder_identity.as_deref(), Some(""));
    assert_eq!(lease.spec.lease_duration_seconds, Some(1));
}

/// The notes of the LeaderElection events in the server.
async fn leader_election_events(server: &clientgo_apiserver::ApiServer) -> Vec<String> {
    let cs = clientset(server, "check");
    let mut events = cs
        .resource::<Event>(Some("default"))
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items;
    events.sort_by_key(|e| e.event_time);
    events
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("LeaderElection"))
        .map(|e| {
            format!(
                "{} {} {}",
                e.type_.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or(""),
                e.note.as_deref().unwrap_or("")
            )
        })
        .collect()
}

/// Faults for the elector's requests, by method.
type Faults<'a> = Vec<(&'a http::Method, ClientFault)>;

/// The two cases of client-go's `testReleaseOnCancellation`: a renewal hangs (on its write,
/// or on the read after a failed fast-path write), the elector is cancelled meanwhile, and
/// the lease is released anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_release_on_cancellation_leases() {
    let (put, get) = (http::Method::PUT, http::Method::GET);
    let cases: [(&str, Faults<'_>, &[&str]); 2] = [
        (
            "release acquired lock on cancellation of update",
            vec![(&put, ClientFault::Hang)],
            &["GET", "POST", "PUT", "PUT", "PUT"],
        ),
        (
            "release acquired lock on cancellation of get",
            vec![
                (&put, ClientFault::Fail(InjectedError::Conflict)),
                (&get, ClientFault::Hang),
            ],
            &["GET", "POST", "PUT", "PUT", "GET", "PUT"],
        ),
    ];
    for (name, faults, want_ops) in cases {
        let server = server().await;
        let clock = clock();
        let seen = Seen::default();
        let broadcaster = EventBroadcaster::new(&clientset(&server, "events"), BroadcasterOptions::default());
        let mut cfg = config(&server, &clock, &seen).release_on_cancel(true);
        cfg.lock = LeaseLock::new(leases(&server, "baz"), LEASE, "baz")
            .event_recorder(broadcaster.new_recorder("leader-election-test", "baz"));
        let le = elector(cfg);
        let cancel = CancellationToken::new();
        let run = tokio::spawn({
            let (le, cancel) = (le.clone(), cancel.clone());
            async move { le.run(cancel).await }
        });
        settle(&server, &clock, 1).await;
        assert!(le.is_leader(), "{name}");
        for (method, fault) in &faults {
            server.faults().clients().set("baz", Some(method), Some(*fault));
        }
        clock.advance(RETRY);
        wait_for_ops(&server, "baz", want_ops.len() - 1).await;
        // Let the release through, then cancel: the hung request is abandoned at once.
        server.faults().clients().clear();
        cancel.cancel();
        tokio::time::timeout(GUARD, run).await.expect(name).unwrap();
        assert_eq!(ops(&server, "baz"), *want_ops, "{name}");
        let lease = leases(&server, "check")
            .get(LEASE, &GetOptions::default())
            .await
            .unwrap();
        assert_eq!(
            lease.spec.holder_identity.as_deref(),
            Some(""),
            "{name}: released"
        );
        broadcaster.shutdown().await;
        assert_eq!(
            leader_election_events(&server).await,
            [
                "Normal LeaderElection baz became leader",
                "Normal LeaderElection baz stopped leading"
            ],
            "{name}"
        );
    }
}

/// client-go's `TestFastPathLeaderElection`: a leader renews with one UPDATE; after a conflict
/// it reads the lease once and goes back to single UPDATEs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_fast_path_leader_election() {
    for (name, conflict, want_ops) in [
        (
            "Exercise fast path after lock acquired",
            false,
            &["GET", "POST", "PUT", "PUT"][..],
        ),
        (
            "Fallback to slow path after fast path fails",
            true,
            &["GET", "POST", "PUT", "PUT", "GET", "PUT", "PUT"][..],
        ),
    ] {
        let server = server().await;
        let clock = clock();
        let seen = Seen::default();
        let le = elector(config(&server, &clock, &seen));
        let cancel = CancellationToken::new();
        let run = tokio::spawn({
            let (le, cancel) = (le.clone(), cancel.clone());
            async move { le.run(cancel).await }
        });
        settle(&server, &clock, 1).await;
        if conflict {
            // Another writer changes the lease: the leader's next write conflicts for real.
            let api = leases(&server, "other");
            let mut lease = api.get(LEASE, &GetOptions::default()).await.unwrap();
            lease.metadata.labels.insert("touched", "yes");
            api.update(LEASE, &lease, &WriteOptions::default()).await.unwrap();
            clock.advance(RETRY);
            settle(&server, &clock, 1).await;
        }
        clock.advance(RETRY);
        settle(&server, &clock, 1).await;
        cancel.cancel();
        tokio::time::timeout(GUARD, run).await.expect(name).unwrap();
        assert_eq!(ops(&server, "baz"), want_ops, "{name}");
        assert!(
            le.is_leader(),
            "{name}: cancelled without release, still the recorded holder"
        );
    }
}

#[test]
fn observed_records_are_shared_between_clones() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let _g = rt.enter();
    let rest = clientgo_rest::Config::new("http://127.0.0.1:1");
    let api = clientgo_client::Clientset::new(&rest)
        .unwrap()
        .coordination_v1()
        .leases("default");
    let cfg = crate::LeaderElectionConfig::new(
        LeaseLock::new(api, "l", "me"),
        crate::Callbacks::new(|_t: CancellationToken| async {}, || {}),
    )
    .clock(Arc::new(clock()));
    let le = elector(cfg);
    let twin = le.clone();
    le.set_observed(record_of("me"));
    assert!(twin.is_leader());
    assert_eq!(twin.get_leader(), "me");
}
