//! Informer and reflector rules on scripted sources and tokio's paused clock (deterministic).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{ApiError, List, ListMeta, ObjectMeta, Status, WatchEvent};
use clientgo_cache::{
    DeltaObject, FnListWatch, Indexers, ResourceEventHandlerFuncs, SharedIndexInformer, Store, WatchStream,
};
use clientgo_client::ListOptions;
use futures_util::StreamExt;

fn cm(name: &str, rv: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: Some(rv.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

fn list_of(items: Vec<ConfigMap>, rv: &str) -> List<ConfigMap> {
    List {
        metadata: ListMeta {
            resource_version: Some(rv.into()),
            ..ListMeta::default()
        },
        items,
        ..List::default()
    }
}

#[derive(Default)]
struct Calls {
    lists: AtomicUsize,
    watches: AtomicUsize,
    list_opts: Mutex<Vec<ListOptions>>,
    watch_opts: Mutex<Vec<ListOptions>>,
}

type Lists = Arc<Mutex<Vec<Result<List<ConfigMap>, ApiError>>>>;
type Watches = Arc<Mutex<Vec<Vec<WatchEvent<ConfigMap>>>>>;

/// Lists answer from `lists` in order (the last one repeats); watches play `watches` in order and
/// then stay open without events.
fn scripted(
    lists: Vec<Result<List<ConfigMap>, ApiError>>,
    watches: Vec<Vec<WatchEvent<ConfigMap>>>,
    calls: Arc<Calls>,
) -> FnListWatch<ConfigMap> {
    let lists: Lists = Arc::new(Mutex::new(lists));
    let watches: Watches = Arc::new(Mutex::new(watches));
    let c2 = Arc::clone(&calls);
    FnListWatch::new(
        move |opts| {
            calls.lists.fetch_add(1, Ordering::SeqCst);
            calls.list_opts.lock().unwrap().push(opts);
            let mut g = lists.lock().unwrap();
            let r = if g.len() > 1 { g.remove(0) } else { g[0].clone() };
            Box::pin(async move { r.map_err(Into::into) })
        },
        move |opts| {
            c2.watches.fetch_add(1, Ordering::SeqCst);
            c2.watch_opts.lock().unwrap().push(opts);
            let mut g = watches.lock().unwrap();
            let evs = if g.is_empty() { None } else { Some(g.remove(0)) };
            Box::pin(async move {
                Ok(match evs {
                    Some(evs) => futures_util::stream::iter(evs.into_iter().map(Ok))
                        .chain(futures_util::stream::pending())
                        .boxed() as WatchStream<ConfigMap>,
                    None => futures_util::stream::pending().boxed(),
                })
            })
        },
    )
    .without_watch_list()
}

fn recorder() -> (Arc<Mutex<Vec<String>>>, ResourceEventHandlerFuncs<ConfigMap>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (a, u, d) = (Arc::clone(&log), Arc::clone(&log), Arc::clone(&log));
    let h = ResourceEventHandlerFuncs::default()
        .on_add(move |o: &Arc<ConfigMap>, initial| {
            a.lock().unwrap().push(format!(
                "add {} {} initial={initial}",
                o.metadata.name.as_deref().unwrap(),
                o.metadata.resource_version.as_deref().unwrap()
            ));
        })
        .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
            u.lock().unwrap().push(format!(
                "update {} {}->{}",
                new.metadata.name.as_deref().unwrap(),
                old.metadata.resource_version.as_deref().unwrap(),
                new.metadata.resource_version.as_deref().unwrap()
            ));
        })
        .on_delete(move |o: &DeltaObject<ConfigMap>| {
            let kind = if o.is_tombstone() { "tombstone" } else { "delete" };
            d.lock().unwrap().push(format!(
                "{kind} {}",
                o.object().unwrap().metadata.name.as_deref().unwrap()
            ));
        });
    (log, h)
}

#[tokio::test(start_paused = true)]
async fn handlers_see_list_then_watch_and_a_relist_after_410_yields_tombstones() {
    let calls = Arc::new(Calls::default());
    let lw = scripted(
        vec![
            Ok(list_of(vec![cm("a", "5"), cm("b", "6")], "10")),
            Ok(list_of(vec![cm("a", "12")], "20")),
        ],
        vec![vec![
            WatchEvent::Modified(cm("a", "11")),
            WatchEvent::Added(cm("c", "12")),
            WatchEvent::Deleted(cm("c", "13")),
            WatchEvent::Error(Status::failure(410, "Expired", "too old resource version")),
        ]],
        Arc::clone(&calls),
    );
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let (log, h) = recorder();
    informer.add_event_handler(h).unwrap();
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    // Past the backoff before the relist (the paused clock jumps there once all tasks are idle).
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut got = log.lock().unwrap().clone();
    got[..2].sort();
    assert_eq!(
        got,
        [
            "add a 5 initial=true",
            "add b 6 initial=true",
            "update a 5->11",
            "add c 12 initial=false",
            "delete c",
            "update a 11->12",
            "tombstone b",
        ]
    );
    assert_eq!(informer.indexer().list_keys(), ["default/a"]);
    let list_opts = calls.list_opts.lock().unwrap().clone();
    assert_eq!(
        list_opts[0].resource_version, "0",
        "first list from the watch cache"
    );
    assert_eq!(list_opts[0].limit, 500);
    // client-go lists at the last version seen after a watch's 410 (unpaged: the watch cache
    // serves it); only a list that is itself Expired falls back to "".
    assert_eq!(
        (list_opts[1].resource_version.as_str(), list_opts[1].limit),
        ("13", 0),
        "after 410 a list at the last version"
    );
    let watch_opts = calls.watch_opts.lock().unwrap().clone();
    assert_eq!(watch_opts[0].resource_version, "10");
    assert!(watch_opts[0].allow_watch_bookmarks);
    let t = watch_opts[0].timeout_seconds.unwrap();
    assert!((300..=600).contains(&t), "{t}");
    assert_eq!(informer.status().stats().relists(), 1);
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn resync_replays_the_cache_without_any_request() {
    let calls = Arc::new(Calls::default());
    let lw = scripted(
        vec![Ok(list_of(vec![cm("a", "5"), cm("b", "6")], "10"))],
        vec![],
        Arc::clone(&calls),
    );
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let (log, h) = recorder();
    informer
        .add_event_handler_with_resync_period(h, Duration::from_secs(30))
        .unwrap();
    let (quiet_log, quiet) = recorder();
    informer.add_event_handler(quiet).unwrap();
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    tokio::time::sleep(Duration::from_secs(95)).await;
    let updates: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("update"))
        .cloned()
        .collect();
    assert_eq!(updates.len(), 6, "3 resyncs x 2 objects: {updates:?}");
    assert!(updates
        .iter()
        .all(|u| u == "update a 5->5" || u == "update b 6->6"));
    assert_eq!(
        quiet_log.lock().unwrap().len(),
        2,
        "a handler without resync only saw the adds"
    );
    assert_eq!(calls.lists.load(Ordering::SeqCst), 1, "resync lists nothing");
    assert_eq!(calls.watches.load(Ordering::SeqCst), 1, "resync watches nothing");
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_forbidden_list_is_visible_in_the_sync_status_and_the_error_handler() {
    let calls = Arc::new(Calls::default());
    let forbidden = ApiError::from_status(Status::failure(
        403,
        "Forbidden",
        "configmaps is forbidden: User \"x\" cannot list",
    ));
    let lw = scripted(vec![Err(forbidden)], vec![], Arc::clone(&calls));
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&seen);
    informer.set_watch_error_handler(move |e| {
        assert!(e.is_forbidden());
        s2.fetch_add(1, Ordering::SeqCst);
    });
    let task = tokio::spawn(informer.clone().run());
    let r = tokio::time::timeout(Duration::from_secs(10), informer.wait_for_cache_sync()).await;
    assert!(r.is_err(), "never syncs");
    assert!(!informer.has_synced());
    let err = informer.status().last_error().expect("the error is recorded");
    assert!(err.is_forbidden(), "{err}");
    assert!(
        seen.load(Ordering::SeqCst) >= 2,
        "retried with backoff, each failure reported"
    );
    informer.stop();
    task.await.unwrap();
}

/// The first watch streams what the test sends on the channel (`rx` is taken by it); every later
/// watch stays open and silent.
fn first_watch_from(
    rx: Option<tokio::sync::mpsc::UnboundedReceiver<WatchEvent<ConfigMap>>>,
) -> WatchStream<ConfigMap> {
    match rx {
        Some(rx) => {
            futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|ev| (Ok(ev), rx)) })
                .boxed()
        }
        None => futures_util::stream::pending().boxed(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_late_handler_gets_the_cache_replayed_and_a_removed_one_hears_nothing_more() {
    let calls = Arc::new(Calls::default());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<WatchEvent<ConfigMap>>();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let lw = FnListWatch::new(
        |_| Box::pin(async { Ok(list_of(vec![cm("a", "5"), cm("b", "6")], "10")) }),
        move |_| {
            calls.watches.fetch_add(1, Ordering::SeqCst);
            let rx = rx.lock().unwrap().take();
            Box::pin(async move { Ok(first_watch_from(rx)) })
        },
    )
    .without_watch_list();
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let (early_log, early) = recorder();
    let early_reg = informer.add_event_handler(early).unwrap();
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    let (late_log, late) = recorder();
    informer.add_event_handler(late).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(informer.remove_event_handler(&early_reg));
    assert!(!informer.remove_event_handler(&early_reg), "already removed");
    tx.send(WatchEvent::Added(cm("c", "11"))).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut late_got = late_log.lock().unwrap().clone();
    late_got[..2].sort();
    assert_eq!(
        late_got,
        [
            "add a 5 initial=true",
            "add b 6 initial=true",
            "add c 11 initial=false"
        ],
        "the late handler first gets the cache, then the changes"
    );
    let early_got = early_log.lock().unwrap().clone();
    assert_eq!(
        early_got.len(),
        2,
        "the removed handler saw only the initial list: {early_got:?}"
    );
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_handler_removed_during_its_replay_stops_getting_it_and_never_joins() {
    const CACHED: usize = 500;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<WatchEvent<ConfigMap>>();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let lw = FnListWatch::new(
        |_| {
            let items = (0..CACHED).map(|i| cm(&format!("cm-{i:03}"), "5")).collect();
            Box::pin(async move { Ok(list_of(items, "10")) })
        },
        move |_| {
            let rx = rx.lock().unwrap().take();
            Box::pin(async move { Ok(first_watch_from(rx)) })
        },
    )
    .without_watch_list();
    // A one-slot buffer: the replay of 500 objects takes many scheduler turns.
    let informer = SharedIndexInformer::builder(lw)
        .indexers(Indexers::namespace())
        .handler_buffer(1)
        .build();
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    let (late_log, late) = recorder();
    let reg = informer.add_event_handler(late).unwrap();
    // Let the replay start, then remove the handler while it is still being replayed to.
    while late_log.lock().unwrap().is_empty() {
        tokio::task::yield_now().await;
    }
    assert!(
        informer.remove_event_handler(&reg),
        "a replaying handler is known"
    );
    assert!(!informer.remove_event_handler(&reg), "already removed");
    tx.send(WatchEvent::Added(cm("new", "11"))).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = late_log.lock().unwrap().clone();
    assert!(
        got.len() < CACHED,
        "the replay stopped after the removal: {} of {CACHED} objects handed out",
        got.len()
    );
    assert!(
        got.iter().all(|e| e.ends_with("initial=true")),
        "the removed handler never joined: {:?}",
        got.last()
    );
    assert!(informer.indexer().get_by_key("default/new").is_some());
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_429_at_watch_start_rewatches_without_listing_and_a_410_relists_consistently() {
    let calls = Arc::new(Calls::default());
    let (c_list, c_watch) = (Arc::clone(&calls), Arc::clone(&calls));
    let starts = Arc::new(Mutex::new(vec![
        Some(
            ApiError::from_status(Status::failure(429, "TooManyRequests", "slow down"))
                .with_retry_after(Some(1)),
        ),
        Some(ApiError::from_status(Status::failure(
            410,
            "Expired",
            "too old resource version",
        ))),
        None,
    ]));
    let lw = FnListWatch::new(
        move |opts: ListOptions| {
            c_list.lists.fetch_add(1, Ordering::SeqCst);
            c_list.list_opts.lock().unwrap().push(opts);
            Box::pin(async { Ok(list_of(vec![cm("a", "5")], "10")) })
        },
        move |opts: ListOptions| {
            c_watch.watches.fetch_add(1, Ordering::SeqCst);
            c_watch.watch_opts.lock().unwrap().push(opts);
            let next = {
                let mut g = starts.lock().unwrap();
                if g.is_empty() {
                    None
                } else {
                    g.remove(0)
                }
            };
            Box::pin(async move {
                match next {
                    Some(e) => Err(e.into()),
                    None => Ok(futures_util::stream::pending().boxed() as WatchStream<ConfigMap>),
                }
            })
        },
    )
    .without_watch_list();
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    // Past both backoffs (the paused clock jumps once every task is idle).
    tokio::time::sleep(Duration::from_secs(10)).await;
    let stats = informer.status().stats();
    assert_eq!(stats.rewatches(), 1, "429: watch again, no list");
    assert_eq!(stats.relists(), 1, "410: list again");
    let list_rvs: Vec<String> = calls
        .list_opts
        .lock()
        .unwrap()
        .iter()
        .map(|o| o.resource_version.clone())
        .collect();
    assert_eq!(
        list_rvs,
        ["0", "10"],
        "first from the cache, after a 410 watch at the last version (as client-go)"
    );
    let watch_rvs: Vec<String> = calls
        .watch_opts
        .lock()
        .unwrap()
        .iter()
        .map(|o| o.resource_version.clone())
        .collect();
    assert_eq!(watch_rvs, ["10", "10", "10"]);
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn pages_after_the_first_carry_the_continue_token_and_no_resource_version() {
    let calls = Arc::new(Calls::default());
    let page = |items: Vec<ConfigMap>, cont: Option<&str>| {
        let mut l = list_of(items, "10");
        l.metadata.continue_ = cont.map(str::to_owned);
        l
    };
    let lw = scripted(
        vec![
            Ok(page(vec![cm("a", "5")], Some("t1"))),
            Ok(page(vec![cm("b", "6")], None)),
            Ok(page(vec![cm("a", "5")], Some("t2"))),
            Ok(page(vec![cm("b", "6")], None)),
        ],
        // A watch error that is not 410: list again from the last resourceVersion.
        vec![vec![WatchEvent::Error(Status::failure(
            500,
            "InternalError",
            "etcd hiccup",
        ))]],
        Arc::clone(&calls),
    );
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let opts: Vec<(String, String)> = calls
        .list_opts
        .lock()
        .unwrap()
        .iter()
        .map(|o| (o.resource_version.clone(), o.continue_.clone()))
        .collect();
    let expected: Vec<(String, String)> = [("0", ""), ("", "t1"), ("10", ""), ("", "t2")]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(opts[..4], expected[..]);
    assert_eq!(informer.indexer().len(), 2);
    informer.stop();
    task.await.unwrap();
}

fn list_rvs(calls: &Calls) -> Vec<String> {
    calls
        .list_opts
        .lock()
        .unwrap()
        .iter()
        .map(|o| o.resource_version.clone())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn too_large_resource_version_makes_the_next_list_a_consistent_read() {
    // The real server's answer to a list from a resourceVersion it has not reached (a watch cache
    // behind etcd): 504 Timeout, "Too large resource version".
    let too_large = ApiError::from_status(Status::failure(
        504,
        "Timeout",
        "Too large resource version: 20, current: 10",
    ));
    let calls = Arc::new(Calls::default());
    let lw = scripted(
        vec![Err(too_large), Ok(list_of(vec![cm("a", "5")], "10"))],
        vec![],
        Arc::clone(&calls),
    );
    let informer = SharedIndexInformer::new(lw, None, Indexers::namespace());
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    assert_eq!(list_rvs(&calls), ["0", ""], "after Too large, a consistent read");
    assert_eq!(informer.indexer().list_keys(), ["default/a"]);
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_at_watch_start_rewatches_without_listing() {
    // A real transport error: the watch request goes to a port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dead = clientgo_client::Clientset::new(&clientgo_rest::Config::new(format!("http://{closed}")))
        .unwrap()
        .core_v1()
        .config_maps("default");
    let calls = Arc::new(Calls::default());
    let (c_list, c_watch) = (Arc::clone(&calls), Arc::clone(&calls));
    let lw = FnListWatch::new(
        move |opts: ListOptions| {
            c_list.lists.fetch_add(1, Ordering::SeqCst);
            c_list.list_opts.lock().unwrap().push(opts);
            Box::pin(async { Ok(list_of(vec![cm("a", "5")], "10")) })
        },
        move |opts: ListOptions| {
            let n = c_watch.watches.fetch_add(1, Ordering::SeqCst);
            c_watch.watch_opts.lock().unwrap().push(opts);
            let dead = dead.clone();
            Box::pin(async move {
                if n == 0 {
                    let Err(err) = dead.watch(&ListOptions::default()).await else {
                        panic!("nothing listens on {closed}")
                    };
                    return Err(err);
                }
                Ok(futures_util::stream::pending().boxed() as WatchStream<ConfigMap>)
            })
        },
    )
    .without_watch_list();
    let informer = SharedIndexInformer::builder(lw)
        .indexers(Indexers::namespace())
        .reflector_options(|o| o.backoff(Duration::from_millis(10), Duration::from_millis(20)))
        .build();
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while calls.watches.load(Ordering::SeqCst) < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no second watch");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        calls.lists.load(Ordering::SeqCst),
        1,
        "a refused watch does not relist"
    );
    let watch_rvs: Vec<String> = calls
        .watch_opts
        .lock()
        .unwrap()
        .iter()
        .map(|o| o.resource_version.clone())
        .collect();
    assert_eq!(watch_rvs, ["10", "10"]);
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_refused_streaming_list_falls_back_to_list_and_watch() {
    let calls = Arc::new(Calls::default());
    let (c_list, c_watch) = (Arc::clone(&calls), Arc::clone(&calls));
    let lw = FnListWatch::new(
        move |opts: ListOptions| {
            c_list.lists.fetch_add(1, Ordering::SeqCst);
            c_list.list_opts.lock().unwrap().push(opts);
            Box::pin(async { Ok(list_of(vec![cm("a", "5")], "10")) })
        },
        move |opts: ListOptions| {
            c_watch.watches.fetch_add(1, Ordering::SeqCst);
            let streaming = opts.send_initial_events == Some(true);
            c_watch.watch_opts.lock().unwrap().push(opts);
            Box::pin(async move {
                if streaming {
                    // A server without the WatchList feature refuses the parameter.
                    return Err(ApiError::from_status(Status::failure(
                        422,
                        "Invalid",
                        "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                    ))
                    .into());
                }
                Ok(futures_util::stream::pending().boxed() as WatchStream<ConfigMap>)
            })
        },
    );
    let informer = SharedIndexInformer::builder(lw)
        .indexers(Indexers::namespace())
        .reflector_options(|o| o.use_watch_list(true))
        .build();
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    assert_eq!(informer.indexer().list_keys(), ["default/a"]);
    assert_eq!(calls.lists.load(Ordering::SeqCst), 1, "fell back to a list");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let watches: Vec<(Option<bool>, String)> = calls
        .watch_opts
        .lock()
        .unwrap()
        .iter()
        .map(|o| (o.send_initial_events, o.resource_version.clone()))
        .collect();
    assert_eq!(watches[0].0, Some(true), "tried the streaming list first");
    assert_eq!(
        watches[1],
        (None, "10".to_owned()),
        "then a plain watch from the list"
    );
    informer.stop();
    task.await.unwrap();
}

/// Mirrors client-go's `LastStoreSyncResourceVersion` checks: the store's version follows the
/// list, each applied event and each bookmark on the direct path and behind an atomic queue;
/// behind a plain queue, the objects the process loop has applied.
#[tokio::test(start_paused = true)]
async fn last_store_sync_resource_version_follows_what_the_store_holds() {
    for queue in [
        None,
        Some(clientgo_cache::QueueKind::RealFifo),
        Some(clientgo_cache::QueueKind::AtomicRealFifo),
    ] {
        let calls = Arc::new(Calls::default());
        let bookmark: clientgo_apimachinery::Bookmark = serde_json::from_value(serde_json::json!({
            "kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": "30"}
        }))
        .unwrap();
        let lw = scripted(
            vec![Ok(list_of(vec![cm("a", "5")], "10"))],
            vec![vec![
                WatchEvent::Modified(cm("a", "20")),
                WatchEvent::Bookmark(bookmark),
            ]],
            Arc::clone(&calls),
        );
        let builder = SharedIndexInformer::builder(lw).indexers(Indexers::namespace());
        let informer = match queue {
            Some(kind) => builder.queue(kind),
            None => builder,
        }
        .build();
        assert_eq!(informer.last_store_sync_resource_version(), "");
        let task = tokio::spawn(informer.clone().run());
        assert!(informer.wait_for_cache_sync().await);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(informer.last_sync_resource_version(), "30", "{queue:?}");
        // The atomic queue carries the bookmark to the process loop; the plain RealFifo drops it.
        let expected = if queue == Some(clientgo_cache::QueueKind::RealFifo) {
            "20"
        } else {
            "30"
        };
        assert_eq!(informer.last_store_sync_resource_version(), expected, "{queue:?}");
        informer.stop();
        task.await.unwrap();
    }
}

/// With atomic events (client-go 1.36 `AtomicEvents`), a relist reaches the store and the handler
/// as one unit once complete: while the handler hears the relist's first notification, the store
/// already holds the whole new list, and the deletions come first. The plain RealFifo hands the
/// same relist over delta by delta, so the store is half way when the tombstone is heard.
#[tokio::test(start_paused = true)]
async fn an_atomic_real_fifo_hands_a_relist_over_as_one_unit() {
    use clientgo_cache::{new_informer_with_options, Cache, InformerOptions, QueueKind};
    use std::sync::OnceLock;

    for kind in [QueueKind::AtomicRealFifo, QueueKind::RealFifo] {
        let lw = scripted(
            vec![
                Ok(list_of(vec![cm("a", "5"), cm("b", "6")], "10")),
                Ok(list_of(vec![cm("b", "7"), cm("c", "8")], "20")),
            ],
            vec![vec![WatchEvent::Error(Status::failure(
                410,
                "Expired",
                "too old resource version",
            ))]],
            Arc::new(Calls::default()),
        );
        let store: Arc<OnceLock<Arc<Cache<ConfigMap>>>> = Arc::new(OnceLock::new());
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        // Each line ends with the store's keys as they were when the handler heard it.
        let record = {
            let (log, store) = (Arc::clone(&log), Arc::clone(&store));
            move |line: String| {
                let mut keys: Vec<String> = store
                    .get()
                    .map(|s| s.list_keys())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| k.trim_start_matches("default/").to_owned())
                    .collect();
                keys.sort();
                log.lock()
                    .unwrap()
                    .push(format!("{line} | store {}", keys.join(",")));
            }
        };
        let (a, u, d) = (record.clone(), record.clone(), record);
        let rv = |o: &ConfigMap| o.metadata.resource_version.clone().unwrap();
        let name = |o: &ConfigMap| o.metadata.name.clone().unwrap();
        let handler = ResourceEventHandlerFuncs::default()
            .on_add(move |o: &Arc<ConfigMap>, initial| {
                a(format!("add {} {} initial={initial}", name(o), rv(o)));
            })
            .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
                u(format!("update {} {}->{}", name(new), rv(old), rv(new)));
            })
            .on_delete(move |o: &DeltaObject<ConfigMap>| {
                let kind = if o.is_tombstone() { "tombstone" } else { "delete" };
                d(format!("{kind} {}", name(o.object().unwrap())));
            });
        let (cache, controller) = new_informer_with_options(InformerOptions::new(lw, handler).queue(kind));
        store.set(Arc::clone(&cache)).unwrap();
        let stop = tokio_util::sync::CancellationToken::new();
        let run = tokio::spawn({
            let (controller, stop) = (controller.clone(), stop.clone());
            async move { controller.run(stop).await }
        });
        // Past the backoff before the relist (the paused clock jumps there once all tasks are idle).
        tokio::time::sleep(Duration::from_secs(5)).await;
        let got = log.lock().unwrap().clone();
        let relist = match kind {
            QueueKind::AtomicRealFifo => [
                "tombstone a | store b,c",
                "update b 6->7 | store b,c",
                "add c 8 initial=false | store b,c",
            ],
            _ => [
                "tombstone a | store b",
                "update b 6->7 | store b",
                "add c 8 initial=false | store b,c",
            ],
        };
        assert_eq!(got[2..], relist, "{kind:?}: {got:?}");
        assert_eq!(
            controller.last_store_sync_resource_version(),
            if kind == QueueKind::AtomicRealFifo {
                "20"
            } else {
                "8"
            }
        );
        stop.cancel();
        run.await.unwrap();
    }
}
