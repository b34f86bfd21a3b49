//! The finalizer helper against the embedded API server's deletion-with-finalizers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, DeleteOptions, GetOptions, ResourceClient, WriteOptions};
use clientgo_controller::{finalizer, Action, Config, Controller, FinalizerError, FinalizerEvent, Request};
use clientgo_workqueue::ItemExponentialFailureRateLimiter;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

const GUARD: Duration = Duration::from_secs(30);
const FIN: &str = "example.com/cleanup";

async fn server() -> (ApiServer, Clientset) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    (server, Clientset::new(&config).unwrap())
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"v": "1"}})).unwrap()
}

async fn recv<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(GUARD, rx.recv())
        .await
        .expect("timed out")
        .expect("closed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_object_fails_the_add_patch_instead_of_losing_an_update() {
    let (_server, cs) = server().await;
    let api = cs.core_v1().config_maps("default");
    let first = api.create(&cm("a"), &WriteOptions::default()).await.unwrap();
    // Someone else changes the object: our copy is stale.
    let mut other = first.clone();
    other.metadata.finalizers = vec!["other.io/keep".into()];
    api.update("a", &other, &WriteOptions::default()).await.unwrap();
    let err = finalizer(&api, FIN, Arc::new(first), |_| async {
        Ok::<_, std::io::Error>(Action::done())
    })
    .await
    .unwrap_err();
    assert!(matches!(err, FinalizerError::AddFinalizer { .. }), "{err}");
    let now = api.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(now.metadata.finalizers, vec!["other.io/keep".to_owned()]);
    // With the fresh object the finalizer is added next to the other one, and the same call
    // applies the patched object at once.
    let action = finalizer(&api, FIN, Arc::new(now), |event| async move {
        let FinalizerEvent::Apply(applied) = event else {
            panic!("a live object must be applied");
        };
        let got = applied.metadata.finalizers.clone();
        Ok::<_, std::io::Error>(Action::requeue_after(Duration::from_secs(got.len() as u64)))
    })
    .await
    .unwrap();
    assert_eq!(action, Action::requeue_after(Duration::from_secs(2)));
    let now = api.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(
        now.metadata.finalizers,
        vec!["other.io/keep".to_owned(), FIN.to_owned()]
    );
}

#[derive(Default)]
struct Ctx {
    applies: AtomicUsize,
    cleanups: AtomicUsize,
    cleanup_failures_left: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_adds_applies_cleans_up_once_and_the_object_disappears() {
    let (_server, cs) = server().await;
    let api: ResourceClient<ConfigMap> = cs.core_v1().config_maps("default");
    api.create(&cm("guarded"), &WriteOptions::default())
        .await
        .unwrap();
    let ctx = Arc::new(Ctx {
        cleanup_failures_left: AtomicUsize::new(2),
        ..Ctx::default()
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let controller = Controller::new(
        api.clone(),
        Config::new("fin").rate_limiter(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(1),
            Duration::from_millis(8),
        )),
    );
    let (stop, signal) = oneshot::channel::<()>();
    let reconcile_api = api.clone();
    let run = tokio::spawn(controller.run(
        move |req: Request<ConfigMap>, ctx: Arc<Ctx>| {
            let api = reconcile_api.clone();
            let tx = tx.clone();
            async move {
                let Some(obj) = req.object else {
                    tx.send("gone".into()).unwrap();
                    return Ok(Action::done());
                };
                let (ctx2, tx2) = (Arc::clone(&ctx), tx.clone());
                finalizer(&api, FIN, obj, |event| async move {
                    let (ctx, tx) = (ctx2, tx2);
                    match event {
                        FinalizerEvent::Apply(_) => {
                            ctx.applies.fetch_add(1, Ordering::SeqCst);
                            tx.send("apply".into()).unwrap();
                        }
                        FinalizerEvent::Cleanup(_) => {
                            if ctx
                                .cleanup_failures_left
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                                .is_ok()
                            {
                                tx.send("cleanup failed".into()).unwrap();
                                return Err(std::io::Error::other("backend unavailable"));
                            }
                            ctx.cleanups.fetch_add(1, Ordering::SeqCst);
                            tx.send("cleanup".into()).unwrap();
                        }
                    }
                    Ok(Action::done())
                })
                .await
            }
        },
        Arc::clone(&ctx),
        async move {
            let _ = signal.await;
        },
    ));
    // Applied in the reconcile that added the finalizer, and again for the patch's own event.
    assert_eq!(recv(&mut rx).await, "apply");
    assert_eq!(recv(&mut rx).await, "apply");
    let live = api.get("guarded", &GetOptions::default()).await.unwrap();
    assert_eq!(live.metadata.finalizers, vec![FIN.to_owned()]);
    api.delete("guarded", &DeleteOptions::default()).await.unwrap();
    // Cleanup fails twice (the finalizer holds the object), then succeeds once.
    assert_eq!(recv(&mut rx).await, "cleanup failed");
    let held = api.get("guarded", &GetOptions::default()).await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());
    assert_eq!(held.metadata.finalizers, vec![FIN.to_owned()]);
    assert_eq!(recv(&mut rx).await, "cleanup failed");
    assert_eq!(recv(&mut rx).await, "cleanup");
    assert_eq!(recv(&mut rx).await, "gone");
    assert!(api
        .get("guarded", &GetOptions::default())
        .await
        .unwrap_err()
        .is_not_found());
    stop.send(()).unwrap();
    tokio::time::timeout(GUARD, run).await.unwrap().unwrap();
    assert_eq!(ctx.cleanups.load(Ordering::SeqCst), 1);
    assert_eq!(ctx.applies.load(Ordering::SeqCst), 2);
}
