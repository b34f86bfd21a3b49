//! The reconcile loop: informer handlers enqueue keys, N workers reconcile them.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::{Object, Resource};
use clientgo_cache::{
    deletion_handling_meta_namespace_key_func, meta_namespace_key_func, Indexers, ListWatch, Lister,
    ResourceEventHandlerFuncs, SharedIndexInformer, Store,
};
use clientgo_client::ResourceClient;
use clientgo_workqueue::{default_controller_rate_limiter, QueueConfig, RateLimiter, RateLimitingQueue};
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::action::{Action, Request};
use crate::metrics::{ControllerMetrics, ReconcileResult};

/// How long [`Controller::run`] lets in-flight reconciles finish after shutdown is asked for.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A controller's options.
///
/// Mirrors controller-runtime `controller.Options` (MaxConcurrentReconciles, RateLimiter) plus
/// the selectors and the graceful-shutdown period of its manager.
pub struct Config {
    name: String,
    max_concurrent_reconciles: usize,
    rate_limiter: Option<Box<dyn RateLimiter<String>>>,
    max_retries: Option<usize>,
    label_selector: String,
    field_selector: String,
    resync: Option<Duration>,
    shutdown_grace: Duration,
    queue_config: Option<QueueConfig>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("name", &self.name)
            .field("max_concurrent_reconciles", &self.max_concurrent_reconciles)
            .field("custom_rate_limiter", &self.rate_limiter.is_some())
            .field("max_retries", &self.max_retries)
            .field("label_selector", &self.label_selector)
            .field("field_selector", &self.field_selector)
            .field("resync", &self.resync)
            .field("shutdown_grace", &self.shutdown_grace)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults for a controller called `name` (used in logs, spans and the queue's metrics):
    /// one worker, client-go's `DefaultControllerRateLimiter`, unlimited retries, no
    /// selectors, no resync, a 30 s shutdown grace period.
    pub fn new(name: impl Into<String>) -> Self {
        Config {
            name: name.into(),
            max_concurrent_reconciles: 1,
            rate_limiter: None,
            max_retries: None,
            label_selector: String::new(),
            field_selector: String::new(),
            resync: None,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            queue_config: None,
        }
    }

    /// How many keys are reconciled at once (at least 1). Mirrors `MaxConcurrentReconciles`.
    pub fn max_concurrent_reconciles(mut self, n: usize) -> Self {
        self.max_concurrent_reconciles = n.max(1);
        self
    }

    /// The rate limiter of failed keys. Mirrors controller-runtime `Options.RateLimiter`.
    pub fn rate_limiter(mut self, limiter: impl RateLimiter<String> + 'static) -> Self {
        self.rate_limiter = Some(Box::new(limiter));
        self
    }

    /// After this many rate-limited requeues of one key, a further failure drops the key with
    /// an error log (it is reconciled again only when it changes). Default: unlimited.
    pub fn max_retries(mut self, retries: usize) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Only primaries matching this label selector are watched and reconciled.
    pub fn label_selector(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = selector.into();
        self
    }

    /// Only primaries matching this field selector are watched and reconciled.
    pub fn field_selector(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = selector.into();
        self
    }

    /// Every cached primary is enqueued again each `period` (the informer's resync).
    pub fn resync(mut self, period: Duration) -> Self {
        self.resync = Some(period);
        self
    }

    /// How long in-flight reconciles may run after shutdown is asked for before they are
    /// abandoned. Mirrors the manager's `GracefulShutdownTimeout`.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The workqueue's configuration (metrics provider, clock); its name defaults to the
    /// controller's.
    pub fn queue_config(mut self, config: QueueConfig) -> Self {
        self.queue_config = Some(config);
        self
    }
}

/// A source of keys besides the primary informer: a secondary informer and its handler.
type Source = Box<dyn FnOnce(RateLimitingQueue<String>) -> SourceRun + Send>;

/// A started secondary source: its informer's run future, its stop and its sync wait.
struct SourceRun {
    run: futures_util::future::BoxFuture<'static, ()>,
    stop: Box<dyn Fn() + Send + Sync>,
    synced: futures_util::future::BoxFuture<'static, bool>,
}

/// A controller over primaries of type `K`: a shared informer whose handlers enqueue
/// `namespace/name` keys into a rate-limited workqueue, and workers that reconcile them.
///
/// Mirrors controller-runtime `controller.Controller` (and the loop client-go's
/// sample-controller writes by hand): `get` -> reconcile -> `done`, so one key is never
/// reconciled by two workers at once, and a key changed during its reconcile is reconciled
/// once more afterwards.
pub struct Controller<K> {
    name: Arc<str>,
    informer: SharedIndexInformer<K>,
    queue: RateLimitingQueue<String>,
    workers: usize,
    max_retries: Option<usize>,
    shutdown_grace: Duration,
    sources: Vec<Source>,
    metrics: Arc<ControllerMetrics>,
}

impl<K> fmt::Debug for Controller<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Controller")
            .field("name", &self.name)
            .field("workers", &self.workers)
            .field("max_retries", &self.max_retries)
            .field("queue_len", &self.queue.len())
            .finish_non_exhaustive()
    }
}

/// Enqueues the key of every added, updated and deleted object of `informer`.
fn enqueue_handlers<K: Object + Send + Sync + 'static>(
    queue: &RateLimitingQueue<String>,
) -> ResourceEventHandlerFuncs<K> {
    let (qa, qu, qd) = (queue.clone(), queue.clone(), queue.clone());
    ResourceEventHandlerFuncs::default()
        .on_add(move |obj: &Arc<K>, _| {
            if let Ok(key) = meta_namespace_key_func(&**obj) {
                qa.add(key);
            }
        })
        .on_update(move |_, new: &Arc<K>| {
            if let Ok(key) = meta_namespace_key_func(&**new) {
                qu.add(key);
            }
        })
        .on_delete(move |obj| {
            // Tombstones carry the key too (client-go's DeletionHandlingMetaNamespaceKeyFunc).
            if let Ok(key) = deletion_handling_meta_namespace_key_func(obj) {
                qd.add(key);
            }
        })
}

impl<K> Controller<K>
where
    K: Object + Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// A controller watching the primaries `api` reaches (one namespace, or all with `""`),
    /// restricted by the config's selectors.
    pub fn new(api: ResourceClient<K>, config: Config) -> Self {
        let lw = ListWatch::new(api).with_selectors(&config.label_selector, &config.field_selector);
        let informer = SharedIndexInformer::new(lw, config.resync, Indexers::namespace());
        Self::with_informer(informer, config)
    }
}

impl<K: Object + Send + Sync + 'static> Controller<K> {
    /// A controller over an existing (not yet started) informer; the config's selectors are
    /// the informer's business then and are ignored.
    pub fn with_informer(informer: SharedIndexInformer<K>, config: Config) -> Self {
        let queue_config = config.queue_config.unwrap_or_default().name(config.name.clone());
        let queue = match config.rate_limiter {
            Some(l) => RateLimitingQueue::with_config(l, queue_config),
            None => RateLimitingQueue::with_config(default_controller_rate_limiter(), queue_config),
        };
        // Only a stopped informer refuses a handler; the controller then never hears of a change.
        if let Err(e) = informer.add_event_handler(enqueue_handlers::<K>(&queue)) {
            tracing::error!(controller = %config.name, error = %e, "the controller cannot watch its primaries");
        }
        let metrics = Arc::new(ControllerMetrics::new(
            &config.name,
            config.max_concurrent_reconciles,
        ));
        Controller {
            metrics,
            name: Arc::from(config.name),
            informer,
            queue,
            workers: config.max_concurrent_reconciles,
            max_retries: config.max_retries,
            shutdown_grace: config.shutdown_grace,
            sources: Vec::new(),
        }
    }

    /// Also reconciles the controlling owner of every `Child` that `api` reaches: a change to
    /// a child whose ownerReference with `controller: true` names a `K` enqueues
    /// `child-namespace/owner-name`. Mirrors controller-runtime `Builder.Owns`.
    pub fn owns<C>(self, api: ResourceClient<C>) -> Self
    where
        K: Resource,
        C: Object + Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        let api_version = K::api_version().into_owned();
        self.watches(api, move |child: &C| {
            let owner = child.metadata().controller_of()?;
            if owner.kind != K::KIND || owner.api_version != api_version {
                return None;
            }
            Some(match child.namespace() {
                Some(ns) if K::NAMESPACED => format!("{ns}/{}", owner.name),
                _ => owner.name.clone().into(),
            })
        })
    }

    /// Also watches the objects `api` reaches and enqueues the primary key `mapper` returns
    /// for each changed one (`None`: no primary). Mirrors controller-runtime `Watches` with
    /// `EnqueueRequestsFromMapFunc` (one key per object).
    pub fn watches<C>(
        mut self,
        api: ResourceClient<C>,
        mapper: impl Fn(&C) -> Option<String> + Send + Sync + 'static,
    ) -> Self
    where
        C: Object + Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        let mapper = Arc::new(mapper);
        self.sources
            .push(Box::new(move |queue: RateLimitingQueue<String>| {
                let informer = SharedIndexInformer::new(ListWatch::new(api), None, Indexers::new());
                let (ma, mu, md) = (Arc::clone(&mapper), Arc::clone(&mapper), mapper);
                let (qa, qu, qd) = (queue.clone(), queue.clone(), queue);
                // A fresh informer: adding a handler cannot fail.
                let _ = informer.add_event_handler(
                    ResourceEventHandlerFuncs::default()
                        .on_add(move |obj: &Arc<C>, _| {
                            if let Some(key) = ma(obj) {
                                qa.add(key);
                            }
                        })
                        .on_update(move |old: &Arc<C>, new: &Arc<C>| {
                            // Both: a child moved from one owner to another tells both.
                            for key in [mu(old), mu(new)].into_iter().flatten() {
                                qu.add(key);
                            }
                        })
                        .on_delete(move |obj| {
                            if let Some(key) = obj.object().and_then(|o| md(o)) {
                                qd.add(key);
                            }
                        }),
                );
                let (stopper, waiter) = (informer.clone(), informer.clone());
                SourceRun {
                    run: informer.run().boxed(),
                    stop: Box::new(move || stopper.stop()),
                    synced: async move { waiter.wait_for_cache_sync().await }.boxed(),
                }
            }));
        self
    }

    /// The primary informer (to add indexers or handlers before `run`, or to share it).
    pub fn informer(&self) -> &SharedIndexInformer<K> {
        &self.informer
    }

    /// A lister reading the primary cache.
    pub fn lister(&self) -> Lister<K> {
        Lister::new(Arc::clone(self.informer.indexer()))
    }

    /// The reconcile metrics (controller-runtime's names; `prometheus_text()` to expose them).
    pub fn metrics(&self) -> &Arc<ControllerMetrics> {
        &self.metrics
    }

    /// The workqueue of keys (to enqueue keys from elsewhere, or read its length).
    pub fn queue(&self) -> &RateLimitingQueue<String> {
        &self.queue
    }

    /// Runs until `shutdown` completes: starts the informers, waits for their caches, then
    /// reconciles keys with `max_concurrent_reconciles` workers. On shutdown no new key is
    /// taken, in-flight reconciles get the grace period to finish (ShutDownWithDrain), the
    /// informers stop, and `run` returns.
    ///
    /// `reconcile(request, ctx)` returns [`Action`] or an error; an error (or a panic) is
    /// logged once with the key and the key requeued with `add_rate_limited` (or dropped once
    /// `max_retries` is reached); success calls `forget`.
    pub async fn run<C, E, F, Fut>(self, reconcile: F, ctx: Arc<C>, shutdown: impl Future<Output = ()>)
    where
        C: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
        F: Fn(Request<K>, Arc<C>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
    {
        let Controller {
            name,
            informer,
            queue,
            workers,
            max_retries,
            shutdown_grace,
            sources,
            metrics,
        } = self;
        let mut background = JoinSet::new();
        let mut stops: Vec<Box<dyn Fn() + Send + Sync>> = Vec::new();
        let mut syncs = Vec::new();
        for source in sources {
            let s = source(queue.clone());
            background.spawn(s.run);
            stops.push(s.stop);
            syncs.push(s.synced);
        }
        background.spawn(informer.clone().run());
        tokio::pin!(shutdown);
        let synced = async {
            let primary = informer.wait_for_cache_sync().await;
            let all = futures_util::future::join_all(syncs).await;
            primary && all.into_iter().all(|s| s)
        };
        let ready = tokio::select! {
            s = synced => s,
            () = &mut shutdown => false,
        };
        let mut worker_set = JoinSet::new();
        if ready {
            tracing::info!(controller = %name, workers, "caches synced, starting workers");
            let reconcile = Arc::new(reconcile);
            let ids = Arc::new(AtomicU64::new(0));
            for _ in 0..workers {
                let worker = Worker {
                    name: Arc::clone(&name),
                    queue: queue.clone(),
                    informer: informer.clone(),
                    max_retries,
                    reconcile: Arc::clone(&reconcile),
                    ctx: Arc::clone(&ctx),
                    ids: Arc::clone(&ids),
                    metrics: Arc::clone(&metrics),
                };
                worker_set.spawn(worker.run());
            }
            shutdown.await;
        } else {
            tracing::warn!(controller = %name, "shut down before the caches synced");
        }
        tracing::info!(controller = %name, "shutting down: draining in-flight reconciles");
        if tokio::time::timeout(shutdown_grace, queue.shut_down_with_drain())
            .await
            .is_err()
        {
            tracing::warn!(controller = %name, grace = ?shutdown_grace, "in-flight reconciles outlived the grace period");
            queue.shut_down();
            worker_set.abort_all();
        }
        while worker_set.join_next().await.is_some() {}
        informer.stop();
        for stop in &stops {
            stop();
        }
        while background.join_next().await.is_some() {}
    }
}

/// One worker: takes keys until the queue shuts down.
struct Worker<K, C, F> {
    name: Arc<str>,
    queue: RateLimitingQueue<String>,
    informer: SharedIndexInformer<K>,
    max_retries: Option<usize>,
    reconcile: Arc<F>,
    ctx: Arc<C>,
    ids: Arc<AtomicU64>,
    metrics: Arc<ControllerMetrics>,
}

impl<K, C, E, F, Fut> Worker<K, C, F>
where
    K: Object + Send + Sync + 'static,
    C: Send + Sync + 'static,
    E: fmt::Display + Send + 'static,
    F: Fn(Request<K>, Arc<C>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Action, E>> + Send + 'static,
{
    async fn run(self) {
        while let Some(key) = self.queue.get().await {
            // The queue still hands out what was queued before shutdown; a stopping controller
            // takes no new key (the next run relists and reconciles it).
            if self.queue.shutting_down() {
                self.queue.done(&key);
                return;
            }
            self.process(&key).await;
            self.queue.done(&key);
        }
    }

    async fn process(&self, key: &str) {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("reconcile", controller = %self.name, key, reconcile_id = id);
        let object = self.informer.indexer().get_by_key(key);
        let request = Request {
            key: key.to_owned(),
            object,
        };
        self.metrics.worker_started();
        let started = std::time::Instant::now();
        let fut = (self.reconcile)(request, Arc::clone(&self.ctx));
        let outcome = AssertUnwindSafe(fut)
            .catch_unwind()
            .instrument(span.clone())
            .await;
        let result = match &outcome {
            Ok(Ok(a)) if a.requeue_delay().is_some() => ReconcileResult::RequeueAfter,
            Ok(Ok(_)) => ReconcileResult::Success,
            _ => ReconcileResult::Error,
        };
        self.metrics.observe(result, started.elapsed());
        self.metrics.worker_finished();
        let key = key.to_owned();
        let _entered = span.enter();
        match outcome {
            Ok(Ok(action)) => {
                self.queue.forget(&key);
                if let Some(delay) = action.requeue_delay() {
                    self.queue.add_after(key, delay);
                }
            }
            Ok(Err(error)) => self.failed(key, &error),
            Err(_) => self.failed(key, &"reconcile panicked"),
        }
    }

    fn failed(&self, key: String, error: &dyn fmt::Display) {
        let retries = self.queue.num_requeues(&key);
        if self.max_retries.is_some_and(|max| retries >= max) {
            tracing::error!(%error, retries, "reconcile failed; max retries reached, dropping the key");
            self.queue.forget(&key);
        } else {
            tracing::error!(%error, retries, "reconcile failed; requeued with backoff");
            self.queue.add_rate_limited(key);
        }
    }
}
