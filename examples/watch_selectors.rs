//! Seed 003 §5.19(2) "Filtering a watch" (L4051-4078; summary L3924-3928): a watch takes label
//! selectors (`app=pod-1,id=1`: equalities joined by AND; `app,id`: both keys exist) and field
//! selectors (`metadata.name=pod-1`, `status.phase=Running`), and the server applies them to every
//! event. A change that makes an existing object start matching arrives as ADDED, and one that makes
//! it stop matching as DELETED, though nothing was created or deleted (the seed's "ADDED pod-2 after
//! its labels were edited").
//!
//! The example makes a short history in its own namespace: it starts `pod-1` (app=pod-1, id=1) and
//! `pod-2` (app=pod-2), labels pod-2 `id=2`, removes that label again, and deletes pod-1. Then it
//! watches that history from its start once per selector and prints what each watch gets; events
//! caused by a step are marked with it. On the embedded server, which runs no kubelet, the example
//! marks the pods Running itself; on a real cluster the kubelet does.
//!
//! Run: `cargo run --example watch_selectors [-- --kubeconfig PATH] [--timeout-seconds N] [--no-activity]`

use std::process::ExitCode;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{
    DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions,
};
use clientgo_example::pods::{busybox_pod, play_kubelet};
use clientgo_example::{outln, BoxError, Session};
use futures_util::StreamExt as _;

#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_support::{current_resource_version, describe_rv, resource_version, HEADER_RV};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The longest the server keeps each watch open (a watch ends as soon as it has seen pod-1
    /// deleted; one whose selector never matched pod-1 waits this long).
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: i64,
}

/// The seed's selectors, and the field ones it names but never shows.
const SELECTORS: [Selector; 4] = [
    Selector::Labels("app=pod-1,id=1"),
    Selector::Labels("app,id"),
    Selector::Fields("metadata.name=pod-1"),
    Selector::Fields("status.phase=Running"),
];

/// A label or field selector.
#[derive(Debug, Clone, Copy)]
enum Selector {
    Labels(&'static str),
    Fields(&'static str),
}

impl Selector {
    fn apply(self, opts: ListOptions) -> ListOptions {
        match self {
            Selector::Labels(s) => opts.labels(s),
            Selector::Fields(s) => opts.fields(s),
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Labels(s) => write!(f, "labelSelector={s}"),
            Selector::Fields(s) => write!(f, "fieldSelector={s}"),
        }
    }
}

/// One write of the example's history, with the resourceVersion it produced.
struct Step {
    number: usize,
    what: &'static str,
    /// Whether the step created or deleted the pod (else it only changed it).
    creates_or_deletes: bool,
    resource_version: String,
}

/// Makes the history and prints each step; returns the steps whose resourceVersion is known.
async fn make_history(session: &Session, pods: &ResourceClient<Pod>) -> Result<Vec<Step>, BoxError> {
    let mut steps = Vec::new();
    let mut record = |what: &'static str, creates_or_deletes: bool, rv: Option<String>| {
        let number = steps.len() + 1;
        match &rv {
            Some(rv) => outln!(session.out(), "step {number}: {what} (resourceVersion {rv})"),
            None => outln!(session.out(), "step {number}: {what}"),
        }
        if let Some(resource_version) = rv {
            steps.push(Step {
                number,
                what,
                creates_or_deletes,
                resource_version,
            });
        }
    };
    let pod_1: &[(&str, &str)] = &[("app", "pod-1"), ("id", "1")];
    let pod_2: &[(&str, &str)] = &[("app", "pod-2")];
    for (name, labels, created, running) in [
        (
            "pod-1",
            pod_1,
            "created pod-1 (app=pod-1, id=1)",
            "pod-1 Running (the kubelet's part)",
        ),
        (
            "pod-2",
            pod_2,
            "created pod-2 (app=pod-2)",
            "pod-2 Running (the kubelet's part)",
        ),
    ] {
        let pod = pods
            .create(&busybox_pod(name, labels)?, &WriteOptions::default())
            .await?;
        record(created, true, Some(pod.resource_version().to_owned()));
        if session.server().is_some() {
            play_kubelet(session, pods, name).await?;
            let pod = pods.get(name, &GetOptions::default()).await?;
            record(running, false, Some(pod.resource_version().to_owned()));
        }
    }
    if session.server().is_none() {
        // Give a real cluster's kubelet a moment to start the pods.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    for (value, what) in [
        (
            serde_json::json!("2"),
            "labelled pod-2 id=2: it now matches app,id",
        ),
        (
            serde_json::Value::Null,
            "removed pod-2's id label: it no longer matches app,id",
        ),
    ] {
        let patch = serde_json::json!({"metadata": {"labels": {"id": value}}});
        let pod = pods
            .patch("pod-2", &PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
        record(what, false, Some(pod.resource_version().to_owned()));
    }
    pods.delete("pod-1", &DeleteOptions::default()).await?;
    record("deleted pod-1", true, None);
    Ok(steps)
}

/// The kubectl commands of the history, for `--no-activity`.
fn print_commands(session: &Session, ns: &str) {
    let out = session.out();
    outln!(
        out,
        "make this history in namespace {ns}; each selector's watch replays it from the start:"
    );
    for command in [
        "run pod-1 --image=busybox --labels=app=pod-1,id=1 -- sleep 3600",
        "run pod-2 --image=busybox --labels=app=pod-2 -- sleep 3600",
        "label pod pod-2 id=2",
        "label pod pod-2 id-",
        "delete pod pod-1",
    ] {
        outln!(out, "  kubectl -n {ns} {command}");
    }
}

/// The mark of an event a step caused by changing, not creating or deleting, the pod: it starts
/// or stops matching the selector.
fn mark(ev: &WatchEvent<Pod>, steps: &[Step]) -> String {
    let step = resource_version(ev).and_then(|rv| steps.iter().find(|s| s.resource_version == rv));
    match (ev, step) {
        (WatchEvent::Added(_) | WatchEvent::Deleted(_), Some(step)) if !step.creates_or_deletes => {
            format!("  <- step {}: {}", step.number, step.what)
        }
        _ => String::new(),
    }
}

/// Watches the history from `start` through `selector` until pod-1 is deleted (or the server ends
/// the watch).
async fn watch_with(
    session: &Session,
    pods: &ResourceClient<Pod>,
    selector: Selector,
    start: &str,
    steps: &[Step],
    args: &Args,
) -> Result<(), BoxError> {
    let out = session.out();
    let opts = selector.apply(
        ListOptions::default()
            .resource_version(start)
            .timeout_seconds(args.timeout_seconds),
    );
    outln!(out, "watch with {selector}, from resourceVersion {start}:");
    outln!(out, "{HEADER_RV}");
    let events = pods.watch(&opts).await?;
    let mut events = std::pin::pin!(events);
    while let Some(ev) = events.next().await {
        let ev = ev?;
        outln!(out, "{}{}", describe_rv(&ev), mark(&ev, steps));
        if matches!(&ev, WatchEvent::Deleted(p) if p.name() == "pod-1") {
            return Ok(());
        }
    }
    outln!(out, "Channel closed");
    Ok(())
}

/// Makes the history, then watches it through each selector.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    let start = current_resource_version(&pods).await?;
    let steps = if session.activity() {
        make_history(session, &pods).await?
    } else {
        print_commands(session, ns);
        Vec::new()
    };
    for selector in SELECTORS {
        watch_with(session, &pods, selector, &start, &steps, args).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
