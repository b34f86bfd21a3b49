//! The harness every leader-election test shares (the unit tests include it too): the embedded
//! server with its request log on, clients told apart by User-Agent, the requests each one made,
//! and waiting for electors driven by a fake clock to park.

use std::time::Duration;

use clientgo_api::coordination::v1::Lease;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, ResourceClient};
use clientgo_flowcontrol::FakeClock;

/// The namespace of the test leases.
pub const NAMESPACE: &str = "default";
/// Real-time bound on waits that only a bug makes long.
pub const GUARD: Duration = Duration::from_secs(30);

/// An embedded server logging the requests it serves.
pub async fn server() -> ApiServer {
    let server = ApiServer::start().await.unwrap();
    server.faults().clients().record_requests(true);
    server
}

/// A clientset whose requests carry `user_agent`.
pub fn clientset(server: &ApiServer, user_agent: &str) -> Clientset {
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    config.user_agent = Some(user_agent.to_owned());
    Clientset::new(&config).unwrap()
}

/// A lease client whose requests carry `user_agent`.
pub fn leases(server: &ApiServer, user_agent: &str) -> ResourceClient<Lease> {
    clientset(server, user_agent).coordination_v1().leases(NAMESPACE)
}

/// The methods `user_agent` sent for leases, in order.
pub fn ops(server: &ApiServer, user_agent: &str) -> Vec<String> {
    server
        .faults()
        .clients()
        .requests()
        .into_iter()
        .filter(|r| r.user_agent == user_agent && r.path.contains("/leases"))
        .map(|r| r.method.to_string())
        .collect()
}

/// Waits until `user_agent` has sent `n` requests for leases.
pub async fn wait_for_ops(server: &ApiServer, user_agent: &str, n: usize) {
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

/// Waits until `sleepers` sleeps are parked on the clock and the server is answering nothing,
/// steadily for a few polls (the gap between an answer and the next sleep is short).
pub async fn settle(server: &ApiServer, clock: &FakeClock, sleepers: usize) {
    settle_when(server, clock, || sleepers).await;
}

/// Like [`settle`], with the number of parked electors read afresh at every poll.
pub async fn settle_when(server: &ApiServer, clock: &FakeClock, sleepers: impl Fn() -> usize) {
    tokio::time::timeout(GUARD, async {
        let mut quiet = 0;
        while quiet < 5 {
            tokio::time::sleep(Duration::from_millis(1)).await;
            if clock.sleepers() >= sleepers() && server.faults().clients().in_flight() == 0 {
                quiet += 1;
            } else {
                quiet = 0;
            }
        }
    })
    .await
    .expect("the electors never went idle");
}
