//! The Widget operator of the `operator_crd` example (seed 004 "Operator Deep Dive"): the `Widget`
//! custom resource, the reconcile (server-side applied Deployment, status, Events, a finalizer),
//! and a `Replica` of the operator (its own runtime, a controller behind leader election on a
//! Lease) that can be killed like a crashed process or stopped gracefully. `tests/operator_chaos.rs`
//! runs the same replicas under injected faults; [`Tally`] is what both check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clientgo::apimachinery::{Object, ObjectMeta, Resource};
use clientgo::controller::{finalizer, Action, Config, Controller, FinalizerError, FinalizerEvent, Request};
use clientgo::kubernetes::{Clientset, DeleteOptions, PatchOptions, PatchType, WriteOptions};
use clientgo::rest::{self, ErrorReport};
use clientgo::tools::clientcmd;
use clientgo::tools::leaderelection::{
    Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use clientgo::tools::record::{
    get_reference, BroadcasterOptions, EventBroadcaster, EventRecorder, EventType,
};
use clientgo::util::workqueue::{BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter};
use clientgo_example::BoxError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

/// The operator's finalizer on every Widget it manages.
pub const FINALIZER: &str = "example.com/widget-cleanup";
/// The field manager of the server-side applied Deployments.
pub const FIELD_MANAGER: &str = "widget-operator";

/// A Widget: the custom resource the CRD defines.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Widget {
    /// `example.com/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `Widget`.
    #[serde(default)]
    pub kind: String,
    /// Standard object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What the user wants.
    #[serde(default)]
    pub spec: WidgetSpec,
    /// What the operator last did, written through the status subresource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WidgetStatus>,
}

/// The desired state: a Deployment of `replicas` pods running `image`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WidgetSpec {
    /// Desired pods.
    pub replicas: i32,
    /// Container image.
    pub image: String,
}

/// The observed state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetStatus {
    /// The generation the status describes.
    pub observed_generation: i64,
    /// The owned Deployment.
    pub deployment: String,
    /// Its replicas.
    pub replicas: i32,
}

impl Object for Widget {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl Resource for Widget {
    const GROUP: &'static str = "example.com";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Widget";
    const PLURAL: &'static str = "widgets";
    const NAMESPACED: bool = true;
}

impl Widget {
    /// A Widget named `name` in `namespace`.
    pub fn new(namespace: &str, name: &str, replicas: i32, image: &str) -> Self {
        Widget {
            api_version: Widget::api_version().into_owned(),
            kind: Widget::KIND.to_owned(),
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some(namespace.into()),
                ..ObjectMeta::default()
            },
            spec: WidgetSpec {
                replicas,
                image: image.to_owned(),
            },
            status: None,
        }
    }
}

/// The name of the Deployment a Widget owns.
pub fn child_name(widget: &str) -> String {
    format!("widget-{widget}")
}

/// What the reconciles of every replica did; shared so a test can check the operator's promises.
#[derive(Debug, Default)]
pub struct Tally {
    in_flight: Mutex<HashMap<String, usize>>,
    /// The most reconciles of one key ever in flight at once, across replicas (must stay 1).
    pub max_in_flight_per_key: AtomicUsize,
    /// Reconciles run, across replicas.
    pub reconciles: AtomicUsize,
    /// Cleanup runs, across replicas (a run repeats when removing the finalizer failed).
    pub cleanup_runs: AtomicUsize,
    /// Per Widget uid: how many times a cleanup actually deleted its Deployment.
    pub child_deletes: Mutex<HashMap<String, usize>>,
    /// Per Widget uid: the replicas whose cleanup sent the DELETE of its Deployment, in order. A
    /// replica killed before the answer arrived is listed here but counted in no `child_deletes`.
    pub child_delete_attempts: Mutex<HashMap<String, Vec<String>>>,
}

/// Marks one reconcile of a key in flight until dropped.
struct InFlight<'a> {
    tally: &'a Tally,
    key: String,
}

impl Tally {
    fn enter(&self, key: &str) -> InFlight<'_> {
        let mut g = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        let n = g.entry(key.to_owned()).or_default();
        *n += 1;
        self.max_in_flight_per_key.fetch_max(*n, Ordering::SeqCst);
        self.reconciles.fetch_add(1, Ordering::Relaxed);
        InFlight {
            tally: self,
            key: key.to_owned(),
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut g = self
            .tally
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = g.get_mut(&self.key) {
            *n -= 1;
        }
    }
}

/// One replica's reconcile context.
struct Operator {
    identity: String,
    cs: Clientset,
    recorder: EventRecorder,
    tally: Arc<Tally>,
}

/// The reconcile: keep the finalizer, then apply (child + status) or clean up.
async fn reconcile(req: Request<Widget>, op: Arc<Operator>) -> Result<Action, FinalizerError<rest::Error>> {
    let _in_flight = op.tally.enter(&req.key);
    // Gone: its cleanup already ran (the finalizer saw to that).
    let Some(widget) = req.object else {
        return Ok(Action::done());
    };
    let widgets = op.cs.resource::<Widget>(widget.metadata.namespace.as_deref());
    let op2 = op.clone();
    finalizer(&widgets, FINALIZER, widget, |event| async move {
        match event {
            FinalizerEvent::Apply(w) => op2.apply(&w).await,
            FinalizerEvent::Cleanup(w) => op2.cleanup(&w).await,
        }
    })
    .await
}

impl Operator {
    async fn apply(&self, w: &Widget) -> Result<Action, rest::Error> {
        let (ns, name) = (
            w.metadata.namespace.as_deref().unwrap_or("default"),
            w.metadata.name.as_deref().unwrap_or_default(),
        );
        let child = child_name(name);
        let body = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": child, "namespace": ns, "labels": {"app": child},
                "ownerReferences": [{"apiVersion": Widget::api_version(), "kind": Widget::KIND, "name": name,
                    "uid": w.metadata.uid, "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"replicas": w.spec.replicas, "selector": {"matchLabels": {"app": child}},
                "template": {"metadata": {"labels": {"app": child}},
                    "spec": {"containers": [{"name": "app", "image": w.spec.image}]}}}
        });
        let apply = PatchType::Apply {
            field_manager: FIELD_MANAGER.into(),
            force: true,
        };
        let reference = get_reference(w);
        let deployments = self.cs.apps_v1().deployments(ns);
        if let Err(e) = deployments
            .patch(&child, &apply, &body, &PatchOptions::default())
            .await
        {
            self.recorder.eventf(
                &reference,
                EventType::Warning,
                "ApplyFailed",
                format_args!("deployment {child}: {e}"),
            );
            return Err(e);
        }
        let status = WidgetStatus {
            observed_generation: w.metadata.generation.unwrap_or_default(),
            deployment: child.clone(),
            replicas: w.spec.replicas,
        };
        if w.status.as_ref() != Some(&status) {
            let mut updated = w.clone();
            updated.status = Some(status);
            self.cs
                .resource::<Widget>(Some(ns))
                .update_status(name, &updated, &WriteOptions::default())
                .await?;
            self.recorder.eventf(
                &reference,
                EventType::Normal,
                "Synced",
                format_args!(
                    "deployment {child} has {} replicas of {}",
                    w.spec.replicas, w.spec.image
                ),
            );
        }
        Ok(Action::done())
    }

    async fn cleanup(&self, w: &Widget) -> Result<Action, rest::Error> {
        self.tally.cleanup_runs.fetch_add(1, Ordering::Relaxed);
        let ns = w.metadata.namespace.as_deref().unwrap_or("default");
        let child = child_name(w.metadata.name.as_deref().unwrap_or_default());
        let uid = w.metadata.uid.clone().unwrap_or_default();
        self.tally
            .child_delete_attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(uid.clone().into())
            .or_default()
            .push(self.identity.clone());
        match self
            .cs
            .apps_v1()
            .deployments(ns)
            .delete(&child, &DeleteOptions::default())
            .await
        {
            Ok(()) => {
                *self
                    .tally
                    .child_deletes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(uid.into())
                    .or_default() += 1;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        self.recorder.eventf(
            &get_reference(w),
            EventType::Normal,
            "CleanedUp",
            format_args!("deleted deployment {child}"),
        );
        Ok(Action::done())
    }
}

/// Timings and rates of a replica: leader election, the controller's drain and retries, its clients' QPS.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Lease duration.
    pub lease: Duration,
    /// Renew deadline.
    pub renew: Duration,
    /// Retry period.
    pub retry: Duration,
    /// How long in-flight reconciles may finish after leadership ends; must stay below
    /// `lease - renew`, so a deposed leader is quiet before anyone else can lead.
    pub drain: Duration,
    /// The QPS of the replica's clients (negative: no client-side limit).
    pub client_qps: f32,
    /// Their burst.
    pub client_burst: u32,
    /// The overall rate of retried keys: the token bucket of client-go's
    /// DefaultControllerRateLimiter (10 qps, burst 100), kept alongside its per-key backoff
    /// (5 ms doubling to 1000 s). With thousands of failing writes the bucket, not the server,
    /// paces the retries; a chaos run raises it.
    pub retry_qps: f64,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            lease: Duration::from_secs(3),
            renew: Duration::from_secs(2),
            retry: Duration::from_secs(1),
            drain: Duration::from_millis(500),
            // An operator of thousands of objects needs more than client-go's default 5 QPS.
            client_qps: 1000.0,
            client_burst: 2000,
            retry_qps: 10.0,
        }
    }
}

/// One replica of the operator: its own runtime (its own "process"), killed or stopped from outside.
pub struct Replica {
    kill: Option<oneshot::Sender<()>>,
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Replica {
    /// Starts replica `identity` campaigning for the Lease `widget-operator` in `namespace`;
    /// `log` receives its leadership lines.
    pub fn start(
        kubeconfig: PathBuf,
        identity: &str,
        namespace: &str,
        timings: Timings,
        tally: Arc<Tally>,
        log: mpsc::UnboundedSender<String>,
    ) -> Self {
        let (kill, killed) = oneshot::channel::<()>();
        let stop = CancellationToken::new();
        let (id, ns, stop2) = (identity.to_owned(), namespace.to_owned(), stop.clone());
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                tokio::select! {
                    r = campaign(&kubeconfig, &id, &ns, timings, tally, log.clone(), stop2) => {
                        if let Err(e) = r {
                            let _ = log.send(format!("{id}: error: {}", ErrorReport::new(e.as_ref())));
                        }
                    }
                    _ = killed => {}
                }
            });
            // Like a crashed process: every task of this replica stops, nothing is released.
            rt.shutdown_timeout(Duration::from_secs(2));
        });
        Replica {
            kill: Some(kill),
            stop,
            thread: Some(thread),
        }
    }

    /// Kills the replica at once: no lease release, no drain.
    pub async fn kill(mut self) {
        if let Some(k) = self.kill.take() {
            let _ = k.send(());
        }
        self.join().await;
    }

    /// Stops the replica gracefully: drains its reconciles and releases the lease.
    pub async fn stop(mut self) {
        self.stop.cancel();
        self.join().await;
    }

    /// Waits for the replica's thread off the async workers, which keep serving meanwhile.
    async fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

async fn campaign(
    kubeconfig: &Path,
    identity: &str,
    namespace: &str,
    timings: Timings,
    tally: Arc<Tally>,
    log: mpsc::UnboundedSender<String>,
    stop: CancellationToken,
) -> Result<(), BoxError> {
    let mut config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    (config.qps, config.burst) = (timings.client_qps, timings.client_burst);
    let cs = Clientset::new(&config)?;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let op = Arc::new(Operator {
        identity: identity.to_owned(),
        cs: cs.clone(),
        recorder: broadcaster.new_recorder("example.com/widget-operator", identity),
        tally,
    });
    let (id1, id2, id3) = (identity.to_owned(), identity.to_owned(), identity.to_owned());
    let (log1, log2, log3) = (log.clone(), log.clone(), log);
    let ns = namespace.to_owned();
    let retry_bucket = BucketRateLimiter::new(timings.retry_qps, 100)?;
    let callbacks = Callbacks::new(
        move |leading: CancellationToken| {
            let _ = log1.send(format!("{id1}: started leading"));
            let (cs, op, ns) = (cs.clone(), op.clone(), ns.clone());
            let retries = MaxOfRateLimiter::new(vec![
                Box::new(ItemExponentialFailureRateLimiter::new(
                    Duration::from_millis(5),
                    Duration::from_secs(1000),
                )),
                Box::new(BucketRateLimiter::from_limiter(retry_bucket.limiter().clone())),
            ]);
            async move {
                let controller = Controller::new(
                    cs.resource::<Widget>(Some(&ns)),
                    Config::new("widget-operator")
                        .max_concurrent_reconciles(4)
                        .shutdown_grace(timings.drain)
                        .rate_limiter(retries),
                )
                .owns(cs.apps_v1().deployments(&ns));
                controller.run(reconcile, op, leading.cancelled_owned()).await;
            }
        },
        move || {
            let _ = log2.send(format!("{id2}: stopped leading"));
        },
    )
    .on_new_leader(move |leader| {
        let _ = log3.send(format!("{id3}: new leader is {leader:?}"));
    });
    let lock = LeaseLock::new(
        Clientset::new(&config)?.coordination_v1().leases(namespace),
        "widget-operator",
        identity,
    );
    let elector = LeaderElector::new(
        LeaderElectionConfig::new(lock, callbacks)
            .lease_duration(timings.lease)
            .renew_deadline(timings.renew)
            .retry_period(timings.retry)
            .release_on_cancel(true),
    )?;
    elector.run(stop).await;
    broadcaster.shutdown().await;
    Ok(())
}
