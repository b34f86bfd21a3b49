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
//! The operator itself is in `common/widget_operator.rs`; this file registers the CRD and plays
//! the demo against it.
//!
//! The Widgets, their Deployments, the Events and the Lease live in the example's own namespace;
//! the CRD (cluster-scoped) is deleted when the example ends. Before that, the remaining Widgets
//! are deleted through the operator, since a Widget still holding its finalizer would keep the
//! CRD (and the namespace) from going. Ctrl-C stops the replicas gracefully.
//!
//! Run: `cargo run --example operator_crd [-- --kubeconfig PATH]`

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::api::events::v1::Event;
use clientgo::apimachinery::{ApiResource, DynamicObject, Object, SharedStr};
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{
    Clientset, DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceClient, WriteOptions,
};
use clientgo::rest;
use clientgo_example::{outln, BoxError, NoArgs, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use serde_json::json;
use tokio::sync::{mpsc, Notify};

#[path = "common/widget_operator.rs"]
pub mod widget_operator;

pub use widget_operator::{child_name, Replica, Tally, Timings, Widget, FINALIZER};

/// The CRD's name.
pub const CRD: &str = "widgets.example.com";
/// How long an earlier run's CRD may take to finish its deletion.
const CRD_GONE_TIMEOUT: Duration = Duration::from_secs(60);

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
    let registered = loop {
        match crds.create(&crd, &WriteOptions::default()).await {
            Ok(_) => break Registered::Created,
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(e.into()),
        }
        let existing = crds.get(CRD, &Default::default()).await?;
        let labels = &existing.metadata().labels;
        if labels.get(MANAGED_BY_LABEL).map(SharedStr::as_str) != Some(MANAGED_BY_VALUE) {
            return Err(format!(
                "crd {CRD} exists and was not created by a clientgo example (no {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} label); refusing to use it"
            )
            .into());
        }
        if existing.metadata().deletion_timestamp.is_none() {
            break Registered::Existing;
        }
        // An earlier run's CRD is still going: a real server first deletes its Widgets.
        eventually(CRD_GONE_TIMEOUT, || async {
            crds.get(CRD, &Default::default())
                .await
                .err()
                .filter(rest::Error::is_not_found)
                .map(|_| ())
        })
        .await
        .ok_or_else(|| {
            format!(
                "crd {CRD} is still being deleted after {}s",
                CRD_GONE_TIMEOUT.as_secs()
            )
        })?;
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
            self.seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
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
                    .unwrap_or_else(PoisonError::into_inner)
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
        // Newest first: the standbys go before the leader releases the Lease, so none of them
        // takes it over in the moment between the release and its own stop.
        for replica in fleet.into_iter().rev() {
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
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
