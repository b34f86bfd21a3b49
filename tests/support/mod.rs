//! What the example tests share: an embedded API server seeded like the demo cluster, handed to a
//! [`Session`] that captures the example's lines, and the path of a built example binary.
#![allow(dead_code)] // Each test binary uses a part.

use std::path::PathBuf;
use std::time::Duration;

use clientgo_apiserver::ApiServer;
use clientgo_example::{Out, Session};

/// A guard against a hung example; never a synchronisation.
pub const GUARD: Duration = Duration::from_secs(60);

/// An embedded server seeded like the demo cluster (a node, the kube-system pods).
pub async fn seeded_server() -> ApiServer {
    let server = ApiServer::start().await.expect("embedded server starts");
    clientgo_apiserver::embedded::seed_demo_cluster(&server);
    server
}

/// A session of the example `name` on a fresh seeded embedded server, capturing its lines.
pub async fn session(name: &str) -> Session {
    session_on(seeded_server().await, name).await
}

/// A session of the example `name` on `server`, capturing its lines.
pub async fn session_on(server: ApiServer, name: &str) -> Session {
    Session::builder(name)
        .embedded(server)
        .out(Out::capture())
        .start()
        .await
        .expect("session starts")
}

/// The lines an example printed, without the session's own lines about its namespace and clean-up.
pub fn example_lines(session: &Session) -> Vec<String> {
    session
        .out()
        .lines()
        .into_iter()
        .filter(|l| !l.starts_with("namespace ") && !l.starts_with("cleanup: "))
        .collect()
}

/// The example's lines as [`example_lines`] gives them, with runs of spaces squeezed to one (the
/// columns' padding aside).
pub fn squeezed_lines(session: &Session) -> Vec<String> {
    example_lines(session)
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// The built binary of the example `name` (`cargo test` and `cargo nextest run` build every example
/// before the tests run, into `target/<profile>/examples/`).
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "example binary {} is not built: run `cargo build --examples` (cargo test and cargo nextest build it)",
        path.display()
    );
    path
}
