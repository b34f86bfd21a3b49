//! Ports of client-go's `tools/cache/controller_test.go` that run a [`Controller`] or an informer
//! of [`new_informer`]/[`new_informer_with_options`], each named after its Go test or example.
//! The embedded API server plays client-go's `FakeControllerSource`; a scripted source and tokio's
//! paused clock stand in where Go sleeps through resyncs. The ports that need no server are in
//! `src/controller/tests.rs`, which also lists the Go tests with no port.
//!
//! Go's tests wait on real time (`time.Sleep`, 50 ms "nothing more" windows) and mostly log
//! rather than assert; the ports wait on events (bounded by [`GUARD`]) and assert what the Go
//! comments promise.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, ListMeta, Object, ObjectMeta};
use clientgo_apiserver::ApiServer;
use clientgo_cache::{
    deletion_handling_meta_namespace_key_func, meta_namespace_key_func, new_informer,
    new_informer_with_options, Cache, Config, Controller, DeltaFifo, DeltaObject, DeltaType, Deltas, Error,
    FnListWatch, InformerOptions, KnownObjects, ListWatch, ProcessError, RealFifo, ResourceEventHandlerFuncs,
    Store, WatchStream,
};
use clientgo_client::{Clientset, DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use futures_util::StreamExt as _;
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

const GUARD: Duration = Duration::from_secs(30);

async fn server() -> (ApiServer, ResourceClient<ConfigMap>) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let client = Clientset::new(&config).unwrap().core_v1().config_maps("default");
    (server, client)
}

/// A config map named `name` with `labels`.
fn cm(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    for (k, v) in labels {
        cm.metadata.labels.insert(*k, *v);
    }
    cm
}

/// Runs `controller` on a task until the returned token is cancelled.
fn run<K: Object + Send + Sync + 'static>(
    controller: &Controller<K>,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let task = tokio::spawn({
        let (c, s) = (controller.clone(), stop.clone());
        async move { c.run(s).await }
    });
    (stop, task)
}

/// Deletes every name it is sent from the server, as Go's handlers call `source.Delete` (a
/// process function or handler must not block on a request). Already-gone objects are fine.
fn deleter(client: &ResourceClient<ConfigMap>) -> mpsc::UnboundedSender<String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let client = client.clone();
    tokio::spawn(async move {
        while let Some(name) = rx.recv().await {
            let _ = client.delete(&name, &DeleteOptions::default()).await;
        }
    });
    tx
}

/// Receives `n` keys from `rx` (bounded by [`GUARD`]), sorted.
async fn collect(rx: &mut mpsc::UnboundedReceiver<String>, n: usize) -> Vec<String> {
    let mut keys = BTreeSet::new();
    while keys.len() < n {
        let key = tokio::time::timeout(GUARD, rx.recv())
            .await
            .expect("deletions reported in time")
            .expect("reporter alive");
        keys.insert(key);
    }
    keys.into_iter().collect()
}

const TEST_IDS: [&str; 3] = ["a-hello", "b-controller", "c-framework"];

/// Mirrors `Example`: a [`Controller`] (client-go's `cache.New`) whose process function keeps a
/// downstream store, deletes on the server whatever it sees added, and reports each deletion by
/// key. Go's example uses a RealFIFO (a DeltaFIFO in older releases); this runs both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example() {
    let (_server, client) = server().await;
    let delete = deleter(&client);
    for use_delta_fifo in [false, true] {
        let downstream = Arc::new(Cache::new_store(meta_namespace_key_func));
        let known = Arc::clone(&downstream) as KnownObjects<ConfigMap>;
        let (report, mut deletions) = mpsc::unbounded_channel();
        let (down, delete) = (Arc::clone(&downstream), delete.clone());
        let process = move |deltas: &Deltas<ConfigMap>, _: bool| {
            let Some(newest) = deltas.newest() else {
                return Ok(());
            };
            match (&newest.delta_type, &newest.object) {
                (DeltaType::Deleted, obj) => {
                    let key = deletion_handling_meta_namespace_key_func(obj)
                        .map_err(|e| ProcessError::Failed(Error::from(e)))?;
                    down.delete_by_key(&key);
                    let _ = report.send(key);
                }
                (_, DeltaObject::Object(obj)) => {
                    down.add(Arc::clone(obj)).map_err(ProcessError::Failed)?;
                    let _ = delete.send(obj.name().to_owned());
                }
                (_, DeltaObject::DeletedFinalStateUnknown(_)) => {}
            }
            Ok::<(), ProcessError<Error>>(())
        };
        let controller = if use_delta_fifo {
            let queue = DeltaFifo::new(meta_namespace_key_func).with_known_objects(known);
            Controller::new(
                Config::new(queue, ListWatch::new(client.clone()), process)
                    .full_resync_period(Duration::from_millis(100)),
            )
        } else {
            let queue = RealFifo::new(meta_namespace_key_func, known);
            Controller::new(
                Config::new(queue, ListWatch::new(client.clone()), process)
                    .full_resync_period(Duration::from_millis(100)),
            )
        };
        let (stop, task) = run(&controller);
        for name in TEST_IDS {
            client
                .create(&cm(name, &[]), &WriteOptions::default())
                .await
                .unwrap();
        }
        let keys = collect(&mut deletions, TEST_IDS.len()).await;
        assert_eq!(
            keys,
            TEST_IDS.map(|n| format!("default/{n}")),
            "delta fifo: {use_delta_fifo}"
        );
        assert!(downstream.list().is_empty(), "delta fifo: {use_delta_fifo}");
        stop.cancel();
        tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
    }
}

/// Mirrors `ExampleNewInformer`: an informer whose add handler deletes the object on the server
/// and whose delete handler reports the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_new_informer() {
    let (_server, client) = server().await;
    let delete = deleter(&client);
    let (report, mut deletions) = mpsc::unbounded_channel();
    let handler = ResourceEventHandlerFuncs::default()
        .on_add(move |o: &Arc<ConfigMap>, _| {
            let _ = delete.send(o.name().to_owned());
        })
        .on_delete(move |o: &DeltaObject<ConfigMap>| {
            let key = deletion_handling_meta_namespace_key_func(o)
                .unwrap_or_else(|_| "oops something went wrong with the key".into());
            let _ = report.send(key);
        });
    let (_store, controller) = new_informer(
        ListWatch::new(client.clone()),
        handler,
        Some(Duration::from_millis(100)),
    );
    let (stop, task) = run(&controller);
    for name in TEST_IDS {
        client
            .create(&cm(name, &[]), &WriteOptions::default())
            .await
            .unwrap();
    }
    assert_eq!(
        collect(&mut deletions, TEST_IDS.len()).await,
        TEST_IDS.map(|n| format!("default/{n}"))
    );
    stop.cancel();
    tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
}

/// A handler's calls, per key, and a wake-up on each.
#[derive(Clone, Default)]
struct PerKey {
    seen: Arc<Mutex<BTreeMap<String, Vec<&'static str>>>>,
    changed: Arc<Notify>,
}

impl PerKey {
    fn push(&self, key: String, action: &'static str) {
        self.seen.lock().unwrap().entry(key).or_default().push(action);
        self.changed.notify_waiters();
    }

    fn handler(&self) -> ResourceEventHandlerFuncs<ConfigMap> {
        let (a, u, d) = (self.clone(), self.clone(), self.clone());
        let key = |o: &ConfigMap| meta_namespace_key_func(o).unwrap_or_default();
        ResourceEventHandlerFuncs::default()
            .on_add(move |o: &Arc<ConfigMap>, _| a.push(key(o), "add"))
            .on_update(move |_: &Arc<ConfigMap>, new: &Arc<ConfigMap>| u.push(key(new), "update"))
            .on_delete(move |o: &DeltaObject<ConfigMap>| {
                d.push(
                    deletion_handling_meta_namespace_key_func(o).unwrap_or_default(),
                    "delete",
                );
            })
    }
}

fn rv_map<'a>(items: impl IntoIterator<Item = &'a ConfigMap>) -> BTreeMap<String, String> {
    items
        .into_iter()
        .map(|o| (o.name().to_owned(), o.resource_version().to_owned()))
        .collect()
}

/// Mirrors `TestHammerController`: three writers add, modify and delete random objects while an
/// informer with a 100 ms resync follows. Go only checks that nothing hangs or races; this also
/// waits for the store to match the server and checks every key's calls form a valid life
/// (add first, nothing after a delete but an add).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_hammer_controller() {
    let (_server, client) = server().await;
    let per_key = PerKey::default();
    let (store, controller) = new_informer(
        ListWatch::new(client.clone()),
        per_key.handler(),
        Some(Duration::from_millis(100)),
    );
    assert!(!controller.has_synced(), "synced before the controller started");
    let (stop, task) = run(&controller);
    tokio::time::timeout(GUARD, controller.status().wait_synced())
        .await
        .unwrap();
    assert!(controller.has_synced());

    let writers: Vec<_> = (0..3u64)
        .map(|thread| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut rng = fastrand::Rng::with_seed(thread);
                let mut current: Vec<String> = Vec::new();
                for i in 0..100 {
                    let mut obj = cm(&format!("t{thread}-{i}"), &[("round", &i.to_string())]);
                    if current.is_empty() || rng.u32(0..3) == 1 {
                        let name = obj.name().to_owned();
                        client.create(&obj, &WriteOptions::default()).await.unwrap();
                        current.push(name);
                        continue;
                    }
                    let name = current[rng.usize(..current.len())].clone();
                    if rng.bool() {
                        obj.metadata.name = Some(name.as_str().into());
                        client
                            .update(&name, &obj, &WriteOptions::default())
                            .await
                            .unwrap();
                    } else {
                        client.delete(&name, &DeleteOptions::default()).await.unwrap();
                        current.retain(|n| *n != name);
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }

    let server_state = rv_map(&client.list(&ListOptions::default()).await.unwrap().items);
    let caught_up = tokio::time::timeout(GUARD, async {
        loop {
            let changed = per_key.changed.notified();
            if rv_map(store.list().iter().map(|o| &**o)) == server_state {
                return;
            }
            changed.await;
        }
    })
    .await;
    assert!(caught_up.is_ok(), "the store caught up with the server");

    let seen = per_key.seen.lock().unwrap().clone();
    for (key, actions) in &seen {
        let mut present = false;
        for action in actions {
            let ok = match *action {
                "add" => !present,
                _ => present,
            };
            assert!(ok, "{key}: {action} out of place in {actions:?}");
            present = *action != "delete";
        }
        let name = key.trim_start_matches("default/");
        assert_eq!(present, server_state.contains_key(name), "{key}: {actions:?}");
    }
    stop.cancel();
    tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
}

/// Mirrors `TestUpdate`: each object is added with `check=from` and modified to `check=to` (and
/// `final`); the update handler deletes it once it sees it final. Every update must be a
/// transition Go allows (from->to, or a resync's to->to / from->from), and every object must end
/// deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_update() {
    const THREADS: usize = 3;
    let (_server, client) = server().await;
    let delete = deleter(&client);
    let bad = Arc::new(Mutex::new(Vec::new()));
    let (report, mut deletions) = mpsc::unbounded_channel();
    let check = |o: &ConfigMap| o.metadata.labels.get("check").cloned().unwrap_or_default();
    let handler = ResourceEventHandlerFuncs::default()
        .on_update({
            let bad = Arc::clone(&bad);
            move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
                let (from, to) = (check(old), check(new));
                if !matches!(
                    (from.as_str(), to.as_str()),
                    ("from", "to") | ("to", "to") | ("from", "from")
                ) {
                    bad.lock()
                        .unwrap()
                        .push(format!("{from} -> {to} for {}", new.name()));
                }
                if new.metadata.labels.get("final").is_some_and(|v| v == "true") {
                    let _ = delete.send(new.name().to_owned());
                }
            }
        })
        .on_delete(move |o: &DeltaObject<ConfigMap>| {
            let _ = report.send(deletion_handling_meta_namespace_key_func(o).unwrap_or_default());
        });
    let (_store, controller) = new_informer(ListWatch::new(client.clone()), handler, None);
    let (stop, task) = run(&controller);
    tokio::time::timeout(GUARD, controller.status().wait_synced())
        .await
        .unwrap();

    let writers: Vec<_> = (0..THREADS)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let name = format!("a-{i}-0");
                let created = client
                    .create(&cm(&name, &[("check", "from")]), &WriteOptions::default())
                    .await
                    .unwrap();
                let mut to = created.clone();
                to.metadata.labels = cm(&name, &[("check", "to"), ("final", "true")]).metadata.labels;
                client.update(&name, &to, &WriteOptions::default()).await.unwrap();
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let deleted = collect(&mut deletions, THREADS).await;
    assert_eq!(
        deleted,
        (0..THREADS)
            .map(|i| format!("default/a-{i}-0"))
            .collect::<Vec<_>>()
    );
    assert!(
        bad.lock().unwrap().is_empty(),
        "observed transitions {:?}",
        bad.lock().unwrap()
    );
    stop.cancel();
    tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
}

/// Mirrors `TestPanicPropagated`: a handler's panic is not swallowed by the plain informer; it
/// ends [`Controller::run`] with that panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_panic_propagated() {
    let (_server, client) = server().await;
    let handler = ResourceEventHandlerFuncs::default().on_add(|_: &Arc<ConfigMap>, _| panic!("Just panic."));
    let (_store, controller) = new_informer(
        ListWatch::new(client.clone()),
        handler,
        Some(Duration::from_millis(100)),
    );
    let (_stop, task) = run(&controller);
    client
        .create(&cm("test", &[]), &WriteOptions::default())
        .await
        .unwrap();
    let ended = tokio::time::timeout(GUARD, task)
        .await
        .expect("the panic ended the controller in time");
    let panic = ended.expect_err("the controller panicked").into_panic();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"Just panic."));
}

/// What [`test_transforming_informer`] compares: name, generation label, data, version.
fn summary(o: &ConfigMap) -> String {
    format!(
        "{} gen={} data={:?} rv={:?}",
        o.name(),
        o.metadata.labels.get("generation").map(|v| &**v).unwrap_or("-"),
        o.data,
        o.resource_version()
    )
}

/// The next handler call [`test_transforming_informer`] recorded (bounded by [`GUARD`]).
async fn next(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(GUARD, rx.recv())
        .await
        .expect("an event in time")
        .expect("handler alive")
}

/// Mirrors `TestTransformingInformer`: the transform runs on every object before the store and
/// the handler see it, for listed and watched objects, and on both sides of an update.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_transforming_informer() {
    let (_server, client) = server().await;
    let make = |name: &str, generation: &str| {
        let mut o = cm(name, &[("generation", generation)]);
        o.data.insert("hostname".into(), "hostname".into());
        o.data.insert("subdomain".into(), "subdomain".into());
        o
    };
    let expected = |name: &str, generation: &str| {
        let mut o = make(name, generation);
        o.data.insert("hostname".into(), "new-hostname".into());
        o.data.remove("subdomain");
        o.data.insert("nodename".into(), "nodename".into());
        summary(&o)
    };
    let transform = |mut o: ConfigMap| {
        o.data.insert("hostname".into(), "new-hostname".into());
        o.data.remove("subdomain");
        o.data.insert("nodename".into(), "nodename".into());
        // Cleared to simplify comparisons, as Go's transform does.
        o.metadata.resource_version = None;
        o
    };

    let pod1 = client
        .create(&make("pod1", "1"), &WriteOptions::default())
        .await
        .unwrap();
    let mut pod1_2 = make("pod1", "2");
    pod1_2.metadata.resource_version = pod1.metadata.resource_version.clone();
    client
        .update("pod1", &pod1_2, &WriteOptions::default())
        .await
        .unwrap();

    let (events, mut rx) = mpsc::unbounded_channel::<String>();
    let (e1, e2, e3) = (events.clone(), events.clone(), events);
    let handler = ResourceEventHandlerFuncs::default()
        .on_add(move |o: &Arc<ConfigMap>, _| {
            let _ = e1.send(format!("ADDED {}", summary(o)));
        })
        .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
            let _ = e2.send(format!("MODIFIED {} -> {}", summary(old), summary(new)));
        })
        .on_delete(move |o: &DeltaObject<ConfigMap>| {
            let _ = e3.send(format!(
                "DELETED {}",
                o.object().map(|o| summary(o)).unwrap_or_default()
            ));
        });
    let (store, controller) = new_informer_with_options(
        InformerOptions::new(ListWatch::new(client.clone()), handler).transform(Arc::new(transform)),
    );
    let stored = |store: &Cache<ConfigMap>| {
        let mut s: Vec<String> = store.list().iter().map(|o| summary(o)).collect();
        s.sort();
        s
    };
    let (stop, task) = run(&controller);

    assert_eq!(next(&mut rx).await, format!("ADDED {}", expected("pod1", "2")));
    assert_eq!(stored(&store), [expected("pod1", "2")]);

    let pod2 = client
        .create(&make("pod2", "1"), &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, format!("ADDED {}", expected("pod2", "1")));
    assert_eq!(stored(&store), [expected("pod1", "2"), expected("pod2", "1")]);

    client
        .create(&make("pod3", "1"), &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, format!("ADDED {}", expected("pod3", "1")));

    let mut pod2_2 = make("pod2", "2");
    pod2_2.metadata.resource_version = pod2.metadata.resource_version.clone();
    client
        .update("pod2", &pod2_2, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        next(&mut rx).await,
        format!("MODIFIED {} -> {}", expected("pod2", "1"), expected("pod2", "2"))
    );

    client.delete("pod1", &DeleteOptions::default()).await.unwrap();
    assert_eq!(next(&mut rx).await, format!("DELETED {}", expected("pod1", "2")));
    assert_eq!(stored(&store), [expected("pod2", "2"), expected("pod3", "1")]);
    stop.cancel();
    tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
}

/// A source listing `items` once and then watching forever with no events.
fn list_then_silence(items: Vec<ConfigMap>) -> FnListWatch<ConfigMap> {
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
        |_| Box::pin(async { Ok(futures_util::stream::pending().boxed() as WatchStream<ConfigMap>) }),
    )
    .without_watch_list()
}

/// Mirrors `TestTransformingInformerRace`: with a 5 ms resync running for a second, each object
/// is transformed exactly once (a resync re-delivers the stored, already transformed object),
/// and readers of the store only ever see transformed objects. Go checks for a data race; here
/// the check is that the transform never sees its own output.
#[tokio::test(start_paused = true)]
async fn test_transforming_informer_race() {
    const LABEL: &str = "to-be-transformed";
    const OBJECTS: usize = 5;
    let items: Vec<ConfigMap> = (0..OBJECTS)
        .map(|i| {
            let mut o = cm(&format!("pod-{i}"), &[(LABEL, "true")]);
            o.metadata = ObjectMeta {
                namespace: Some("namespace".into()),
                resource_version: Some(format!("{}", i + 1).as_str().into()),
                ..o.metadata
            };
            o
        })
        .collect();
    let bad_transform = Arc::new(AtomicBool::new(false));
    let transforms = Arc::new(AtomicUsize::new(0));
    let transform = {
        let (bad, count) = (Arc::clone(&bad_transform), Arc::clone(&transforms));
        move |mut o: ConfigMap| {
            count.fetch_add(1, Ordering::SeqCst);
            if o.metadata.labels.get(LABEL).map(|v| &**v) != Some("true") {
                bad.store(true, Ordering::SeqCst);
            }
            o.metadata.labels.insert(LABEL, "false");
            o
        }
    };
    let per_key = PerKey::default();
    let (store, controller) = new_informer_with_options(
        InformerOptions::new(list_then_silence(items), per_key.handler())
            .resync_period(Some(Duration::from_millis(5)))
            .transform(Arc::new(transform)),
    );
    let (stop, task) = run(&controller);
    tokio::time::timeout(GUARD, controller.status().wait_synced())
        .await
        .unwrap();

    // Let resyncs happen for a (virtual) second, reading the store meanwhile.
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        for i in 0..OBJECTS {
            let key = format!("namespace/pod-{i}");
            let obj = store
                .get_by_key(&key)
                .unwrap_or_else(|| panic!("couldn't get {key}"));
            assert_eq!(
                obj.metadata.labels.get(LABEL).map(|v| &**v),
                Some("false"),
                "{key}"
            );
        }
    }
    let updates: usize = per_key
        .seen
        .lock()
        .unwrap()
        .values()
        .map(|a| a.iter().filter(|a| **a == "update").count())
        .sum();
    assert!(
        updates >= OBJECTS,
        "resyncs re-delivered the objects ({updates} updates)"
    );
    assert!(
        !bad_transform.load(Ordering::SeqCst),
        "unexpected transformation happened"
    );
    assert_eq!(
        transforms.load(Ordering::SeqCst),
        OBJECTS,
        "one transform per listed object"
    );
    stop.cancel();
    tokio::time::timeout(GUARD, task).await.unwrap().unwrap();
}
