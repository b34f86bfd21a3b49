//! RetryWatcher and until_with_sync against the embedded API server, and their timing rules against a
//! scripted lister-watcher on tokio's paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{ApiError, Bookmark, List, ObjectMeta, Status, WatchEvent};
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo_watch::{
    condition, until_with_sync, FnListWatch, ListWatch, RetryWatcher, RetryWatcherOptions, WatchStream,
};
use futures_util::StreamExt;

/// A guard against hangs; never waited on for correctness.
const GUARD: Duration = Duration::from_secs(30);

async fn server() -> (ApiServer, Clientset) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config).unwrap();
    (server, cs)
}

fn cm(name: &str, v: usize) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        data: [("v".to_owned(), v.to_string())].into(),
        ..ConfigMap::default()
    }
}

fn summary(ev: &WatchEvent<ConfigMap>) -> (String, String, String) {
    let (t, o) = match ev {
        WatchEvent::Added(o) => ("ADDED", o),
        WatchEvent::Modified(o) => ("MODIFIED", o),
        WatchEvent::Deleted(o) => ("DELETED", o),
        other => panic!("unexpected {other:?}"),
    };
    use clientgo_apimachinery::Object;
    (t.to_owned(), o.name().to_owned(), o.resource_version().to_owned())
}

async fn writer(client: ResourceClient<ConfigMap>, id: usize, n: usize) {
    for i in 0..n {
        let name = format!("w{id}-{i}");
        let created = client
            .create(&cm(&name, 0), &WriteOptions::default())
            .await
            .unwrap();
        let mut next = created.clone();
        next.data.insert("v".into(), "1".into());
        client
            .update(&name, &next, &WriteOptions::default())
            .await
            .unwrap();
        if i % 3 != 0 {
            client.delete(&name, &DeleteOptions::default()).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_lost_or_duplicated_while_the_connection_is_cut_every_few_events() {
    let (server, cs) = server().await;
    let client = cs.core_v1().config_maps("default");
    let start_rv = client
        .list(&ListOptions::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();

    // Cut every watch connection after 4 events (abruptly, like a dropped TCP connection).
    server.faults().close_watches_after_events(Some(4));
    server.faults().cut_watches(true);

    let options = RetryWatcherOptions::default().min_restart_delay(Duration::ZERO);
    let mut watcher = RetryWatcher::with_options(&start_rv, ListWatch::new(client.clone()), options).unwrap();
    // The consumer runs while the writers write, so cuts land on live events, not only on the
    // replay of history; the writers pace themselves so the two overlap.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let consumer = tokio::spawn(async move {
        while let Some(ev) = watcher.next().await {
            if tx.send(summary(&ev)).is_err() {
                break;
            }
        }
    });
    let writers: Vec<_> = (0..3)
        .map(|id| {
            let client = client.clone();
            tokio::spawn(async move {
                for chunk in 0..5 {
                    writer(client.clone(), id * 10 + chunk, 5).await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let final_rv = server.resource_version().to_string();

    let mut got = Vec::new();
    tokio::time::timeout(GUARD, async {
        while let Some(s) = rx.recv().await {
            let done = s.2 == final_rv;
            got.push(s);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the watcher reaches the last write");
    consumer.abort();

    // The server's event log, replayed by one uninterrupted watch from the same point.
    server.faults().clear();
    let mut reference = Vec::new();
    let mut log = client
        .watch(&ListOptions::default().resource_version(start_rv.clone()))
        .await
        .unwrap()
        .boxed();
    tokio::time::timeout(GUARD, async {
        while let Some(ev) = log.next().await {
            let s = summary(&ev.unwrap());
            let done = s.2 == final_rv;
            reference.push(s);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the log replays");

    assert_eq!(
        reference.len(),
        3 * 5 * (5 * 2 + 3),
        "creates + updates + deletes (names i % 3 != 0 of each 5 are deleted)"
    );
    assert_eq!(
        got, reference,
        "same events, same order, none lost, none repeated"
    );
}

#[tokio::test]
async fn gone_is_delivered_as_an_error_event_and_ends_the_stream() {
    let (server, cs) = server().await;
    let client = cs.core_v1().config_maps("default");
    let rv = client
        .list(&ListOptions::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    for i in 0..3 {
        client
            .create(&cm(&format!("c{i}"), 0), &WriteOptions::default())
            .await
            .unwrap();
    }
    server.compact_now();
    let mut watcher = RetryWatcher::new(&rv, ListWatch::new(client)).unwrap();
    let first = tokio::time::timeout(GUARD, watcher.next()).await.unwrap();
    match first {
        Some(WatchEvent::Error(s)) => assert_eq!(s.code, Some(410), "{s:?}"),
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
    assert!(tokio::time::timeout(GUARD, watcher.next())
        .await
        .unwrap()
        .is_none());
}

/// Mirrors `TestNewRetryWatcher`.
#[tokio::test]
async fn empty_and_zero_resource_versions_are_refused() {
    let (_server, cs) = server().await;
    let lw = ListWatch::new(cs.core_v1().config_maps("default"));
    for rv in ["", "0"] {
        let err = RetryWatcher::new(rv, lw.clone()).unwrap_err();
        assert!(
            matches!(err, clientgo_watch::Error::UnsupportedResourceVersion(ref r) if r == rv),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn until_with_sync_survives_a_compaction_by_relisting() {
    let (server, cs) = server().await;
    let client = cs.core_v1().config_maps("default");
    client
        .create(&cm("seen-at-list", 0), &WriteOptions::default())
        .await
        .unwrap();
    // Every watch ends after one event, so the relist path is exercised after compaction.
    let lw = ListWatch::new(client.clone());
    let waiter = tokio::spawn(until_with_sync(
        lw,
        |snapshot| Ok(snapshot.contains_key("default/never")),
        vec![condition(|ev: &WatchEvent<ConfigMap>| {
            Ok(
                matches!(ev, WatchEvent::Added(o) | WatchEvent::Modified(o) if o.metadata.name.as_deref() == Some("target") && o.data.get("v").map(String::as_str) == Some("2")),
            )
        })],
    ));
    // Compact while the waiter watches: its next restart gets 410 and relists.
    client
        .create(&cm("other", 0), &WriteOptions::default())
        .await
        .unwrap();
    server.faults().close_watches_after_events(Some(1));
    server.compact_now();
    client
        .create(&cm("target", 1), &WriteOptions::default())
        .await
        .unwrap();
    server.compact_now();
    let mut t = client.get("target", &Default::default()).await.unwrap();
    t.data.insert("v".into(), "2".into());
    client
        .update("target", &t, &WriteOptions::default())
        .await
        .unwrap();
    server.compact_now();
    let ev = tokio::time::timeout(GUARD, waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match ev {
        Some(WatchEvent::Added(o) | WatchEvent::Modified(o)) => assert_eq!(o.data["v"], "2"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn until_with_sync_precondition_ends_before_watching() {
    let (_server, cs) = server().await;
    let client = cs.core_v1().config_maps("default");
    client
        .create(&cm("ready", 0), &WriteOptions::default())
        .await
        .unwrap();
    let r = until_with_sync(
        ListWatch::new(client),
        |s| Ok(s.contains_key("default/ready")),
        vec![condition(|_: &WatchEvent<ConfigMap>| Ok(false))],
    )
    .await
    .unwrap();
    assert!(r.is_none());
}

// ---- timing rules on a scripted source and tokio's paused clock ----

enum Step {
    Fail(Box<ApiError>),
    Events(Vec<WatchEvent<ConfigMap>>),
}

fn named(name: &str, rv: &str) -> ConfigMap {
    let mut c = cm(name, 0);
    c.metadata.resource_version = Some(rv.into());
    c
}

/// A lister-watcher that plays `steps` in order and records each watch's time and resourceVersion.
fn scripted(
    steps: Vec<Step>,
    calls: Arc<Mutex<Vec<(tokio::time::Instant, String)>>>,
) -> FnListWatch<ConfigMap> {
    let steps = Arc::new(Mutex::new(steps.into_iter()));
    FnListWatch::new(
        |_| Box::pin(async { Ok(List::default()) }),
        move |opts: ListOptions| {
            calls
                .lock()
                .unwrap()
                .push((tokio::time::Instant::now(), opts.resource_version.clone()));
            assert!(opts.allow_watch_bookmarks, "RetryWatcher asks for bookmarks");
            let step = steps.lock().unwrap().next();
            Box::pin(async move {
                match step {
                    Some(Step::Fail(e)) => Err((*e).into()),
                    Some(Step::Events(evs)) => {
                        Ok(futures_util::stream::iter(evs.into_iter().map(Ok)).boxed()
                            as WatchStream<ConfigMap>)
                    }
                    None => Ok(futures_util::stream::pending().boxed() as WatchStream<ConfigMap>),
                }
            })
        },
    )
}

#[tokio::test(start_paused = true)]
async fn restarts_resume_from_bookmarks_honour_retry_after_and_wait_a_second_between_starts() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let bookmark = WatchEvent::Bookmark(Bookmark {
        metadata: ObjectMeta {
            resource_version: Some("15".into()),
            ..ObjectMeta::default()
        },
        ..Bookmark::default()
    });
    let steps = vec![
        Step::Events(vec![WatchEvent::Added(named("a", "11")), bookmark]),
        Step::Fail(Box::new(
            ApiError::from_status(Status::failure(429, "TooManyRequests", "slow down"))
                .with_retry_after(Some(5)),
        )),
        Step::Events(vec![WatchEvent::Error(Status::failure(
            500,
            "InternalError",
            "etcd hiccup",
        ))]),
        Step::Events(vec![WatchEvent::Modified(named("a", "16"))]),
        Step::Events(vec![WatchEvent::Error(Status::failure(
            410,
            "Expired",
            "too old resource version: 16 (20)",
        ))]),
    ];
    let mut w = RetryWatcher::new("10", scripted(steps, Arc::clone(&calls))).unwrap();
    let t0 = tokio::time::Instant::now();
    assert!(
        matches!(w.next().await, Some(WatchEvent::Added(ref o)) if o.metadata.resource_version.as_deref() == Some("11"))
    );
    // The bookmark is swallowed but advances the resume point; then 429, 500 and a MODIFIED.
    assert!(matches!(w.next().await, Some(WatchEvent::Modified(_))));
    assert_eq!(w.resource_version(), "16");
    assert!(matches!(w.next().await, Some(WatchEvent::Error(ref s)) if s.code == Some(410)));
    assert!(w.next().await.is_none(), "410 ends the stream");

    let calls = calls.lock().unwrap().clone();
    let at: Vec<Duration> = calls.iter().map(|(t, _)| *t - t0).collect();
    let rvs: Vec<&str> = calls.iter().map(|(_, rv)| rv.as_str()).collect();
    assert_eq!(rvs, ["10", "15", "15", "15", "16"]);
    // Start 1 at 0; its stream ends, so start 2 waits the 1 s minimum; it gets 429 Retry-After 5;
    // start 4 follows the 500 after the 1 s minimum; start 5 after the MODIFIED stream closed.
    assert_eq!(
        at,
        [0, 1, 6, 7, 8].map(Duration::from_secs),
        "restart times on the paused clock"
    );
}

/// client-go stops a RetryWatcher whose watch request is refused with 401 or 403, after
/// delivering the refusal; retrying cannot fix credentials or permissions.
#[tokio::test(start_paused = true)]
async fn forbidden_or_unauthorized_at_establishment_is_delivered_and_ends_the_stream() {
    for (code, reason) in [(403, "Forbidden"), (401, "Unauthorized")] {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            Step::Fail(Box::new(ApiError::from_status(Status::failure(
                code,
                reason,
                "configmaps is forbidden",
            )))),
            Step::Events(vec![WatchEvent::Added(named("b", "12"))]),
        ];
        let mut w = RetryWatcher::new("10", scripted(steps, Arc::clone(&calls))).unwrap();
        assert!(matches!(w.next().await, Some(WatchEvent::Error(ref s)) if s.code == Some(code)));
        assert!(w.next().await.is_none(), "{code} ends the stream");
        assert_eq!(calls.lock().unwrap().len(), 1, "no second watch after {code}");
    }
}

/// A watch request refused with 410 (rather than a 410 ERROR event inside the stream) is logged
/// and retried like any other failed start, as client-go does; so is an ERROR event other than
/// 410, which is not delivered.
#[tokio::test(start_paused = true)]
async fn gone_at_establishment_and_other_error_events_are_retried_and_stop_ends_the_stream() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let steps = vec![
        Step::Fail(Box::new(ApiError::from_status(Status::failure(
            410,
            "Expired",
            "too old resource version: 10 (20)",
        )))),
        Step::Events(vec![WatchEvent::Error(Status::failure(
            401,
            "Unauthorized",
            "token expired",
        ))]),
        Step::Events(vec![WatchEvent::Added(named("b", "12"))]),
    ];
    let mut w = RetryWatcher::new("10", scripted(steps, Arc::clone(&calls))).unwrap();
    assert!(matches!(w.next().await, Some(WatchEvent::Added(_))));
    let token = w.stop_token();
    let next = tokio::spawn(async move { w.next().await.is_none() });
    token.cancel();
    assert!(
        next.await.unwrap(),
        "stop ends the stream even while a watch is idle"
    );
    // The third watch's stream ended; the stop came during the 1 s wait before a fourth start.
    assert_eq!(calls.lock().unwrap().len(), 3);
}

/// Sends on drop: tells the test that the watch stream holding it was dropped.
struct DropSignal(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// A watch that never delivers anything, whose drop (or the drop of its connection) is reported.
fn silent_watch(dropped: tokio::sync::oneshot::Sender<()>) -> WatchStream<ConfigMap> {
    futures_util::stream::unfold(DropSignal(Some(dropped)), |guard| async move {
        std::future::pending::<()>().await;
        Some((Ok(WatchEvent::Added(cm("never", 0))), guard))
    })
    .boxed()
}

#[tokio::test]
async fn dropping_the_watcher_closes_its_watch() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let lw = FnListWatch::new(
        |_| Box::pin(async { Ok(List::default()) }),
        move |_| {
            let tx = tx.lock().unwrap().take().expect("one watch");
            Box::pin(async move { Ok(silent_watch(tx)) })
        },
    );
    let mut watcher = RetryWatcher::new("5", lw).unwrap();
    // Polling starts the watch; nothing arrives.
    assert!(tokio::time::timeout(Duration::from_millis(50), watcher.next())
        .await
        .is_err());
    drop(watcher);
    tokio::time::timeout(GUARD, rx)
        .await
        .expect("the watch stream is dropped with the watcher")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_restarts_a_silent_watch_from_the_last_resource_version() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let steps = vec![Step::Events(vec![WatchEvent::Added(named("a", "11"))])];
    // After the scripted step every watch is silent (pending) until the idle timeout gives up.
    let options = RetryWatcherOptions::default().idle_timeout(Duration::from_secs(30));
    let mut watcher = RetryWatcher::with_options("10", scripted(steps, calls.clone()), options).unwrap();
    let t0 = tokio::time::Instant::now();
    assert!(matches!(watcher.next().await, Some(WatchEvent::Added(_))));
    // The scripted stream ends: restart after 1 s; that watch is silent; 30 s later another.
    assert!(tokio::time::timeout(Duration::from_secs(65), watcher.next())
        .await
        .is_err());
    let calls = calls.lock().unwrap().clone();
    let at: Vec<(u64, &str)> = calls
        .iter()
        .map(|(t, rv)| ((*t - t0).as_secs(), rv.as_str()))
        .collect();
    assert_eq!(at, [(0, "10"), (1, "11"), (31, "11"), (61, "11")]);
}

// ---- client-go's retrywatcher_test.go `TestRetryWatcher`, ported ----

/// How one scripted watch starts: refused, or serving the script from the requested version.
#[derive(Clone, Copy)]
enum Serve {
    /// Every watch serves the events newer than its resourceVersion and stays open.
    Open,
    /// As `Open`, but each watch ends after this many events (Go's `closeAfterN`).
    CloseAfter(usize),
    /// The first watch request fails with a transport-level error, later ones are `Open`.
    FailFirst,
}

/// One event of a script: an object at a resourceVersion, or an ERROR status, or a frame that is
/// not a Status (Go's "unexpected error type"), which here is a stream error.
#[derive(Clone)]
enum Scripted {
    At(u64),
    Status(u16, &'static str),
    Garbage,
}

/// Go's `fromRV`: the events after `rv`, skipping ERRORs until an object qualifies.
fn from_rv(rv: &str, script: &[Scripted]) -> Vec<Result<WatchEvent<ConfigMap>, clientgo_rest::Error>> {
    let rv: u64 = rv.parse().unwrap_or(0);
    let mut out = Vec::new();
    for item in script {
        match item {
            Scripted::At(n) if *n <= rv => {}
            Scripted::At(n) => out.push(Ok(WatchEvent::Added(named("o", &n.to_string())))),
            _ if out.is_empty() => {}
            Scripted::Status(code, reason) => {
                out.push(Ok(WatchEvent::Error(Status::failure(*code, reason, "scripted"))));
            }
            Scripted::Garbage => out.push(Err(ApiError::from_status(Status::failure(
                500,
                "InternalError",
                "a frame that is not a Status",
            ))
            .into())),
        }
    }
    out
}

/// A lister-watcher serving `script` as `serve` says, counting watch requests.
fn serving(script: Vec<Scripted>, serve: Serve, count: Arc<Mutex<usize>>) -> FnListWatch<ConfigMap> {
    FnListWatch::new(
        |_| Box::pin(async { Ok(List::default()) }),
        move |opts: ListOptions| {
            let n = {
                let mut c = count.lock().unwrap();
                *c += 1;
                *c
            };
            let events = from_rv(&opts.resource_version, &script);
            Box::pin(async move {
                if matches!(serve, Serve::FailFirst) && n == 1 {
                    return Err(
                        ApiError::from_status(Status::failure(500, "InternalError", "test error")).into(),
                    );
                }
                let open = futures_util::stream::iter(events).chain(futures_util::stream::pending());
                Ok(match serve {
                    Serve::CloseAfter(k) => open.take(k).boxed(),
                    Serve::Open | Serve::FailFirst => open.boxed(),
                } as WatchStream<ConfigMap>)
            })
        },
    )
}

/// One case of `TestRetryWatcher`: name, initial resourceVersion, script, how watches serve it,
/// how many watches start, and the resourceVersions expected (0 for the 410 ERROR).
type Case = (&'static str, &'static str, Vec<Scripted>, Serve, usize, Vec<u64>);

#[tokio::test(start_paused = true)]
async fn test_retry_watcher() {
    use Scripted::{At, Garbage, Status as St};
    // (name, initial rv, script, serve, watch count, expected: resourceVersions, or 0 for the
    // 410 ERROR). Go's "recovers if watchClient returns nil watcher" has no counterpart: a Rust
    // watch function cannot return nothing without an error.
    let cases: Vec<Case> = vec![
        ("recovers if watchClient returns error", "1", vec![At(2)], Serve::FailFirst, 2, vec![2]),
        ("works with empty initialRV", "1", vec![At(2)], Serve::Open, 1, vec![2]),
        ("works with initialRV set, skipping the preceding items but reading those directly following", "1", vec![At(1), At(2)], Serve::Open, 1, vec![2]),
        ("works with initialRV set, skipping the preceding items with none following", "3", vec![At(2)], Serve::Open, 1, vec![]),
        ("fails on Gone (RV too old error)", "5", vec![At(5), At(6), St(410, "Gone"), At(7), At(8)], Serve::Open, 1, vec![6, 0]),
        ("recovers from timeout error", "5", vec![At(6), St(504, "Timeout"), At(7)], Serve::Open, 2, vec![6, 7]),
        ("recovers from internal server error", "5", vec![At(6), St(500, "InternalError"), At(7)], Serve::Open, 2, vec![6, 7]),
        ("recovers from unexpected error code", "5", vec![At(6), St(666, ""), At(7)], Serve::Open, 2, vec![6, 7]),
        ("recovers from unexpected error type", "5", vec![At(6), Garbage, At(7)], Serve::Open, 2, vec![6, 7]),
        ("survives 1 closed watch and reads 1 item", "5", vec![At(6)], Serve::CloseAfter(1), 2, vec![6]),
        ("survives 2 closed watches and reads 2 items", "4", vec![At(5), At(6)], Serve::CloseAfter(1), 3, vec![5, 6]),
        ("survives 2 closed watches and reads 2 items for nonconsecutive RVs", "4", vec![At(5), At(7)], Serve::CloseAfter(1), 3, vec![5, 7]),
        ("survives 2 closed watches and reads 2 items for nonconsecutive RVs starting at much lower RV", "2", vec![At(5), At(7)], Serve::CloseAfter(1), 3, vec![5, 7]),
        ("survives 4 closed watches and reads 4 items for nonconsecutive, spread RVs", "2", vec![At(5), At(6), At(7), At(11)], Serve::CloseAfter(1), 5, vec![5, 6, 7, 11]),
        ("survives 4 closed watches and reads 4 items for nonconsecutive, spread RVs and skips those with lower or equal RV", "2", vec![At(1), At(2), At(5), At(6), At(7), At(11)], Serve::CloseAfter(1), 5, vec![5, 6, 7, 11]),
        ("survives 2 closed watches and reads 2+2+1 items skipping those with equal RV", "1", vec![At(1), At(2), At(5), At(6), At(7), At(11)], Serve::CloseAfter(2), 3, vec![2, 5, 6, 7, 11]),
    ];
    for (name, initial, script, serve, watch_count, expected) in cases {
        let count = Arc::new(Mutex::new(0));
        let lw = serving(script, serve, Arc::clone(&count));
        let options = RetryWatcherOptions::default().min_restart_delay(Duration::ZERO);
        let mut w = RetryWatcher::with_options(initial, lw, options).unwrap();
        let mut got = Vec::new();
        for _ in 0..expected.len() {
            match w.next().await {
                Some(WatchEvent::Added(o)) => {
                    got.push(o.metadata.resource_version.unwrap().parse::<u64>().unwrap());
                }
                Some(WatchEvent::Error(s)) if s.code == Some(410) => got.push(0),
                other => panic!("{name}: unexpected {other:?}"),
            }
        }
        assert_eq!(got, expected, "{name}");
        // Nothing more arrives (the stream keeps running meanwhile, so the last restart happens).
        match tokio::time::timeout(Duration::from_millis(10), w.next()).await {
            Err(_) | Ok(None) => {}
            Ok(Some(ev)) => panic!("{name}: unexpected event after the expected ones: {ev:?}"),
        }
        assert_eq!(*count.lock().unwrap(), watch_count, "{name}: watch starts");
    }
}
