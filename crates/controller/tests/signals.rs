//! `setup_signal_handler` against a real signal: SIGTERM to this test process shuts a running
//! controller down gracefully, the in-flight reconcile finishing first.
//!
//! One test per binary on purpose: the handler exits the process on a second signal, so no other
//! test may signal this process.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, WriteOptions};
use clientgo_controller::{setup_signal_handler, Action, Config, Controller, Request};
use serde_json::json;
use tokio::sync::mpsc;

#[derive(Default)]
struct Ctx {
    finished: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_in_flight_reconcile_and_returns() {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config).unwrap();
    let api = cs.core_v1().config_maps("default");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "slow"}})).unwrap();
    api.create(&cm, &WriteOptions::default()).await.unwrap();

    let shutdown = setup_signal_handler().expect("install the handlers");
    let (started_tx, mut started) = mpsc::unbounded_channel::<String>();
    let ctx = Arc::new(Ctx::default());
    let controller = Controller::new(api, Config::new("signals"));
    let run = tokio::spawn(controller.run(
        move |req: Request<ConfigMap>, ctx: Arc<Ctx>| {
            let started_tx = started_tx.clone();
            async move {
                let _ = started_tx.send(req.key.clone());
                tokio::time::sleep(Duration::from_millis(300)).await;
                ctx.finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(Action::done())
            }
        },
        Arc::clone(&ctx),
        shutdown,
    ));
    let key = tokio::time::timeout(Duration::from_secs(30), started.recv())
        .await
        .expect("a reconcile starts")
        .expect("channel open");
    assert_eq!(key, "default/slow");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("run returns after SIGTERM")
        .expect("run does not panic");
    assert_eq!(
        ctx.finished.load(Ordering::SeqCst),
        1,
        "the reconcile in flight when the signal came finished before run returned"
    );
}
