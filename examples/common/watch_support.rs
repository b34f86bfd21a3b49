//! What the watch examples share beyond `clientgo_example`: the seed's event line with a
//! resourceVersion column, and "now" as a list's resourceVersion.
//!
//! The watch examples include it with `#[path = "common/watch_support.rs"]`.

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{ListOptions, ResourceClient};
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
    ev.object().map(Object::resource_version)
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
