//! Seed 003 §"Re-watching in a double loop": the naive fix for a closed watch is to watch again,
//! without a resourceVersion. Each new watch starts with the current state replayed as ADDED
//! (duplicates), and whatever happened between two watches is never seen (lost events). The
//! RetryWatcher (`retry_watcher_basic`) is the correct fix.
//!
//! Run: `cargo run --example watch_double_loop_rewatch [-- --kubeconfig PATH]` (the embedded server
//! closes each watch after one event).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;
use futures_util::StreamExt as _;

fn busybox(name: &str) -> Result<Pod, serde_json::Error> {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
    }))
}

/// Two rounds of the naive loop, with pod-b created and deleted between them.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    pods.create(&busybox("pod-a")?, &WriteOptions::default()).await?;
    let mut seen = Vec::new();
    for round in 1..=2 {
        // The seed's loop: `for { w := Watch(ListOptions{}); for ev := range w.ResultChan() {...} }`
        let mut events = pods.watch(&ListOptions::default()).await?.boxed();
        while let Some(ev) = events.next().await {
            if let WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) = ev? {
                let dup = if seen.contains(&p.name().to_owned()) {
                    " (duplicate)"
                } else {
                    ""
                };
                writeln!(out, "round {round}: event for {}{dup}", p.name())?;
                seen.push(p.name().to_owned());
            }
        }
        writeln!(
            out,
            "round {round}: watch closed; watching again without a resourceVersion"
        )?;
        if round == 1 {
            pods.create(&busybox("pod-b")?, &WriteOptions::default()).await?;
            pods.delete("pod-b", &DeleteOptions::default()).await?;
        }
    }
    let lost = !seen.iter().any(|n| n == "pod-b");
    writeln!(
        out,
        "pod-b was created and deleted between the watches: {}",
        if lost { "never seen" } else { "seen" }
    )?;
    pods.delete("pod-a", &DeleteOptions::default()).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    if let Some(s) = target.server() {
        s.faults().close_watches_after_events(Some(1));
    }
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), "default", &mut out).await;
    print!("{out}");
    result
}
