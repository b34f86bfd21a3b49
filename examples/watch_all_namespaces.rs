//! Seed 003 §"Watch all namespaces": namespace `""` (client-go's `NamespaceAll`) watches
//! `/api/v1/pods?watch=true`; each event's namespace is printed in its own column.
//!
//! Run: `cargo run --example watch_all_namespaces [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::tools::clientcmd;
use futures_util::StreamExt as _;

/// Watches every namespace's pods for `timeout_seconds` and prints the initial ADDED events
/// sorted (their order is not guaranteed).
pub async fn run(
    kubeconfig: &Path,
    timeout_seconds: i64,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let all = Clientset::new(&config)?.core_v1().pods("");
    let mut events = all
        .watch(&ListOptions::default().timeout_seconds(timeout_seconds))
        .await?
        .boxed();
    let mut rows = Vec::new();
    while let Some(ev) = events.next().await {
        if let WatchEvent::Added(p) = ev? {
            rows.push(format!(
                "{:<15} {:<40} ADDED",
                p.namespace().unwrap_or(""),
                p.name()
            ));
        }
    }
    rows.sort();
    writeln!(out, "{:<15} {:<40} EVENT", "NAMESPACE", "NAME")?;
    for r in rows {
        writeln!(out, "{r}")?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), 2, &mut out).await;
    print!("{out}");
    result
}
