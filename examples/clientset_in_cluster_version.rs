//! Seed 003 §5.4 "ClientSet in cluster via the ServiceAccount" (L122-225): a program running in a
//! pod builds its config with `rest.InClusterConfig()` (the API server from
//! `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, the token and CA the kubelet mounts from the
//! pod's service account), then prints the server version as JSON indented by four spaces, like
//! §5.3. `/version` is readable by every service account, so the `default` one needs no RBAC.
//!
//! Outside a pod it fails with client-go's words: `unable to load in-cluster configuration,
//! KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined`. examples/Dockerfile says how
//! to build the static binary and image and run it in a cluster (read-only: it creates nothing).
//!
//! Run (in a pod): `/main`; outside: `cargo run --example clientset_in_cluster_version [-- --service-account-dir DIR]`

#[path = "common/version_json.rs"]
mod version_json;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use clientgo::kubernetes::Clientset;
use clientgo::rest::{InCluster, SERVICE_ACCOUNT_DIR};
use clientgo_example::{outln, BoxError, Out};

/// The example's options.
#[derive(Debug, clap::Parser)]
#[command(name = "clientset_in_cluster_version")]
pub struct Args {
    /// Where the pod's service-account token and CA are mounted.
    #[arg(long, value_name = "DIR", default_value = SERVICE_ACCOUNT_DIR)]
    pub service_account_dir: PathBuf,
}

/// `rest.InClusterConfig()`, `kubernetes.NewForConfig`, then `ServerVersion()`.
pub async fn run(in_cluster: &InCluster, out: &Out) -> Result<(), BoxError> {
    let config = in_cluster.config()?;
    outln!(out, "in-cluster config: API server {}", config.host);
    let version = Clientset::new(&config)?.server_version().await?;
    outln!(out, "{}", version_json::indent4(&version)?);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let in_cluster = InCluster::new(
        std::env::var("KUBERNETES_SERVICE_HOST").ok(),
        std::env::var("KUBERNETES_SERVICE_PORT").ok(),
        args.service_account_dir,
    );
    match run(&in_cluster, &Out::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
