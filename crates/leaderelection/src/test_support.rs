//! What the unit tests share: the harness of the integration tests (`tests/support`), the
//! test lease, and an elector "baz" on it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::coordination::v1::{Lease, LeaseSpec};
use clientgo_apimachinery::ObjectMeta;
use clientgo_apiserver::ApiServer;
use clientgo_client::WriteOptions;
use clientgo_flowcontrol::FakeClock;
use tokio_util::sync::CancellationToken;

use crate::{Callbacks, LeaderElectionConfig, LeaderElector, LeaseLock};

// Each user of the shared harness takes only part of it.
#[allow(dead_code)]
#[path = "../tests/support/mod.rs"]
mod support;
pub(crate) use support::{clientset, leases, ops, server, settle, wait_for_ops, GUARD, NAMESPACE};

pub(crate) const LEASE: &str = "bar";

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
