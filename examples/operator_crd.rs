//! Seed 004 "Operator Deep Dive", end to end: a CustomResourceDefinition (`widgets.example.com`)
//! and an operator for it, built from the library's pieces the way a controller author would:
//! - a typed `Widget` (implementing `Resource` is all a typed client needs);
//! - a `Controller` over Widgets that `owns` Deployments, so a change to a child enqueues its
//!   owner (by the controller ownerReference), with 4 workers (MaxConcurrentReconciles);
//! - reconcile: server-side apply of the owned Deployment `widget-<name>` (ownerReferences set),
//!   the Widget's `.status` written through the status subresource, an Event per outcome;
//! - a finalizer, so deleting a Widget first runs the cleanup (delete its Deployment) and only
//!   then lets the Widget go;
//! - leader election on a Lease, so of the two replicas only one reconciles; the example kills
//!   the leader (its whole runtime, as a crashed process) and the other takes over.
//!
//! Run: `cargo run --example operator_crd [-- --kubeconfig PATH]`

use std::collections::HashMap;
use std::error::Error;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::apimachinery::{ApiResource, DynamicObject, Object, ObjectMeta, Resource};
use clientgo::controller::{
    finalizer, setup_signal_handler, Action, Config, Controller, FinalizerError, FinalizerEvent, Request,
};
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, PatchOptions, PatchType, WriteOptions};
use clientgo::rest;
use clientgo::tools::clientcmd;
use clientgo::tools::leaderelection::{
    Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use clientgo::tools::record::{
    get_reference, BroadcasterOptions, EventBroadcaster, EventRecorder, EventType,
};
use clientgo::util::workqueue::{BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter};
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

/// Registers the CRD (an existing one is kept) and waits until Widgets are served.
pub async fn register_crd(config: &rest::Config) -> Result<(), Box<dyn Error + Send + Sync>> {
    let crds = DynamicClient::new(config)?.resource(
        &ApiResource {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            kind: "CustomResourceDefinition".into(),
            plural: "customresourcedefinitions".into(),
            namespaced: false,
        },
        None,
    );
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))?;
    match crds.create(&crd, &WriteOptions::default()).await {
        Err(e) if !e.is_already_exists() => return Err(e.into()),
        _ => {}
    }
    let widgets = Clientset::new(config)?.resource::<Widget>(None);
    for _ in 0..100 {
        if widgets.list(&ListOptions::default()).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the CRD was never served".into())
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
        let mut g = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
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
        let mut g = self.tally.in_flight.lock().unwrap_or_else(|e| e.into_inner());
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
            .unwrap_or_else(|e| e.into_inner())
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
                    .unwrap_or_else(|e| e.into_inner())
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
                            let _ = log.send(format!("{id}: error: {e}"));
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
) -> Result<(), Box<dyn Error + Send + Sync>> {
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

/// Polls `check` every 50 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads lines from `rx` into `out` until `want` arrives; an error after 30 s names the line.
async fn wait_line(
    rx: &mut mpsc::UnboundedReceiver<String>,
    out: &mut Vec<String>,
    want: &str,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let wait = async {
        while let Some(line) = rx.recv().await {
            let hit = line == want;
            out.push(line);
            if hit {
                return true;
            }
        }
        false
    };
    match tokio::time::timeout(Duration::from_secs(30), wait).await {
        Ok(true) => Ok(()),
        _ => Err(format!("never saw {want:?}; saw {out:?}").into()),
    }
}

/// The deployment of `widget` once it matches its spec: `(replicas, image, owner uid)`.
async fn child_of(cs: &Clientset, ns: &str, widget: &str) -> Option<(i32, String, String)> {
    let d: Deployment = cs
        .apps_v1()
        .deployments(ns)
        .get(&child_name(widget), &Default::default())
        .await
        .ok()?;
    let owner = d.metadata.controller_of()?.uid.clone();
    let image = d.spec.template.spec.containers.first()?.image.clone()?;
    Some((d.spec.replicas?, image.into(), owner.into()))
}

/// Runs the demo: two replicas, three Widgets, an update, a leader kill and a deletion.
/// Runs the demo and returns its lines; when `interrupt` completes first (Ctrl-C in `main`), the
/// running replicas are stopped gracefully (reconciles drained, the Lease released) and the lines
/// so far are returned.
pub async fn run(
    kubeconfig: &Path,
    interrupt: impl Future<Output = ()>,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let ns = "default";
    register_crd(&config).await?;
    let mut out = vec!["crd widgets.example.com registered".to_owned()];
    let tally = Arc::new(Tally::default());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let timings = Timings::default();
    let mut fleet = Vec::new();
    let outcome = tokio::select! {
        r = script(kubeconfig, &cs, ns, timings, &tally, &tx, &mut rx, &mut out, &mut fleet) => r,
        () = interrupt => {
            out.push("interrupted: stopping the replicas gracefully".to_owned());
            Ok(())
        }
    };
    for replica in fleet.drain(..) {
        replica.stop().await;
    }
    outcome?;
    while let Ok(line) = rx.try_recv() {
        out.push(line);
    }
    Ok(out)
}

/// The scripted demo: two replicas, three widgets, a scale, a leader kill, a deletion.
#[allow(clippy::too_many_arguments)]
async fn script(
    kubeconfig: &Path,
    cs: &Clientset,
    ns: &str,
    timings: Timings,
    tally: &Arc<Tally>,
    tx: &mpsc::UnboundedSender<String>,
    rx: &mut mpsc::UnboundedReceiver<String>,
    out: &mut Vec<String>,
    fleet: &mut Vec<Replica>,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    fleet.push(Replica::start(
        kubeconfig.into(),
        "operator-a",
        ns,
        timings,
        tally.clone(),
        tx.clone(),
    ));
    wait_line(rx, out, "operator-a: started leading").await?;
    fleet.push(Replica::start(
        kubeconfig.into(),
        "operator-b",
        ns,
        timings,
        tally.clone(),
        tx.clone(),
    ));
    wait_line(rx, out, "operator-b: new leader is \"operator-a\"").await?;

    let widgets = cs.resource::<Widget>(Some(ns));
    for (name, replicas) in [("alpha", 1), ("beta", 2), ("gamma", 3)] {
        widgets
            .create(
                &Widget::new(ns, name, replicas, "nginx:1.27"),
                &WriteOptions::default(),
            )
            .await?;
    }
    for name in ["alpha", "beta", "gamma"] {
        let w = widgets.get(name, &Default::default()).await?;
        let uid = w.metadata.uid.clone().unwrap_or_default();
        let want = w.spec.replicas;
        let ok = eventually(Duration::from_secs(20), || async {
            let child = child_of(cs, ns, name).await?;
            let status = widgets.get(name, &Default::default()).await.ok()?.status?;
            (child.0 == want && child.2 == uid && status.replicas == want).then_some(child)
        })
        .await
        .ok_or("the operator never created the child")?;
        out.push(format!(
            "widget/{name}: deployment.apps/{} {} replicas of {}, owned by the widget, status written",
            child_name(name),
            ok.0,
            ok.1
        ));
    }

    widgets
        .patch(
            "beta",
            &PatchType::Merge,
            &json!({"spec": {"replicas": 5}}),
            &PatchOptions::default(),
        )
        .await?;
    eventually(Duration::from_secs(20), || async {
        (child_of(cs, ns, "beta").await?.0 == 5).then_some(())
    })
    .await
    .ok_or("the update never reached the child")?;
    out.push("widget/beta scaled to 5: deployment.apps/widget-beta now has 5 replicas".to_owned());

    out.push("killing operator-a (no release)".to_owned());
    fleet.remove(0).kill().await;
    wait_line(rx, out, "operator-b: started leading").await?;

    widgets.delete("gamma", &DeleteOptions::default()).await?;
    eventually(Duration::from_secs(20), || async {
        let widget_gone = widgets
            .get("gamma", &Default::default())
            .await
            .err()?
            .is_not_found();
        (widget_gone && child_of(cs, ns, "gamma").await.is_none()).then_some(())
    })
    .await
    .ok_or("the deletion never completed")?;
    out.push(
        "widget/gamma deleted: cleanup removed deployment.apps/widget-gamma, then the widget went".to_owned(),
    );

    let events = cs.resource::<clientgo::api::events::v1::Event>(Some(ns));
    let mut reasons: Vec<String> = events
        .list(&ListOptions::default())
        .await?
        .items
        .iter()
        .filter(|e| e.reporting_controller.as_deref() == Some("example.com/widget-operator"))
        .filter_map(|e| {
            let about = e.regarding.as_ref()?.name.clone()?;
            Some(format!("{about}: {}", e.reason.as_deref()?))
        })
        .collect();
    reasons.sort();
    reasons.dedup();
    out.push(format!("events: {}", reasons.join(", ")));
    out.push(format!(
        "max reconciles of one key at once: {}",
        tally.max_in_flight_per_key.load(Ordering::SeqCst)
    ));
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    // Ctrl-C (or SIGTERM) stops the replicas gracefully: reconciles drain, the Lease is released.
    let interrupt = setup_signal_handler()?;
    for l in run(target.kubeconfig_path(), interrupt).await? {
        println!("{l}");
    }
    Ok(())
}
