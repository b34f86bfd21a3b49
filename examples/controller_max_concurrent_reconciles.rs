//! Seed 004 "Concurrency and failures" (S004:L40-42): controller-runtime's
//! MaxConcurrentReconciles. A controller with N workers reconciles up to N keys at once, but never
//! the same key twice at once, and drains its in-flight reconciles when it stops.
//!
//! The example creates `--keys` labelled ConfigMaps in its own namespace. The first reconcile of
//! each key annotates the ConfigMap, as a controller writing status does; the update event of that
//! write puts the key back in the queue while the key is still being reconciled, and the queue
//! holds it back until the first reconcile is done: each key is reconciled twice, one after the
//! other, while up to N different keys run side by side. Every reconcile prints a `start` and a
//! `done` line as it happens; the counts follow at the end.
//!
//! Run: `cargo run --example controller_max_concurrent_reconciles [-- --kubeconfig PATH]
//! [--workers N] [--keys N] [--work-ms MS] [--no-activity]`

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use clientgo::api::core::v1::ConfigMap;
use clientgo::controller::{Action, Config, Controller, Request};
use clientgo::kubernetes::{PatchOptions, PatchType, ResourceClient, WriteOptions};
use clientgo_example::{outln, BoxError, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use serde_json::json;
use tokio::sync::Notify;

/// The label the controller selects its ConfigMaps by.
pub const APP_LABEL: &str = "app=mcr-demo";
/// The annotation the first reconcile of a key writes.
pub const ANNOTATION: &str = "example.com/reconciled";

/// MaxConcurrentReconciles: N workers reconcile N keys at once, never one key twice at once, and drain
/// when they stop (the example's own options follow).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How many keys are reconciled at once (MaxConcurrentReconciles).
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// How many ConfigMaps to create and reconcile.
    #[arg(long, default_value_t = 12)]
    pub keys: usize,
    /// How long each reconcile works, in milliseconds.
    #[arg(long, default_value_t = 200)]
    pub work_ms: u64,
}

/// What the reconciles saw, shared by every worker.
#[derive(Default)]
struct Stats {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    per_key: Mutex<HashMap<String, usize>>,
    max_per_key: AtomicUsize,
    reconciles: AtomicUsize,
    /// Keys whose second, no-op reconcile has run.
    settled: Mutex<HashSet<String>>,
    changed: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One reconcile of a key in flight, counted until dropped.
struct InFlight<'a> {
    stats: &'a Stats,
    key: String,
    /// Reconciles in flight (of any key) when this one started, itself included.
    now: usize,
}

impl Stats {
    fn enter(&self, key: &str) -> InFlight<'_> {
        {
            let mut per_key = lock(&self.per_key);
            let n = per_key.entry(key.to_owned()).or_default();
            *n += 1;
            self.max_per_key.fetch_max(*n, Ordering::SeqCst);
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.reconciles.fetch_add(1, Ordering::SeqCst);
        InFlight {
            stats: self,
            key: key.to_owned(),
            now,
        }
    }

    fn settle(&self, key: &str) {
        lock(&self.settled).insert(key.to_owned());
        self.changed.notify_waiters();
    }

    /// Waits until `keys` keys have settled.
    async fn all_settled(&self, keys: usize) {
        loop {
            let changed = self.changed.notified();
            if lock(&self.settled).len() >= keys {
                return;
            }
            changed.await;
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if let Some(n) = lock(&self.stats.per_key).get_mut(&self.key) {
            *n -= 1;
        }
    }
}

/// A reconcile's context.
struct Ctx {
    out: Out,
    api: ResourceClient<ConfigMap>,
    work: Duration,
    stats: Stats,
}

/// Annotates a ConfigMap the first time its key comes by (its update event requeues the key while
/// it is still in flight), works for `work`, and reports.
async fn reconcile(req: Request<ConfigMap>, ctx: Arc<Ctx>) -> Result<Action, BoxError> {
    let in_flight = ctx.stats.enter(&req.key);
    let name = req.name().to_owned();
    outln!(ctx.out, "start {name:<8} ({} in flight)", in_flight.now);
    let Some(cm) = req.object else {
        outln!(ctx.out, "done  {name:<8} gone");
        return Ok(Action::done());
    };
    let first = !cm.metadata.annotations.contains_key(ANNOTATION);
    if first {
        let patch = json!({"metadata": {"annotations": {ANNOTATION: "true"}}});
        ctx.api
            .patch(&name, &PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
    }
    tokio::time::sleep(ctx.work).await;
    if first {
        outln!(
            ctx.out,
            "done  {name:<8} annotated: its update queues the key again"
        );
    } else {
        outln!(ctx.out, "done  {name:<8} up to date");
        ctx.stats.settle(&req.key);
    }
    Ok(Action::done())
}

/// Creates the ConfigMaps `mcr-0`, `mcr-1`, ... labelled for the controller.
async fn create_config_maps(api: &ResourceClient<ConfigMap>, keys: usize) -> Result<(), BoxError> {
    for i in 0..keys {
        let mut cm = ConfigMap::new(format!("mcr-{i}"));
        cm.metadata.labels.insert("app", "mcr-demo");
        cm.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
        api.create(&cm, &WriteOptions::default()).await?;
    }
    Ok(())
}

/// Reconciles the example's ConfigMaps with `args.workers` workers until every key has been
/// reconciled twice (or Ctrl-C), then drains and prints the counts.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let api = session.clientset().core_v1().config_maps(ns);
    if session.activity() {
        create_config_maps(&api, args.keys).await?;
    } else {
        outln!(
            out,
            "waiting until {} ConfigMaps labelled {APP_LABEL} in namespace {ns} are reconciled; create them with",
            args.keys
        );
        outln!(
            out,
            "  kubectl -n {ns} create configmap mcr-0 && kubectl -n {ns} label configmap mcr-0 {APP_LABEL}"
        );
    }
    outln!(
        out,
        "controller mcr-demo: {} workers over ConfigMaps labelled {APP_LABEL} in namespace {ns}",
        args.workers
    );
    let controller = Controller::new(
        api.clone(),
        Config::new("mcr-demo")
            .max_concurrent_reconciles(args.workers)
            .label_selector(APP_LABEL),
    );
    let ctx = Arc::new(Ctx {
        out: out.clone(),
        api,
        work: Duration::from_millis(args.work_ms),
        stats: Stats::default(),
    });
    let waiter = Arc::clone(&ctx);
    let keys = args.keys;
    let interrupted = session.interrupted();
    let shutdown = async move {
        tokio::select! {
            () = waiter.stats.all_settled(keys) => {}
            () = interrupted => {}
        }
    };
    controller.run(reconcile, Arc::clone(&ctx), shutdown).await;
    let stats = &ctx.stats;
    outln!(out, "workers: {}", args.workers);
    outln!(
        out,
        "reconciled: {} keys, {} reconciles",
        lock(&stats.per_key).len(),
        stats.reconciles.load(Ordering::SeqCst)
    );
    outln!(
        out,
        "max in flight: {}",
        stats.max_in_flight.load(Ordering::SeqCst)
    );
    outln!(
        out,
        "max in flight per key: {}",
        stats.max_per_key.load(Ordering::SeqCst)
    );
    outln!(out, "drained and stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
