//! Seed 003 §"Persisting the resourceVersion": save the resourceVersion to a file *after* each
//! event is processed, so a restarted program resumes where it stopped and sees what happened while
//! it was down. When the saved version has been compacted away the server answers 410 Expired: log a
//! warning and start again from "now" (a fresh list's resourceVersion).
//!
//! Run: `cargo run --example watch_persist_resource_version [-- --kubeconfig PATH]` (twice, to
//! see the resume; the file is `resource-version.txt` in the current directory).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::clientcmd;
use clientgo::tools::watch::RetryWatcher;
use futures_util::StreamExt as _;

/// Watches pods of `namespace` from the version saved in `file` (or from now when it is empty)
/// and processes `max_events` events, saving the version after each.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    file: &Path,
    max_events: usize,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    if !file.exists() {
        std::fs::write(file, "")?;
    }
    let mut rv = std::fs::read_to_string(file)?.trim().to_owned();
    let now = || async {
        let list = pods.list(&ListOptions::default().limit(1)).await?;
        Ok::<_, clientgo::rest::Error>(list.metadata.resource_version.unwrap_or_default())
    };
    if rv.is_empty() {
        rv = now().await?;
        std::fs::write(file, &rv)?;
        writeln!(out, "no saved resourceVersion: starting from now ({rv})")?;
    } else {
        writeln!(out, "resuming from saved resourceVersion {rv}")?;
    }
    let mut processed = 0;
    while processed < max_events {
        let mut watcher = RetryWatcher::new(&rv, ListWatch::new(pods.clone()))?;
        while processed < max_events {
            let Some(ev) = watcher.next().await else { break };
            let (ty, obj) = match &ev {
                WatchEvent::Added(p) => ("ADDED", p),
                WatchEvent::Modified(p) => ("MODIFIED", p),
                WatchEvent::Deleted(p) => ("DELETED", p),
                WatchEvent::Error(s) if s.code == Some(410) => {
                    writeln!(
                        out,
                        "Warn: {}; restarting from now",
                        s.message.as_deref().unwrap_or("expired")
                    )?;
                    rv = now().await?;
                    std::fs::write(file, &rv)?;
                    break;
                }
                _ => continue,
            };
            writeln!(out, "{ty} {}", obj.name())?;
            // Processed: only now is the event's version saved.
            rv = obj.resource_version().to_owned();
            std::fs::write(file, &rv)?;
            processed += 1;
        }
    }
    writeln!(out, "saved resourceVersion {rv}")?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let file = Path::new("resource-version.txt");
    let result = match target.server() {
        Some(_) => {
            // Show activity: the seed's three pods appear while we watch.
            let config = clientcmd::build_config_from_flags("", &target.kubeconfig_path().to_string_lossy())?;
            let pods = Clientset::new(&config)?.core_v1().pods("default");
            let writer = tokio::spawn(async move {
                for i in 1..=3 {
                    let pod: clientgo::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
                        "metadata": {"name": format!("pod-{i}")},
                        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
                    }))
                    .map_err(|e| e.to_string())?;
                    pods.create(&pod, &Default::default())
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            });
            let r = run(target.kubeconfig_path(), "default", file, 3, &mut out).await;
            writer.await??;
            r
        }
        None => run(target.kubeconfig_path(), "default", file, 3, &mut out).await,
    };
    print!("{out}");
    result
}
