//! Ports of client-go 1.36's `tools/cache/shared_informer_test.go`, each named after its Go test,
//! against the public API of [`SharedIndexInformer`].
//!
//! [`FakeSource`] plays client-go's `FakeControllerSource`: an in-memory collection whose every
//! change bumps the resourceVersion and is kept in a log, so a watch replays what came after the
//! version it asks for. Where Go steps a fake clock or sleeps, the ports run on tokio's paused clock
//! with their handlers as tasks (the default), so "nothing more arrived" is a fact
//! (every task is idle before virtual time moves on), not a guess after a real-time sleep. Go reads
//! internals (`eventHandlerCount`, `isRegistered`, `resyncCheckPeriod`, a listener's
//! `resyncPeriod`); the ports observe the same facts through behaviour: which handlers are told of
//! a change, how many resyncs each one gets, what `remove_event_handler` answers.
//!
//! Go tests with no port here:
//! - `TestListenerResyncPeriodsDelayed`: delays `sharedProcessor.run` through a test hook
//!   (`sharedProcessorRunHook`) to reproduce a deadlock of Go's listener start-up; we have no such
//!   stage (a handler's mailbox exists from its registration on) and no hook;
//! - `TestShutdown`: relies on `goleak` to see that every goroutine ends; we have no leak checker
//!   (handler threads end when their mailbox closes, which the other ports exercise);
//! - `TestRemoveEventHandler_SynchronousShutdown` and `TestShutDownEventHandler_Lifecycles`: test
//!   `ShutDownEventHandler`, which removes a handler and waits until its goroutine has returned; we
//!   have no such function (`remove_event_handler` never waits; see
//!   [`test_remove_event_handler_asynchronous_panic`]).
//!
//! From `reflector_watchlist_test.go`, whose reflector cases are ported in
//! `src/reflector/tests.rs`: [`test_watch_list_through_a_shared_informer`] runs `TestWatchList`'s
//! bookmark and streamed-update cases through an informer with each queue stage.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{ApiError, List, ListMeta, ObjectMeta, Status, WatchEvent};
use clientgo_cache::{
    deletion_handling_meta_namespace_key_func, DeltaObject, FnListWatch, HandlerOptions, HandlerRegistration,
    Indexer, Indexers, InformerError, ResourceEventHandler, ResourceEventHandlerFuncs, SharedIndexInformer,
    Store, WatchStream,
};
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Bounds every wait on real time, so a broken port fails instead of hanging.
const GUARD: Duration = Duration::from_secs(60);

/// A config map called `name` (cluster-scoped, so its key is its name).
fn pod(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

fn name_of(o: &ConfigMap) -> String {
    o.metadata.name.as_deref().unwrap_or_default().to_owned()
}

fn rv_of(o: &ConfigMap) -> u64 {
    o.metadata
        .resource_version
        .as_deref()
        .and_then(|rv| rv.parse().ok())
        .unwrap_or_default()
}

#[derive(Default)]
struct SourceState {
    items: BTreeMap<String, ConfigMap>,
    /// Every change in order; change `i` has resourceVersion `i + 1`.
    changes: Vec<WatchEvent<ConfigMap>>,
    /// The open watches.
    watchers: Vec<mpsc::UnboundedSender<WatchEvent<ConfigMap>>>,
    /// What every list answers while set.
    list_error: Option<String>,
}

/// An in-memory API endpoint. Mirrors client-go's `FakeControllerSource`: each change gets the
/// next resourceVersion and is logged; a list answers the current items at the latest version; a
/// watch replays the changes after the version it asks for, then streams new ones until
/// [`reset_watch`](FakeSource::reset_watch) ends it.
#[derive(Clone, Default)]
struct FakeSource {
    state: Arc<Mutex<SourceState>>,
}

enum Change {
    Added,
    Modified,
    Deleted,
}

impl FakeSource {
    fn add(&self, obj: ConfigMap) {
        self.change(Change::Added, obj, true);
    }

    fn modify(&self, obj: ConfigMap) {
        self.change(Change::Modified, obj, true);
    }

    fn delete(&self, obj: ConfigMap) {
        self.change(Change::Deleted, obj, true);
    }

    /// Adds `obj` without telling the open watches (a later watch replays it). Mirrors
    /// `AddDropWatch`.
    fn add_drop_watch(&self, obj: ConfigMap) {
        self.change(Change::Added, obj, false);
    }

    /// Mirrors `ModifyDropWatch`.
    fn modify_drop_watch(&self, obj: ConfigMap) {
        self.change(Change::Modified, obj, false);
    }

    /// Ends every open watch, as a lost connection would. Mirrors `ResetWatch`.
    fn reset_watch(&self) {
        self.state.lock().unwrap().watchers.clear();
    }

    fn set_list_error(&self, message: &str) {
        self.state.lock().unwrap().list_error = Some(message.to_owned());
    }

    fn keys(&self) -> Vec<String> {
        self.state.lock().unwrap().items.keys().cloned().collect()
    }

    fn change(&self, change: Change, mut obj: ConfigMap, broadcast: bool) {
        let mut s = self.state.lock().unwrap();
        let rv = s.changes.len() + 1;
        obj.metadata.resource_version = Some(rv.to_string().into());
        let key = name_of(&obj);
        let event = match change {
            Change::Added => {
                s.items.insert(key, obj.clone());
                WatchEvent::Added(obj)
            }
            Change::Modified => {
                s.items.insert(key, obj.clone());
                WatchEvent::Modified(obj)
            }
            Change::Deleted => {
                s.items.remove(&key);
                WatchEvent::Deleted(obj)
            }
        };
        s.changes.push(event.clone());
        if broadcast {
            s.watchers.retain(|w| w.send(event.clone()).is_ok());
        }
    }

    fn lister_watcher(&self) -> FnListWatch<ConfigMap> {
        let (lists, watches) = (self.clone(), self.clone());
        FnListWatch::new(
            move |_| {
                let s = lists.state.lock().unwrap();
                let answer = match &s.list_error {
                    Some(message) => {
                        Err(ApiError::from_status(Status::failure(403, "Forbidden", message.clone())).into())
                    }
                    None => Ok(List {
                        metadata: ListMeta {
                            resource_version: Some(s.changes.len().to_string()),
                            ..ListMeta::default()
                        },
                        items: s.items.values().cloned().collect(),
                        ..List::default()
                    }),
                };
                Box::pin(async move { answer })
            },
            move |opts| {
                let mut s = watches.state.lock().unwrap();
                let from = opts
                    .resource_version
                    .parse::<usize>()
                    .unwrap_or(0)
                    .min(s.changes.len());
                let replay: Vec<_> = s.changes[from..].to_vec();
                let (tx, rx) = mpsc::unbounded_channel();
                s.watchers.push(tx);
                let live = futures_util::stream::unfold(rx, |mut rx| async move {
                    rx.recv().await.map(|ev| (Ok(ev), rx))
                });
                let stream = futures_util::stream::iter(replay.into_iter().map(Ok))
                    .chain(live)
                    .boxed() as WatchStream<ConfigMap>;
                Box::pin(async move { Ok(stream) })
            },
        )
        .without_watch_list()
    }
}

/// A handler that logs what it is told: `add NAME`, `update NAME` (a new version), `resync NAME`
/// (an update that leaves the resourceVersion as it was), `delete NAME`. Mirrors Go's
/// `testListener`, which keeps the names of adds and updates.
#[derive(Clone, Default)]
struct TestListener {
    log: Arc<Mutex<Vec<String>>>,
}

impl ResourceEventHandler<ConfigMap> for TestListener {
    fn on_add(&self, obj: &Arc<ConfigMap>, _: bool) {
        self.log.lock().unwrap().push(format!("add {}", name_of(obj)));
    }

    fn on_update(&self, old: &Arc<ConfigMap>, new: &Arc<ConfigMap>) {
        let kind = if rv_of(old) == rv_of(new) {
            "resync"
        } else {
            "update"
        };
        self.log.lock().unwrap().push(format!("{kind} {}", name_of(new)));
    }

    fn on_delete(&self, obj: &DeltaObject<ConfigMap>) {
        let key = deletion_handling_meta_namespace_key_func(obj).unwrap_or_default();
        self.log.lock().unwrap().push(format!("delete {key}"));
    }
}

impl TestListener {
    /// The names it was told of by adds, updates and resyncs (Go's `receivedItemNames` as a set).
    fn names(&self) -> BTreeSet<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| !e.starts_with("delete "))
            .filter_map(|e| e.split_once(' ').map(|(_, name)| name.to_owned()))
            .collect()
    }

    /// Its log, sorted.
    fn sorted(&self) -> Vec<String> {
        let mut log = self.log.lock().unwrap().clone();
        log.sort();
        log
    }

    fn resyncs(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.starts_with("resync "))
            .count()
    }

    fn reset(&self) {
        self.log.lock().unwrap().clear();
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// A handler's options: as a task (the default), so that it follows the paused clock.
fn as_task() -> HandlerOptions {
    HandlerOptions::default()
}

/// Lets every task run to idle (the paused clock moves on only then), without reaching a
/// whole second of virtual time from a whole second.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Waits (bounded by [`GUARD`]) until `done`.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(GUARD, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

/// Runs `informer` on a task.
fn start(informer: &SharedIndexInformer<ConfigMap>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(informer.clone().run())
}

/// Stops `informer` and waits for its `run` to return.
async fn stop(informer: &SharedIndexInformer<ConfigMap>, task: tokio::task::JoinHandle<()>) {
    informer.stop();
    tokio::time::timeout(GUARD, task)
        .await
        .expect("run returns once stopped")
        .unwrap();
}

/// Mirrors `TestIndexer`: an index added before the informer runs answers `by_index` for the
/// listed objects and for objects added later. Go then adds a second index to the running
/// informer (client-go 1.36 allows it and indexes what the store holds); ours refuses it
/// with [`InformerError::AlreadyStarted`], on purpose: `add_indexers` and
/// `ThreadSafeStore::add_indexers` document that indexes are fixed once the store holds objects.
#[tokio::test(start_paused = true)]
async fn test_indexer() {
    let source = FakeSource::default();
    let labelled = |name: &str, labels: &[(&str, &str)]| {
        let mut obj = pod(name);
        for (k, v) in labels {
            obj.metadata.labels.insert(*k, *v);
        }
        obj
    };
    source.add(labelled("pod1", &[("a", "a-val"), ("b", "b-val1")]));
    source.add(labelled("pod2", &[("b", "b-val2")]));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let label_keys = |o: &ConfigMap| {
        o.metadata
            .labels
            .keys()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    informer
        .add_indexers(Indexers::new().with("labels", label_keys))
        .unwrap();
    let task = start(&informer);
    assert!(informer.wait_for_cache_sync().await);
    let by_label = |label: &str| {
        let mut names: Vec<String> = informer
            .indexer()
            .by_index("labels", label)
            .unwrap()
            .iter()
            .map(|o| name_of(o))
            .collect();
        names.sort();
        names
    };
    assert_eq!(by_label("a"), ["pod1"]);
    source.add(labelled("pod3", &[("a", "a-val2")]));
    eventually("pod3 in the index", || by_label("a") == ["pod1", "pod3"]).await;
    assert_eq!(by_label("b"), ["pod1", "pod2"]);
    let late = informer.add_indexers(Indexers::new().with("labels-again", label_keys));
    assert!(
        matches!(late, Err(InformerError::AlreadyStarted { .. })),
        "{late:?}"
    );
    stop(&informer, task).await;
}

/// Mirrors `TestListenerResyncPeriods`: an informer resyncing every second, with handlers that
/// never resync, resync every 2 s and every 3 s, all told of the first list. At 2 s only the 2 s
/// handler gets a resync, at 3 s only the 3 s one. The port also counts each handler's resyncs up
/// to 6.5 s (2 s: at 2, 4, 6; 3 s: at 3, 6; never: none) and adds a handler with the informer's
/// default period (1 s: six resyncs).
#[tokio::test(start_paused = true)]
async fn test_listener_resync_periods() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    source.add(pod("pod2"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let t0 = tokio::time::Instant::now();
    let listeners: Vec<TestListener> = (0..4).map(|_| TestListener::default()).collect();
    let periods = [
        Some(Duration::ZERO),
        Some(Duration::from_secs(2)),
        Some(Duration::from_secs(3)),
        None,
    ];
    for (listener, period) in listeners.iter().zip(periods) {
        let options = match period {
            Some(p) => as_task().resync_period(p),
            None => as_task(),
        };
        informer
            .add_event_handler_with_options(listener.clone(), options)
            .unwrap();
    }
    let [never, two, three, default] = &listeners[..] else {
        unreachable!()
    };
    let task = start(&informer);
    settle().await;
    for l in &listeners {
        assert_eq!(l.sorted(), ["add pod1", "add pod2"]);
        l.reset();
    }
    // Past 2 s: the 2 s handler resyncs (and the 1 s one), the others do not.
    tokio::time::sleep_until(t0 + Duration::from_millis(2_500)).await;
    assert_eq!(two.sorted(), ["resync pod1", "resync pod2"]);
    assert_eq!(never.resyncs(), 0);
    assert_eq!(three.resyncs(), 0);
    for l in &listeners[..3] {
        l.reset();
    }
    // Past 3 s: the 3 s handler resyncs, the 2 s one does not.
    tokio::time::sleep_until(t0 + Duration::from_millis(3_500)).await;
    assert_eq!(three.sorted(), ["resync pod1", "resync pod2"]);
    assert_eq!(never.resyncs(), 0);
    assert_eq!(two.resyncs(), 0);
    // Up to 6.5 s: count resyncs per handler (two objects each time).
    tokio::time::sleep_until(t0 + Duration::from_millis(6_500)).await;
    assert_eq!(never.resyncs(), 0, "never");
    assert_eq!(two.resyncs(), 2 * 2, "2 s: at 4 and 6 since the reset");
    assert_eq!(three.resyncs(), 2 * 2, "3 s: at 3 and 6 since the reset");
    assert_eq!(default.resyncs(), 6 * 2, "the default 1 s: at 1 to 6");
    stop(&informer, task).await;
}

/// Mirrors `TestResyncCheckPeriod`. Go reads the informer's `resyncCheckPeriod` (the shortest
/// period of its handlers and its default) and each listener's `resyncPeriod` as handlers with
/// 0 (never), 1 min, 55 s and 5 s are added to an informer whose default is 12 h. The port
/// observes both through resyncs: in 61 s, the 0 handler has none, the 1 min and 55 s handlers
/// one each (their own periods kept), the 5 s one twelve (so the informer checks every 5 s).
/// It also checks what Go's `AddEventHandlerWithResyncPeriod` does to a handler added to a running
/// informer with a shorter period than the check period: it is raised to it (1 s becomes 5 s:
/// resyncs at 70, 75 and 80 s rather than at each check from 65 s).
#[tokio::test(start_paused = true)]
async fn test_resync_check_period() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(12 * 3600)),
        Indexers::new(),
    );
    let t0 = tokio::time::Instant::now();
    let periods = [0, 60, 55, 5];
    let listeners: Vec<TestListener> = periods.iter().map(|_| TestListener::default()).collect();
    for (l, secs) in listeners.iter().zip(periods) {
        informer
            .add_event_handler_with_options(l.clone(), as_task().resync_period(Duration::from_secs(secs)))
            .unwrap();
    }
    let task = start(&informer);
    tokio::time::sleep_until(t0 + Duration::from_secs(61)).await;
    let counts: Vec<usize> = listeners.iter().map(TestListener::resyncs).collect();
    assert_eq!(
        counts,
        [0, 1, 1, 12],
        "resyncs per handler of periods {periods:?} s"
    );
    let late = TestListener::default();
    informer
        .add_event_handler_with_options(late.clone(), as_task().resync_period(Duration::from_secs(1)))
        .unwrap();
    tokio::time::sleep_until(t0 + Duration::from_secs(81)).await;
    assert_eq!(late.sorted()[0], "add pod1", "the cache replayed first");
    assert_eq!(
        late.resyncs(),
        3,
        "raised to the 5 s check period: at 70, 75 and 80 s"
    );
    stop(&informer, task).await;
}

/// Mirrors `TestSharedInformerInitializationRace` (kubernetes#59822): a handler added from
/// another thread while the informer starts. Go only checks that nothing races; the port also
/// checks the outcome: whichever comes first, the handler is told of the listed object exactly
/// once (from the first list, or from the replay of the cache).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_shared_informer_initialization_race() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let listener = TestListener::default();
    let adder = std::thread::spawn({
        let (informer, listener) = (informer.clone(), listener.clone());
        move || informer.add_event_handler_with_resync_period(listener, Duration::ZERO)
    });
    let task = start(&informer);
    let registration = adder
        .join()
        .unwrap()
        .expect("the informer runs: the handler is added");
    eventually("the handler to handle its initial list", || {
        registration.has_synced()
    })
    .await;
    assert_eq!(listener.sorted(), ["add pod1"]);
    stop(&informer, task).await;
}

/// Mirrors `TestSharedInformerWatchDisruption`: a watch lost while the source changed (pod3 added,
/// pod2 modified, neither sent to the open watch). After a resync tick that is due only for the
/// resyncing handler, and the lost watch, the handler without resync is told of pod2 and pod3
/// (each exactly once), the resyncing one of pod1, pod2 and pod3: the resync's updates of pod1
/// never reach the handler whose resync was not due.
#[tokio::test(start_paused = true)]
async fn test_shared_informer_watch_disruption() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    source.add(pod("pod2"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let t0 = tokio::time::Instant::now();
    let no_resync = TestListener::default();
    let resync = TestListener::default();
    informer
        .add_event_handler_with_options(no_resync.clone(), as_task().resync_period(Duration::ZERO))
        .unwrap();
    informer
        .add_event_handler_with_options(resync.clone(), as_task().resync_period(Duration::from_secs(1)))
        .unwrap();
    let task = start(&informer);
    settle().await;
    for l in [&no_resync, &resync] {
        assert_eq!(l.names(), set(&["pod1", "pod2"]));
    }
    source.add_drop_watch(pod("pod3"));
    source.modify_drop_watch(pod("pod2"));
    settle().await;
    for l in [&no_resync, &resync] {
        assert_eq!(
            l.names(),
            set(&["pod1", "pod2"]),
            "nobody saw the dropped changes"
        );
        l.reset();
    }
    // The resync tick (due for `resync` only), then the lost watch.
    tokio::time::sleep_until(t0 + Duration::from_millis(1_010)).await;
    source.reset_watch();
    tokio::time::sleep_until(t0 + Duration::from_secs(5)).await;
    assert_eq!(no_resync.sorted(), ["add pod3", "update pod2"]);
    assert_eq!(resync.names(), set(&["pod1", "pod2", "pod3"]));
    stop(&informer, task).await;
}

/// Mirrors `TestSharedInformerErrorHandling`: a failing list reaches the watch error handler
/// with its message.
#[tokio::test(start_paused = true)]
async fn test_shared_informer_error_handling() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    source.set_list_error("Access Denied");
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let (tx, mut errors) = mpsc::unbounded_channel();
    informer.set_watch_error_handler(move |e| {
        let _ = tx.send(e.to_string());
    });
    let task = start(&informer);
    let err = tokio::time::timeout(Duration::from_secs(1), errors.recv())
        .await
        .expect("the error handler is called")
        .unwrap();
    assert!(err.contains("Access Denied"), "{err}");
    stop(&informer, task).await;
}

/// Mirrors `TestSharedInformerStartRace`: `set_transform` and `set_watch_error_handler` called
/// in a loop from another thread while the informer starts. Go only checks that nothing races;
/// ours refuses a transform once started ([`InformerError::AlreadyStarted`], as client-go does),
/// so the port checks that the refusal, once it comes, stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_shared_informer_start_race() {
    let source = FakeSource::default();
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let done = Arc::new(AtomicBool::new(false));
    let setter = std::thread::spawn({
        let (informer, done) = (informer.clone(), Arc::clone(&done));
        move || {
            let mut refused = false;
            while !done.load(Ordering::SeqCst) {
                match informer.set_transform(Arc::new(|o| o)) {
                    Ok(()) => assert!(!refused, "a transform was taken after one was refused"),
                    Err(InformerError::AlreadyStarted { .. }) => refused = true,
                    Err(e) => panic!("unexpected error: {e}"),
                }
                informer.set_watch_error_handler(|_| {});
            }
            refused
        }
    });
    let task = start(&informer);
    assert!(informer.wait_for_cache_sync().await);
    done.store(true, Ordering::SeqCst);
    let refused = setter.join().unwrap();
    assert!(
        refused || informer.set_transform(Arc::new(|o| o)).is_err(),
        "refused once started"
    );
    stop(&informer, task).await;
}

/// Mirrors `TestSharedInformerTransformer`: the transform renames each object to upper case
/// before it is stored and handed out.
#[tokio::test(start_paused = true)]
async fn test_shared_informer_transformer() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    source.add(pod("pod2"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    informer
        .set_transform(Arc::new(|mut o: ConfigMap| {
            o.metadata.name = o.metadata.name.map(|n| n.to_uppercase().into());
            o
        }))
        .unwrap();
    let listener = TestListener::default();
    informer
        .add_event_handler_with_options(listener.clone(), as_task())
        .unwrap();
    let task = start(&informer);
    settle().await;
    assert_eq!(listener.names(), set(&["POD1", "POD2"]));
    let mut keys = informer.indexer().list_keys();
    keys.sort();
    assert_eq!(keys, ["POD1", "POD2"]);
    stop(&informer, task).await;
}

/// Which of `listeners` were told of the listed `pod1` once `informer` ran.
async fn told_of_pod1(informer: &SharedIndexInformer<ConfigMap>, listeners: &[&TestListener]) -> Vec<bool> {
    let task = start(informer);
    settle().await;
    let told = listeners.iter().map(|l| l.names().contains("pod1")).collect();
    stop(informer, task).await;
    told
}

/// Mirrors `TestSharedInformerRemoveHandler`: two handlers, removed one after the other. Go counts
/// the informer's listeners; the port sees who is told of the first list: after the second
/// handler's removal only the first one is. A removal answers true, a second one false.
#[tokio::test(start_paused = true)]
async fn test_shared_informer_remove_handler() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let (l1, l2) = (TestListener::default(), TestListener::default());
    let h1 = informer
        .add_event_handler_with_options(l1.clone(), as_task())
        .unwrap();
    let h2 = informer
        .add_event_handler_with_options(l2.clone(), as_task())
        .unwrap();
    assert_ne!(h1, h2);
    assert!(informer.remove_event_handler(&h2));
    assert!(!informer.remove_event_handler(&h2), "already removed");
    assert_eq!(told_of_pod1(&informer, &[&l1, &l2]).await, [true, false]);
    assert!(informer.remove_event_handler(&h1));
    assert!(!informer.remove_event_handler(&h1));
}

/// Mirrors `TestSharedInformerRemoveForeignHandler`: removing another informer's registrations
/// from an informer removes nothing (false here; client-go returns no error and does nothing):
/// both handlers still hear their informer, and remove from it.
#[tokio::test(start_paused = true)]
async fn test_shared_informer_remove_foreign_handler() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let source2 = FakeSource::default();
    source2.add(pod("pod1"));
    let informer2 = SharedIndexInformer::new(
        source2.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let (l1, l2) = (TestListener::default(), TestListener::default());
    let h1 = informer
        .add_event_handler_with_options(l1.clone(), as_task())
        .unwrap();
    let h2 = informer
        .add_event_handler_with_options(l2.clone(), as_task())
        .unwrap();
    assert!(!informer2.remove_event_handler(&h1));
    assert!(!informer2.remove_event_handler(&h2));
    assert_eq!(told_of_pod1(&informer, &[&l1, &l2]).await, [true, true]);
    assert!(informer.remove_event_handler(&h2));
    assert!(informer.remove_event_handler(&h1));
}

/// Mirrors `TestSharedInformerMultipleRegistration`: one handler added twice gets two
/// registrations, removed one at a time; while one remains the handler is still told of changes
/// (once per registration).
#[tokio::test(start_paused = true)]
async fn test_shared_informer_multiple_registration() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let listener = TestListener::default();
    let reg1 = informer
        .add_event_handler_with_options(listener.clone(), as_task())
        .unwrap();
    let reg2 = informer
        .add_event_handler_with_options(listener.clone(), as_task())
        .unwrap();
    assert_ne!(reg1, reg2, "two registrations of one handler are two");
    let task = start(&informer);
    settle().await;
    assert_eq!(
        listener.sorted(),
        ["add pod1", "add pod1"],
        "once per registration"
    );
    listener.reset();
    assert!(informer.remove_event_handler(&reg1));
    source.add(pod("pod2"));
    settle().await;
    assert_eq!(listener.sorted(), ["add pod2"], "the second registration remains");
    assert!(!informer.remove_event_handler(&reg1));
    assert!(informer.remove_event_handler(&reg2));
    source.add(pod("pod3"));
    settle().await;
    assert_eq!(listener.sorted(), ["add pod2"], "no registration remains");
    stop(&informer, task).await;
}

/// Mirrors `TestRemovingRemovedSharedInformer`: removing a removed registration again is no error
/// (it answers false) and leaves it removed.
#[tokio::test]
async fn test_removing_removed_shared_informer() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let reg = informer
        .add_event_handler(ResourceEventHandlerFuncs::default())
        .unwrap();
    assert!(informer.remove_event_handler(&reg));
    assert!(!informer.remove_event_handler(&reg));
    assert!(!informer.remove_event_handler(&reg));
}

/// What a handler of [`test_shared_informer_handler_abuse`] has seen: each key's last
/// resourceVersion.
type Seen = Arc<Mutex<HashMap<String, u64>>>;

/// A handler that checks the promise of `add_event_handler`: each object reaches it once as an
/// add, then only as updates whose `old` is what it saw last, then as a delete. Each broken rule
/// counts in `broken`.
fn checking_handler(broken: &Arc<AtomicUsize>) -> ResourceEventHandlerFuncs<ConfigMap> {
    let seen: Seen = Arc::default();
    let (s1, s2, s3) = (Arc::clone(&seen), Arc::clone(&seen), seen);
    let (b1, b2, b3) = (Arc::clone(broken), Arc::clone(broken), Arc::clone(broken));
    ResourceEventHandlerFuncs::default()
        .on_add(move |o: &Arc<ConfigMap>, _| {
            if s1.lock().unwrap().insert(name_of(o), rv_of(o)).is_some() {
                b1.fetch_add(1, Ordering::SeqCst);
            }
        })
        .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
            if s2.lock().unwrap().insert(name_of(new), rv_of(new)) != Some(rv_of(old)) {
                b2.fetch_add(1, Ordering::SeqCst);
            }
        })
        .on_delete(move |o: &DeltaObject<ConfigMap>| {
            let key = deletion_handling_meta_namespace_key_func(o).unwrap_or_default();
            if s3.lock().unwrap().remove(&key).is_none() {
                b3.fetch_add(1, Ordering::SeqCst);
            }
        })
}

/// Mirrors `TestSharedInformerHandlerAbuse`: workers keep adding handlers (resync 1 s) and
/// removing random ones of theirs while the source changes at random; then the informer is stopped
/// under them. Go has no assertions beyond errors (it is meant for `-race`); the port checks that
/// no add fails while the informer runs and every remove of a live registration succeeds (also
/// after the stop), that every handler sees each object as one add, chained updates and a delete
/// (the promise of `add_event_handler`), and that the store ends equal to the source. 16 workers
/// and 3,000 changes instead of Go's 100 and 10,000, for a 2-core machine; handlers run as tasks.
/// Unlike Go's workers, ours pause 200 µs between steps and keep at most 8 handlers each. Unpaced
/// and unbounded (as in Go), the store had not caught up with the source after a minute in half
/// of the runs on a loaded 2-core machine: every add replays the cache under the fan-out's lock,
/// which every store write also takes (a `std::sync::Mutex`, not fair; Go's mutex turns fair once
/// a waiter has waited 1 ms), and every live handler resyncs each second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_shared_informer_handler_abuse() {
    const WORKERS: usize = 16;
    const CHANGES: usize = 3_000;
    let source = FakeSource::default();
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let task = start(&informer);
    let broken = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (informer, broken) = (informer.clone(), Arc::clone(&broken));
            std::thread::spawn(move || {
                let mut handles: Vec<HandlerRegistration> = Vec::new();
                let options = HandlerOptions::default().resync_period(Duration::from_secs(1));
                loop {
                    // Paced, and at most 8 live handlers each: see the doc comment.
                    std::thread::sleep(Duration::from_micros(200));
                    if handles.len() < 8 && fastrand::bool() {
                        match informer
                            .add_event_handler_with_options(checking_handler(&broken), options.clone())
                        {
                            Ok(reg) => handles.push(reg),
                            Err(InformerError::Stopped) => break,
                            Err(e) => panic!("failed to add a handler: {e}"),
                        }
                    } else if !handles.is_empty() {
                        let reg = handles.swap_remove(fastrand::usize(..handles.len()));
                        assert!(
                            informer.remove_event_handler(&reg),
                            "a live registration is removed"
                        );
                    }
                }
                for reg in handles {
                    assert!(informer.remove_event_handler(&reg), "removed after the stop too");
                }
            })
        })
        .collect();
    let mut objs: Vec<ConfigMap> = Vec::new();
    for i in 0..CHANGES {
        if objs.is_empty() {
            let obj = pod(&format!("pod{i}"));
            objs.push(obj.clone());
            source.add(obj);
        }
        match fastrand::u8(..3) {
            0 => {
                let obj = pod(&format!("pod{i}-{}", fastrand::u32(..)));
                objs.push(obj.clone());
                source.add(obj);
            }
            1 => source.modify(objs[fastrand::usize(..objs.len())].clone()),
            _ => source.delete(objs.swap_remove(fastrand::usize(..objs.len()))),
        }
        if i % 100 == 0 {
            tokio::task::yield_now().await;
        }
    }
    eventually("the store to match the source", || {
        let mut keys = informer.indexer().list_keys();
        keys.sort();
        keys == source.keys()
    })
    .await;
    stop(&informer, task).await;
    tokio::task::spawn_blocking(move || {
        for w in workers {
            w.join().expect("a worker failed");
        }
    })
    .await
    .unwrap();
    assert_eq!(
        broken.load(Ordering::SeqCst),
        0,
        "handlers saw each object as add, updates, delete"
    );
}

/// Mirrors `TestStateSharedInformer`: neither started nor stopped when built; started and not
/// stopped while it tells its handler of the first list; both once stopped.
#[tokio::test(start_paused = true)]
async fn test_state_shared_informer() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let listener = TestListener::default();
    informer
        .add_event_handler_with_options(listener.clone(), as_task())
        .unwrap();
    assert!(!informer.is_started());
    assert!(!informer.is_stopped());
    let task = start(&informer);
    settle().await;
    assert_eq!(listener.names(), set(&["pod1"]));
    assert!(informer.is_started());
    assert!(!informer.is_stopped());
    stop(&informer, task).await;
    assert!(informer.is_stopped());
    assert!(informer.is_started(), "still started once stopped");
}

/// Mirrors `TestAddOnStoppedSharedInformer`: a stopped informer refuses a handler, with an
/// error that says so.
#[tokio::test(start_paused = true)]
async fn test_add_on_stopped_shared_informer() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let task = start(&informer);
    stop(&informer, task).await;
    assert!(informer.is_stopped());
    let err = informer
        .add_event_handler_with_options(TestListener::default(), as_task())
        .unwrap_err();
    assert_eq!(err, InformerError::Stopped);
    assert!(err.to_string().contains("stopped"), "{err}");
}

/// Mirrors `TestRemoveOnStoppedSharedInformer`: a handler of a stopped informer can still be
/// removed (client-go: no error; here: true, the registration was live).
#[tokio::test(start_paused = true)]
async fn test_remove_on_stopped_shared_informer() {
    let source = FakeSource::default();
    source.add(pod("pod1"));
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let handle = informer
        .add_event_handler_with_options(TestListener::default(), as_task())
        .unwrap();
    let task = start(&informer);
    settle().await;
    stop(&informer, task).await;
    assert!(informer.is_stopped());
    assert!(informer.remove_event_handler(&handle));
    assert!(!informer.remove_event_handler(&handle));
}

/// Mirrors `TestRemoveWhileActive`: a handler removed from a running informer is told of nothing
/// more.
#[tokio::test(start_paused = true)]
async fn test_remove_while_active() {
    let source = FakeSource::default();
    let informer = SharedIndexInformer::new(source.lister_watcher(), None, Indexers::new());
    let listener = TestListener::default();
    let handle = informer
        .add_event_handler_with_options(listener.clone(), as_task())
        .unwrap();
    let task = start(&informer);
    source.add(pod("pod1"));
    settle().await;
    assert_eq!(listener.names(), set(&["pod1"]));
    assert!(informer.remove_event_handler(&handle));
    assert!(!informer.remove_event_handler(&handle), "no longer registered");
    source.add(pod("pod2"));
    settle().await;
    assert_eq!(listener.names(), set(&["pod1"]), "nothing after the removal");
    stop(&informer, task).await;
}

/// Mirrors `TestAddWhileActive`: a registration is not synced before the informer runs, and is
/// once its handler has handled the (empty) first list. A handler added to the running informer
/// is not synced until it has handled the replay of the cache (Go holds the handler's lock to
/// look before it has; here the handler is a task that cannot run before the test yields), then
/// is told of later changes like the first handler.
#[tokio::test(start_paused = true)]
async fn test_add_while_active() {
    let source = FakeSource::default();
    let informer = SharedIndexInformer::new(source.lister_watcher(), None, Indexers::new());
    let (l1, l2) = (TestListener::default(), TestListener::default());
    let h1 = informer
        .add_event_handler_with_options(l1.clone(), as_task())
        .unwrap();
    assert!(!h1.has_synced(), "synced before run");
    let task = start(&informer);
    source.add(pod("pod1"));
    settle().await;
    assert_eq!(l1.names(), set(&["pod1"]));
    assert!(h1.has_synced(), "synced after run");
    let h2 = informer
        .add_event_handler_with_options(l2.clone(), as_task())
        .unwrap();
    assert!(!h2.has_synced(), "synced before handling its replay");
    source.add(pod("pod2"));
    settle().await;
    assert_eq!(l2.sorted(), ["add pod1", "add pod2"]);
    assert!(h2.has_synced());
    assert_eq!(l1.sorted(), ["add pod1", "add pod2"]);
    assert!(informer.remove_event_handler(&h1), "still registered");
    assert!(informer.remove_event_handler(&h2), "still registered");
    stop(&informer, task).await;
}

/// Mirrors `TestEventPanics` ("many"): two named handlers panic on each of five adds. Each panic
/// is caught and logged under the handler's name, and each handler is called for every object.
/// Differences, on purpose: client-go's listener sleeps a second after each panic (Go asserts the
/// delay) and a handler that panicked on its initial list never syncs (kubernetes#129024, which
/// Go's test works around); ours calls the next notification at once, and a call that panicked
/// counts as handled, so the handler syncs.
#[tokio::test(start_paused = true)]
async fn test_event_panics() {
    let source = FakeSource::default();
    for i in 1..=5 {
        source.add(pod(&format!("pod{i}")));
    }
    let informer = SharedIndexInformer::new(
        source.lister_watcher(),
        Some(Duration::from_secs(1)),
        Indexers::new(),
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let panicking = || {
        let calls = Arc::clone(&calls);
        ResourceEventHandlerFuncs::default().on_add(move |o: &Arc<ConfigMap>, _| {
            calls.fetch_add(1, Ordering::SeqCst);
            panic!("fake panic on {}", name_of(o));
        })
    };
    let names = ["fake-event-handler-1", "fake-event-handler-2"];
    let regs: Vec<_> = names
        .iter()
        .map(|name| {
            informer
                .add_event_handler_with_options(panicking(), as_task().name(*name))
                .unwrap()
        })
        .collect();
    let task = start(&informer);
    assert!(informer.wait_for_cache_sync().await);
    settle().await;
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    for (reg, name) in regs.iter().zip(names) {
        assert_eq!(reg.name(), name);
        assert_eq!(reg.stats().panics, 5, "{name}");
        assert!(reg.has_synced(), "{name}: a panicking call counts as handled");
    }
    stop(&informer, task).await;
}

/// Mirrors `TestRemoveEventHandler_AsynchronousPanic`: removing a handler whose call is in
/// progress returns at once, without waiting for the call; the call goes on, so a channel the test
/// closed right after the removal is still used by it (Go: a send on a closed channel panics;
/// here the send fails).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_remove_event_handler_asynchronous_panic() {
    let source = FakeSource::default();
    let informer = SharedIndexInformer::new(source.lister_watcher(), None, Indexers::new());
    let task = start(&informer);
    assert!(informer.wait_for_cache_sync().await);
    let (scheduled_tx, scheduled_rx) = std_mpsc::channel::<String>();
    let (unblock_tx, unblock_rx) = std_mpsc::channel::<()>();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<()>();
    let (finished_tx, mut finished_rx) = mpsc::unbounded_channel::<bool>();
    let handler_state = Mutex::new((scheduled_tx, unblock_rx));
    let handler = ResourceEventHandlerFuncs::default().on_add(move |o: &Arc<ConfigMap>, _| {
        let _ = started_tx.send(());
        let state = handler_state.lock().unwrap();
        let _ = state.1.recv();
        let sent = state.0.send(name_of(o)).is_ok();
        let _ = finished_tx.send(sent);
    });
    // A handler on a thread of its own (the default), which may block.
    let handle = informer.add_event_handler(handler).unwrap();
    source.add(pod("pod1"));
    tokio::time::timeout(GUARD, started_rx.recv())
        .await
        .expect("the handler starts")
        .unwrap();
    let removed = tokio::time::timeout(
        GUARD,
        tokio::task::spawn_blocking({
            let (informer, handle) = (informer.clone(), handle.clone());
            move || informer.remove_event_handler(&handle)
        }),
    )
    .await
    .expect("the removal does not wait for the call in progress")
    .unwrap();
    assert!(removed);
    drop(scheduled_rx);
    unblock_tx.send(()).unwrap();
    let sent = tokio::time::timeout(GUARD, finished_rx.recv())
        .await
        .expect("the call in progress finishes")
        .unwrap();
    assert!(
        !sent,
        "the call went on after the removal and found the channel closed"
    );
    stop(&informer, task).await;
}

/// A streaming-list source: the first watch streams what the test sends on the returned channel;
/// later watches stay open and silent. Lists are refused (a streaming list needs none).
fn streaming_source() -> (
    FnListWatch<ConfigMap>,
    mpsc::UnboundedSender<WatchEvent<ConfigMap>>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let lw = FnListWatch::new(
        |_| {
            Box::pin(async {
                Err(
                    ApiError::from_status(Status::failure(500, "InternalError", "this source only streams"))
                        .into(),
                )
            })
        },
        move |opts| {
            assert_eq!(opts.send_initial_events, Some(true), "a streaming list");
            let rx = rx.lock().unwrap().take();
            let stream = match rx {
                Some(rx) => futures_util::stream::unfold(rx, |mut rx| async move {
                    rx.recv().await.map(|ev| (Ok(ev), rx))
                })
                .boxed() as WatchStream<ConfigMap>,
                None => futures_util::stream::pending().boxed(),
            };
            Box::pin(async move { Ok(stream) })
        },
    );
    (lw, tx)
}

fn versioned(name: &str, rv: u64) -> ConfigMap {
    let mut obj = pod(name);
    obj.metadata.resource_version = Some(rv.to_string().into());
    obj
}

/// The bookmark that ends a streaming list at `rv`.
fn initial_events_end(rv: u64) -> WatchEvent<ConfigMap> {
    let mut metadata = ObjectMeta {
        resource_version: Some(rv.to_string().into()),
        ..ObjectMeta::default()
    };
    metadata.annotations.insert(
        clientgo_apimachinery::watch::INITIAL_EVENTS_END_ANNOTATION,
        "true",
    );
    WatchEvent::Bookmark(clientgo_apimachinery::Bookmark {
        metadata,
        ..Default::default()
    })
}

/// Mirrors `TestWatchList`'s cases "the reflector won't be synced if the bookmark event has not
/// been received", "prove that the reflector is synced after receiving a bookmark event" and
/// "check if Updates and Deletes events are propagated during streaming (until the bookmark is
/// received)", through a [`SharedIndexInformer`] with each queue stage (none, the default;
/// `RealFIFO`; `RealFIFO` with atomic events; `DeltaFIFO`): while the initial events stream, nothing is stored or handed out and
/// neither the informer nor its handler is synced; at the bookmark the handler is told of the
/// final state of each listed object once, as an add of the initial list (p1 at its modified
/// version, p3 added and deleted never); later events arrive as usual.
#[tokio::test(start_paused = true)]
async fn test_watch_list_through_a_shared_informer() {
    for queue in [
        None,
        Some(clientgo_cache::QueueKind::RealFifo),
        Some(clientgo_cache::QueueKind::AtomicRealFifo),
        Some(clientgo_cache::QueueKind::DeltaFifo),
    ] {
        let (lw, events) = streaming_source();
        let builder = SharedIndexInformer::builder(lw);
        let informer = match queue {
            Some(kind) => builder.queue(kind),
            None => builder,
        }
        .build();
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let (a, u, d) = (Arc::clone(&log), Arc::clone(&log), Arc::clone(&log));
        let handler = ResourceEventHandlerFuncs::default()
            .on_add(move |o: &Arc<ConfigMap>, initial| {
                a.lock()
                    .unwrap()
                    .push(format!("add {} {} initial={initial}", name_of(o), rv_of(o)));
            })
            .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
                u.lock()
                    .unwrap()
                    .push(format!("update {} {}->{}", name_of(new), rv_of(old), rv_of(new)));
            })
            .on_delete(move |o: &DeltaObject<ConfigMap>| {
                let key = deletion_handling_meta_namespace_key_func(o).unwrap_or_default();
                d.lock().unwrap().push(format!("delete {key}"));
            });
        let registration = informer
            .add_event_handler_with_options(handler, as_task())
            .unwrap();
        let task = start(&informer);
        for event in [
            WatchEvent::Added(versioned("p1", 1)),
            WatchEvent::Added(versioned("p2", 2)),
            WatchEvent::Modified(versioned("p1", 3)),
            WatchEvent::Added(versioned("p3", 4)),
            WatchEvent::Deleted(versioned("p3", 5)),
        ] {
            events.send(event).unwrap();
        }
        settle().await;
        assert!(
            !informer.has_synced(),
            "{queue:?}: not synced before the bookmark"
        );
        assert!(!registration.has_synced(), "{queue:?}");
        assert!(
            informer.indexer().list_keys().is_empty(),
            "{queue:?}: nothing stored yet"
        );
        assert!(
            log.lock().unwrap().is_empty(),
            "{queue:?}: nothing handed out yet"
        );
        events.send(initial_events_end(5)).unwrap();
        settle().await;
        assert!(informer.has_synced(), "{queue:?}: synced at the bookmark");
        assert!(registration.has_synced(), "{queue:?}");
        let mut got = log.lock().unwrap().clone();
        got.sort();
        assert_eq!(
            got,
            ["add p1 3 initial=true", "add p2 2 initial=true"],
            "{queue:?}"
        );
        assert_eq!(informer.last_sync_resource_version(), "5", "{queue:?}");
        log.lock().unwrap().clear();
        events.send(WatchEvent::Modified(versioned("p2", 6))).unwrap();
        events.send(WatchEvent::Deleted(versioned("p1", 7))).unwrap();
        settle().await;
        assert_eq!(*log.lock().unwrap(), ["update p2 2->6", "delete p1"], "{queue:?}");
        let mut keys = informer.indexer().list_keys();
        keys.sort();
        assert_eq!(keys, ["p2"], "{queue:?}");
        stop(&informer, task).await;
    }
}
