//! Seed 004 "python-client watch timeout" (S004:L5-9): kuryr logs "60s without data received
//! from watching /api/v1/pods. Retrying the connection with resourceVersion=3420351." A watch whose
//! connection stalls (a proxy keeps the TCP connection open but forwards nothing) looks exactly like
//! a quiet watch: no event, no error, no end, forever. Only a client-side idle timeout notices it;
//! the client then watches again from the last resourceVersion it received, so nothing written
//! meanwhile is lost.
//!
//! On the embedded server the example makes the server stall a watch (reply headers, then
//! nothing): a plain watch just waits. Then it runs the idle timeout by hand on a watch the server
//! stalls too: after the timeout it resumes from its resourceVersion and receives the ConfigMap
//! written while it was stalled. On a real cluster nothing can be stalled from here, so the same
//! loop runs on a quiet watch: it resumes after the idle timeout just the same (a stalled and a
//! quiet watch cannot be told apart), and the ConfigMaps written around it each arrive once.
//! `RetryWatcherOptions::idle_timeout` does the same inside a RetryWatcher.
//!
//! Run: `cargo run --example watch_idle_timeout_resume [-- --kubeconfig PATH] [--idle-timeout SECS] [--no-activity]`

use std::process::ExitCode;
use std::time::Duration;

use clientgo::api::core::v1::ConfigMap;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{ListOptions, ResourceClient, WriteOptions};
use clientgo_example::{outln, BoxError, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use futures_util::StreamExt as _;
use tokio::sync::Notify;

#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How long a watch may deliver nothing before the client gives up on it and resumes (pick it
    /// above the server's bookmark interval, about a minute, outside a demonstration).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = clientgo_example::values::seconds)]
    pub idle_timeout: Duration,
}

/// The ConfigMaps written while the idle-timeout watch runs: one at once, one after its first
/// resume.
const WRITTEN: [&str; 2] = ["idle-2", "idle-3"];
/// Resumes after which the watch gives up waiting for [`WRITTEN`] (with `--no-activity`, nobody may
/// write them).
const MAX_RESUMES: usize = 5;

/// A duration in seconds, as the options take it: `0.5s`, `5s`.
fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

fn config_map(name: &str) -> Result<ConfigMap, BoxError> {
    let mut cm: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": name}}))?;
    cm.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
    Ok(cm)
}

/// Where the watch is, for the writer that acts around it.
#[derive(Default)]
struct Progress {
    started: Notify,
    resumed: Notify,
}

/// (Embedded server only.) A plain watch on a stalled connection: nothing comes, and nothing ends.
async fn plain_watch_stalls(
    session: &Session,
    cms: &ResourceClient<ConfigMap>,
    rv: &str,
    idle: Duration,
) -> Result<(), BoxError> {
    let out = session.out();
    let Some(server) = session.server() else {
        outln!(
            out,
            "a plain watch on a stalled connection would wait forever; a stall cannot be caused from here on a real cluster, and a quiet watch looks the same"
        );
        return Ok(());
    };
    server.faults().stall_next_requests(1);
    let plain = cms.watch(&ListOptions::default().resource_version(rv)).await?;
    let mut plain = std::pin::pin!(plain);
    let wait = idle * 3;
    let got = tokio::time::timeout(wait, plain.next()).await;
    let what = match got {
        Err(_) => format!(
            "nothing in {}, no error, no end: it would wait forever",
            secs(wait)
        ),
        Ok(Some(_)) => "it received data (the stall did not happen)".to_owned(),
        Ok(None) => "it ended (the stall did not happen)".to_owned(),
    };
    outln!(
        out,
        "a plain watch on a connection the embedded server stalls: {what}"
    );
    Ok(())
}

/// The idle timeout by hand: watch from `rv`; whenever nothing (no event, no bookmark) comes for
/// `idle`, or the watch ends, watch again from the last resourceVersion received. Ends once both
/// [`WRITTEN`] ConfigMaps have arrived, or after [`MAX_RESUMES`] resumes.
async fn watch_with_idle_timeout(
    session: &Session,
    cms: &ResourceClient<ConfigMap>,
    mut rv: String,
    idle: Duration,
    progress: &Progress,
) -> Result<Vec<String>, BoxError> {
    let out = session.out();
    let mut arrived = Vec::new();
    for _ in 0..=MAX_RESUMES {
        let opts = ListOptions::default().resource_version(rv.clone()).bookmarks();
        // A stall can come before the reply headers too.
        let watch = match tokio::time::timeout(idle, cms.watch(&opts)).await {
            Ok(watch) => watch?,
            Err(_) => {
                outln!(
                    out,
                    "no reply for {}: watching again from resourceVersion {rv}",
                    secs(idle)
                );
                continue;
            }
        };
        let mut events = std::pin::pin!(watch);
        progress.started.notify_one();
        loop {
            match tokio::time::timeout(idle, events.next()).await {
                Err(_) => {
                    outln!(
                        out,
                        "no data for {}: resuming from resourceVersion {rv}",
                        secs(idle)
                    );
                    progress.resumed.notify_one();
                    break;
                }
                Ok(None) => {
                    outln!(out, "the watch ended: resuming from resourceVersion {rv}");
                    break;
                }
                Ok(Some(ev)) => {
                    match ev? {
                        WatchEvent::Bookmark(b) => rv = b.resource_version().to_owned(),
                        ev => {
                            if let Some(cm) = ev.object() {
                                rv = cm.resource_version().to_owned();
                                outln!(
                                    out,
                                    "{} configmap/{} (resourceVersion {rv})",
                                    ev.event_type().as_str(),
                                    cm.name()
                                );
                                if WRITTEN.contains(&cm.name()) && matches!(ev, WatchEvent::Added(_)) {
                                    arrived.push(cm.name().to_owned());
                                }
                            }
                        }
                    }
                    if WRITTEN.iter().all(|n| arrived.iter().any(|a| a == n)) {
                        return Ok(arrived);
                    }
                }
            }
        }
    }
    outln!(out, "gave up after {MAX_RESUMES} resumes");
    Ok(arrived)
}

/// Writes idle-2 once the watch has started, and idle-3 after its first resume.
async fn write_around(
    session: &Session,
    cms: &ResourceClient<ConfigMap>,
    progress: &Progress,
) -> Result<(), BoxError> {
    let [first, second] = WRITTEN;
    progress.started.notified().await;
    let cm = cms.create(&config_map(first)?, &WriteOptions::default()).await?;
    outln!(
        session.out(),
        "created configmap/{first} (resourceVersion {})",
        cm.resource_version()
    );
    progress.resumed.notified().await;
    let cm = cms.create(&config_map(second)?, &WriteOptions::default()).await?;
    outln!(
        session.out(),
        "created configmap/{second} (resourceVersion {})",
        cm.resource_version()
    );
    Ok(())
}

/// Shows the stalled plain watch (embedded server), then the idle timeout resuming without loss.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let idle = args.idle_timeout;
    let ns = session.namespace().await?;
    let cms = session.clientset().core_v1().config_maps(ns);
    let rv = watch_support::current_resource_version(&cms).await?;
    plain_watch_stalls(session, &cms, &rv, idle).await?;

    let stalled = match session.server() {
        Some(server) => {
            server.faults().stall_next_requests(1);
            "the embedded server stalls it"
        }
        None => "a quiet watch",
    };
    outln!(
        out,
        "watching from resourceVersion {rv} with a {} idle timeout ({stalled})",
        secs(idle)
    );
    if !session.activity() {
        outln!(
            out,
            "create two ConfigMaps, one now and one after the first 'no data' line: kubectl -n {ns} create configmap {}; kubectl -n {ns} create configmap {}",
            WRITTEN[0],
            WRITTEN[1]
        );
    }
    let progress = Progress::default();
    let writer = async {
        if session.activity() {
            write_around(session, &cms, &progress).await
        } else {
            Ok(())
        }
    };
    let watch = watch_with_idle_timeout(session, &cms, rv, idle, &progress);
    let (mut writer, mut watch) = (std::pin::pin!(writer), std::pin::pin!(watch));
    // The writer may still be printing when both ConfigMaps have arrived: it is waited for. A
    // watch that gave up instead drops the writer, which may still wait for its cue.
    let arrived = tokio::select! {
        arrived = &mut watch => {
            let arrived = arrived?;
            if arrived.len() == WRITTEN.len() {
                writer.await?;
            }
            arrived
        }
        written = &mut writer => {
            written?;
            watch.await?
        }
    };
    if arrived.len() == WRITTEN.len() {
        outln!(
            out,
            "resumed without losing anything: {} each arrived once",
            WRITTEN.join(" and ")
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
