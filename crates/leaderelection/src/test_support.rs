//! What the unit tests share: the embedded server, clients told apart by User-Agent, and the
//! requests each one made.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::coordination::v1::{Lease, LeaseSpec};
use clientgo_apimachinery::ObjectMeta;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, ResourceClient, WriteOptions};
use clientgo_flowcontrol::FakeClock;
use tokio_util::sync::CancellationToken;

use crate::{Callbacks, LeaderElectionConfig, LeaderElector, LeaseLock};

pub(crate) const NAMESPACE: &str = "default";
pub(crate) const LEASE: &str = "bar";
/// Real-time bound on waits that only a bug makes long.
pub(crate) const GUARD: Duration = Duration::from_secs(30);

pub(crate) async fn server() -> ApiServer {
    let server = ApiServer::start().await.unwrap();
    server.faults().clients().record_requests(true);
    server
}

/// Lease client whose requests carry `user_agent`.
pub(crate) fn leases(server: &ApiServer, user_agent: &str) -> ResourceClient<Lease> {
    clientset(server, user_agent).coordination_v1().leases(NAMESPACE)
}

pub(crate) fn clientset(server: &ApiServer, user_agent: &str) -> Clientset {
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    config.user_agent = Some(user_agent.to_owned());
    Clientset::new(&config).unwrap()
}

/// The methods `user_agent` sent for the test lease, in order.
pub(crate) fn ops(server: &ApiServer, user_agent: &str) -> Vec<String> {
    server
        .faults()
        .clients()
        .requests()
        .into_iter()
        .filter(|r| r.user_agent == user_agent && r.path.contains("/leases"))
        .map(|r| r.method.to_string())
        .collect()
}

/// Creates the test lease holding `spec`, as another writer would.
pub(crate) async fn create_lease(server: &ApiServer, spec: LeaseSpec) -> Lease {
    let lease = Lease {
        metadata: ObjectMeta {
            name: Some(LEASE.into()),
            ..ObjectMeta::default()
        },
        spec,
        ..Lease::default()
    };
    leases(server, "setup")
        .create(&lease, &WriteOptions::default())
        .await
        .unwrap()
}

/// A clock far from its start, so instants long in the past exist.
pub(crate) fn clock() -> FakeClock {
    let clock = FakeClock::new();
    clock.advance(Duration::from_secs(2000 * 3600));
    clock
}

/// What the callbacks of an elector saw.
pub(crate) type Seen = Arc<Mutex<Vec<String>>>;

/// An elector "baz" on the test lease with client-go's test timings (lease 10 s unless
/// changed), logging its callbacks into `seen`.
pub(crate) fn config(server: &ApiServer, clock: &FakeClock, seen: &Seen) -> LeaderElectionConfig {
    let (s1, s2, s3) = (Arc::clone(seen), Arc::clone(seen), Arc::clone(seen));
    let callbacks = Callbacks::new(
        move |token: CancellationToken| {
            s1.lock().unwrap().push("started".to_owned());
            async move { token.cancelled().await }
        },
        move || s2.lock().unwrap().push("stopped".to_owned()),
    )
    .on_new_leader(move |l| s3.lock().unwrap().push(format!("leader {l}")));
    LeaderElectionConfig::new(LeaseLock::new(leases(server, "baz"), LEASE, "baz"), callbacks)
        .lease_duration(Duration::from_secs(10))
        .renew_deadline(Duration::from_secs(2))
        .retry_period(Duration::from_secs(1))
        .clock(Arc::new(clock.clone()))
}

pub(crate) fn elector(config: LeaderElectionConfig) -> LeaderElector {
    LeaderElector::new(config).unwrap()
}

/// Waits until the electors are parked: `sleepers` sleeps on the clock and no request being
/// served, steadily for a few polls (the gap between an answer and the next sleep is short).
pub(crate) async fn settle(server: &ApiServer, clock: &FakeClock, sleepers: usize) {
    tokio::time::timeout(GUARD, async {
        let mut quiet = 0;
        while quiet < 5 {
            tokio::time::sleep(Duration::from_millis(1)).await;
            if clock.sleepers() >= sleepers && server.faults().clients().in_flight() == 0 {
                quiet += 1;
            } else {
                quiet = 0;
            }
        }
    })
    .await
    .expect("the electors never went idle");
}

/// Waits until `user_agent` has sent `n` requests for the lease.
pub(crate) async fn wait_for_ops(server: &ApiServer, user_agent: &str, n: usize) {
    tokio::time::timeout(GUARD, async {
        while ops(server, user_agent).len() < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{user_agent} never sent {n} requests: {:?}",
            ops(server, user_agent)
        )
    });
}
