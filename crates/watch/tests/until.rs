//! client-go's `tools/watch/until_test.go`, ported: `until_without_retry` over a fake watch (a
//! stream that stays open after its events, like `watch.NewFake`), `until` over a RetryWatcher,
//! and `until_with_sync` against a scripted lister-watcher. client-go's context deadline is
//! `tokio::time::timeout` on tokio's paused clock; where Go also returns the last event with a
//! timeout or an error, ours returns only the error.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, ListMeta, WatchEvent};
use clientgo_client::ListOptions;
use clientgo_watch::{
    condition, until, until_with_sync, until_without_retry, Error, FnListWatch, WatchStream,
};
use futures_util::{stream, Stream, StreamExt as _};
use support::config_map_at;

/// client-go's `wait.ForeverTestTimeout`: long enough that only a hang reaches it.
const FOREVER: Duration = Duration::from_secs(30);

/// A watch that delivers `events` and then stays open, as `watch.NewFake` does until stopped.
fn fake_watch(events: Vec<WatchEvent<ConfigMap>>) -> impl Stream<Item = WatchEvent<ConfigMap>> {
    stream::iter(events).chain(stream::pending())
}

fn is_added(ev: &WatchEvent<ConfigMap>) -> bool {
    matches!(ev, WatchEvent::Added(_))
}

fn is_modified(ev: &WatchEvent<ConfigMap>) -> bool {
    matches!(ev, WatchEvent::Modified(_))
}

#[tokio::test(start_paused = true)]
async fn test_until() {
    let fw = fake_watch(vec![
        WatchEvent::Added(config_map_at("p", "1")),
        WatchEvent::Modified(config_map_at("p", "2")),
    ]);
    let conditions = vec![
        condition(|ev| Ok(is_added(ev))),
        condition(|ev| Ok(is_modified(ev))),
    ];
    let last = tokio::time::timeout(FOREVER, until_without_retry(fw, conditions))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(last, Some(WatchEvent::Modified(ref o)) if o.metadata.name.as_deref() == Some("p")));
}

/// Two conditions met by one event: the second is checked against the event that met the first.
#[tokio::test(start_paused = true)]
async fn test_until_multiple_conditions() {
    let fw = fake_watch(vec![WatchEvent::Added(config_map_at("p", "1"))]);
    let conditions = vec![condition(|ev| Ok(is_added(ev))), condition(|ev| Ok(is_added(ev)))];
    let last = tokio::time::timeout(FOREVER, until_without_retry(fw, conditions))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(last, Some(WatchEvent::Added(_))));
}

#[tokio::test(start_paused = true)]
async fn test_until_multiple_conditions_fail() {
    let fw = fake_watch(vec![WatchEvent::Added(config_map_at("p", "1"))]);
    let conditions = vec![
        condition(|ev| Ok(is_added(ev))),
        condition(|ev| Ok(is_added(ev))),
        condition(|ev| Ok(matches!(ev, WatchEvent::Deleted(_)))),
    ];
    let outcome = tokio::time::timeout(Duration::from_secs(10), until_without_retry(fw, conditions)).await;
    assert!(outcome.is_err(), "the deadline passes: no DELETED event comes");
}

/// Without a deadline (Go's zero timeout, here no `timeout` wrapper) the wait runs until the
/// conditions are met.
#[tokio::test(start_paused = true)]
async fn test_until_timeout() {
    let fw = fake_watch(vec![
        WatchEvent::Added(config_map_at("p", "1")),
        WatchEvent::Modified(config_map_at("p", "2")),
    ]);
    let conditions = vec![
        condition(|ev| Ok(is_added(ev))),
        condition(|ev| Ok(is_modified(ev))),
    ];
    let last = until_without_retry(fw, conditions).await.unwrap();
    assert!(matches!(last, Some(WatchEvent::Modified(_))));
}

/// No conditions: met at once, before any event is read.
#[tokio::test(start_paused = true)]
async fn until_without_retry_with_no_conditions_is_met_at_once() {
    let last = until_without_retry(stream::pending::<WatchEvent<ConfigMap>>(), Vec::new())
        .await
        .unwrap();
    assert!(last.is_none());
}

#[tokio::test(start_paused = true)]
async fn test_until_error_condition() {
    let fw = fake_watch(vec![WatchEvent::Added(config_map_at("p", "1"))]);
    let expected = "something bad";
    let conditions = vec![
        condition(|ev| Ok(is_added(ev))),
        condition(|_: &WatchEvent<ConfigMap>| Err(expected.into())),
    ];
    let err = tokio::time::timeout(FOREVER, until_without_retry(fw, conditions))
        .await
        .unwrap()
        .unwrap_err();
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert!(matches!(err, Error::Condition(_)), "{err}");
    assert_eq!(cause.as_deref(), Some(expected));
}

/// A watch that ends before the conditions are met is an error (client-go's `ErrWatchClosed`).
#[tokio::test(start_paused = true)]
async fn until_without_retry_reports_a_closed_watch() {
    let closed = stream::iter(vec![WatchEvent::Added(config_map_at("p", "1"))]);
    let err = until_without_retry(closed, vec![condition(|ev| Ok(is_modified(ev)))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Stopped), "{err}");
}

/// A lister-watcher whose list returns `items` at resourceVersion 10 and whose every watch plays
/// `events` once and then stays open; the resourceVersions of its watches are recorded.
fn scripted(
    items: Vec<ConfigMap>,
    events: Vec<WatchEvent<ConfigMap>>,
    watches: Arc<Mutex<Vec<String>>>,
) -> FnListWatch<ConfigMap> {
    let events = Arc::new(Mutex::new(Some(events)));
    FnListWatch::new(
        move |_| {
            let list = List {
                metadata: ListMeta {
                    resource_version: Some("10".into()),
                    ..ListMeta::default()
                },
                items: items.clone(),
                ..List::default()
            };
            Box::pin(async move { Ok(list) })
        },
        move |opts: ListOptions| {
            watches.lock().unwrap().push(opts.resource_version.clone());
            let evs = events.lock().unwrap().take().unwrap_or_default();
            Box::pin(async move { Ok(fake_watch(evs).map(Ok).boxed() as WatchStream<ConfigMap>) })
        },
    )
}

/// `until` resumes from the last event's resourceVersion when a watch ends, so the conditions
/// see the events of both watches.
#[tokio::test(start_paused = true)]
async fn until_over_a_retry_watcher_resumes_closed_watches() {
    let watches = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::clone(&watches);
    let round = Arc::new(Mutex::new(0));
    let lw = FnListWatch::new(
        |_| Box::pin(async { Ok(List::default()) }),
        move |opts: ListOptions| {
            calls.lock().unwrap().push(opts.resource_version.clone());
            let mut n = round.lock().unwrap();
            *n += 1;
            let evs = match *n {
                1 => vec![Ok(WatchEvent::Added(config_map_at("p", "11")))],
                2 => vec![Ok(WatchEvent::Modified(config_map_at("p", "12")))],
                _ => Vec::new(),
            };
            // The first watch closes after its event; the second stays open.
            let open = *n > 1;
            Box::pin(async move {
                let s = stream::iter(evs);
                Ok(if open {
                    s.chain(stream::pending()).boxed()
                } else {
                    s.boxed()
                } as WatchStream<ConfigMap>)
            })
        },
    );
    let conditions = vec![
        condition(|ev| Ok(is_added(ev))),
        condition(|ev| Ok(is_modified(ev))),
    ];
    let last = tokio::time::timeout(FOREVER, until("10", lw, conditions))
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(last, Some(WatchEvent::Modified(ref o)) if o.metadata.resource_version.as_deref() == Some("12"))
    );
    assert_eq!(*watches.lock().unwrap(), ["10", "11"]);
}

#[tokio::test(start_paused = true)]
async fn until_refuses_a_resource_version_that_names_no_point_in_history() {
    let lw = scripted(Vec::new(), Vec::new(), Arc::default());
    let err = until("0", lw, vec![condition(|ev| Ok(is_added(ev)))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedResourceVersion(_)), "{err}");
}

/// The cases of `TestUntilWithSync`.
#[tokio::test(start_paused = true)]
async fn test_until_with_sync_doesnt_wait_for_sync_with_no_precondition() {
    // Nothing listed and nothing watched: the condition never holds and the deadline passes.
    let lw = scripted(Vec::new(), Vec::new(), Arc::default());
    let outcome = tokio::time::timeout(
        Duration::from_secs(1),
        until_with_sync(lw, |_| Ok(false), vec![condition(|_| Ok(true))]),
    )
    .await;
    assert!(outcome.is_err());
}

#[tokio::test(start_paused = true)]
async fn test_until_with_sync_waits_indefinitely_with_precondition_if_it_cant_be_satisfied() {
    let watches = Arc::new(Mutex::new(Vec::new()));
    let lw = scripted(vec![config_map_at("p", "5")], Vec::new(), Arc::clone(&watches));
    let outcome = tokio::time::timeout(
        Duration::from_secs(1),
        until_with_sync(
            lw,
            |store| Ok(store.contains_key("default/never")),
            vec![condition(|_| Ok(false))],
        ),
    )
    .await;
    assert!(outcome.is_err());
    assert_eq!(
        *watches.lock().unwrap(),
        ["10"],
        "it watches from the list's resourceVersion"
    );
}

#[tokio::test(start_paused = true)]
async fn test_until_with_sync_precondition_can_stop_the_loop() {
    let watches = Arc::new(Mutex::new(Vec::new()));
    let lw = scripted(vec![config_map_at("p", "5")], Vec::new(), Arc::clone(&watches));
    let last = until_with_sync(
        lw,
        |store| Ok(store.contains_key("default/p")),
        vec![condition(|_| Ok(false))],
    )
    .await
    .unwrap();
    assert!(last.is_none());
    assert!(
        watches.lock().unwrap().is_empty(),
        "no watch after a met precondition"
    );
}

#[tokio::test(start_paused = true)]
async fn test_until_with_sync_precondition_lets_it_proceed_to_regular_condition() {
    let lw = scripted(
        vec![config_map_at("p", "5")],
        vec![WatchEvent::Modified(config_map_at("p", "11"))],
        Arc::default(),
    );
    let last = tokio::time::timeout(
        FOREVER,
        until_with_sync(
            lw,
            |store| Ok(!store.contains_key("default/p")),
            vec![condition(|ev| Ok(is_modified(ev)))],
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        matches!(last, Some(WatchEvent::Modified(ref o)) if o.metadata.resource_version.as_deref() == Some("11"))
    );
}

#[tokio::test(start_paused = true)]
async fn until_with_sync_hands_the_listed_objects_to_the_conditions_first() {
    let lw = scripted(vec![config_map_at("p", "5")], Vec::new(), Arc::default());
    let last = until_with_sync(lw, |_| Ok(false), vec![condition(|ev| Ok(is_added(ev)))])
        .await
        .unwrap();
    assert!(matches!(last, Some(WatchEvent::Added(ref o)) if o.metadata.name.as_deref() == Some("p")));
}

#[tokio::test(start_paused = true)]
async fn until_with_sync_reports_a_failing_precondition() {
    let lw = scripted(Vec::new(), Vec::new(), Arc::default());
    let err = until_with_sync(
        lw,
        |_| Err("no store".into()),
        vec![condition(|_: &WatchEvent<ConfigMap>| Ok(true))],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Condition(_)), "{err}");
}
