//! Seed 003 §"Watch event types": ADDED, MODIFIED, DELETED (carrying the last state), BOOKMARK (only
//! a resourceVersion: it advances the resume point without being an object change) and ERROR (a
//! Status with code and reason, e.g. 410 Expired when the history was compacted). Bookmarks keep
//! the resume point fresh, so a restart after a compaction of *other* resources' history does not
//! hit 410, while a stale version does.
//!
//! Run: `cargo run --example watch_event_types [-- --kubeconfig PATH]` (the embedded server sends
//! bookmarks every second).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::clientcmd;
use clientgo::tools::watch::{RetryWatcher, RetryWatcherOptions};
use futures_util::StreamExt as _;

/// Shows the five event types on `namespace`; `compact` compacts the server's history (embedded
/// server only) to produce the 410.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    compact: &(dyn Fn() + Send + Sync),
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);
    let stale = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let options = RetryWatcherOptions::default().deliver_bookmarks(true);
    let mut w = RetryWatcher::with_options(&stale, ListWatch::new(pods.clone()), options)?;
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "pod-1"},
        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
    }))?;
    let created = pods.create(&pod, &WriteOptions::default()).await?;
    let mut labelled = created.clone();
    labelled.metadata.labels.insert("stage", "two");
    pods.update("pod-1", &labelled, &WriteOptions::default()).await?;
    pods.delete("pod-1", &DeleteOptions::default()).await?;
    while let Some(ev) = w.next().await {
        match &ev {
            WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => {
                let ty = match ev {
                    WatchEvent::Added(_) => "ADDED",
                    WatchEvent::Modified(_) => "MODIFIED",
                    _ => "DELETED",
                };
                writeln!(out, "{ty:<9}{} labels={:?}", p.name(), p.metadata.labels)?;
            }
            WatchEvent::Bookmark(b) => {
                writeln!(
                    out,
                    "BOOKMARK resourceVersion advanced to {}",
                    b.resource_version()
                )?;
                break;
            }
            WatchEvent::Error(s) => writeln!(out, "ERROR    {:?}", s.code)?,
        }
    }
    writeln!(out, "resume point after the bookmark: {}", w.resource_version())?;
    drop(w);
    compact();
    let mut stale_watch = RetryWatcher::new(&stale, ListWatch::new(pods))?;
    if let Some(WatchEvent::Error(s)) = stale_watch.next().await {
        writeln!(
            out,
            "ERROR    code={} reason={} (from the stale version {stale})",
            s.code.unwrap_or(0),
            s.reason.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let embedded = clientgo_apiserver::embedded::kubeconfig_from_args().is_none();
    let server = if embedded {
        Some(
            clientgo_apiserver::ApiServer::builder()
                .bookmark_interval(std::time::Duration::from_secs(1))
                .start()
                .await?,
        )
    } else {
        None
    };
    let kubeconfig = match (&server, clientgo_apiserver::embedded::kubeconfig_from_args()) {
        (Some(s), _) => s.kubeconfig_path().to_owned(),
        (None, Some(k)) => k,
        (None, None) => return Err("no kubeconfig".into()),
    };
    let compact = || {
        if let Some(s) = &server {
            s.compact_now();
        }
    };
    let mut out = String::new();
    let result = run(&kubeconfig, "default", &compact, &mut out).await;
    print!("{out}");
    result
}
