//! Seed 003 §5.18 "Watch basics" (L2964-3071): watch the pods of a namespace and print each event's
//! type, name and phase. Objects that exist when the watch starts arrive first, as synthetic ADDED
//! events; changes follow as MODIFIED and DELETED; the end of the stream is reported as "Channel
//! closed".
//!
//! The example works in its own namespace: it starts `pod-0` before the watch (so the watch opens
//! with a synthetic ADDED), then starts and deletes `pod-1` while watching. On the embedded server,
//! which runs no kubelet, the example marks each pod Running itself; on a real cluster the kubelet
//! does (and reports more MODIFIED events as it pulls the image and starts the container).
//!
//! Run: `cargo run --example watch_pods_basic [-- --kubeconfig PATH] [--timeout-seconds N] [--no-activity]`

use std::borrow::Borrow;
use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::ListOptions;
use clientgo_example::pods::{start_and_delete_pod, start_pod};
use clientgo_example::{outln, BoxError, Session};
use futures_util::StreamExt as _;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How long the server keeps the watch open before it ends the stream.
    #[arg(long, default_value_t = 15)]
    pub timeout_seconds: i64,
}

/// The columns of [`describe`].
pub const HEADER: &str = "TYPE     NAME                                    PHASE";

/// One line per event, the seed's columns: type, name padded to 40, phase. Takes events of pods
/// or of shared pods (an informer's `Arc<Pod>`).
pub fn describe<P: Borrow<Pod>>(ev: &WatchEvent<P>) -> String {
    match ev {
        WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => {
            let p: &Pod = p.borrow();
            let phase = p.status.phase.as_deref().unwrap_or("");
            format!("{:<9}{:<40}{phase}", ev.event_type().as_str(), p.name())
        }
        WatchEvent::Bookmark(b) => format!("BOOKMARK rv={}", b.resource_version()),
        WatchEvent::Error(s) => format!("ERROR    {}", s.message.as_deref().unwrap_or("")),
    }
}

/// Watches the example's namespace until the server ends the stream after `args.timeout_seconds`.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    if session.activity() {
        if let Some(server) = session.server() {
            // The embedded server ends the watch once it has sent the four events of the activity
            // (pod-0 ADDED; pod-1 ADDED, MODIFIED, DELETED) instead of waiting for the timeout.
            server.faults().close_watches_after_events(Some(4));
        }
        start_pod(session, &pods, "pod-0").await?;
    } else {
        outln!(
            out,
            "waiting for pod events in namespace {ns} for {}s; cause some with",
            args.timeout_seconds
        );
        outln!(
            out,
            "  kubectl -n {ns} run demo --image=busybox -- sleep 3600 && kubectl -n {ns} delete pod demo"
        );
    }
    let mut events = pods
        .watch(&ListOptions::default().timeout_seconds(args.timeout_seconds))
        .await?
        .boxed();
    outln!(out, "{HEADER}");
    let activity = async {
        if session.activity() {
            // pod-1 is created, starts, and is deleted while the watch is open.
            start_and_delete_pod(session, &pods, "pod-1").await
        } else {
            Ok(())
        }
    };
    let watch = async {
        while let Some(ev) = events.next().await {
            outln!(out, "{}", describe(&ev?));
        }
        outln!(out, "Channel closed");
        Ok::<(), BoxError>(())
    };
    let (activity, watch) = tokio::join!(activity, watch);
    activity.and(watch)
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
