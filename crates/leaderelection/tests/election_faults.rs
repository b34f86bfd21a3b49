//! Leader election when the API server misbehaves for one replica: its requests hang or fail
//! (the embedded server's faults aimed at one client by User-Agent) while the others are
//! served. Time is a fake clock moved by the test once every elector is parked, so the tests
//! assert the order of what happens, never how long it took.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clientgo_api::coordination::v1::Lease;
use clientgo_apiserver::{ApiServer, ClientFault, InjectedError};
use clientgo_client::{GetOptions, WriteOptions};
use clientgo_flowcontrol::{Clock, FakeClock};
use clientgo_leaderelection::{Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaseLock};
use tokio::task::JoinHandle;

mod support;
use support::{leases, ops, server, settle, settle_when, wait_for_ops, GUARD};

const LEASE_DURATION: Duration = Duration::from_secs(15);
const RENEW_DEADLINE: Duration = Duration::from_secs(10);
const RETRY: Duration = Duration::from_secs(2);
const LEASE: &str = "ctrl";

/// What happened, when (on the fake clock).
type Timeline = Arc<Mutex<Vec<(String, Instant)>>>;

fn happened(timeline: &Timeline, what: &str) -> Option<Instant> {
    let t = timeline.lock().unwrap();
    t.iter().find(|(w, _)| w == what).map(|(_, at)| *at)
}

struct Replica {
    elector: LeaderElector,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

/// Starts `id` campaigning (its requests carry `id` as User-Agent); its callbacks write
/// "<id> started", "<id> lost" (its leading token cancelled) and "<id> stopped" to `timeline`.
fn start(server: &ApiServer, id: &str, clock: &FakeClock, timeline: &Timeline, release: bool) -> Replica {
    let (t1, t2) = (Arc::clone(timeline), Arc::clone(timeline));
    let (c1, c2) = (clock.clone(), clock.clone());
    let (i1, i2) = (id.to_owned(), id.to_owned());
    let callbacks = Callbacks::new(
        move |token: CancellationToken| {
            t1.lock().unwrap().push((format!("{i1} started"), c1.now()));
            let (t, c, i) = (Arc::clone(&t1), c1.clone(), i1.clone());
            async move {
                token.cancelled().await;
                t.lock().unwrap().push((format!("{i} lost"), c.now()));
            }
        },
        move || t2.lock().unwrap().push((format!("{i2} stopped"), c2.now())),
    );
    let config = LeaderElectionConfig::new(LeaseLock::new(leases(server, id), LEASE, id), callbacks)
        .lease_duration(LEASE_DURATION)
        .renew_deadline(RENEW_DEADLINE)
        .retry_period(RETRY)
        .release_on_cancel(release)
        .clock(Arc::new(clock.clone()));
    let elector = LeaderElector::new(config).unwrap();
    let cancel = CancellationToken::new();
    let task = tokio::spawn({
        let (e, c) = (elector.clone(), cancel.clone());
        async move { e.run(c).await }
    });
    Replica {
        elector,
        cancel,
        task,
    }
}

async fn lease(server: &ApiServer) -> Lease {
    leases(server, "check")
        .get(LEASE, &GetOptions::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_returns_at_once_while_a_renewal_hangs() {
    let server = server().await;
    let clock = FakeClock::new();
    let timeline = Timeline::default();
    let a = start(&server, "a", &clock, &timeline, false);
    settle(&server, &clock, 1).await;
    assert!(a.elector.is_leader());
    // The server stops answering a; its next renewal hangs in flight.
    server.faults().clients().set("a", None, Some(ClientFault::Hang));
    let sent = ops(&server, "a").len();
    clock.advance(RETRY);
    wait_for_ops(&server, "a", sent + 1).await;
    let hung_at = clock.now();
    a.cancel.cancel();
    // The clock does not move: run returns because the cancel interrupts the request, long
    // before the renew deadline could end it.
    tokio::time::timeout(GUARD, a.task)
        .await
        .expect("run kept waiting on the hung renewal")
        .unwrap();
    assert_eq!(happened(&timeline, "a stopped"), Some(hung_at));
    assert_eq!(ops(&server, "a").last().map(String::as_str), Some("PUT"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_release_on_cancel_run_returns_once_the_renew_deadline_passes_while_the_api_hangs() {
    let server = server().await;
    let clock = FakeClock::new();
    let timeline = Timeline::default();
    let a = start(&server, "a", &clock, &timeline, true);
    settle(&server, &clock, 1).await;
    server.faults().clients().set("a", None, Some(ClientFault::Hang));
    let sent = ops(&server, "a").len();
    clock.advance(RETRY);
    wait_for_ops(&server, "a", sent + 1).await;
    a.cancel.cancel();
    // The release hangs too; it is bounded by the renew deadline on the elector's clock.
    wait_for_ops(&server, "a", sent + 2).await;
    assert!(!a.task.is_finished(), "the release is in flight");
    assert_eq!(happened(&timeline, "a stopped"), None);
    clock.advance(RENEW_DEADLINE);
    tokio::time::timeout(GUARD, a.task)
        .await
        .expect("release never gave up")
        .unwrap();
    assert!(happened(&timeline, "a stopped").is_some());
    assert_eq!(
        lease(&server).await.spec.holder_identity.as_deref(),
        Some("a"),
        "a release that got no answer changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_release_is_retried_and_the_lease_is_free_afterwards() {
    let server = server().await;
    let clock = FakeClock::new();
    let timeline = Timeline::default();
    let a = start(&server, "a", &clock, &timeline, true);
    settle(&server, &clock, 1).await;
    let b = start(&server, "b", &clock, &timeline, true);
    settle(&server, &clock, 2).await;
    assert!(a.elector.is_leader());
    assert_eq!(b.elector.get_leader(), "a");
    // Another writer touches the lease after a's last renewal: a's release conflicts.
    let api = leases(&server, "other");
    let mut l = api.get(LEASE, &GetOptions::default()).await.unwrap();
    l.metadata.labels.insert("touched", "yes");
    api.update(LEASE, &l, &WriteOptions::default()).await.unwrap();
    let sent = ops(&server, "a").len();
    a.cancel.cancel();
    tokio::time::timeout(GUARD, a.task).await.unwrap().unwrap();
    assert_eq!(
        ops(&server, "a")[sent..],
        ["PUT", "GET", "PUT"],
        "write, conflict, re-read, write"
    );
    let released = lease(&server).await;
    assert_eq!(released.spec.holder_identity.as_deref(), Some(""));
    assert_eq!(released.spec.lease_duration_seconds, Some(1));
    assert_eq!(released.metadata.labels.get("touched").map(|v| &**v), Some("yes"));
    // b takes the free lease at its next attempt, one retry period on, not a lease duration.
    let freed_at = clock.now();
    clock.advance(RETRY);
    settle(&server, &clock, 1).await;
    assert!(b.elector.is_leader());
    let b_started = happened(&timeline, "b started").expect("b leads");
    assert!(b_started - freed_at < LEASE_DURATION);
    let l = lease(&server).await;
    assert_eq!(l.spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(l.spec.lease_transitions, Some(1));
    b.cancel.cancel();
    tokio::time::timeout(GUARD, b.task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_whose_renewals_fail_steps_down_before_the_lease_expires_for_the_others() {
    let server = server().await;
    let clock = FakeClock::new();
    let timeline = Timeline::default();
    let a = start(&server, "a", &clock, &timeline, false);
    settle(&server, &clock, 1).await;
    let b = start(&server, "b", &clock, &timeline, false);
    settle(&server, &clock, 2).await;
    assert!(a.elector.is_leader());
    // From now on every request of a fails; b is served.
    server
        .faults()
        .clients()
        .set("a", None, Some(ClientFault::Fail(InjectedError::Internal)));
    let failing_since = clock.now();
    let wall = std::time::Instant::now();
    let mut steps = 0;
    while happened(&timeline, "b started").is_none() {
        clock.advance(RETRY);
        settle_when(&server, &clock, || if a.task.is_finished() { 1 } else { 2 }).await;
        // Never two leaders: b cannot have started while a still leads.
        let (a_lost, b_started) = (happened(&timeline, "a lost"), happened(&timeline, "b started"));
        if b_started.is_some() {
            assert!(
                a_lost.is_some(),
                "b started while a still led: {:?}",
                timeline.lock().unwrap()
            );
        }
        steps += 1;
        assert!(steps <= 20, "b never took over: {:?}", timeline.lock().unwrap());
    }
    let a_lost = happened(&timeline, "a lost").unwrap();
    let b_started = happened(&timeline, "b started").unwrap();
    assert!(a_lost < b_started, "a stepped down before b took over");
    assert!(a_lost - failing_since <= RENEW_DEADLINE + RETRY);
    println!(
        "failover (fake clock; lease {LEASE_DURATION:?}, renew deadline {RENEW_DEADLINE:?}, retry {RETRY:?}): \
         a stepped down {:?} after its renewals began failing, b led {:?} after; no leader for {:?} \
         (simulated in {:?} of real time)",
        a_lost - failing_since,
        b_started - failing_since,
        b_started - a_lost,
        wall.elapsed()
    );
    tokio::time::timeout(GUARD, a.task).await.unwrap().unwrap();
    assert!(happened(&timeline, "a stopped").is_some_and(|t| t <= b_started));
    assert_eq!(lease(&server).await.spec.holder_identity.as_deref(), Some("b"));
    b.cancel.cancel();
    tokio::time::timeout(GUARD, b.task).await.unwrap().unwrap();
}
