//! Seed 003 §5.17(2) "Re-watching in a double loop" (L3131-3175): the naive answer to a closed
//! watch channel is to watch again, without a resourceVersion, in an outer loop. Each new watch
//! opens with the current state as ADDED events again (duplicates: the seed's pods all came again
//! at 16:24:37, right after the close at 16:24:36), and whatever happened between two watches is
//! never delivered (lost events). A RetryWatcher (`retry_watcher_basic`) resumes from the last
//! resourceVersion instead.
//!
//! The example starts `pod-a` in its own namespace, then runs the seed's double loop for two rounds.
//! The server ends each watch after `--timeout-seconds` (standing in for a real server's own limit
//! of 30 to 60 minutes, see `watch_channel_close`), and between the two watches the example creates
//! and deletes `pod-b`, as another client could while the loop reconnects. Round 2 delivers pod-a's
//! ADDED again and nothing of pod-b.
//!
//! Run: `cargo run --example watch_double_loop_rewatch [-- --kubeconfig PATH] [--timeout-seconds N] [--no-activity]`

use std::collections::BTreeSet;
use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo_example::pods::busybox_pod;
use clientgo_example::{outln, BoxError, Session};
use futures_util::StreamExt as _;

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)] // Only `describe`, `HEADER` and `start_pod` are used here.
mod watch_pods_basic;
#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_pods_basic::{describe, HEADER};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How long the server keeps each watch open before it ends the stream (a real server's own
    /// limit, without it, is 30 to 60 minutes).
    #[arg(long, default_value_t = 10)]
    pub timeout_seconds: i64,
}

/// How many times the outer loop watches.
const ROUNDS: usize = 2;

/// Between the watches: pod-b comes and goes, removed at once (no grace period, so even a real
/// cluster's kubelet leaves nothing of it for the next watch to list).
async fn between_watches(session: &Session, pods: &ResourceClient<Pod>) -> Result<(), BoxError> {
    pods.create(
        &busybox_pod("pod-b", &[("app", "pod-b")])?,
        &WriteOptions::default(),
    )
    .await?;
    let mut at_once = DeleteOptions::default();
    at_once.grace_period_seconds = Some(0);
    pods.delete("pod-b", &at_once).await?;
    outln!(
        session.out(),
        "between the watches: pod-b created and deleted (by another client, say)"
    );
    Ok(())
}

/// One watch of the inner loop: prints each event, marking an ADDED of a pod an earlier round
/// delivered; returns the names of the pods it delivered.
async fn watch_once(
    session: &Session,
    pods: &ResourceClient<Pod>,
    round: usize,
    earlier: &BTreeSet<String>,
    args: &Args,
) -> Result<BTreeSet<String>, BoxError> {
    let out = session.out();
    outln!(
        out,
        "round {round}: watching without a resourceVersion (timeoutSeconds={})",
        args.timeout_seconds
    );
    outln!(out, "{HEADER}");
    let mut events = pods
        .watch(&ListOptions::default().timeout_seconds(args.timeout_seconds))
        .await?
        .boxed();
    let mut delivered = BTreeSet::new();
    while let Some(ev) = events.next().await {
        let ev = ev?;
        let again = match &ev {
            WatchEvent::Added(p) if earlier.contains(p.name()) => "  (again: an earlier round delivered it)",
            _ => "",
        };
        outln!(out, "{}{again}", describe(&ev));
        if let Some(p) = ev.object() {
            delivered.insert(p.name().to_owned());
        }
    }
    outln!(out, "Channel closed");
    Ok(delivered)
}

/// Runs the double loop for two rounds and says what was duplicated and what was lost.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    if session.activity() {
        clientgo_example::pods::start_pod(session, &pods, "pod-a").await?;
    } else {
        outln!(
            out,
            "create a pod for the watches to list: kubectl -n {ns} run pod-a --image=busybox -- sleep 3600"
        );
    }
    let mut seen = BTreeSet::new();
    let mut again = BTreeSet::new();
    for round in 1..=ROUNDS {
        let delivered = watch_once(session, &pods, round, &seen, args).await?;
        again.extend(delivered.intersection(&seen).cloned());
        seen.extend(delivered);
        if round < ROUNDS && session.activity() {
            between_watches(session, &pods).await?;
        }
    }
    if again.is_empty() {
        outln!(out, "duplicates: none (no pod existed when a watch started)");
    } else {
        let names = again.iter().cloned().collect::<Vec<_>>().join(", ");
        outln!(
            out,
            "duplicates: each watch listed the current state again as ADDED: {names}"
        );
    }
    if session.activity() {
        let lost = if seen.contains("pod-b") {
            "delivered"
        } else {
            "never delivered"
        };
        outln!(
            out,
            "lost: pod-b's ADDED and DELETED, between the watches: {lost}"
        );
    }
    outln!(
        out,
        "the fix: resume from the last resourceVersion (a RetryWatcher, see retry_watcher_basic)"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
