//! Seed 003 §"RetryWatcher": a watch that resumes by itself. The server here closes every watch
//! after two events (when the embedded server is used); the RetryWatcher restarts from the last
//! resourceVersion it delivered, so the printed events have no gap and no duplicate. It refuses
//! "" and "0" as the initial resourceVersion, and stops for good on `stop()`.
//!
//! Run: `cargo run --example retry_watcher_basic [-- --kubeconfig PATH]`

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)]
mod watch_pods_basic;

use std::collections::HashSet;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::clientcmd;
use clientgo::tools::watch::RetryWatcher;
use futures_util::StreamExt as _;

/// Lists the namespace's pods, then follows them with a RetryWatcher until `expected` events
/// arrived, while `activity` creates and deletes three pods.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    activity: bool,
    expected: usize,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    let rv = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    for bad in ["", "0"] {
        if let Err(e) = RetryWatcher::new(bad, ListWatch::new(pods.clone())) {
            writeln!(out, "refused: {e}")?;
        }
    }
    writeln!(out, "Starting RetryWatcher at RV={rv}")?;
    let mut watcher = RetryWatcher::new(&rv, ListWatch::new(pods.clone()))?;
    let writer = activity.then(|| {
        let pods = pods.clone();
        tokio::spawn(async move {
            watch_pods_basic::busybox_activity(&pods)
                .await
                .map_err(|e| e.to_string())
        })
    });
    let mut seen = HashSet::new();
    let mut duplicates = 0;
    for _ in 0..expected {
        let Some(ev) = watcher.next().await else { break };
        if let WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) = &ev {
            if !seen.insert(p.resource_version().to_owned()) {
                duplicates += 1;
            }
        }
        writeln!(out, "{}", watch_pods_basic::describe(&ev))?;
    }
    watcher.stop();
    writeln!(
        out,
        "stopped at RV={}; duplicates: {duplicates}",
        watcher.resource_version()
    )?;
    if watcher.next().await.is_none() {
        writeln!(out, "no restart after stop()")?;
    }
    if let Some(w) = writer {
        w.await??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    if let Some(server) = target.server() {
        // Make the server close every watch after two events, as a flaky network would.
        server.faults().close_watches_after_events(Some(2));
    }
    let embedded = target.server().is_some();
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), "default", embedded, 6, &mut out).await;
    print!("{out}");
    result
}
