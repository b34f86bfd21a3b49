//! Seed 003 §5.20 "Watch event types" (L4082-4130): a watch delivers five types of event. ADDED and
//! MODIFIED carry the object's new state, DELETED its state just before deletion; a BOOKMARK
//! carries an object of the watched kind with only `metadata.resourceVersion` set (a watch restarted
//! from it neither repeats nor misses an event); an ERROR carries a Status, in practice the 410
//! Expired "too old resource version: <requested> (<oldest kept>)" of a watch that asked for a
//! history the server no longer keeps.
//!
//! The example causes each one in its own namespace: it creates `pod-1`, labels it `stage=two` and
//! deletes it (the DELETED still shows the label); then it watches with `allowWatchBookmarks` until
//! a BOOKMARK comes (a server sends one about every minute, and one as a watch's `timeoutSeconds`
//! ends); then it watches from a resourceVersion whose history is gone. On the embedded server the
//! example compacts the history first and uses the version it started from; on a real cluster it
//! uses resourceVersion 1, compacted long ago (etcd is compacted every 5 minutes), as the seed's
//! "1000" was.
//!
//! Run: `cargo run --example watch_event_types [-- --kubeconfig PATH] [--timeout-seconds N] [--bookmark-timeout-seconds N] [--no-activity]`

use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{
    DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions,
};
use clientgo_example::pods::busybox_pod;
use clientgo_example::{outln, BoxError, Session, MANAGED_BY_LABEL};
use futures_util::StreamExt as _;

#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_support::current_resource_version;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The longest the server keeps the first watch open (it ends as soon as pod-1 is deleted).
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: i64,
    /// The `timeoutSeconds` of the watches that wait for a BOOKMARK and for the ERROR: the server
    /// sends a BOOKMARK as such a watch ends, if not sooner.
    #[arg(long, default_value_t = 5)]
    pub bookmark_timeout_seconds: i64,
}

/// The columns of [`describe`].
pub const HEADER: &str = "TYPE     NAME   RESOURCEVERSION  OBJECT";

/// One line per event: type, name, resourceVersion, then what the event's object says.
pub fn describe(ev: &WatchEvent<Pod>) -> String {
    match ev {
        WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => {
            let labels: Vec<String> = p
                .metadata
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != MANAGED_BY_LABEL)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let last = if matches!(ev, WatchEvent::Deleted(_)) {
                " (its last state)"
            } else {
                ""
            };
            format!(
                "{:<9}{:<7}{:<17}labels {}{last}",
                ev.event_type().as_str(),
                p.name(),
                p.resource_version(),
                labels.join(",")
            )
        }
        WatchEvent::Bookmark(b) => format!(
            "BOOKMARK {:<7}{:<17}a {} with only metadata.resourceVersion set",
            b.metadata.name.as_deref().unwrap_or_default(),
            b.resource_version(),
            if b.kind.is_empty() { "object" } else { &b.kind }
        ),
        WatchEvent::Error(s) => format!(
            "ERROR    code={} reason={} message={:?}",
            s.code.unwrap_or(0),
            s.reason.as_deref().unwrap_or(""),
            s.message.as_deref().unwrap_or("")
        ),
    }
}

/// Creates pod-1, labels it `stage=two`, deletes it: ADDED, MODIFIED, DELETED.
async fn activity(pods: &ResourceClient<Pod>) -> Result<(), BoxError> {
    pods.create(
        &busybox_pod("pod-1", &[("app", "pod-1")])?,
        &WriteOptions::default(),
    )
    .await?;
    let patch = serde_json::json!({"metadata": {"labels": {"stage": "two"}}});
    pods.patch("pod-1", &PatchType::Merge, &patch, &PatchOptions::default())
        .await?;
    pods.delete("pod-1", &DeleteOptions::default()).await?;
    Ok(())
}

/// Prints the events of a watch with `opts` until `last` says one is the last wanted, or the
/// server ends the watch; returns the last event printed.
async fn watch_until(
    session: &Session,
    pods: &ResourceClient<Pod>,
    opts: &ListOptions,
    last: impl Fn(&WatchEvent<Pod>) -> bool,
) -> Result<Option<WatchEvent<Pod>>, BoxError> {
    let mut events = pods.watch(opts).await?.boxed();
    let mut printed = None;
    while let Some(ev) = events.next().await {
        // clientgo's watch stream hands an ERROR event over as an error holding its Status (and
        // ends); here it is shown as the event it was on the wire.
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => match e.api_error() {
                Some(api) => WatchEvent::Error(api.status().clone()),
                None => return Err(e.into()),
            },
        };
        outln!(session.out(), "{}", describe(&ev));
        let done = last(&ev);
        printed = Some(ev);
        if done {
            return Ok(printed);
        }
    }
    outln!(session.out(), "Channel closed");
    Ok(printed)
}

/// The object changes: ADDED, MODIFIED, DELETED (with the last state), until pod-1 is deleted.
async fn object_events(
    session: &Session,
    pods: &ResourceClient<Pod>,
    start: &str,
    args: &Args,
) -> Result<String, BoxError> {
    let opts = ListOptions::default()
        .resource_version(start)
        .timeout_seconds(args.timeout_seconds);
    if session.activity() {
        // The watch starts from `start`, so it gets the changes made before it opens too.
        activity(pods).await?;
    } else {
        let ns = pods.namespace().unwrap_or_default();
        outln!(
            session.out(),
            "cause them within {}s: kubectl -n {ns} run pod-1 --image=busybox -- sleep 3600; kubectl -n {ns} label pod pod-1 stage=two; kubectl -n {ns} delete pod pod-1",
            args.timeout_seconds
        );
    }
    let watched = watch_until(
        session,
        pods,
        &opts,
        |ev| matches!(ev, WatchEvent::Deleted(p) if p.name() == "pod-1"),
    )
    .await?;
    let last = watched
        .as_ref()
        .and_then(|ev| ev.object().map(|p| p.resource_version().to_owned()));
    Ok(last.unwrap_or_else(|| start.to_owned()))
}

/// Shows the five event types.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    let start = current_resource_version(&pods).await?;

    outln!(
        out,
        "ADDED, MODIFIED, DELETED: watching from resourceVersion {start}"
    );
    outln!(out, "{HEADER}");
    let last = object_events(session, &pods, &start, args).await?;

    outln!(
        out,
        "BOOKMARK: watching from {last} with allowWatchBookmarks and timeoutSeconds={}",
        args.bookmark_timeout_seconds
    );
    let opts = ListOptions::default()
        .resource_version(last)
        .bookmarks()
        .timeout_seconds(args.bookmark_timeout_seconds);
    watch_until(session, &pods, &opts, |ev| matches!(ev, WatchEvent::Bookmark(_))).await?;

    let stale = match session.server() {
        Some(server) => {
            let kept = server.compact_now();
            outln!(
                out,
                "ERROR: the server compacted its history up to resourceVersion {kept} (etcd does every 5 minutes); watching from {start} again"
            );
            start
        }
        None => {
            outln!(
                out,
                "ERROR: watching from resourceVersion 1 (compacted long ago on a real cluster)"
            );
            "1".to_owned()
        }
    };
    let opts = ListOptions::default()
        .resource_version(stale)
        .timeout_seconds(args.bookmark_timeout_seconds);
    let first = watch_until(session, &pods, &opts, |_| true).await?;
    if !matches!(first, Some(WatchEvent::Error(_))) {
        outln!(
            out,
            "no ERROR: this server still keeps that history (it has not been compacted)"
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
