//! What the watch examples share beyond `clientgo_example`: the seed's event line with a
//! resourceVersion column, "now" as a list's resourceVersion, and stopping at once on Ctrl-C.
//!
//! The watch examples include it with `#[path = "common/watch_support.rs"]`.

use std::future::Future;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo_example::pods::{busybox_pod, play_kubelet};
use clientgo_example::{outln, BoxError, Session};
use futures_util::{Stream, StreamExt as _};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The columns of [`describe_rv`]: the seed's type, name, phase and resourceVersion (L3430).
pub const HEADER_RV: &str = "TYPE     NAME     PHASE      RESOURCEVERSION";

/// One line per event with the seed's columns (L3430): type, name, phase, resourceVersion.
/// A BOOKMARK shows its resourceVersion, an ERROR its code, reason and message.
pub fn describe_rv(ev: &WatchEvent<Pod>) -> String {
    match ev {
        WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => format!(
            "{:<9}{:<9}{:<11}{}",
            ev.event_type().as_str(),
            p.name(),
            p.status.phase.as_deref().unwrap_or(""),
            p.resource_version()
        ),
        WatchEvent::Bookmark(b) => format!("BOOKMARK {:<19}{}", "", b.resource_version()),
        WatchEvent::Error(s) => format!(
            "ERROR    code={} reason={} message={:?}",
            s.code.unwrap_or(0),
            s.reason.as_deref().unwrap_or(""),
            s.message.as_deref().unwrap_or("")
        ),
    }
}

/// The resourceVersion of an ADDED, MODIFIED or DELETED event's object.
pub fn resource_version<K: Object>(ev: &WatchEvent<K>) -> Option<&str> {
    ev.object().map(|o| o.resource_version())
}

/// Prints each event of `events` with [`describe_rv`] until `last` says an event is the last one
/// wanted, or until the server ends the watch (then "Channel closed"); returns the events printed.
///
/// # Errors
/// A failure of the watch.
pub async fn print_until(
    session: &Session,
    events: impl Stream<Item = Result<WatchEvent<Pod>, clientgo::rest::Error>>,
    mut last: impl FnMut(&WatchEvent<Pod>) -> bool,
) -> Result<Vec<WatchEvent<Pod>>, BoxError> {
    let mut events = std::pin::pin!(events);
    let mut printed = Vec::new();
    while let Some(ev) = events.next().await {
        let ev = ev?;
        outln!(session.out(), "{}", describe_rv(&ev));
        let done = last(&ev);
        printed.push(ev);
        if done {
            return Ok(printed);
        }
    }
    outln!(session.out(), "Channel closed");
    Ok(printed)
}

/// The resourceVersion of "now": a list's, which a watch can start from without missing or
/// repeating anything. The list asks for one item only; its metadata is what counts.
///
/// # Errors
/// When the list fails.
pub async fn current_resource_version<K>(client: &ResourceClient<K>) -> Result<String, BoxError>
where
    K: Serialize + DeserializeOwned + Send + 'static,
{
    let list = client.list(&ListOptions::default().limit(1)).await?;
    Ok(list.metadata.resource_version.unwrap_or_default())
}

/// Creates the busybox pod `name` (labelled `app=name`), lets it start (the example plays the
/// kubelet on the embedded server; a real cluster's kubelet gets a moment to report it running),
/// then deletes it: one ADDED, MODIFIED(s) and a DELETED on a watch of its namespace.
///
/// # Errors
/// When a write fails.
pub async fn start_and_delete_pod(
    session: &Session,
    pods: &ResourceClient<Pod>,
    name: &str,
) -> Result<(), BoxError> {
    pods.create(&busybox_pod(name, &[("app", name)])?, &WriteOptions::default())
        .await?;
    play_kubelet(session, pods, name).await?;
    if session.server().is_none() {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    pods.delete(name, &DeleteOptions::default()).await?;
    Ok(())
}

/// Runs the example's lesson until it ends or the example is interrupted (Ctrl-C), whichever
/// comes first: an interrupted watch stops at once (dropping it closes its connection) and the
/// session cleans up.
///
/// # Errors
/// The lesson's error.
pub async fn until_interrupted(
    session: &Session,
    lesson: impl Future<Output = Result<(), BoxError>>,
) -> Result<(), BoxError> {
    tokio::select! {
        result = lesson => result,
        () = session.interrupted() => Ok(()),
    }
}
