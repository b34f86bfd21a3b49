//! Reliability under chaos: an informer over all namespaces' pods while writers create, update and
//! delete pods and the server cuts watches, stalls requests, answers 429s and compacts its log.
//! At the end the cache must equal the server's state exactly and every handler must have seen
//! each object's final state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::Pod;
use clientgo_apimachinery::Object;
use clientgo_apiserver::{ApiServer, InjectedError};
use clientgo_cache::{Indexers, ListWatch, QueueKind, ResourceEventHandlerFuncs, SharedIndexInformer, Store};
use clientgo_client::{
    Clientset, DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions,
};
use serde_json::json;

const WRITERS: usize = 4;
const PODS_PER_WRITER: usize = 500;
/// Bound on any single write attempt (a stalled request is abandoned and retried).
const ATTEMPT: Duration = Duration::from_secs(3);
const GUARD: Duration = Duration::from_secs(50);

type Seen = Arc<Mutex<BTreeMap<String, Option<String>>>>;

fn key(o: &Pod) -> String {
    format!("{}/{}", o.namespace().unwrap_or(""), o.name())
}

/// Retries one write through injected faults; `Ok` also when an earlier, cut attempt had already
/// applied it (AlreadyExists on create, NotFound on delete).
async fn retry<F, Fut>(what: &str, mut op: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), clientgo_rest::Error>>,
{
    for _ in 0..200 {
        match tokio::time::timeout(ATTEMPT, op()).await {
            Ok(Ok(())) => return,
            Ok(Err(e)) if e.is_already_exists() || e.is_not_found() => return,
            Ok(Err(_)) | Err(_) => tokio::task::yield_now().await,
        }
    }
    panic!("{what} kept failing");
}

async fn writer(cs: Clientset, id: usize) {
    for i in 0..PODS_PER_WRITER {
        let ns = if (id + i).is_multiple_of(2) {
            "default"
        } else {
            "kube-public"
        };
        let client: ResourceClient<Pod> = cs.core_v1().pods(ns);
        let name = format!("w{id}-p{i}");
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"writer": id.to_string(), "gen": "0"}},
            "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
        }))
        .unwrap();
        retry("create", || {
            let (c, p) = (client.clone(), pod.clone());
            async move { c.create(&p, &WriteOptions::default()).await.map(drop) }
        })
        .await;
        if i % 2 == 0 {
            retry("patch", || {
                let (c, n) = (client.clone(), name.clone());
                async move {
                    c.patch(
                        &n,
                        &PatchType::Merge,
                        &json!({"metadata": {"labels": {"gen": "1"}}}),
                        &PatchOptions::default(),
                    )
                    .await
                    .map(drop)
                }
            })
            .await;
        }
        // Paced so the writes span the whole fault schedule below, however fast the machine.
        if i % 5 == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if i % 3 == 0 {
            retry("delete", || {
                let (c, n) = (client.clone(), name.clone());
                async move { c.delete(&n, &DeleteOptions::default()).await }
            })
            .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_store_equals_server_state_after_chaos() {
    chaos(None).await;
}

/// The same chaos for an informer behind a queue (`SharedIndexInformerBuilder::queue`), where relists go through the
/// queue's replace and vanished objects reach the handlers as tombstones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_backed_informer_store_equals_server_state_after_chaos() {
    chaos(Some(QueueKind::RealFifo)).await;
}

/// The same chaos behind a RealFifo with atomic events: each relist reaches the store as one
/// replace, and the store still ends equal to the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atomic_queue_informer_store_equals_server_state_after_chaos() {
    chaos(Some(QueueKind::AtomicRealFifo)).await;
}

/// Runs the chaos against an informer on the direct path (`None`) or behind a queue of `queue`'s kind.
async fn chaos(queue: Option<QueueKind>) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config).unwrap();

    let builder = SharedIndexInformer::builder(ListWatch::new(cs.core_v1().pods("")))
        .indexers(Indexers::namespace())
        .reflector_options(|o| {
            o.page_size(50)
                .backoff(Duration::from_millis(5), Duration::from_millis(100))
                .short_watch_timeouts(Duration::from_secs(2))
                .watch_idle_grace(Duration::from_millis(500))
                .list_timeout(ATTEMPT)
        });
    let informer = match queue {
        Some(kind) => builder.queue(kind),
        None => builder,
    }
    .build();
    let mut handler_logs: Vec<Seen> = Vec::new();
    let changed = Arc::new(tokio::sync::Notify::new());
    for _ in 0..2 {
        let seen: Seen = Arc::default();
        let (s1, s2, s3) = (Arc::clone(&seen), Arc::clone(&seen), Arc::clone(&seen));
        let (n1, n2, n3) = (Arc::clone(&changed), Arc::clone(&changed), Arc::clone(&changed));
        informer
            .add_event_handler(
                ResourceEventHandlerFuncs::default()
                    .on_add(move |o: &Arc<Pod>, _| {
                        s1.lock()
                            .unwrap()
                            .insert(key(o), Some(o.resource_version().to_owned()));
                        n1.notify_waiters();
                    })
                    .on_update(move |_, o: &Arc<Pod>| {
                        s2.lock()
                            .unwrap()
                            .insert(key(o), Some(o.resource_version().to_owned()));
                        n2.notify_waiters();
                    })
                    .on_delete(move |o| {
                        if let Some(o) = o.object() {
                            s3.lock().unwrap().insert(key(o), None);
                        }
                        n3.notify_waiters();
                    }),
            )
            .unwrap();
        handler_logs.push(seen);
    }
    // Every watch, the informer's first one included, is cut abruptly after 25 events.
    server.faults().close_watches_after_events(Some(25));
    server.faults().cut_watches(true);
    let task = tokio::spawn(informer.clone().run());
    assert!(tokio::time::timeout(GUARD, informer.wait_for_cache_sync())
        .await
        .unwrap());

    let writers: Vec<_> = (0..WRITERS)
        .map(|id| tokio::spawn(writer(cs.clone(), id)))
        .collect();
    // The chaos: one fault change per round while the writers run.
    let faults = server.faults();
    let mut round = 0u32;
    let mut compactions = 0u32;
    while round < 12 || !writers.iter().all(tokio::task::JoinHandle::is_finished) {
        match round % 6 {
            0 => {
                server.compact_now();
                compactions += 1;
            }
            1 => {
                faults.close_watches_after_events(Some(25));
                faults.cut_watches(true);
            }
            2 => faults.fail_requests(1, 8, InjectedError::TooManyRequests { retry_after: 0 }),
            3 => faults.cut_next_requests(1),
            4 => {
                faults.fail_requests(0, 0, InjectedError::Internal);
                faults.cut_watches(false);
                server.compact_now();
                compactions += 1;
            }
            _ if round < 12 => faults.stall_next_requests(1),
            _ => {}
        }
        round += 1;
        // Pacing of the fault schedule only; nothing waits on it for correctness.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    for w in writers {
        w.await.unwrap();
    }
    faults.clear();

    // The truth: the server's state after the last write.
    let truth: BTreeMap<String, String> = cs
        .core_v1()
        .pods("")
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| (key(p), p.resource_version().to_owned()))
        .collect();
    assert!(
        truth.len() > WRITERS * PODS_PER_WRITER / 2,
        "{} pods remain",
        truth.len()
    );

    let cache_state = || -> BTreeMap<String, String> {
        informer
            .indexer()
            .list()
            .iter()
            .map(|p| (key(p), p.resource_version().to_owned()))
            .collect()
    };
    let handler_state = |seen: &Seen| -> BTreeMap<String, String> {
        seen.lock()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
            .collect()
    };
    let converged = tokio::time::timeout(GUARD, async {
        loop {
            let notified = changed.notified();
            if cache_state() == truth && handler_logs.iter().all(|s| handler_state(s) == truth) {
                return;
            }
            notified.await;
        }
    })
    .await;
    let stats = informer.status().stats();
    println!(
        "chaos ({}): {} pods created (plus patches and deletes) rounds={round} compactions={compactions} relists={} rewatches={} events={} final pods={}",
        queue.map_or("direct".to_owned(), |k| format!("{k:?}")),
        WRITERS * PODS_PER_WRITER,
        stats.relists(),
        stats.rewatches(),
        stats.events(),
        truth.len()
    );
    if converged.is_err() {
        let cache = cache_state();
        let missing: Vec<_> = truth
            .iter()
            .filter(|(k, v)| cache.get(*k) != Some(v))
            .take(5)
            .collect();
        let extra: Vec<_> = cache
            .iter()
            .filter(|(k, _)| !truth.contains_key(*k))
            .take(5)
            .collect();
        panic!(
            "not converged: cache {} vs server {} pods; differing {missing:?}; extra {extra:?}; \
             handler states equal: {:?}; last error: {:?}; synced {}",
            cache.len(),
            truth.len(),
            handler_logs
                .iter()
                .map(|s| handler_state(s) == truth)
                .collect::<Vec<_>>(),
            informer.status().last_error().map(|e| e.to_string()),
            informer.has_synced()
        );
    }
    assert_eq!(cache_state(), truth, "same keys, same resourceVersions");
    assert!(stats.relists() >= 1, "compaction forced at least one relist");
    assert!(stats.rewatches() >= 1, "cut watches were resumed");
    informer.stop();
    task.await.unwrap();
}
