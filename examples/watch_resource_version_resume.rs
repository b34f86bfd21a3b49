//! Seed 003 §5.18(1) "Watch from a resourceVersion" (L3404-3487): every event carries the
//! resourceVersion of the change, and a watch started with `resourceVersion=X` replays exactly the
//! events after X (X itself excluded), then goes on live.
//!
//! The example watches its own namespace while it starts the seed's three busybox pods (pods.yaml:
//! `pod-1`, `pod-2`, `pod-3`), printing the seed's columns with the resourceVersion. Then it watches
//! again from the resourceVersion of the first event: the same events come again, all but the first.
//! On the embedded server, which runs no kubelet, the example marks each pod Running itself; on a
//! real cluster the kubelet does, with more MODIFIED events.
//!
//! Run: `cargo run --example watch_resource_version_resume [-- --kubeconfig PATH] [--timeout-seconds N] [--no-activity]`

use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{GetOptions, ListOptions, ResourceClient};
use clientgo_example::{outln, BoxError, Session};

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)] // Only `start_pod` is used here.
mod watch_pods_basic;
#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_support::{print_until, resource_version, HEADER_RV};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The longest the server keeps each watch open (the example ends a watch as soon as it has
    /// seen what it waits for).
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: i64,
}

/// Starts pod-1, pod-2 and pod-3 (pods.yaml) and returns a resourceVersion pod-3 had afterwards:
/// the watch has seen everything the example caused once it delivered that version.
async fn apply_pods_yaml(session: &Session, pods: &ResourceClient<Pod>) -> Result<String, BoxError> {
    for name in ["pod-1", "pod-2", "pod-3"] {
        clientgo_example::pods::start_pod(session, pods, name).await?;
    }
    let last = pods.get("pod-3", &GetOptions::default()).await?;
    Ok(last.resource_version().to_owned())
}

/// Watches while the pods start, then watches again from the first event's resourceVersion.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    let watch_opts = ListOptions::default().timeout_seconds(args.timeout_seconds);
    outln!(out, "watching the pods of namespace {ns}");
    let events = pods.watch(&watch_opts).await?;
    let last = if session.activity() {
        // The events wait in the open watch while the pods start.
        Some(apply_pods_yaml(session, &pods).await?)
    } else {
        outln!(
            out,
            "waiting {}s for pod events; cause some with: kubectl -n {ns} run pod-1 --image=busybox -- sleep 3600",
            args.timeout_seconds
        );
        None
    };
    outln!(out, "{HEADER_RV}");
    let seen: Vec<String> = print_until(session, events, |ev| {
        last.is_some() && resource_version(ev) == last.as_deref()
    })
    .await?
    .iter()
    .filter_map(|ev| resource_version(ev).map(str::to_owned))
    .collect();
    let (Some(first), Some(last)) = (seen.first(), seen.last()) else {
        outln!(out, "no events: nothing to resume from");
        return Ok(());
    };

    outln!(
        out,
        "watching again with resourceVersion={first}: every event after it, up to {last}, comes again"
    );
    outln!(out, "{HEADER_RV}");
    let events = pods.watch(&watch_opts.resource_version(first.clone())).await?;
    let replayed = print_until(session, events, |ev| resource_version(ev) == Some(last)).await?;
    outln!(
        out,
        "replayed {} of the {} events: all but the one at resourceVersion {first} itself",
        replayed.len(),
        seen.len()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
