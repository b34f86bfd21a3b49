//! Seed 003 §"ClientSet in cluster via the ServiceAccount": `in_cluster_config()` from
//! `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` and the service-account token and CA, then the
//! server version. Outside a pod it prints client-go's error. See examples/Dockerfile for running it
//! in a cluster; `--service-account-dir DIR` overrides the mount for local tries.
//!
//! Run (in a pod): `/main`; locally: `cargo run --example clientset_in_cluster_version`

use std::error::Error;
use std::fmt::Write as _;

use clientgo::kubernetes::Clientset;
use clientgo::rest::InCluster;
use serde::Serialize;

fn indent4<T: Serialize>(value: &T) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    match value.serialize(&mut ser) {
        Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
        Err(e) => format!("<unprintable: {e}>"),
    }
}

/// `rest.InClusterConfig()` then `ServerVersion()`.
pub async fn run(in_cluster: &InCluster, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = match in_cluster.config() {
        Ok(c) => c,
        Err(e) => {
            writeln!(out, "{e}")?;
            return Err(e.into());
        }
    };
    let version = Clientset::new(&config)?.server_version().await?;
    writeln!(out, "{}", indent4(&version))?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let in_cluster = match args.windows(2).find(|w| w[0] == "--service-account-dir") {
        Some(w) => InCluster::new(
            std::env::var("KUBERNETES_SERVICE_HOST").ok(),
            std::env::var("KUBERNETES_SERVICE_PORT").ok(),
            &w[1],
        ),
        None => InCluster::from_env(),
    };
    let mut out = String::new();
    let result = run(&in_cluster, &mut out).await;
    print!("{out}");
    result
}
