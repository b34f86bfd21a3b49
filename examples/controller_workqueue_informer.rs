//! Seed 003 §5.21 "Custom controller architecture" (L4134-4140) and seed 004 "Concurrency and
//! failures" (S004:L40-42): client-go's sample-controller, written with the library. The informer's
//! handlers put `namespace/name` keys in a rate-limited workqueue; two workers take keys, read the
//! object from the lister (the informer's indexer, not the server), and reconcile; a failing key is
//! requeued with the rate limiter's backoff (`AddRateLimited`), and a key that keeps failing is
//! dropped once its retries are used up (`NumRequeues` >= max retries: `Forget`); shutting down
//! drains the reconciles in flight.
//!
//! The example creates three ConfigMaps in its own namespace: `ok` syncs at once, `flaky` fails
//! twice and then syncs, `poison` always fails. Each attempt is printed as it happens.
//!
//! Run: `cargo run --example controller_workqueue_informer [-- --kubeconfig PATH] [--no-activity]`

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use clientgo::api::core::v1::ConfigMap;
use clientgo::apimachinery::labels::Selector;
use clientgo::controller::{Action, Config, Controller, Request};
use clientgo::kubernetes::{ResourceClient, WriteOptions};
use clientgo::tools::cache::Lister;
use clientgo::util::workqueue::{ItemExponentialFailureRateLimiter, RateLimitingQueue};
use clientgo_example::{outln, BoxError, NoArgs, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use tokio::sync::Notify;

/// The label the controller selects its ConfigMaps by.
pub const APP_LABEL: &str = "app=sample";
/// Requeues a failing key gets before it is dropped (sample-controller's `maxRetries`).
pub const MAX_RETRIES: usize = 3;
/// The ConfigMaps of the demo: one syncs, one fails twice first, one always fails.
pub const NAMES: [&str; 3] = ["ok", "flaky", "poison"];

/// The reconciles' shared context: where to print, the lister, the queue (to read a key's
/// requeues), and the attempts per key.
struct Ctx {
    out: Out,
    lister: Lister<ConfigMap>,
    queue: RateLimitingQueue<String>,
    attempts: Mutex<BTreeMap<String, usize>>,
    changed: Notify,
}

impl Ctx {
    fn attempts(&self) -> MutexGuard<'_, BTreeMap<String, usize>> {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more attempt of `key` and returns it.
    fn attempt(&self, key: &str) -> usize {
        let n = {
            let mut attempts = self.attempts();
            let n = attempts.entry(key.to_owned()).or_default();
            *n += 1;
            *n
        };
        self.changed.notify_waiters();
        n
    }

    /// Waits until ok has synced, flaky has had its three attempts and poison its four (the last
    /// one dropped it).
    async fn played_out(&self) {
        loop {
            let changed = self.changed.notified();
            {
                let attempts = self.attempts();
                let by_name = |name: &str| {
                    attempts
                        .iter()
                        .find(|(key, _)| key.rsplit('/').next() == Some(name))
                        .map_or(0, |(_, n)| *n)
                };
                if by_name("ok") >= 1 && by_name("flaky") >= 3 && by_name("poison") > MAX_RETRIES {
                    return;
                }
            }
            changed.await;
        }
    }
}

/// What the reconcile's error will make the controller do, as sample-controller's `handleErr`
/// decides it.
fn after_failure(requeues: usize) -> String {
    if requeues < MAX_RETRIES {
        format!(
            "requeued with backoff (requeue {} of {MAX_RETRIES})",
            requeues + 1
        )
    } else {
        format!("{MAX_RETRIES} requeues used up, dropping the key")
    }
}

/// One attempt: `flaky` fails its first two, `poison` all, anything else syncs.
async fn reconcile(req: Request<ConfigMap>, ctx: Arc<Ctx>) -> Result<Action, String> {
    let attempt = ctx.attempt(&req.key);
    let cached = ctx.lister.list(&Selector::everything()).len();
    let failure = match req.name() {
        "flaky" if attempt < 3 => Some("transient error"),
        "poison" => Some("permanent error"),
        _ => None,
    };
    match failure {
        Some(error) => {
            let next = after_failure(ctx.queue.num_requeues(&req.key));
            outln!(ctx.out, "{} attempt {attempt}: {error}; {next}", req.key);
            Err(format!("{} attempt {attempt}: {error}", req.key))
        }
        None => {
            outln!(
                ctx.out,
                "{} attempt {attempt}: synced ({cached} objects in the lister)",
                req.key
            );
            Ok(Action::done())
        }
    }
}

/// Creates the demo's ConfigMaps, labelled for the controller.
async fn create_config_maps(api: &ResourceClient<ConfigMap>) -> Result<(), BoxError> {
    for name in NAMES {
        let mut cm = ConfigMap::new(name);
        cm.metadata.labels.insert("app", "sample");
        cm.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
        api.create(&cm, &WriteOptions::default()).await?;
    }
    Ok(())
}

/// Runs the controller until ok, flaky and poison have played out (or Ctrl-C), then drains it.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let api = session.clientset().core_v1().config_maps(ns);
    if session.activity() {
        create_config_maps(&api).await?;
    } else {
        outln!(
            out,
            "waiting for the ConfigMaps ok, flaky and poison labelled {APP_LABEL} in namespace {ns}; create them with"
        );
        outln!(
            out,
            "  for n in ok flaky poison; do kubectl -n {ns} create configmap $n && kubectl -n {ns} label configmap $n {APP_LABEL}; done"
        );
    }
    let controller = Controller::new(
        api,
        Config::new("sample-controller")
            .max_concurrent_reconciles(2)
            .max_retries(MAX_RETRIES)
            .label_selector(APP_LABEL)
            .rate_limiter(ItemExponentialFailureRateLimiter::new(
                Duration::from_millis(5),
                Duration::from_secs(1),
            )),
    );
    outln!(
        out,
        "controller sample-controller: 2 workers, {MAX_RETRIES} retries, ConfigMaps labelled {APP_LABEL} in namespace {ns}"
    );
    let ctx = Arc::new(Ctx {
        out: out.clone(),
        lister: controller.lister(),
        queue: controller.queue().clone(),
        attempts: Mutex::new(BTreeMap::new()),
        changed: Notify::new(),
    });
    let waiter = Arc::clone(&ctx);
    let interrupted = session.interrupted();
    let shutdown = async move {
        tokio::select! {
            () = waiter.played_out() => {}
            () = interrupted => {}
        }
    };
    controller.run(reconcile, ctx, shutdown).await;
    outln!(out, "shut down: in-flight reconciles drained");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
