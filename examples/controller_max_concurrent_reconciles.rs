//! Seed §"自定义控制器" / controller-runtime MaxConcurrentReconciles: a controller with N workers
//! reconciles N keys at once, never the same key twice, and drains on shutdown.
//!
//! With the embedded server the example creates the ConfigMaps it reconciles.
//! Run: `cargo run --example controller_max_concurrent_reconciles [-- --kubeconfig PATH]`

use std::collections::HashMap;
use std::error::Error;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo::api::core::v1::ConfigMap;
use clientgo::controller::{setup_signal_handler, Action, Config, Controller, Request};
use clientgo::kubernetes::{Clientset, WriteOptions};
use clientgo::tools::clientcmd;
use tokio::sync::Notify;

/// What the reconciles saw.
#[derive(Default)]
struct Stats {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    per_key: Mutex<HashMap<String, usize>>,
    max_per_key: AtomicUsize,
    done: AtomicUsize,
    all_done: Notify,
    keys: usize,
}

/// Creates `keys` labelled ConfigMaps, reconciles them with `workers` workers (each reconcile
/// takes `work`), shuts down once all are reconciled or `interrupt` completes (Ctrl-C in
/// `main`), and returns the report lines.
pub async fn run(
    kubeconfig: &Path,
    workers: usize,
    keys: usize,
    work: Duration,
    interrupt: impl Future<Output = ()>,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let api = cs.core_v1().config_maps("default");
    for i in 0..keys {
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("mcr-{i}"), "labels": {"app": "mcr-demo"}}
        }))?;
        api.create(&cm, &WriteOptions::default()).await?;
    }
    let stats = Arc::new(Stats {
        keys,
        ..Stats::default()
    });
    let controller = Controller::new(
        api,
        Config::new("mcr-demo")
            .max_concurrent_reconciles(workers)
            .label_selector("app=mcr-demo"),
    );
    let waiter = Arc::clone(&stats);
    let all_done = async move {
        let notified = waiter.all_done.notified();
        if waiter.done.load(Ordering::SeqCst) < waiter.keys {
            notified.await;
        }
    };
    let shutdown = async move {
        tokio::select! {
            () = all_done => {}
            () = interrupt => {}
        }
    };
    controller
        .run(
            move |req: Request<ConfigMap>, stats: Arc<Stats>| async move {
                {
                    let mut g = stats.per_key.lock().map_err(|_| "poisoned")?;
                    let n = g.entry(req.key.clone()).or_default();
                    *n += 1;
                    stats.max_per_key.fetch_max(*n, Ordering::SeqCst);
                }
                let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(work).await;
                stats.in_flight.fetch_sub(1, Ordering::SeqCst);
                if let Some(n) = stats.per_key.lock().map_err(|_| "poisoned")?.get_mut(&req.key) {
                    *n -= 1;
                }
                if stats.done.fetch_add(1, Ordering::SeqCst) + 1 == stats.keys {
                    stats.all_done.notify_one();
                }
                Ok::<_, &'static str>(Action::done())
            },
            Arc::clone(&stats),
            shutdown,
        )
        .await;
    Ok(vec![
        format!("workers: {workers}"),
        format!("reconciled: {} keys", stats.done.load(Ordering::SeqCst)),
        format!("max in flight: {}", stats.max_in_flight.load(Ordering::SeqCst)),
        format!(
            "max in flight per key: {}",
            stats.max_per_key.load(Ordering::SeqCst)
        ),
        "drained and stopped".to_owned(),
    ])
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    // Ctrl-C (or SIGTERM) shuts the controller down gracefully: in-flight reconciles drain.
    let interrupt = setup_signal_handler()?;
    for l in run(
        target.kubeconfig_path(),
        4,
        12,
        Duration::from_millis(200),
        interrupt,
    )
    .await?
    {
        println!("{l}");
    }
    Ok(())
}
