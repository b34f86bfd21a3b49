//! Seed 003 §"Watching from a resourceVersion": a watch with `resourceVersion=X` replays exactly the
//! events with versions after X. The seed's three busybox pods (pods.yaml) are created; a watch from
//! the version of the first one's creation sees only the other two.
//!
//! Run: `cargo run --example watch_resource_version_resume [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;
use futures_util::StreamExt as _;

/// Creates pod-1..3, then watches from pod-1's version and prints what comes (until
/// `timeout_seconds`).
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    timeout_seconds: i64,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    let mut first_rv = String::new();
    for i in 1..=3 {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("pod-{i}")},
            "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
        }))?;
        let created = pods.create(&pod, &WriteOptions::default()).await?;
        writeln!(
            out,
            "created {} at resourceVersion {}",
            created.name(),
            created.resource_version()
        )?;
        if i == 1 {
            first_rv = created.resource_version().to_owned();
        }
    }
    writeln!(out, "watching from resourceVersion {first_rv}:")?;
    let opts = ListOptions::default()
        .resource_version(first_rv)
        .timeout_seconds(timeout_seconds);
    let mut events = pods.watch(&opts).await?.boxed();
    while let Some(ev) = events.next().await {
        if let WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) = ev? {
            writeln!(out, "  event for {} at {}", p.name(), p.resource_version())?;
        }
    }
    for i in 1..=3 {
        pods.delete(&format!("pod-{i}"), &DeleteOptions::default())
            .await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), "default", 2, &mut out).await;
    print!("{out}");
    result
}
