//! Seed 003 §5.3 "ClientSet from a kubeconfig file, out of cluster" (L45-120): load the kubeconfig
//! (`clientcmd.BuildConfigFromFlags("", path)`: an empty master URL means the kubeconfig's own
//! server), build a Clientset from the config (`kubernetes.NewForConfig`), ask for the server version
//! (`GET /version`) and print it as JSON indented by four spaces, the nine fields of `version.Info`.
//!
//! The seed checks the file exists first (`kube config file not found: PATH`); here the kubeconfig is
//! loaded before the example starts, and a missing or invalid one is reported in words
//! (`error: cannot read kubeconfig PATH: ...`, `error: invalid kubeconfig PATH:LINE:COLUMN: ...`).
//!
//! Read-only: it creates nothing.
//!
//! Run: `cargo run --example clientset_kubeconfig_version [-- --kubeconfig ~/.kube/config]`

#[path = "common/version_json.rs"]
mod version_json;

use std::process::ExitCode;

use clientgo::kubernetes::Clientset;
use clientgo::tools::clientcmd;
use clientgo_example::{outln, BoxError, NoArgs, Session};

/// Config from the kubeconfig, Clientset from the config, then `ServerVersion()`.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let path = session.kubeconfig();
    outln!(session.out(), "kubeconfig: {}", path.display());
    let config = clientcmd::build_config_from_flags("", &path.to_string_lossy())?;
    let clientset = Clientset::new(&config)?;
    let version = clientset.server_version().await?;
    outln!(session.out(), "{}", version_json::indent4(&version)?);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
