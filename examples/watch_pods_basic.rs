//! Seed 003 §"Watch basics": watch the pods of a namespace and print each event's type, name and
//! phase; the initial state arrives as ADDED, changes as MODIFIED, and the end of the stream is
//! reported as "Channel closed".
//!
//! With the embedded server the example also creates and deletes the seed's three busybox pods, so
//! there is something to see. Run: `cargo run --example watch_pods_basic [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo::tools::clientcmd;
use futures_util::StreamExt as _;

/// Creates the seed's three busybox pods (`kubectl apply -f pods.yaml`) and deletes them again.
pub async fn busybox_activity(pods: &ResourceClient<Pod>) -> Result<(), Box<dyn Error + Send + Sync>> {
    for i in 1..=3 {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("pod-{i}"), "labels": {"app": format!("pod-{i}"), "id": i.to_string()}},
            "spec": {"containers": [{"name": "busybox", "image": "busybox", "command": ["sleep", "3600"]}]}
        }))?;
        pods.create(&pod, &WriteOptions::default()).await?;
    }
    for i in 1..=3 {
        pods.delete(&format!("pod-{i}"), &DeleteOptions::default())
            .await?;
    }
    Ok(())
}

/// One line per event, as the seed prints them.
pub fn describe(ev: &WatchEvent<Pod>) -> String {
    match ev {
        WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => {
            let ty = match ev {
                WatchEvent::Added(_) => "ADDED",
                WatchEvent::Modified(_) => "MODIFIED",
                _ => "DELETED",
            };
            let phase = p.status.phase.as_deref().unwrap_or("");
            format!("{ty:<9}{:<40}{phase}", p.name())
        }
        WatchEvent::Bookmark(b) => format!("BOOKMARK rv={}", b.resource_version()),
        WatchEvent::Error(s) => format!("ERROR    {}", s.message.as_deref().unwrap_or("")),
    }
}

/// Watches `namespace` for `timeout_seconds` (the server then closes the stream); with
/// `activity`, creates and deletes three pods meanwhile.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    timeout_seconds: i64,
    activity: bool,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    let mut events = pods
        .watch(&ListOptions::default().timeout_seconds(timeout_seconds))
        .await?
        .boxed();
    let writer = activity.then(|| {
        let pods = pods.clone();
        tokio::spawn(async move { busybox_activity(&pods).await.map_err(|e| e.to_string()) })
    });
    while let Some(ev) = events.next().await {
        writeln!(out, "{}", describe(&ev?))?;
    }
    writeln!(out, "Channel closed")?;
    if let Some(w) = writer {
        w.await??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let embedded = target.server().is_some();
    let mut out = String::new();
    let ns = if embedded { "default" } else { "kube-system" };
    let result = run(target.kubeconfig_path(), ns, 5, embedded, &mut out).await;
    print!("{out}");
    result
}
