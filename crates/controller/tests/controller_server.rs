//! The reconcile loop against the embedded API server.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, DeleteOptions, WriteOptions};
use clientgo_controller::{Action, Config, Controller, Request};
use clientgo_workqueue::ItemExponentialFailureRateLimiter;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, Notify};

const GUARD: Duration = Duration::from_secs(30);

async fn server() -> (ApiServer, Clientset) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    (server, Clientset::new(&config).unwrap())
}

fn cm(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"v": value}})).unwrap()
}

fn value(obj: &ConfigMap) -> String {
    obj.data.get("v").cloned().unwrap_or_default()
}

async fn create(cs: &Clientset, name: &str, v: &str) -> ConfigMap {
    cs.core_v1()
        .config_maps("default")
        .create(&cm(name, v), &WriteOptions::default())
        .await
        .unwrap()
}

/// Counts reconciles in flight, per key and overall, and remembers the maxima.
#[derive(Default)]
struct Concurrency {
    per_key: Mutex<HashMap<String, usize>>,
    max_per_key: AtomicUsize,
    total: AtomicUsize,
    max_total: AtomicUsize,
}

impl Concurrency {
    fn enter(&self, key: &str) {
        let mut g = self.per_key.lock().unwrap();
        let n = g.entry(key.to_owned()).or_default();
        *n += 1;
        self.max_per_key.fetch_max(*n, Ordering::SeqCst);
        let t = self.total.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_total.fetch_max(t, Ordering::SeqCst);
    }
    fn exit(&self, key: &str) {
        *self.per_key.lock().unwrap().get_mut(key).unwrap() -= 1;
        self.total.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A shutdown signal the test fires.
fn shutdown() -> (oneshot::Sender<()>, impl std::future::Future<Output = ()>) {
    let (tx, rx) = oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}

async fn recv<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(GUARD, rx.recv())
        .await
        .expect("timed out")
        .expect("closed")
}

/// Polls `cond` (yielding to the runtime) until true, failing after the guard.
async fn wait_until(mut cond: impl FnMut() -> bool) {
    tokio::time::timeout(GUARD, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("condition not reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_is_never_reconciled_twice_at_once_and_a_change_during_reconcile_is_seen_after() {
    let (_server, cs) = server().await;
    create(&cs, "a", "v1").await;
    struct Ctx {
        conc: Concurrency,
        seen: mpsc::UnboundedSender<String>,
        release: Notify,
    }
    let (seen, mut seen_rx) = mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        conc: Concurrency::default(),
        seen,
        release: Notify::new(),
    });
    let controller = Controller::new(
        cs.core_v1().config_maps("default"),
        Config::new("same-key").max_concurrent_reconciles(4),
    );
    let queue = controller.queue().clone();
    let informer = controller.informer().clone();
    let (stop, signal) = shutdown();
    let run = tokio::spawn(controller.run(
        |req: Request<ConfigMap>, ctx: Arc<Ctx>| async move {
            ctx.conc.enter(&req.key);
            let v = req.object.as_deref().map(value).unwrap_or_default();
            ctx.seen.send(v.clone()).unwrap();
            if v == "v1" {
                ctx.release.notified().await;
            }
            ctx.conc.exit(&req.key);
            Ok::<_, String>(Action::done())
        },
        Arc::clone(&ctx),
        signal,
    ));
    assert_eq!(recv(&mut seen_rx).await, "v1");
    // Changed while its reconcile is in flight: enqueued again (dirty), but not handed out.
    let obj = cm("a", "v2");
    cs.core_v1()
        .config_maps("default")
        .update("a", &obj, &WriteOptions::default())
        .await
        .unwrap();
    // The cache has v2 while v1's reconcile still runs, and the key is not handed to a
    // second worker (4 are idle).
    wait_until(|| {
        use clientgo_cache::Store;
        informer
            .indexer()
            .get_by_key("default/a")
            .is_some_and(|o| value(&o) == "v2")
    })
    .await;
    assert_eq!(queue.queue().processing(), 1);
    assert_eq!(queue.len(), 0);
    ctx.release.notify_one();
    assert_eq!(recv(&mut seen_rx).await, "v2");
    wait_until(|| queue.queue().processing() == 0).await;
    assert_eq!(ctx.conc.max_per_key.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_keys_are_in_flight_with_n_workers_and_never_more() {
    const N: usize = 3;
    let (_server, cs) = server().await;
    for i in 0..N * 2 {
        create(&cs, &format!("cm-{i}"), "x").await;
    }
    struct Ctx {
        conc: Concurrency,
        barrier: tokio::sync::Barrier,
        done: mpsc::UnboundedSender<String>,
    }
    let (done, mut done_rx) = mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        conc: Concurrency::default(),
        barrier: tokio::sync::Barrier::new(N),
        done,
    });
    let controller = Controller::new(
        cs.core_v1().config_maps("default"),
        Config::new("parallel").max_concurrent_reconciles(N),
    );
    let (stop, signal) = shutdown();
    let run = tokio::spawn(controller.run(
        |req: Request<ConfigMap>, ctx: Arc<Ctx>| async move {
            ctx.conc.enter(&req.key);
            // Passes only when N reconciles are in flight together.
            tokio::time::timeout(GUARD, ctx.barrier.wait())
                .await
                .map_err(|_| "barrier never filled".to_owned())?;
            ctx.conc.exit(&req.key);
            ctx.done.send(req.key).unwrap();
            Ok::<_, String>(Action::done())
        },
        Arc::clone(&ctx),
        signal,
    ));
    let mut keys: Vec<String> = Vec::new();
    for _ in 0..N * 2 {
        keys.push(recv(&mut done_rx).await);
    }
    keys.sort();
    let want: Vec<String> = (0..N * 2).map(|i| format!("default/cm-{i}")).collect();
    assert_eq!(keys, want);
    assert_eq!(ctx.conc.max_total.load(Ordering::SeqCst), N);
    assert_eq!(ctx.conc.max_per_key.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_back_off_and_retry_until_success_which_forgets() {
    let (_server, cs) = server().await;
    create(&cs, "flaky", "x").await;
    struct Ctx {
        attempts: AtomicUsize,
        tx: mpsc::UnboundedSender<usize>,
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        attempts: AtomicUsize::new(0),
        tx,
    });
    let controller = Controller::new(
        cs.core_v1().config_maps("default"),
        Config::new("flaky").rate_limiter(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(1),
            Duration::from_millis(8),
        )),
    );
    let queue = controller.queue().clone();
    let metrics = Arc::clone(controller.metrics());
    let (stop, signal) = shutdown();
    let run = tokio::spawn(controller.run(
        |_req: Request<ConfigMap>, ctx: Arc<Ctx>| async move {
            let n = ctx.attempts.fetch_add(1, Ordering::SeqCst) + 1;
            ctx.tx.send(n).unwrap();
            if n <= 3 {
                Err(format!("attempt {n} failed"))
            } else {
                Ok(Action::done())
            }
        },
        Arc::clone(&ctx),
        signal,
    ));
    for want in 1..=4 {
        assert_eq!(recv(&mut rx).await, want);
    }
    wait_until(|| queue.queue().processing() == 0).await;
    assert_eq!(
        queue.num_requeues(&"default/flaky".to_owned()),
        0,
        "success forgets"
    );
    assert_eq!(queue.delaying_queue().waiting_len(), 0);
    assert_eq!(queue.len(), 0);
    let m = metrics.prometheus_text();
    assert!(
        m.contains("controller_runtime_reconcile_total{controller=\"flaky\",result=\"error\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("controller_runtime_reconcile_total{controller=\"flaky\",result=\"success\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("controller_runtime_reconcile_time_seconds_count{controller=\"flaky\"} 4"),
        "{m}"
    );
    assert_eq!(metrics.active_workers(), 0);
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
    assert_eq!(ctx.attempts.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_retries_drops_the_key_until_it_changes() {
    let (_server, cs) = server().await;
    create(&cs, "broken", "v1").await;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let controller = Controller::new(
        cs.core_v1().config_maps("default"),
        Config::new("broken")
            .max_retries(2)
            .rate_limiter(ItemExponentialFailureRateLimiter::new(
                Duration::from_millis(1),
                Duration::from_millis(8),
            )),
    );
    let queue = controller.queue().clone();
    let (stop, signal) = shutdown();
    let run = tokio::spawn(controller.run(
        |req: Request<ConfigMap>, tx: Arc<mpsc::UnboundedSender<String>>| async move {
            tx.send(req.object.as_deref().map(value).unwrap_or_default())
                .unwrap();
            Err::<Action, _>("always fails")
        },
        Arc::new(tx),
        signal,
    ));
    // The first attempt and two retries, then dropped: nothing queued, waiting or counted.
    for _ in 0..3 {
        assert_eq!(recv(&mut rx).await, "v1");
    }
    wait_until(|| queue.queue().processing() == 0).await;
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.delaying_queue().waiting_len(), 0);
    assert_eq!(queue.num_requeues(&"default/broken".to_owned()), 0);
    assert!(rx.try_recv().is_err());
    // A change brings it back.
    let obj = cm("broken", "v2");
    cs.core_v1()
        .config_maps("default")
        .update("broken", &obj, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(recv(&mut rx).await, "v2");
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_objects_reconcile_as_gone_and_requeue_after_comes_back() {
    let (_server, cs) = server().await;
    create(&cs, "doomed", "x").await;
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, bool)>();
    let controller = Controller::new(cs.core_v1().config_maps("default"), Config::new("gone"));
    let (stop, signal) = shutdown();
    let run = tokio::spawn(controller.run(
        |req: Request<ConfigMap>, tx: Arc<mpsc::UnboundedSender<(String, bool)>>| async move {
            tx.send((req.key.clone(), req.is_gone())).unwrap();
            // Present objects ask to be looked at again shortly; gone ones are done.
            Ok::<_, String>(if req.is_gone() {
                Action::done()
            } else {
                Action::requeue_after(Duration::from_millis(1))
            })
        },
        Arc::new(tx),
        signal,
    ));
    assert_eq!(recv(&mut rx).await, ("default/doomed".to_owned(), false));
    assert_eq!(
        recv(&mut rx).await,
        ("default/doomed".to_owned(), false),
        "requeue_after"
    );
    cs.core_v1()
        .config_maps("default")
        .delete("doomed", &DeleteOptions::default())
        .await
        .unwrap();
    loop {
        let (key, gone) = recv(&mut rx).await;
        assert_eq!(key, "default/doomed");
        if gone {
            break;
        }
    }
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_in_flight_reconciles_and_abandons_them_after_the_grace() {
    let (_server, cs) = server().await;
    create(&cs, "slow", "x").await;
    struct Ctx {
        started: mpsc::UnboundedSender<()>,
        release: Notify,
        finished: AtomicUsize,
    }
    for (release, grace, want_finished) in [(true, GUARD, 1), (false, Duration::from_millis(50), 0)] {
        let (started, mut started_rx) = mpsc::unbounded_channel();
        let ctx = Arc::new(Ctx {
            started,
            release: Notify::new(),
            finished: AtomicUsize::new(0),
        });
        let controller = Controller::new(
            cs.core_v1().config_maps("default"),
            Config::new("drain").shutdown_grace(grace),
        );
        let (stop, signal) = shutdown();
        let run = tokio::spawn(controller.run(
            |_req: Request<ConfigMap>, ctx: Arc<Ctx>| async move {
                ctx.started.send(()).unwrap();
                ctx.release.notified().await;
                ctx.finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(Action::done())
            },
            Arc::clone(&ctx),
            signal,
        ));
        recv(&mut started_rx).await;
        stop.send(()).unwrap();
        if release {
            // Shutdown is waiting for the reconcile: it finishes, then run returns.
            tokio::task::yield_now().await;
            assert!(!run.is_finished());
            ctx.release.notify_one();
        }
        tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
        assert_eq!(ctx.finished.load(Ordering::SeqCst), want_finished);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owned_children_enqueue_their_controlling_owner() {
    let (_server, cs) = server().await;
    let owner = create(&cs, "owner", "x").await;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let controller = Controller::new(
        cs.core_v1().config_maps("default"),
        Config::new("owns").label_selector("role!=child"),
    )
    .owns(cs.core_v1().config_maps("default"));
    let (stop, signal) = shutdown();
    let run = tokio::spawn(controller.run(
        |req: Request<ConfigMap>, tx: Arc<mpsc::UnboundedSender<String>>| async move {
            tx.send(req.key).unwrap();
            Ok::<_, String>(Action::done())
        },
        Arc::new(tx),
        signal,
    ));
    assert_eq!(recv(&mut rx).await, "default/owner");
    let child: ConfigMap = serde_json::from_value(json!({
        "metadata": {"name": "child", "labels": {"role": "child"}, "ownerReferences": [{
            "apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
            "uid": owner.metadata.uid, "controller": true
        }]},
        "data": {"v": "1"}
    }))
    .unwrap();
    cs.core_v1()
        .config_maps("default")
        .create(&child, &WriteOptions::default())
        .await
        .unwrap();
    // The child is filtered out of the primaries by the selector: only its owner is reconciled.
    assert_eq!(recv(&mut rx).await, "default/owner");
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
    assert!(rx.try_recv().is_err());
}
