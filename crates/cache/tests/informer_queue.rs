//! Queue-backed informers (a reflector filling a RealFifo or DeltaFifo, a controller popping it)
//! against the embedded API server: events, tombstones after a forced relist, requeues, resyncs
//! without requests, and stopping.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, Object};
use clientgo_apiserver::ApiServer;
use clientgo_cache::{
    meta_namespace_key_func, new_informer_with_options, process_deltas, Cache, Config, Controller, DeltaFifo,
    DeltaObject, DeltaType, Deltas, Indexer, Indexers, InformerOptions, KnownObjects, ListWatch,
    ListerWatcher, ProcessError, QueueKind, ResourceEventHandlerFuncs, SharedIndexInformer, Store,
    WatchStream,
};
use clientgo_client::{Clientset, DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use futures_util::future::BoxFuture;
use futures_util::StreamExt as _;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

const GUARD: Duration = Duration::from_secs(30);
const KINDS: [QueueKind; 3] = [
    QueueKind::RealFifo,
    QueueKind::AtomicRealFifo,
    QueueKind::DeltaFifo,
];

async fn server() -> (ApiServer, ResourceClient<ConfigMap>) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let client = Clientset::new(&config).unwrap().core_v1().config_maps("default");
    (server, client)
}

fn cm(name: &str, value: &str) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    cm.data.insert("v".into(), value.into());
    cm
}

async fn create(client: &ResourceClient<ConfigMap>, name: &str) -> ConfigMap {
    client
        .create(&cm(name, "0"), &WriteOptions::default())
        .await
        .unwrap()
}

fn rv_map<'a>(items: impl IntoIterator<Item = &'a ConfigMap>) -> BTreeMap<String, String> {
    items
        .into_iter()
        .map(|o| (o.name().to_owned(), o.resource_version().to_owned()))
        .collect()
}

async fn server_state(client: &ResourceClient<ConfigMap>) -> BTreeMap<String, String> {
    rv_map(&client.list(&ListOptions::default()).await.unwrap().items)
}

fn store_state(store: &Cache<ConfigMap>) -> BTreeMap<String, String> {
    rv_map(store.list().iter().map(|o| &**o))
}

/// A handler that logs `add NAME`, `update NAME RV->RV`, `delete NAME` and `tombstone NAME`.
#[derive(Clone, Default)]
struct Log {
    lines: Arc<Mutex<Vec<String>>>,
    changed: Arc<Notify>,
}

impl Log {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
        self.changed.notify_waiters();
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn handler(&self) -> ResourceEventHandlerFuncs<ConfigMap> {
        let (a, u, d) = (self.clone(), self.clone(), self.clone());
        ResourceEventHandlerFuncs::default()
            .on_add(move |o: &Arc<ConfigMap>, _| a.push(format!("add {}", o.name())))
            .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
                u.push(format!(
                    "update {} {}->{}",
                    new.name(),
                    old.resource_version(),
                    new.resource_version()
                ));
            })
            .on_delete(move |o: &DeltaObject<ConfigMap>| {
                let kind = if o.is_tombstone() { "tombstone" } else { "delete" };
                d.push(format!("{kind} {}", o.object().map(|o| o.name()).unwrap_or("?")));
            })
    }

    /// Waits (bounded by [`GUARD`]) until `done` holds for the log.
    async fn wait_for(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        let waited = tokio::time::timeout(GUARD, async {
            loop {
                let changed = self.changed.notified();
                if done(&self.lines()) {
                    return;
                }
                changed.await;
            }
        })
        .await;
        assert!(waited.is_ok(), "{what}: log so far {:?}", self.lines());
    }
}

/// Counts the reflector's requests, holds watches after the first until the gate opens, and
/// counts watch streams still alive.
struct Probe {
    inner: ListWatch<ConfigMap>,
    lists: AtomicUsize,
    watches: AtomicUsize,
    gate: Option<Arc<Semaphore>>,
    held: Arc<Notify>,
    live: Arc<AtomicUsize>,
}

impl Probe {
    fn new(client: &ResourceClient<ConfigMap>) -> Self {
        Probe {
            inner: ListWatch::new(client.clone()),
            lists: AtomicUsize::new(0),
            watches: AtomicUsize::new(0),
            gate: None,
            held: Arc::new(Notify::new()),
            live: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn gated(client: &ResourceClient<ConfigMap>) -> Self {
        Probe {
            gate: Some(Arc::new(Semaphore::new(0))),
            ..Probe::new(client)
        }
    }

    fn open_gate(&self) {
        if let Some(g) = &self.gate {
            g.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }
}

/// Decrements the live-watch count when the stream is dropped.
struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ListerWatcher<ConfigMap> for Probe {
    fn list(&self, opts: ListOptions) -> BoxFuture<'static, Result<List<ConfigMap>, clientgo_rest::Error>> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list(opts)
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'static, Result<WatchStream<ConfigMap>, clientgo_rest::Error>> {
        let n = self.watches.fetch_add(1, Ordering::SeqCst);
        let gate = self.gate.clone().filter(|_| n > 0);
        let (held, live, started) = (
            Arc::clone(&self.held),
            Arc::clone(&self.live),
            self.inner.watch(opts),
        );
        Box::pin(async move {
            if let Some(gate) = gate {
                held.notify_one();
                gate.acquire_owned().await.unwrap().forget();
            }
            let w = started.await?;
            live.fetch_add(1, Ordering::SeqCst);
            let guard = Live(live);
            Ok(w.map(move |e| {
                let _alive = &guard;
                e
            })
            .boxed())
        })
    }

    /// These tests count and gate list+watch requests: the probe asks for list+watch.
    fn supports_watch_list(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_backed_informer_sees_add_update_delete_in_order() {
    for kind in KINDS {
        let (_server, client) = server().await;
        create(&client, "before").await;
        let log = Log::default();
        let (store, controller) = new_informer_with_options(
            InformerOptions::new(ListWatch::new(client.clone()), log.handler())
                .queue(kind)
                .indexers(Indexers::namespace()),
        );
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let (c, s) = (controller.clone(), stop.clone());
            async move { c.run(s).await }
        });
        tokio::time::timeout(GUARD, controller.status().wait_synced())
            .await
            .unwrap();
        assert!(controller.has_synced());
        assert_eq!(
            log.lines(),
            ["add before"],
            "{kind:?}: the handler saw the list before has_synced"
        );

        let created = create(&client, "web").await;
        let mut next = created.clone();
        next.data.insert("v".into(), "1".into());
        let updated = client
            .update("web", &next, &WriteOptions::default())
            .await
            .unwrap();
        client.delete("web", &DeleteOptions::default()).await.unwrap();
        log.wait_for("add, update, delete", |l| l.len() == 4).await;
        assert_eq!(
            log.lines(),
            [
                "add before".to_owned(),
                "add web".to_owned(),
                format!(
                    "update web {}->{}",
                    created.resource_version(),
                    updated.resource_version()
                ),
                "delete web".to_owned(),
            ],
            "{kind:?}"
        );
        assert_eq!(store_state(&store), server_state(&client).await, "{kind:?}");
        assert_eq!(
            store
                .by_index(clientgo_cache::NAMESPACE_INDEX, "default")
                .unwrap()
                .len(),
            1
        );
        let last: u64 = controller.last_sync_resource_version().parse().unwrap();
        assert!(
            last > updated.resource_version().parse::<u64>().unwrap(),
            "{kind:?}: the delete's resourceVersion was seen ({last})"
        );
        stop.cancel();
        tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relist_after_compaction_reports_an_object_deleted_meanwhile_as_a_tombstone() {
    for kind in KINDS {
        let (server, client) = server().await;
        create(&client, "keep").await;
        create(&client, "doomed").await;
        // The informer's first watch is cut after one event; its next watch is held by the probe.
        server.faults().close_watches_after_events(Some(1));
        server.faults().cut_watches(true);
        let probe = Arc::new(Probe::gated(&client));
        let informer = SharedIndexInformer::builder(Arc::clone(&probe))
            .indexers(Indexers::namespace())
            .queue(kind)
            .reflector_options(|o| o.backoff(Duration::from_millis(1), Duration::from_millis(10)))
            .build();
        let log = Log::default();
        informer.add_event_handler(log.handler()).unwrap();
        let task = tokio::spawn(informer.clone().run());
        assert!(tokio::time::timeout(GUARD, informer.wait_for_cache_sync())
            .await
            .unwrap());

        create(&client, "trigger").await;
        tokio::time::timeout(GUARD, probe.held.notified()).await.unwrap();
        // The watch is down: delete behind the informer's back and compact the history away.
        server.faults().clear();
        client.delete("doomed", &DeleteOptions::default()).await.unwrap();
        server.compact_now();
        probe.open_gate();

        log.wait_for("the tombstone", |l| l.iter().any(|x| x == "tombstone doomed"))
            .await;
        let truth = server_state(&client).await;
        assert_eq!(truth.keys().collect::<Vec<_>>(), ["keep", "trigger"]);
        tokio::time::timeout(GUARD, async {
            while store_state(informer.indexer()) != truth {
                log.changed.notified().await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{kind:?}: store {:?}", store_state(informer.indexer())));
        let lines = log.lines();
        assert!(
            !lines.iter().any(|l| l == "delete doomed"),
            "{kind:?}: the deletion was only seen by the relist: {lines:?}"
        );
        assert!(lines.iter().any(|l| l == "add trigger"), "{kind:?}: {lines:?}");
        assert!(
            !lines.iter().any(|l| l.starts_with("update keep")),
            "{kind:?}: an unchanged object listed again is no news to a handler without resync: {lines:?}"
        );
        assert!(informer.status().stats().relists() >= 1, "{kind:?}");
        assert_eq!(
            probe.lists.load(Ordering::SeqCst),
            2,
            "{kind:?}: the first list and the relist"
        );
        informer.stop();
        task.await.unwrap();
    }
}

/// How the process function of [`redelivery`] treats its first attempt at `flaky`.
#[derive(Debug, Clone, Copy)]
enum FirstAttempt {
    Requeue,
    FailWithRetryOnError,
    Fail,
}

/// Runs a DeltaFifo controller over `flaky` and `steady` until `steady` is stored; returns how
/// often `flaky` was processed and the stored names.
async fn redelivery(client: &ResourceClient<ConfigMap>, first: FirstAttempt) -> (usize, Vec<String>) {
    let store = Arc::new(Cache::new_store(meta_namespace_key_func));
    let fifo =
        DeltaFifo::new(meta_namespace_key_func).with_known_objects(Arc::clone(&store) as KnownObjects<_>);
    let attempts = Arc::new(AtomicUsize::new(0));
    let stored = Arc::new(Notify::new());
    let (s, a, n) = (Arc::clone(&store), Arc::clone(&attempts), Arc::clone(&stored));
    let process = move |deltas: &Deltas<ConfigMap>, initial: bool| -> Result<(), ProcessError<String>> {
        let name = deltas
            .newest()
            .and_then(|d| d.object.object())
            .map(|o| o.name().to_owned());
        if name.as_deref() == Some("flaky") && a.fetch_add(1, Ordering::SeqCst) == 0 {
            let e = "not yet".to_owned();
            return Err(match first {
                FirstAttempt::Requeue => ProcessError::Requeue(e),
                FirstAttempt::FailWithRetryOnError | FirstAttempt::Fail => ProcessError::Failed(e),
            });
        }
        process_deltas(&*s, deltas, initial, |_| {}).map_err(|e| ProcessError::Failed(e.to_string()))?;
        n.notify_one();
        Ok(())
    };
    let mut config = Config::new(fifo, ListWatch::new(client.clone()), process);
    if let FirstAttempt::FailWithRetryOnError = first {
        config = config.retry_on_error();
    }
    let controller = Controller::new(config);
    let stop = CancellationToken::new();
    let run = controller.run(stop.clone());
    let wanted: &[&str] = match first {
        FirstAttempt::Fail => &["steady"],
        _ => &["flaky", "steady"],
    };
    tokio::select! {
        () = run => unreachable!("runs until stopped"),
        r = tokio::time::timeout(GUARD, async {
            while store.list_keys().len() < wanted.len() {
                stored.notified().await;
            }
        }) => r.unwrap(),
    }
    let mut names: Vec<String> = store.list().iter().map(|o| o.name().to_owned()).collect();
    names.sort();
    assert_eq!(names, wanted, "{first:?}");
    (attempts.load(Ordering::SeqCst), names)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requeued_or_retried_item_is_delivered_again_and_a_failed_one_is_dropped() {
    let (_server, client) = server().await;
    // Listed in name order, so flaky is popped before steady.
    create(&client, "flaky").await;
    create(&client, "steady").await;
    let (attempts, _) = redelivery(&client, FirstAttempt::Requeue).await;
    assert_eq!(attempts, 2, "ProcessError::Requeue put flaky back");
    let (attempts, _) = redelivery(&client, FirstAttempt::FailWithRetryOnError).await;
    assert_eq!(attempts, 2, "retry_on_error put the failed item back");
    let (attempts, names) = redelivery(&client, FirstAttempt::Fail).await;
    assert_eq!(attempts, 1, "without retry_on_error a failed item is dropped");
    assert_eq!(names, ["steady"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_queues_sync_deltas_and_makes_no_request() {
    let (_server, client) = server().await;
    create(&client, "a").await;
    create(&client, "b").await;
    let store = Arc::new(Cache::new_store(meta_namespace_key_func));
    let fifo =
        DeltaFifo::new(meta_namespace_key_func).with_known_objects(Arc::clone(&store) as KnownObjects<_>);
    let syncs: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::new(Notify::new());
    let (s, y, n) = (Arc::clone(&store), Arc::clone(&syncs), Arc::clone(&seen));
    let process = move |deltas: &Deltas<ConfigMap>, initial: bool| -> Result<(), ProcessError<String>> {
        for d in deltas.iter().filter(|d| d.delta_type == DeltaType::Sync) {
            let obj = d.object.object().expect("a Sync delta carries the object");
            let cached = s
                .get_by_key(&format!("default/{}", obj.name()))
                .expect("synced from the store");
            assert!(Arc::ptr_eq(obj, &cached), "the cached object itself, not a copy");
            y.lock().unwrap().push(obj.name().to_owned());
        }
        process_deltas(&*s, deltas, initial, |_| {}).map_err(|e| ProcessError::Failed(e.to_string()))?;
        n.notify_one();
        Ok(())
    };
    let probe = Arc::new(Probe::new(&client));
    let controller = Controller::new(
        Config::new(fifo, Arc::clone(&probe), process).full_resync_period(Duration::from_millis(20)),
    );
    let stop = CancellationToken::new();
    tokio::select! {
        () = controller.run(stop.clone()) => unreachable!("runs until stopped"),
        r = tokio::time::timeout(GUARD, async {
            while syncs.lock().unwrap().len() < 6 {
                seen.notified().await;
            }
        }) => r.unwrap(),
    }
    let mut rounds = syncs.lock().unwrap().clone();
    rounds.truncate(6);
    rounds.sort();
    assert_eq!(
        rounds,
        ["a", "a", "a", "b", "b", "b"],
        "three resyncs of both objects"
    );
    assert_eq!(probe.lists.load(Ordering::SeqCst), 1, "a resync lists nothing");
    assert_eq!(
        probe.watches.load(Ordering::SeqCst),
        1,
        "a resync watches nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_backed_shared_informer_resyncs_only_the_handlers_that_asked() {
    let (_server, client) = server().await;
    let created = create(&client, "a").await;
    let probe = Arc::new(Probe::new(&client));
    let informer = SharedIndexInformer::builder(Arc::clone(&probe))
        .indexers(Indexers::namespace())
        .queue(QueueKind::DeltaFifo)
        .build();
    let (resyncing, quiet) = (Log::default(), Log::default());
    informer
        .add_event_handler_with_resync_period(resyncing.handler(), Duration::from_secs(1))
        .unwrap();
    informer.add_event_handler(quiet.handler()).unwrap();
    let task = tokio::spawn(informer.clone().run());
    let rv = created.resource_version();
    let sync = format!("update a {rv}->{rv}");
    resyncing
        .wait_for("two resyncs", |l| l.iter().filter(|x| **x == sync).count() >= 2)
        .await;
    assert_eq!(
        quiet.lines(),
        ["add a"],
        "no resync for a handler that did not ask"
    );
    assert_eq!(probe.lists.load(Ordering::SeqCst), 1);
    assert_eq!(probe.watches.load(Ordering::SeqCst), 1);
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_or_dropping_the_controller_ends_the_watch_and_the_loop() {
    let (_server, client) = server().await;
    create(&client, "a").await;
    for drop_it in [false, true] {
        let log = Log::default();
        let probe = Arc::new(Probe::new(&client));
        let (store, controller) = new_informer_with_options(
            InformerOptions::new(Arc::clone(&probe), log.handler()).queue(QueueKind::DeltaFifo),
        );
        let stop = CancellationToken::new();
        if drop_it {
            let run = controller.run(stop.clone());
            tokio::select! {
                () = run => unreachable!("runs until stopped"),
                r = tokio::time::timeout(GUARD, controller.status().wait_synced()) => r.unwrap(),
            }
            // `run` is dropped here, without cancelling the token.
        } else {
            let task = tokio::spawn({
                let (c, s) = (controller.clone(), stop.clone());
                async move { c.run(s).await }
            });
            tokio::time::timeout(GUARD, controller.status().wait_synced())
                .await
                .unwrap();
            stop.cancel();
            tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
        }
        assert_eq!(
            probe.live.load(Ordering::SeqCst),
            0,
            "drop={drop_it}: the watch stream is gone"
        );
        assert_eq!(store.list_keys(), ["default/a"]);
        // A second run returns at once: the controller ran already.
        tokio::time::timeout(GUARD, controller.run(CancellationToken::new()))
            .await
            .unwrap();
        assert_eq!(
            probe.lists.load(Ordering::SeqCst),
            1,
            "drop={drop_it}: nothing listed again"
        );
    }
}
