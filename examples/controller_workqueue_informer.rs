//! Seed §"自定义控制器" (client-go sample-controller, written with the library): informer handlers
//! enqueue `namespace/name` keys, two workers reconcile them, a failing key is requeued with the
//! rate limiter's backoff, a key failing past max retries is dropped, the reconcile reads from the
//! lister (the informer's indexer), and shutdown drains in-flight work.
//!
//! With the embedded server the example creates the ConfigMaps it reconciles.
//! Run: `cargo run --example controller_workqueue_informer [-- --kubeconfig PATH]`

use std::collections::BTreeMap;
use std::error::Error;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo::api::core::v1::ConfigMap;
use clientgo::apimachinery::labels::Selector;
use clientgo::controller::{setup_signal_handler, Action, Config, Controller, Request};
use clientgo::kubernetes::{Clientset, WriteOptions};
use clientgo::tools::cache::Lister;
use clientgo::tools::clientcmd;
use clientgo::util::workqueue::ItemExponentialFailureRateLimiter;
use tokio::sync::Notify;

struct Ctx {
    lister: Lister<ConfigMap>,
    attempts: Mutex<BTreeMap<String, usize>>,
    log: Mutex<Vec<String>>,
    settled: Notify,
}

impl Ctx {
    fn log(&self, line: String) {
        if let Ok(mut g) = self.log.lock() {
            g.push(line);
        }
    }
}

/// The three outcomes the example needs to see before it shuts down.
fn settled(attempts: &BTreeMap<String, usize>) -> bool {
    attempts.get("default/ok").is_some_and(|n| *n >= 1)
        && attempts.get("default/flaky").is_some_and(|n| *n >= 3)
        && attempts.get("default/poison").is_some_and(|n| *n >= 4)
}

/// Runs the controller until the ok, flaky and poison keys have played out, or until `interrupt`
/// completes (Ctrl-C in `main`); returns the log.
pub async fn run(
    kubeconfig: &Path,
    interrupt: impl Future<Output = ()>,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let api = cs.core_v1().config_maps("default");
    for name in ["ok", "flaky", "poison"] {
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"app": "sample"}}
        }))?;
        api.create(&cm, &WriteOptions::default()).await?;
    }
    let controller = Controller::new(
        api,
        Config::new("sample-controller")
            .max_concurrent_reconciles(2)
            .max_retries(3)
            .label_selector("app=sample")
            .rate_limiter(ItemExponentialFailureRateLimiter::new(
                Duration::from_millis(5),
                Duration::from_secs(1),
            )),
    );
    let ctx = Arc::new(Ctx {
        lister: controller.lister(),
        attempts: Mutex::new(BTreeMap::new()),
        log: Mutex::new(Vec::new()),
        settled: Notify::new(),
    });
    let waiter = Arc::clone(&ctx);
    let played_out = async move {
        loop {
            let notified = waiter.settled.notified();
            if waiter.attempts.lock().map(|g| settled(&g)).unwrap_or(true) {
                return;
            }
            notified.await;
        }
    };
    let shutdown = async move {
        tokio::select! {
            () = played_out => {}
            () = interrupt => {}
        }
    };
    controller
        .run(
            |req: Request<ConfigMap>, ctx: Arc<Ctx>| async move {
                let attempt = {
                    let mut g = ctx.attempts.lock().map_err(|_| "poisoned".to_owned())?;
                    let n = g.entry(req.key.clone()).or_default();
                    *n += 1;
                    *n
                };
                ctx.settled.notify_one();
                let cached = ctx.lister.list(&Selector::everything()).len();
                let result = match req.name() {
                    "flaky" if attempt < 3 => Err(format!("{} attempt {attempt}: transient error", req.key)),
                    "poison" => Err(format!("{} attempt {attempt}: permanent error", req.key)),
                    _ => Ok(Action::done()),
                };
                ctx.log(match &result {
                    Ok(_) => format!(
                        "{} attempt {attempt}: synced ({cached} objects in the lister)",
                        req.key
                    ),
                    Err(e) => e.clone(),
                });
                result
            },
            Arc::clone(&ctx),
            shutdown,
        )
        .await;
    let mut lines = ctx.log.lock().map(|g| g.clone()).unwrap_or_default();
    lines.sort();
    lines.push("shut down: in-flight reconciles drained".to_owned());
    Ok(lines)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    // Ctrl-C (or SIGTERM) shuts the controller down gracefully: in-flight reconciles drain.
    let interrupt = setup_signal_handler()?;
    for l in run(target.kubeconfig_path(), interrupt).await? {
        println!("{l}");
    }
    Ok(())
}
