//! Seed 003 §5.19(1) "Watch all namespaces" (L3930-4049): namespace `""` (client-go's
//! `metav1.NamespaceAll`) watches `/api/v1/pods?watch=true`, the pods of every namespace; each
//! event's namespace gets its own column, as in the seed's output (`kube-system` and `default`).
//!
//! The watch opens with a synthetic ADDED for every pod of the cluster (on the embedded server, the
//! demo cluster's kube-system pods), then the example starts and deletes `pod-1` in its own
//! namespace: its ADDED, MODIFIED and DELETED arrive on the same all-namespaces watch. On a real
//! cluster other namespaces' pods change too, and their events appear as they happen.
//!
//! Run: `cargo run --example watch_all_namespaces [-- --kubeconfig PATH] [--timeout-seconds N] [--no-activity]`

use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::ListOptions;
use clientgo_example::{outln, BoxError, Session};
use futures_util::StreamExt as _;

#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The longest the server keeps the watch open (the example ends it once its own pod is gone).
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: i64,
}

/// The seed's columns: type, namespace, pod name.
pub const HEADER: &str = "TYPE     NAMESPACE        NAME";

/// One line per event: type, namespace padded to 16 (and a space, for longer names), name.
pub fn describe(ev: &WatchEvent<Pod>) -> String {
    match ev.object() {
        Some(p) => format!(
            "{:<9}{:<16} {}",
            ev.event_type().as_str(),
            p.namespace().unwrap_or(""),
            p.name()
        ),
        None => watch_support::describe_rv(ev),
    }
}

/// Watches the pods of every namespace until the example's own pod is deleted (or the server ends
/// the watch).
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let own = session.clientset().core_v1().pods(ns);
    let all = session.clientset().core_v1().pods("");
    if !session.activity() {
        outln!(
            out,
            "watching every namespace for {}s (until a pod of namespace {ns} is deleted); cause events with",
            args.timeout_seconds
        );
        outln!(
            out,
            "  kubectl -n {ns} run pod-1 --image=busybox -- sleep 3600 && kubectl -n {ns} delete pod pod-1"
        );
    }
    let mut events = all
        .watch(&ListOptions::default().timeout_seconds(args.timeout_seconds))
        .await?
        .boxed();
    outln!(out, "{HEADER}");
    let activity = async {
        if session.activity() {
            clientgo_example::pods::start_and_delete_pod(session, &own, "pod-1").await
        } else {
            Ok(())
        }
    };
    let watch = async {
        while let Some(ev) = events.next().await {
            let ev = ev?;
            outln!(out, "{}", describe(&ev));
            if let WatchEvent::Deleted(p) = &ev {
                if p.namespace() == Some(ns) {
                    return Ok(());
                }
            }
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
