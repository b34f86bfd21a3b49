//! Seed 003 §"Why the watch channel closes": (1) the server ends the watch after its
//! `timeoutSeconds`; (2) the connection drops (the embedded server cuts it on purpose here); (3) the
//! client stops it. In every case the stream simply ends (or reports the broken connection), and a
//! program that must keep watching needs a RetryWatcher or an informer.
//!
//! Run: `cargo run --example watch_channel_close [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::clientcmd;
use clientgo::tools::watch::RetryWatcher;
use futures_util::StreamExt as _;

/// Shows the three causes; `cut_connections` turns the server's connection cutting on (embedded
/// server only: a real network drop cannot be ordered).
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    timeout_seconds: i64,
    cut_connections: &(dyn Fn(bool) + Send + Sync),
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let pods = Clientset::new(&config)?.core_v1().pods(namespace);

    let mut w = pods
        .watch(&ListOptions::default().timeout_seconds(timeout_seconds))
        .await?
        .boxed();
    let mut n = 0;
    while w.next().await.is_some() {
        n += 1;
    }
    writeln!(
        out,
        "1. closed by the server after timeoutSeconds={timeout_seconds} ({n} events)"
    )?;

    cut_connections(true);
    let rv = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let mut w = pods
        .watch(&ListOptions::default().resource_version(rv.clone()))
        .await?
        .boxed();
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "pod-1"},
        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
    }))?;
    pods.create(&pod, &WriteOptions::default()).await?;
    let mut events = 0;
    let mut broken = false;
    while let Some(item) = w.next().await {
        match item {
            Ok(_) => events += 1,
            Err(_) => broken = true,
        }
    }
    let how = if broken {
        "the stream reported the broken connection"
    } else {
        "the stream ended"
    };
    writeln!(out, "2. connection dropped after {events} event(s): {how}")?;
    cut_connections(false);

    let watcher = RetryWatcher::new(&rv, ListWatch::new(pods.clone()))?;
    watcher.stop();
    let ended = watcher.collect::<Vec<_>>().await.is_empty();
    writeln!(
        out,
        "3. stopped by the client: stream ended with no event: {ended}"
    )?;
    pods.delete("pod-1", &DeleteOptions::default()).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let cut = |on: bool| {
        if let Some(s) = target.server() {
            s.faults().close_watches_after_events(on.then_some(1));
            s.faults().cut_watches(on);
        }
    };
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), "default", 3, &cut, &mut out).await;
    print!("{out}");
    result
}
