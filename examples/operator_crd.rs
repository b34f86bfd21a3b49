//! Seed 004 "Operator Deep Dive" (S004:L1-75), end to end: a CustomResourceDefinition
//! (`widgets.example.com`) and an operator for it, built from the library's pieces the way a
//! controller author would:
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
//! The Widgets, their Deployments, the Events and the Lease live in the example's own namespace;
//! the CRD (cluster-scoped) is deleted when the example ends. Before that, the remaining Widgets
//! are deleted through the operator, since a Widget still holding its finalizer would keep the
//! CRD (and the namespace) from going. Ctrl-C stops the replicas gracefully.
//!
//! Run: `cargo run --example operator_crd [-- --kubeconfig PATH]`

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::api::events::v1::Event;
use clientgo::apimachinery::{ApiResource, DynamicObject, Object, ObjectMeta, Resource};
use clientgo::controller::{finalizer, Action, Config, Controller, FinalizerError, FinalizerEvent, Request};
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{
    Clientset, DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions,
};
use clientgo::rest::{self, ErrorReport};
use clientgo::tools::clientcmd;
use clientgo::tools::leaderelection::{
    Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use clientgo::tools::record::{
    get_reference, BroadcasterOptions, EventBroadcaster, EventRecorder, EventType,
};
use clientgo::util::workqueue::{BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter};
use clientgo_example::{outln, BoxError, NoArgs, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{mpsc, oneshot, Notify};

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

/// The CRD's name.
pub const CRD: &str = "widgets.example.com";

/// The resource of CustomResourceDefinitions (cluster-scoped).
pub fn crd_resource() -> ApiResource {
    ApiResource {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
        namespaced: false,
    }
}

/// Whether [`register_crd`] created the CRD or found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// Created now.
    Created,
    /// It was there already (a killed earlier run left it).
    Existing,
}

/// Registers the CRD, labelled as the examples' own, and waits until Widgets are served. An
/// existing CRD is kept if an example created it, and refused otherwise.
pub async fn register_crd(config: &rest::Config) -> Result<Registered, BoxError> {
    let crds = DynamicClient::new(config)?.resource(&crd_resource(), None);
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD, "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE}},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))?;
    let registered = match crds.create(&crd, &WriteOptions::default()).await {
        Ok(_) => Registered::Created,
        Err(e) if e.is_already_exists() => {
            let existing = crds.get(CRD, &Default::default()).await?;
            if existing
                .metadata()
                .labels
                .get(MANAGED_BY_LABEL)
                .map(|v| v.as_str())
                != Some(MANAGED_BY_VALUE)
            {
                return Err(format!(
                    "crd {CRD} exists and was not created by a clientgo example (no {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} label); refusing to use it"
                )
                .into());
            }
            Registered::Existing
        }
        Err(e) => return Err(e.into()),
    };
    // A real server establishes a new CRD asynchronously.
    let widgets = Clientset::new(config)?.resource::<Widget>(None);
    eventually(Duration::from_secs(5), || async {
        widgets.list(&ListOptions::default()).await.ok().map(|_| ())
    })
    .await
    .ok_or("the CRD was never served")?;
    Ok(registered)
}

/// Removes our finalizer from every Widget in `namespace` (all namespaces with `None`) that still
/// carries it (the operator is not running to do it), and returns their names. A Widget being
/// deleted then goes.
pub async fn release_finalizers(cs: &Clientset, namespace: Option<&str>) -> Result<Vec<String>, BoxError> {
    let mut released = Vec::new();
    for w in cs
        .resource::<Widget>(namespace)
        .list(&ListOptions::default())
        .await?
        .items
    {
        let Some(index) = w.metadata.finalizers.iter().position(|f| f == FINALIZER) else {
            continue;
        };
        let path = format!("/metadata/finalizers/{index}");
        let patch = json!([
            {"op": "test", "path": path, "value": FINALIZER},
            {"op": "remove", "path": path},
        ]);
        cs.resource::<Widget>(w.metadata.namespace.as_deref())
            .patch(w.name(), &PatchType::Json, &patch, &PatchOptions::default())
            .await?;
        released.push(w.name().to_owned());
    }
    Ok(released)
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

/// The replicas' lines: printed as they arrive, and kept so the demo can wait for one.
struct ReplicaLog {
    out: Out,
    seen: Mutex<Vec<String>>,
    changed: Notify,
}

impl ReplicaLog {
    fn new(out: &Out) -> Self {
        ReplicaLog {
            out: out.clone(),
            seen: Mutex::new(Vec::new()),
            changed: Notify::new(),
        }
    }

    /// Prints and keeps every line from `rx` until every replica (every sender) is gone.
    async fn follow(&self, mut rx: mpsc::UnboundedReceiver<String>) {
        while let Some(line) = rx.recv().await {
            outln!(self.out, "{line}");
            self.seen.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            self.changed.notify_waiters();
        }
    }

    /// Waits until a replica has said `want`; an error after 30 s names the line.
    async fn wait(&self, want: &str) -> Result<(), BoxError> {
        let said = async {
            loop {
                let changed = self.changed.notified();
                if self
                    .seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .any(|l| l == want)
                {
                    return;
                }
                changed.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), said)
            .await
            .map_err(|_| format!("no replica said {want:?} within 30 s").into())
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

/// What the demo's steps share.
struct Demo<'a> {
    session: &'a Session,
    ns: &'a str,
    widgets: ResourceClient<Widget>,
    tally: Arc<Tally>,
    tx: mpsc::UnboundedSender<String>,
    log: &'a ReplicaLog,
}

impl Demo<'_> {
    fn out(&self) -> &Out {
        self.session.out()
    }

    fn cs(&self) -> &Clientset {
        self.session.clientset()
    }

    /// Starts replica `identity` of the operator.
    fn replica(&self, identity: &str) -> Replica {
        Replica::start(
            self.session.kubeconfig().to_owned(),
            identity,
            self.ns,
            Timings::default(),
            self.tally.clone(),
            self.tx.clone(),
        )
    }

    /// Two replicas: a leads, b stands by.
    async fn start_fleet(&self, fleet: &mut Vec<Replica>) -> Result<(), BoxError> {
        fleet.push(self.replica("operator-a"));
        self.log.wait("operator-a: started leading").await?;
        fleet.push(self.replica("operator-b"));
        self.log.wait("operator-b: new leader is \"operator-a\"").await
    }

    /// Three Widgets; each gets its Deployment (owned by it) and its status.
    async fn create_widgets(&self) -> Result<(), BoxError> {
        for (name, replicas) in [("alpha", 1), ("beta", 2), ("gamma", 3)] {
            let mut w = Widget::new(self.ns, name, replicas, "nginx:1.27");
            w.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
            self.widgets.create(&w, &WriteOptions::default()).await?;
        }
        for name in ["alpha", "beta", "gamma"] {
            let w = self.widgets.get(name, &Default::default()).await?;
            let uid = w.metadata.uid.clone().unwrap_or_default();
            let want = w.spec.replicas;
            let child = eventually(Duration::from_secs(20), || async {
                let child = child_of(self.cs(), self.ns, name).await?;
                let status = self.widgets.get(name, &Default::default()).await.ok()?.status?;
                (child.0 == want && child.2 == uid && status.replicas == want).then_some(child)
            })
            .await
            .ok_or("the operator never created the child")?;
            outln!(
                self.out(),
                "widget/{name}: deployment.apps/{} {} replicas of {}, owned by the widget, status written",
                child_name(name),
                child.0,
                child.1
            );
        }
        Ok(())
    }

    /// A change of a Widget reaches its Deployment.
    async fn scale_beta(&self) -> Result<(), BoxError> {
        let patch = json!({"spec": {"replicas": 5}});
        self.widgets
            .patch("beta", &PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
        eventually(Duration::from_secs(20), || async {
            (child_of(self.cs(), self.ns, "beta").await?.0 == 5).then_some(())
        })
        .await
        .ok_or("the update never reached the child")?;
        outln!(
            self.out(),
            "widget/beta scaled to 5: deployment.apps/widget-beta now has 5 replicas"
        );
        Ok(())
    }

    /// The leader dies without releasing the Lease; the standby takes over once it expires.
    async fn kill_leader(&self, fleet: &mut Vec<Replica>) -> Result<(), BoxError> {
        outln!(self.out(), "killing operator-a (no release)");
        fleet.remove(0).kill().await;
        self.log.wait("operator-b: started leading").await
    }

    /// Deletes `names` and waits until each Widget and its Deployment are gone (the cleanup ran,
    /// then the finalizer let the Widget go).
    async fn delete_widgets(&self, names: &[&str]) -> Result<(), BoxError> {
        for name in names {
            self.widgets.delete(name, &DeleteOptions::default()).await?;
        }
        eventually(Duration::from_secs(20), || async {
            for name in names {
                let widget_gone = self
                    .widgets
                    .get(name, &Default::default())
                    .await
                    .err()?
                    .is_not_found();
                if !widget_gone || child_of(self.cs(), self.ns, name).await.is_some() {
                    return None;
                }
            }
            Some(())
        })
        .await
        .ok_or("the deletion never completed")?;
        Ok(())
    }

    /// The Events the operator recorded, and the most reconciles of one key ever in flight.
    async fn report(&self) -> Result<(), BoxError> {
        let events = self.cs().resource::<Event>(Some(self.ns));
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
        outln!(self.out(), "events: {}", reasons.join(", "));
        outln!(
            self.out(),
            "max reconciles of one key at once: {}",
            self.tally.max_in_flight_per_key.load(Ordering::SeqCst)
        );
        Ok(())
    }

    /// The scripted demo: two replicas, three Widgets, a scale, a leader kill, a deletion; at the
    /// end the remaining Widgets are deleted through the operator, so the CRD can go.
    async fn script(&self, fleet: &mut Vec<Replica>) -> Result<(), BoxError> {
        self.start_fleet(fleet).await?;
        self.create_widgets().await?;
        self.scale_beta().await?;
        self.kill_leader(fleet).await?;
        self.delete_widgets(&["gamma"]).await?;
        outln!(
            self.out(),
            "widget/gamma deleted: cleanup removed deployment.apps/widget-gamma, then the widget went"
        );
        self.report().await?;
        self.delete_widgets(&["alpha", "beta"]).await?;
        outln!(
            self.out(),
            "widget/alpha and widget/beta deleted through the operator too, so the CRD can go"
        );
        Ok(())
    }
}

/// Runs the demo in the example's namespace; Ctrl-C stops the replicas gracefully (reconciles
/// drained, the Lease released). Whatever happened, no Widget keeps our finalizer, so the session
/// can delete the CRD and the namespace.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let cs = session.clientset();
    let registered = register_crd(session.config()).await?;
    session.delete_on_exit(crd_resource(), CRD);
    if registered == Registered::Existing {
        // A killed earlier run's Widgets would hold its namespace in Terminating.
        for name in release_finalizers(cs, None).await? {
            outln!(out, "widget/{name}: left by an earlier run, finalizer released");
        }
    }
    outln!(out, "crd {CRD} registered");
    let ns = session.namespace().await?;
    let log = ReplicaLog::new(out);
    let (tx, rx) = mpsc::unbounded_channel();
    let demo = Demo {
        session,
        ns,
        widgets: cs.resource::<Widget>(Some(ns)),
        tally: Arc::new(Tally::default()),
        tx,
        log: &log,
    };
    let play = async move {
        let mut fleet = Vec::new();
        let outcome = tokio::select! {
            r = demo.script(&mut fleet) => r,
            () = session.interrupted() => {
                outln!(out, "interrupted: stopping the replicas gracefully");
                Ok(())
            }
        };
        for replica in fleet {
            replica.stop().await;
        }
        // Dropping the demo drops the last sender, so `follow` ends.
        drop(demo);
        outcome
    };
    let (outcome, ()) = tokio::join!(play, log.follow(rx));
    let released = release_finalizers(cs, Some(ns)).await?;
    if !released.is_empty() {
        outln!(
            out,
            "released the finalizer of widget/{} (no operator left to clean up; its deployments go with the namespace)",
            released.join(", widget/")
        );
    }
    outcome
}

#[tokio::main]
async fn main() -> ExitCode {
    let (session, args) = match Session::from_args::<NoArgs>(env!("CARGO_CRATE_NAME")).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    session.run(run(&session, &args)).await
}
