//! Handlers added to a running informer while writers keep changing pods on the embedded API
//! server, on the direct path and behind a RealFifo: each late handler gets every object exactly
//! once as an add (from the replay of the cache or as a later creation), then only updates whose
//! old state is the one it last saw and deletes of objects it knows, and once the writers stop its
//! view equals the informer's store, which equals the server's.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::Pod;
use clientgo_apimachinery::Object;
use clientgo_apiserver::ApiServer;
use clientgo_cache::{
    DeltaObject, ListWatch, QueueKind, ResourceEventHandlerFuncs, SharedIndexInformer, Store,
};
use clientgo_client::{
    Clientset, DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const GUARD: Duration = Duration::from_secs(60);
/// Pods created before the informer starts, then patched over and over.
const SEEDED: usize = 20;
/// Handlers added while the writers run, one every [`WRITES_PER_HANDLER`] writes.
const LATE_HANDLERS: usize = 20;
const WRITES_PER_HANDLER: usize = 15;

type State = BTreeMap<String, String>;

fn key(o: &Pod) -> String {
    format!("{}/{}", o.namespace().unwrap_or(""), o.name())
}

fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"gen": "0"}},
        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
    }))
    .unwrap()
}

fn state<'a>(items: impl IntoIterator<Item = &'a Pod>) -> State {
    items
        .into_iter()
        .map(|o| (key(o), o.resource_version().to_owned()))
        .collect()
}

/// A handler's view of the cache, built from its events alone, and every event that broke the
/// rules (an add for a key it had already been given, an update or delete of a key it does not
/// hold, an update whose old state is not the one it holds).
#[derive(Default)]
struct View {
    objects: State,
    added: BTreeSet<String>,
    broken: Vec<String>,
}

impl View {
    fn add(&mut self, o: &Pod) {
        let k = key(o);
        if !self.added.insert(k.clone()) {
            self.broken.push(format!("second add of {k}"));
        }
        self.objects.insert(k, o.resource_version().to_owned());
    }

    fn update(&mut self, old: &Pod, new: &Pod) {
        let k = key(new);
        match self.objects.get(&k) {
            None => self.broken.push(format!("update of {k} before its add")),
            Some(rv) if rv != old.resource_version() => self.broken.push(format!(
                "update of {k} from {} while the handler holds {rv}",
                old.resource_version()
            )),
            Some(_) => {}
        }
        self.objects.insert(k, new.resource_version().to_owned());
    }

    fn delete(&mut self, o: &DeltaObject<Pod>) {
        let Some(o) = o.object() else {
            self.broken.push("a tombstone without its object".into());
            return;
        };
        let k = key(o);
        if self.objects.remove(&k).is_none() {
            self.broken.push(format!("delete of {k} it was never given"));
        }
    }
}

fn handler(view: &Arc<Mutex<View>>) -> ResourceEventHandlerFuncs<Pod> {
    let (a, u, d) = (Arc::clone(view), Arc::clone(view), Arc::clone(view));
    ResourceEventHandlerFuncs::default()
        .on_add(move |o: &Arc<Pod>, _| a.lock().unwrap().add(o))
        .on_update(move |old: &Arc<Pod>, new: &Arc<Pod>| u.lock().unwrap().update(old, new))
        .on_delete(move |o: &DeltaObject<Pod>| d.lock().unwrap().delete(o))
}

/// Patches the seeded pods round-robin until `stop`, counting each write in `writes`.
async fn patcher(client: ResourceClient<Pod>, writes: Arc<AtomicUsize>, stop: CancellationToken) {
    let mut generation = 0usize;
    while !stop.is_cancelled() {
        generation += 1;
        let name = format!("seed-{}", generation % SEEDED);
        let patch = json!({"metadata": {"labels": {"gen": generation.to_string()}}});
        client
            .patch(&name, &PatchType::Merge, &patch, &PatchOptions::default())
            .await
            .unwrap();
        writes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Creates pods under fresh names and deletes each one a few creations later, until `stop`.
async fn churner(client: ResourceClient<Pod>, writes: Arc<AtomicUsize>, stop: CancellationToken) {
    const KEEP: usize = 5;
    let mut created = 0usize;
    while !stop.is_cancelled() {
        client
            .create(&pod(&format!("new-{created}")), &WriteOptions::default())
            .await
            .unwrap();
        if created >= KEEP {
            let gone = format!("new-{}", created - KEEP);
            client.delete(&gone, &DeleteOptions::default()).await.unwrap();
        }
        created += 1;
        writes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits until `done` holds, looking again every few milliseconds; false after [`GUARD`].
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    tokio::time::timeout(GUARD, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .is_ok()
}

async fn late_handlers_see_each_object_once_and_in_order(queue: Option<QueueKind>) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let pods = Clientset::new(&config).unwrap().core_v1().pods("default");
    for i in 0..SEEDED {
        pods.create(&pod(&format!("seed-{i}")), &WriteOptions::default())
            .await
            .unwrap();
    }

    // Buffers of one keep the fan-out busy, so a joining handler's replay has to wait for the
    // change being handed out, and the next change comes in while it waits.
    let mut builder = SharedIndexInformer::builder(ListWatch::new(pods.clone())).handler_buffer(1);
    if let Some(kind) = queue {
        builder = builder.queue(kind);
    }
    let informer = builder.build();
    let first = Arc::new(Mutex::new(View::default()));
    informer.add_event_handler(handler(&first)).unwrap();
    let run = tokio::spawn(informer.clone().run());
    let synced = tokio::time::timeout(GUARD, informer.wait_for_cache_sync()).await;
    assert_eq!(synced.ok(), Some(true), "the informer syncs");

    let writes = Arc::new(AtomicUsize::new(0));
    let stop = CancellationToken::new();
    let writers = [
        tokio::spawn(patcher(pods.clone(), Arc::clone(&writes), stop.clone())),
        tokio::spawn(churner(pods.clone(), Arc::clone(&writes), stop.clone())),
    ];
    let mut late = Vec::new();
    for round in 1..=LATE_HANDLERS {
        let progressed = eventually(|| writes.load(Ordering::SeqCst) >= round * WRITES_PER_HANDLER).await;
        assert!(progressed, "the writers make progress");
        let view = Arc::new(Mutex::new(View::default()));
        informer.add_event_handler(handler(&view)).unwrap();
        late.push(view);
    }
    let progressed =
        eventually(|| writes.load(Ordering::SeqCst) >= (LATE_HANDLERS + 1) * WRITES_PER_HANDLER).await;
    assert!(progressed, "the writers go on after the last handler joined");
    stop.cancel();
    for writer in writers {
        writer.await.unwrap();
    }

    let server_state = state(&pods.list(&ListOptions::default()).await.unwrap().items);
    let store = informer.indexer();
    let stored = || state(store.list().iter().map(|o| &**o));
    eventually(|| stored() == server_state).await;
    assert_eq!(stored(), server_state, "the store catches up with the server");
    for (i, view) in std::iter::once(&first).chain(&late).enumerate() {
        eventually(|| {
            let v = view.lock().unwrap();
            !v.broken.is_empty() || v.objects == server_state
        })
        .await;
        let v = view.lock().unwrap();
        assert!(
            v.broken.is_empty(),
            "handler {i} (0: added before run): {:?}",
            v.broken
        );
        assert_eq!(v.objects, server_state, "handler {i}'s view of the store");
    }
    informer.stop();
    run.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_added_to_a_running_informer_see_each_object_once_and_in_order() {
    late_handlers_see_each_object_once_and_in_order(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_added_to_a_queue_backed_informer_see_each_object_once_and_in_order() {
    late_handlers_see_each_object_once_and_in_order(Some(QueueKind::RealFifo)).await;
}
