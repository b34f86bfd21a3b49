//! Seed 003 §"Event ordering": the synthetic ADDED events that start a watch without a
//! resourceVersion are in key order, not resourceVersion order (pods created c, b, a arrive a, b, c
//! with falling versions). So "resume from the largest version seen" is only safe once the
//! initial events are over; resume from the list's resourceVersion (or a bookmark) instead.
//!
//! Run: `cargo run --example watch_event_ordering [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;
use futures_util::StreamExt as _;

/// Creates pod-c, pod-b, pod-a in that order and prints the initial ADDED events of a watch.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    timeout_seconds: i64,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    for name in ["pod-c", "pod-b", "pod-a"] {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
        }))?;
        pods.create(&pod, &WriteOptions::default()).await?;
    }
    let mut w = pods
        .watch(&ListOptions::default().timeout_seconds(timeout_seconds))
        .await?
        .boxed();
    let mut versions = Vec::new();
    while let Some(ev) = w.next().await {
        if let WatchEvent::Added(p) = ev? {
            writeln!(out, "ADDED {} rv={}", p.name(), p.resource_version())?;
            versions.push(p.resource_version().parse::<u64>().unwrap_or(0));
        }
    }
    let ordered = versions.windows(2).all(|w| w[0] <= w[1]);
    writeln!(out, "initial events in resourceVersion order: {ordered}")?;
    for name in ["pod-a", "pod-b", "pod-c"] {
        pods.delete(name, &DeleteOptions::default()).await?;
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
