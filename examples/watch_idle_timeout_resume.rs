//! Seed 004's python-client lesson: kuryr logs "60s without data received from watching
//! /api/v1/pods. Retrying the connection with resourceVersion=3420351." A watch whose connection
//! stalls (a proxy keeps the TCP connection open but forwards nothing) looks exactly like a quiet
//! watch: no error, no end. Only a client-side idle timeout notices it; the watch then resumes
//! from the last resourceVersion it delivered, so nothing written meanwhile is lost.
//!
//! With the embedded server the example makes the server stall the next watch (reply headers,
//! then nothing) twice: a plain watch just hangs; a `RetryWatcher` with an idle timeout gives up
//! on the stalled connection, re-watches from its resourceVersion and receives the ConfigMaps
//! created after that resourceVersion. Against a real cluster nothing can be stalled, so only the
//! second part runs, on a healthy watch.
//!
//! Run: `cargo run --example watch_idle_timeout_resume [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use clientgo::api::core::v1::ConfigMap;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, ListOptions, WriteOptions};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::clientcmd;
use clientgo::tools::watch::{RetryWatcher, RetryWatcherOptions};
use futures_util::StreamExt as _;

/// Makes the server stall its next request, when the example runs on the embedded server.
pub type Stall<'a> = Option<&'a (dyn Fn() + Sync)>;

fn config_map(name: &str) -> Result<ConfigMap, serde_json::Error> {
    serde_json::from_value(serde_json::json!({"metadata": {"name": name}}))
}

/// Runs both parts with `idle` as the idle timeout, writing the report to `out`.
pub async fn run(
    kubeconfig: &Path,
    stall: Stall<'_>,
    idle: Duration,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cms = Clientset::new(&config)?.core_v1().config_maps("default");
    cms.create(&config_map("idle-1")?, &WriteOptions::default())
        .await?;
    let rv = cms
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let wait = idle * 3;

    if let Some(stall) = stall {
        stall();
        let plain = cms
            .watch(&ListOptions::default().resource_version(rv.clone()))
            .await?;
        let mut plain = std::pin::pin!(plain);
        let got = tokio::time::timeout(wait, plain.next()).await;
        writeln!(
            out,
            "plain watch on a stalled connection: {}",
            match got {
                Err(_) => format!("nothing in {wait:?}, no error, no end: it would wait forever"),
                Ok(Some(_)) => "received data (the stall did not happen)".to_owned(),
                Ok(None) => "ended".to_owned(),
            }
        )?;
    }

    // Written after the resume point: whichever watch delivers them, neither may be lost.
    for name in ["idle-2", "idle-3"] {
        cms.create(&config_map(name)?, &WriteOptions::default()).await?;
    }
    if let Some(stall) = stall {
        stall();
    }
    let options = RetryWatcherOptions::default().idle_timeout(idle);
    let mut watcher = RetryWatcher::with_options(&rv, ListWatch::new(cms.clone()), options)?;
    writeln!(
        out,
        "RetryWatcher from resourceVersion {rv} with a {idle:?} idle timeout"
    )?;
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let next = tokio::time::timeout(Duration::from_secs(30), watcher.next()).await;
        let Ok(Some(ev)) = next else {
            writeln!(out, "gave up waiting for events")?;
            break;
        };
        if let WatchEvent::Added(cm) = &ev {
            if seen.is_empty() {
                // A stalled first watch delivers nothing, so the first event cannot come sooner.
                let after = started.elapsed() >= idle;
                writeln!(out, "first event only after the idle timeout: {after}")?;
            }
            writeln!(out, "ADDED configmap/{}", cm.name())?;
            seen.push(cm.resource_version().to_owned());
        }
    }
    watcher.stop();
    writeln!(
        out,
        "resumed: {} events, none lost; resume point now resourceVersion {}",
        seen.len(),
        watcher.resource_version()
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let stall = target
        .server()
        .map(|server| move || server.faults().stall_next_requests(1));
    let stall_ref: Stall<'_> = stall.as_ref().map(|f| f as &(dyn Fn() + Sync));
    let mut out = String::new();
    let result = run(
        target.kubeconfig_path(),
        stall_ref,
        Duration::from_secs(2),
        &mut out,
    )
    .await;
    print!("{out}");
    result
}
