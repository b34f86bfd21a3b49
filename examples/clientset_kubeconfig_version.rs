//! Seed 003 §"ClientSet from a kubeconfig file": load a kubeconfig, build a Clientset, print the
//! server version as 4-space-indented JSON.
//!
//! Runs against the embedded API server unless `--kubeconfig PATH` (or `KUBECONFIG`) is given.
//! Run: `cargo run --example clientset_kubeconfig_version [-- --kubeconfig ~/.kube/config]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::kubernetes::Clientset;
use clientgo::tools::clientcmd;
use serde::Serialize;

/// Pretty-prints with a 4-space indent, like Go's `json.MarshalIndent(v, "", "    ")`.
pub fn indent4<T: Serialize>(value: &T) -> String {
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

/// `NewClientSetByConfig(path)` then `ServerVersion()`.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    if !kubeconfig.exists() {
        writeln!(out, "kube config file not found: {}", kubeconfig.display())?;
        return Err(format!("kube config file not found: {}", kubeconfig.display()).into());
    }
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let clientset = Clientset::new(&config)?;
    let version = clientset.server_version().await?;
    writeln!(out, "{}", indent4(&version))?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &mut out).await;
    print!("{out}");
    result
}
