//! Seed 003 §"RetryWatcher and resourceVersion": the watch function must send the options it is
//! given. The seed's version ignored them and always watched "from now": after each restart the
//! server replays every existing pod as ADDED (duplicates) and anything that happened while it was
//! reconnecting is lost. Forwarding the options (what `ListWatch` does) resumes exactly.
//!
//! Run: `cargo run --example retry_watcher_resource_version [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo::tools::cache::{FnListWatch, ListWatch, ListerWatcher, WatchStream};
use clientgo::tools::clientcmd;
use clientgo::tools::watch::{RetryWatcher, RetryWatcherOptions};
use futures_util::StreamExt as _;

fn busybox(name: &str) -> Result<Pod, serde_json::Error> {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
    }))
}

/// Watch function of the seed: ignores the options (no resourceVersion, no bookmarks).
fn ignoring_options(pods: ResourceClient<Pod>) -> FnListWatch<Pod> {
    let l = ListWatch::new(pods.clone());
    FnListWatch::new(
        move |o| l.list(o),
        move |_ignored| {
            let pods = pods.clone();
            Box::pin(
                async move { Ok(pods.watch(&ListOptions::default()).await?.boxed() as WatchStream<Pod>) },
            )
        },
    )
}

async fn follow(
    label: &str,
    lw: impl ListerWatcher<Pod>,
    pods: &ResourceClient<Pod>,
    rv: &str,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let options = RetryWatcherOptions::default().min_restart_delay(std::time::Duration::ZERO);
    let mut w = RetryWatcher::with_options(rv, lw, options)?;
    // pod-a exists before; pod-b is created and pod-a deleted while watches keep closing.
    pods.create(&busybox("pod-b")?, &WriteOptions::default()).await?;
    pods.delete("pod-a", &DeleteOptions::default()).await?;
    let mut lines = Vec::new();
    let mut deleted_seen = false;
    for _ in 0..6 {
        let ev = match tokio::time::timeout(std::time::Duration::from_secs(3), w.next()).await {
            Ok(Some(ev)) => ev,
            _ => break,
        };
        if let WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) = &ev {
            let ty = match ev {
                WatchEvent::Added(_) => "ADDED",
                WatchEvent::Modified(_) => "MODIFIED",
                _ => "DELETED",
            };
            deleted_seen |= ty == "DELETED";
            lines.push(format!("{ty} {}", p.name()));
            if deleted_seen {
                break;
            }
        }
    }
    writeln!(out, "{label}: {}", lines.join(", "))?;
    writeln!(
        out,
        "{label}: DELETED pod-a {}",
        if deleted_seen { "seen" } else { "MISSED" }
    )?;
    pods.delete("pod-b", &DeleteOptions::default()).await?;
    pods.create(&busybox("pod-a")?, &WriteOptions::default()).await?;
    Ok(())
}

/// Runs both variants against a namespace where watches close after every event.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    pods.create(&busybox("pod-a")?, &WriteOptions::default()).await?;
    let rv = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    follow(
        "ignoring options (the seed)",
        ignoring_options(pods.clone()),
        &pods,
        &rv,
        out,
    )
    .await?;
    let rv = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    follow(
        "forwarding options",
        ListWatch::new(pods.clone()),
        &pods,
        &rv,
        out,
    )
    .await?;
    pods.delete("pod-a", &DeleteOptions::default()).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    if let Some(server) = target.server() {
        server.faults().close_watches_after_events(Some(1));
    }
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), "default", &mut out).await;
    print!("{out}");
    result
}
