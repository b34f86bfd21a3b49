//! Seed 003 §5.18(3) "Out-of-order events" (L3659-3689): the synthetic ADDED events that open a
//! watch without a resourceVersion come in key order, not in resourceVersion order, and a watch
//! resumed from the largest of their resourceVersions skips the objects whose resourceVersion is
//! smaller: they are not replayed.
//!
//! The example creates `pod-c`, `pod-b` and `pod-a`, in that order (so their resourceVersions
//! rise from c to a), then watches without a resourceVersion: the initial events list them a, b, c,
//! falling versions. It labels `pod-c` (a MODIFIED), then watches again from the largest initial
//! resourceVersion, pod-a's, as the seed did: only the MODIFIED comes; pod-b's and pod-c's ADDED are
//! not replayed. A program that saved that resourceVersion after handling the first initial event
//! and stopped before the others would never learn of pod-b and pod-c: resume from a list's
//! resourceVersion, or save one only once the initial events are over.
//!
//! Run: `cargo run --example watch_event_ordering [-- --kubeconfig PATH] [--timeout-seconds N] [--no-activity]`

use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions};
use clientgo_example::pods::busybox_pod;
use clientgo_example::{outln, BoxError, Session};

#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_support::{current_resource_version, print_until, resource_version, HEADER_RV};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The longest the server keeps each watch open (the example ends a watch as soon as it has
    /// seen what it waits for).
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: i64,
}

/// The pods, in the order they are created.
const CREATED: [&str; 3] = ["pod-c", "pod-b", "pod-a"];

/// Creates the three pods, oldest first, and prints their resourceVersions.
async fn create_pods(session: &Session, pods: &ResourceClient<Pod>) -> Result<(), BoxError> {
    for name in CREATED {
        let pod = pods
            .create(&busybox_pod(name, &[("app", name)])?, &WriteOptions::default())
            .await?;
        outln!(
            session.out(),
            "created {name} at resourceVersion {}",
            pod.resource_version()
        );
    }
    Ok(())
}

/// With `--no-activity`: prints the kubectl commands that create the three pods and waits until
/// they exist; false when they did not all come before the server ended the watch.
async fn wait_for_pods(session: &Session, pods: &ResourceClient<Pod>, args: &Args) -> Result<bool, BoxError> {
    let ns = pods.namespace().unwrap_or_default();
    outln!(
        session.out(),
        "waiting {}s for three pods, created in this order:",
        args.timeout_seconds
    );
    for name in CREATED {
        outln!(
            session.out(),
            "  kubectl -n {ns} run {name} --image=busybox -- sleep 3600"
        );
    }
    outln!(
        session.out(),
        "then for a change to one of them: kubectl -n {ns} label pod pod-c step=2"
    );
    let opts = ListOptions::default()
        .resource_version(current_resource_version(pods).await?)
        .timeout_seconds(args.timeout_seconds);
    let mut added = std::collections::BTreeSet::new();
    let events = print_until(session, pods.watch(&opts).await?, |ev| {
        if let WatchEvent::Added(p) = ev {
            added.insert(p.name().to_owned());
        }
        CREATED.iter().all(|n| added.contains(*n))
    })
    .await?;
    Ok(!events.is_empty() && CREATED.iter().all(|n| added.contains(*n)))
}

/// The resourceVersion as the number it is on an etcd-backed server (the seed compares them so;
/// clients should otherwise treat it as opaque).
fn number(rv: &str) -> u64 {
    rv.parse().unwrap_or(0)
}

/// Shows the initial events' order, then what a resume from the largest of them skips.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    if session.activity() {
        create_pods(session, &pods).await?;
    } else if !wait_for_pods(session, &pods, args).await? {
        outln!(out, "the three pods did not come: nothing to show");
        return Ok(());
    }
    let existing = pods.list(&ListOptions::default()).await?.items.len();

    let watch_opts = ListOptions::default().timeout_seconds(args.timeout_seconds);
    outln!(
        out,
        "watching without a resourceVersion: the {existing} pods come first, as ADDED"
    );
    outln!(out, "{HEADER_RV}");
    let mut events = Box::pin(pods.watch(&watch_opts).await?);
    let mut count = 0;
    let initial = print_until(session, &mut events, |_| {
        count += 1;
        count == existing
    })
    .await?;
    let versions: Vec<u64> = initial.iter().filter_map(resource_version).map(number).collect();
    let in_order = versions.windows(2).all(|w| w[0] <= w[1]);
    outln!(out, "initial events in resourceVersion order: {in_order}");
    let Some((largest, holder)) = initial
        .iter()
        .filter_map(|ev| Some((resource_version(ev)?.to_owned(), ev.object()?.name().to_owned())))
        .max_by_key(|(rv, _)| number(rv))
    else {
        return Ok(());
    };

    let changed = if session.activity() {
        let patch = serde_json::json!({"metadata": {"labels": {"step": "2"}}});
        let pod = pods
            .patch("pod-c", &PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
        outln!(out, "labelled pod-c step=2");
        Some(pod.resource_version().to_owned())
    } else {
        None
    };
    let live = print_until(session, &mut events, |ev| match &changed {
        Some(rv) => resource_version(ev) == Some(rv.as_str()),
        None => matches!(ev, WatchEvent::Modified(_)),
    })
    .await?;
    drop(events);
    let Some(last) = live.last().and_then(resource_version) else {
        return Ok(());
    };

    outln!(
        out,
        "watching again from the largest initial resourceVersion, {largest} ({holder}'s):"
    );
    outln!(out, "{HEADER_RV}");
    let resumed = pods
        .watch(
            &ListOptions::default()
                .resource_version(largest.clone())
                .timeout_seconds(args.timeout_seconds),
        )
        .await?;
    let replayed = print_until(session, resumed, |ev| resource_version(ev) == Some(last)).await?;
    let below: Vec<String> = initial
        .iter()
        .filter_map(|ev| Some((ev.object()?.name(), resource_version(ev)?)))
        .filter(|(_, rv)| number(rv) < number(&largest))
        .map(|(name, rv)| format!("{name} ({rv})"))
        .collect();
    let none_replayed = replayed
        .iter()
        .filter_map(resource_version)
        .all(|rv| number(rv) > number(&largest));
    outln!(
        out,
        "the ADDED of {} not replayed: {none_replayed} (their resourceVersions are below {largest})",
        below.join(", ")
    );
    outln!(
        out,
        "so a program that saved {largest} after handling the first initial event, and stopped, would never see them: resume from a list's resourceVersion"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
