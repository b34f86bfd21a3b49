//! Two and three electors on one Lease in the embedded API server, paced by a fake clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::coordination::v1::Lease;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, GetOptions, ResourceClient, WriteOptions};
use clientgo_flowcontrol::{Clock, FakeClock};
use clientgo_leaderelection::{
    Callbacks, CancellationToken, ConfigError, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use tokio::task::JoinHandle;

const GUARD: Duration = Duration::from_secs(30);
const RETRY: Duration = Duration::from_secs(2);
const LEASE: Duration = Duration::from_secs(15);

async fn server() -> (ApiServer, Clientset) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    (server, Clientset::new(&config).unwrap())
}

type Log = Arc<Mutex<Vec<String>>>;
/// When (on the fake clock) each elector's `on_stopped_leading` ran.
type Stops = Arc<Mutex<Vec<(String, std::time::Instant)>>>;

fn elector(
    api: &ResourceClient<Lease>,
    id: &str,
    clock: &FakeClock,
    log: &Log,
    stops: &Stops,
    release: bool,
) -> LeaderElector {
    let (stops, stop_clock) = (Arc::clone(stops), clock.clone());
    let (l1, l2, l3) = (Arc::clone(log), Arc::clone(log), Arc::clone(log));
    let (i1, i2, i3) = (id.to_owned(), id.to_owned(), id.to_owned());
    let callbacks = Callbacks::new(
        move |token: CancellationToken| {
            l1.lock().unwrap().push(format!("{i1} started"));
            async move { token.cancelled().await }
        },
        move || {
            stops.lock().unwrap().push((i2.clone(), stop_clock.now()));
            l2.lock().unwrap().push(format!("{i2} stopped"));
        },
    )
    .on_new_leader(move |leader| l3.lock().unwrap().push(format!("{i3} sees {leader}")));
    let config = LeaderElectionConfig::new(LeaseLock::new(api.clone(), "ctrl", id), callbacks)
        .release_on_cancel(release)
        .clock(Arc::new(clock.clone()));
    LeaderElector::new(config).unwrap()
}

fn spawn(e: &LeaderElector) -> (CancellationToken, JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let (e, c) = (e.clone(), cancel.clone());
    (cancel, tokio::spawn(async move { e.run(c).await }))
}

/// Waits until `n` electors are idle (each parked on one clock sleep), then moves time on.
async fn step(clock: &FakeClock, n: usize, by: Duration) {
    step_when(clock, || n, by).await;
}

/// Like [`step`], with the number of live electors read afresh while waiting.
async fn step_when(clock: &FakeClock, n: impl Fn() -> usize, by: Duration) {
    tokio::time::timeout(GUARD, async {
        while clock.sleepers() < n() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("electors never went idle");
    clock.advance(by);
}

async fn wait_for(log: &Log, line: &str) {
    tokio::time::timeout(GUARD, async {
        while !log.lock().unwrap().iter().any(|l| l == line) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never logged {line:?}: {:?}", log.lock().unwrap()));
}

async fn lease(api: &ResourceClient<Lease>) -> Lease {
    api.get("ctrl", &GetOptions::default()).await.unwrap()
}

/// client-go's `TestLeaderElectionConfigValidation`, with every check of `NewLeaderElector`.
#[test]
fn test_leader_election_config_validation() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let _g = rt.enter();
    let rest = clientgo_rest::Config::new("http://127.0.0.1:1");
    let api = Clientset::new(&rest).unwrap().coordination_v1().leases("default");
    let cfg = |id: &str| {
        LeaderElectionConfig::new(
            LeaseLock::new(api.clone(), "l", id),
            Callbacks::new(|_t: CancellationToken| async {}, || {}),
        )
    };
    let ms = Duration::from_millis;
    assert!(LeaderElector::new(cfg("baz")).is_ok());
    assert_eq!(
        LeaderElector::new(cfg("")).unwrap_err(),
        ConfigError::EmptyIdentity
    );
    assert_eq!(
        LeaderElector::new(cfg("")).unwrap_err().to_string(),
        "lock identity is empty"
    );
    assert!(matches!(
        LeaderElector::new(cfg("a").lease_duration(Duration::from_secs(10))).unwrap_err(),
        ConfigError::LeaseNotLongerThanDeadline { .. }
    ));
    // renewDeadline must exceed 1.2 * retryPeriod: 2.4 s does not, 2.401 s does.
    let err = LeaderElector::new(cfg("a").renew_deadline(ms(2400))).unwrap_err();
    assert!(
        matches!(err, ConfigError::DeadlineNotLongerThanRetry { .. }),
        "{err}"
    );
    assert!(LeaderElector::new(cfg("a").renew_deadline(ms(2401))).is_ok());
    // Zero durations, checked after the relations as client-go does.
    assert_eq!(
        LeaderElector::new(cfg("a").retry_period(Duration::ZERO)).unwrap_err(),
        ConfigError::NotPositive("retryPeriod")
    );
    assert_eq!(
        LeaderElector::new(cfg("a").retry_period(Duration::ZERO))
            .unwrap_err()
            .to_string(),
        "retryPeriod must be greater than zero"
    );
}

/// The case: client-go accepts any positive timings that keep the relations, a retry
/// period of a few milliseconds and a sub-second lease included.
#[test]
fn a_retry_period_of_a_few_milliseconds_is_accepted() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let _g = rt.enter();
    let rest = clientgo_rest::Config::new("http://127.0.0.1:1");
    let api = Clientset::new(&rest).unwrap().coordination_v1().leases("default");
    let cfg = LeaderElectionConfig::new(
        LeaseLock::new(api.clone(), "l", "a"),
        Callbacks::new(|_t: CancellationToken| async {}, || {}),
    );
    assert!(LeaderElector::new(cfg.retry_period(Duration::from_millis(5))).is_ok());
    let cfg = LeaderElectionConfig::new(
        LeaseLock::new(api, "l", "a"),
        Callbacks::new(|_t: CancellationToken| async {}, || {}),
    )
    .lease_duration(Duration::from_millis(900))
    .renew_deadline(Duration::from_millis(800))
    .retry_period(Duration::from_millis(100));
    assert!(LeaderElector::new(cfg).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_then_a_killed_leader_is_replaced_after_the_lease_duration() {
    let (_server, cs) = server().await;
    let api = cs.coordination_v1().leases("default");
    let clock = FakeClock::new();
    let log: Log = Arc::default();
    let stops: Stops = Arc::default();
    let a = elector(&api, "a", &clock, &log, &stops, false);
    let b = elector(&api, "b", &clock, &log, &stops, false);
    let (_ca, ta) = spawn(&a);
    wait_for(&log, "a started").await;
    let (_cb, tb) = spawn(&b);
    // 20 s of renewals: a keeps the lease (renewed every 2 s), b never leads.
    for _ in 0..10 {
        step(&clock, 2, RETRY).await;
    }
    step(&clock, 2, Duration::ZERO).await;
    assert!(a.is_leader());
    assert!(!b.is_leader());
    assert_eq!(b.get_leader(), "a");
    assert!(a.check(Duration::ZERO).is_ok());
    assert_eq!(lease(&api).await.spec.holder_identity.as_deref(), Some("a"));
    // Kill a (no release): b takes over once the record has not changed for a lease duration.
    ta.abort();
    let _ = ta.await;
    let killed_at = clock.now();
    let mut steps = 0;
    while !b.is_leader() {
        step(&clock, 1, RETRY).await;
        steps += 1;
        assert!(steps <= 10, "b never took over");
    }
    wait_for(&log, "b started").await;
    let waited = clock.now() - killed_at;
    assert!(waited >= LEASE - RETRY, "took over after only {waited:?}");
    let l = lease(&api).await;
    assert_eq!(l.spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(l.spec.lease_transitions, Some(1));
    let lines = log.lock().unwrap().clone();
    assert_eq!(
        lines.iter().filter(|l| l.ends_with("started")).count(),
        2,
        "{lines:?}"
    );
    assert!(lines.contains(&"b sees a".to_owned()) && lines.contains(&"b sees b".to_owned()));
    tb.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_on_cancel_hands_over_at_once_and_counts_transitions() {
    let (_server, cs) = server().await;
    let api = cs.coordination_v1().leases("default");
    let clock = FakeClock::new();
    let log: Log = Arc::default();
    let stops: Stops = Arc::default();
    let a = elector(&api, "a", &clock, &log, &stops, true);
    let b = elector(&api, "b", &clock, &log, &stops, true);
    let c = elector(&api, "c", &clock, &log, &stops, true);
    let (ca, ta) = spawn(&a);
    wait_for(&log, "a started").await;
    let (cb, tb) = spawn(&b);
    let (cc, tc) = spawn(&c);
    step(&clock, 3, RETRY).await;
    step(&clock, 3, Duration::ZERO).await;
    ca.cancel();
    tokio::time::timeout(GUARD, ta).await.unwrap().unwrap();
    wait_for(&log, "a stopped").await;
    let released = lease(&api).await;
    assert_eq!(released.spec.holder_identity.as_deref(), Some(""));
    assert_eq!(released.spec.lease_duration_seconds, Some(1));
    // One retry period later (far less than the lease duration), b or c holds it.
    step(&clock, 2, RETRY).await;
    let mut steps = 0;
    while !(b.is_leader() || c.is_leader()) {
        step(&clock, 2, Duration::ZERO).await;
        steps += 1;
        assert!(steps < 100);
    }
    step(&clock, 2, RETRY).await;
    step(&clock, 2, Duration::ZERO).await;
    assert!(b.is_leader() ^ c.is_leader(), "exactly one leader");
    let l = lease(&api).await;
    assert_eq!(l.spec.lease_transitions, Some(1));
    let (next, cancel_next, task_next, other, cancel_other, task_other) = if b.is_leader() {
        ("b", cb, tb, "c", cc, tc)
    } else {
        ("c", cc, tc, "b", cb, tb)
    };
    assert_eq!(l.spec.holder_identity.as_deref(), Some(next));
    cancel_next.cancel();
    tokio::time::timeout(GUARD, task_next).await.unwrap().unwrap();
    step(&clock, 1, RETRY).await;
    wait_for(&log, &format!("{other} started")).await;
    assert_eq!(lease(&api).await.spec.lease_transitions, Some(2));
    cancel_other.cancel();
    tokio::time::timeout(GUARD, task_other).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_cannot_renew_stops_before_another_can_acquire() {
    let (_server, cs) = server().await;
    let api = cs.coordination_v1().leases("default");
    let clock = FakeClock::new();
    let log: Log = Arc::default();
    let stops: Stops = Arc::default();
    let a = elector(&api, "a", &clock, &log, &stops, false);
    let b = elector(&api, "b", &clock, &log, &stops, false);
    let (_ca, ta) = spawn(&a);
    wait_for(&log, "a started").await;
    let (_cb, tb) = spawn(&b);
    step(&clock, 2, RETRY).await;
    // Both idle again (nobody moves the clock meanwhile), so the read-modify-write is not raced.
    step(&clock, 2, Duration::ZERO).await;
    // An intruder overwrites the lease: a's renewals now see a valid lease held by someone else.
    let mut l = lease(&api).await;
    l.spec.holder_identity = Some("intruder".into());
    api.update("ctrl", &l, &WriteOptions::default()).await.unwrap();
    let start = clock.now();
    let mut steps = 0;
    while !b.is_leader() {
        // a's run ends when it stops leading; until then both electors park on the clock.
        step_when(&clock, || if ta.is_finished() { 1 } else { 2 }, RETRY).await;
        steps += 1;
        assert!(steps <= 20, "{:?}", log.lock().unwrap());
    }
    let a_stopped_at = stops
        .lock()
        .unwrap()
        .iter()
        .find(|(id, _)| id == "a")
        .map(|(_, t)| *t);
    let a_stopped = a_stopped_at.expect("a never stopped leading") - start;
    assert!(a.check(Duration::ZERO).is_ok(), "not leading any more: healthy");
    let b_took = clock.now() - start;
    // The renew deadline (10 s) counted from the first failed renewal, one retry period in.
    assert!(a_stopped <= Duration::from_secs(10) + RETRY, "{a_stopped:?}");
    assert!(
        a_stopped < b_took,
        "a stopped at {a_stopped:?}, b took over at {b_took:?}"
    );
    assert!(!a.is_leader());
    tokio::time::timeout(GUARD, ta).await.unwrap().unwrap();
    tb.abort();
}
