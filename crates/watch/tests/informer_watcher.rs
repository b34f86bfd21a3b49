//! client-go's `tools/watch/informerwatcher_test.go`, ported: the informer watcher delivers the
//! list as ADDED, then the watch's events, and a deletion only a relist noticed as DELETED with
//! the last known state; stopping ends the stream.
//! Go's `TestTicketer` and `TestEventProcessorOrderedDelivery` test the goroutine hand-off that
//! keeps client-go's events in order; here one channel fed by the informer's handler does that, so
//! `test_new_informer_watcher`'s order check covers them.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, ListMeta, Status, WatchEvent};
use clientgo_cache::Store as _;
use clientgo_client::ListOptions;
use clientgo_watch::{new_indexer_informer_watcher, FnListWatch, WatchStream};
use futures_util::{stream, StreamExt as _};
use support::config_map_at;

const GUARD: Duration = Duration::from_secs(30);

fn list(items: Vec<ConfigMap>, rv: &str) -> List<ConfigMap> {
    List {
        metadata: ListMeta {
            resource_version: Some(rv.into()),
            ..ListMeta::default()
        },
        items,
        ..List::default()
    }
}

/// A lister-watcher that serves `lists` and `watches` in turn; a watch with no script left stays
/// open with nothing to say. It offers no streaming list, so the informer lists and watches.
fn scripted(lists: Vec<List<ConfigMap>>, watches: Vec<Vec<WatchEvent<ConfigMap>>>) -> FnListWatch<ConfigMap> {
    let lists = Arc::new(Mutex::new(lists.into_iter()));
    let watches = Arc::new(Mutex::new(watches.into_iter()));
    FnListWatch::new(
        move |_: ListOptions| {
            let next = lists.lock().unwrap().next();
            Box::pin(async move { Ok(next.unwrap_or_default()) })
        },
        move |_: ListOptions| {
            let next = watches.lock().unwrap().next();
            Box::pin(async move {
                Ok(match next {
                    Some(evs) => stream::iter(evs.into_iter().map(Ok))
                        .chain(stream::pending())
                        .boxed(),
                    None => stream::pending().boxed(),
                } as WatchStream<ConfigMap>)
            })
        },
    )
    .without_watch_list()
}

/// (type, name, resourceVersion) of an event.
fn summary(ev: &WatchEvent<Arc<ConfigMap>>) -> (&'static str, String, String) {
    let (t, o) = match ev {
        WatchEvent::Added(o) => ("ADDED", o),
        WatchEvent::Modified(o) => ("MODIFIED", o),
        WatchEvent::Deleted(o) => ("DELETED", o),
        other => panic!("unexpected {other:?}"),
    };
    let name = o.metadata.name.as_deref().unwrap_or("").to_owned();
    (
        t,
        name,
        o.metadata.resource_version.as_deref().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn test_new_informer_watcher() {
    let lw = scripted(
        vec![list(
            vec![config_map_at("pod-1", "1"), config_map_at("pod-2", "2")],
            "2",
        )],
        vec![vec![
            WatchEvent::Added(config_map_at("pod-3", "3")),
            WatchEvent::Modified(config_map_at("pod-2", "4")),
            WatchEvent::Deleted(config_map_at("pod-1", "5")),
        ]],
    );
    let (store, mut w) = new_indexer_informer_watcher(lw);
    let mut got = Vec::new();
    while got.len() < 5 {
        let ev = tokio::time::timeout(GUARD, w.next()).await.unwrap().unwrap();
        got.push(summary(&ev));
    }
    let mut listed = got[..2].to_vec();
    listed.sort();
    let own = |t: &'static str, n: &str, rv: &str| (t, n.to_owned(), rv.to_owned());
    assert_eq!(listed, [own("ADDED", "pod-1", "1"), own("ADDED", "pod-2", "2")]);
    assert_eq!(
        got[2..],
        [
            own("ADDED", "pod-3", "3"),
            own("MODIFIED", "pod-2", "4"),
            own("DELETED", "pod-1", "5")
        ]
    );
    let mut keys = store.list_keys();
    keys.sort();
    assert_eq!(keys, ["default/pod-2", "default/pod-3"]);
    assert!(w.controller().has_synced());
    w.stop();
    assert!(
        tokio::time::timeout(GUARD, w.next()).await.unwrap().is_none(),
        "the stream ends after stop"
    );
}

/// A watch that ends with 410 Gone makes the informer relist; an object the relist no longer has
/// arrives as DELETED with its last known state. Mirrors `TestInformerWatcherDeletedFinalStateUnknown`.
#[tokio::test]
async fn test_informer_watcher_deleted_final_state_unknown() {
    let gone = Status::failure(410, "Expired", "too old resource version: 1 (5)");
    let lw = scripted(
        vec![
            list(vec![config_map_at("pod-1", "1")], "1"),
            list(Vec::new(), "6"),
        ],
        vec![vec![WatchEvent::Error(gone)]],
    );
    let (store, mut w) = new_indexer_informer_watcher(lw);
    let first = tokio::time::timeout(GUARD, w.next()).await.unwrap().unwrap();
    assert_eq!(summary(&first), ("ADDED", "pod-1".to_owned(), "1".to_owned()));
    let second = tokio::time::timeout(GUARD, w.next()).await.unwrap().unwrap();
    assert_eq!(summary(&second), ("DELETED", "pod-1".to_owned(), "1".to_owned()));
    assert!(store.list_keys().is_empty());
}

/// Dropping the watcher stops its informer. Mirrors `TestEventProcessorExit`.
#[tokio::test]
async fn test_event_processor_exit() {
    let lw = scripted(vec![list(vec![config_map_at("pod-1", "1")], "1")], Vec::new());
    let (store, mut w) = new_indexer_informer_watcher(lw);
    let first = tokio::time::timeout(GUARD, w.next()).await.unwrap().unwrap();
    assert_eq!(summary(&first).0, "ADDED");
    let stop = w.stop_token();
    drop(w);
    assert!(stop.is_cancelled());
    assert_eq!(
        store.list_keys(),
        ["default/pod-1"],
        "the store outlives the watcher"
    );
}
