//! Starts the embedded Kubernetes API server, seeded like a fresh cluster, and serves until Ctrl-C.
//!
//! `cargo run --example apiserver` prints the kubeconfig path and a kubectl command to try.

use clientgo_apiserver::embedded::{seed_demo_cluster, wait_for_ctrl_c};
use clientgo_apiserver::ApiServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = ApiServer::start().await?;
    seed_demo_cluster(&server);
    println!("embedded API server listening on {}", server.url());
    println!("kubeconfig: {}", server.kubeconfig_path().display());
    println!(
        "try: kubectl --kubeconfig {} get pods -A",
        server.kubeconfig_path().display()
    );
    println!("press Ctrl-C to stop");
    wait_for_ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
