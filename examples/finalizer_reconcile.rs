//! Seed 004 "Finalizers" (S004:L46-47): finalizers define what must happen before an object may
//! go. A controller (the library's `finalizer` helper, controller-runtime's pattern) adds its
//! finalizer to each live ConfigMap; deleting the ConfigMap only marks it (deletionTimestamp); the
//! controller's cleanup runs once, removes only its own finalizer, and the server deletes the
//! object.
//!
//! Then the other side (S004:L47, SO 55853312): a finalizer nobody removes (its controller is
//! gone) keeps a namespace in `Terminating` forever. The last-resort recovery is a PUT to the
//! namespace's `/finalize` subresource with `spec.finalizers` emptied (client-go's
//! `Namespaces().Finalize`): the namespace goes at once, and the stuck object is left behind in
//! storage, which is why running the missing controller is the better fix. The example then
//! creates the namespace again (an object can only be changed in an existing namespace) and
//! removes that object's finalizer itself, so it leaves nothing behind.
//!
//! Everything lives in the example's own namespace, except the stuck namespace
//! `finalizer-reconcile-stuck`, which the example creates, recovers and deletes.
//!
//! Run: `cargo run --example finalizer_reconcile [-- --kubeconfig PATH] [--wait-seconds N]
//! [--no-activity]`

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo::api::core::v1::{ConfigMap, Namespace};
use clientgo::apimachinery::{Object, Resource, SharedStr, WatchEvent};
use clientgo::controller::{finalizer, Action, Config, Controller, FinalizerError, FinalizerEvent, Request};
use clientgo::kubernetes::{
    DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, ResourceClient, UpdateOptions,
    WriteOptions,
};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::watch::{condition, until_with_sync, CancellationToken};
use clientgo_example::{outln, BoxError, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use futures_util::FutureExt as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use tokio::sync::Notify;

/// The controller's finalizer.
pub const FINALIZER: &str = "example.com/cleanup";
/// The label the controller selects its ConfigMaps by.
pub const APP_LABEL: &str = "app=finalizer-demo";
/// The namespace the example leaves stuck in Terminating, then recovers.
pub const STUCK_NAMESPACE: &str = "finalizer-reconcile-stuck";

/// Finalizers: added on create, cleanup once on deletion, then the object goes; a namespace stuck in
/// Terminating recovered through /finalize (the example's own options follow).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How long to wait for the cluster to act (the namespace controller marking the stuck
    /// namespace's contents for deletion, a namespace going), in seconds.
    #[arg(long, default_value_t = 60)]
    pub wait_seconds: u64,
}

/// How far the controller got: what the example's script waits on.
#[derive(Default)]
struct Progress {
    applied: AtomicUsize,
    gone: AtomicUsize,
    changed: Notify,
}

impl Progress {
    fn bump(&self, counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    /// Waits until `counter` (one of this struct's) reaches `n`.
    async fn reached(&self, counter: &AtomicUsize, n: usize) {
        loop {
            let changed = self.changed.notified();
            if counter.load(Ordering::SeqCst) >= n {
                return;
            }
            changed.await;
        }
    }
}

/// The reconcile's context.
struct Ctx {
    out: Out,
    api: ResourceClient<ConfigMap>,
    progress: Progress,
}

/// The finalizer pattern: apply while live, clean up once on deletion, then let the object go.
async fn reconcile(req: Request<ConfigMap>, ctx: Arc<Ctx>) -> Result<Action, FinalizerError<Infallible>> {
    let key = req.key;
    let Some(obj) = req.object else {
        outln!(
            ctx.out,
            "gone:     {key}: the server deleted it once its last finalizer went"
        );
        ctx.progress.bump(&ctx.progress.gone);
        return Ok(Action::done());
    };
    let api = ctx.api.clone();
    finalizer(&api, FINALIZER, obj, |event| async move {
        match event {
            FinalizerEvent::Apply(o) => {
                outln!(
                    ctx.out,
                    "apply:    {key} is live, finalizers {:?}",
                    o.metadata.finalizers
                );
                ctx.progress.bump(&ctx.progress.applied);
            }
            FinalizerEvent::Cleanup(_) => outln!(
                ctx.out,
                "finalize: {key} is marked for deletion (deletionTimestamp set, still stored): \
                 releasing what it holds, then removing {FINALIZER}"
            ),
        }
        Ok::<_, Infallible>(Action::done())
    })
    .await
}

/// A ConfigMap labelled as the examples' own.
fn config_map(name: &str) -> ConfigMap {
    let mut cm = ConfigMap::new(name);
    cm.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
    cm
}

/// Runs the finalizer controller while `guarded` is created and deleted (by the example, or by
/// the person running it with `--no-activity`); false when interrupted first.
async fn guard_and_delete(session: &Session, api: &ResourceClient<ConfigMap>) -> Result<bool, BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    outln!(
        out,
        "controller finalizer-demo: adds {FINALIZER} to ConfigMaps labelled {APP_LABEL} in namespace {ns}"
    );
    if !session.activity() {
        outln!(
            out,
            "waiting for a labelled ConfigMap to be created and deleted; do it with"
        );
        outln!(
            out,
            "  kubectl -n {ns} create configmap guarded && kubectl -n {ns} label configmap guarded {APP_LABEL} \
             && kubectl -n {ns} delete configmap guarded"
        );
    }
    let ctx = Arc::new(Ctx {
        out: out.clone(),
        api: api.clone(),
        progress: Progress::default(),
    });
    let controller = Controller::new(
        api.clone(),
        Config::new("finalizer-demo").label_selector(APP_LABEL),
    );
    let stop = CancellationToken::new();
    let shutdown = {
        let (stop, interrupted) = (stop.clone(), session.interrupted());
        async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = interrupted => {}
            }
        }
    };
    let script = async {
        let _stop_controller = stop.clone().drop_guard();
        let progress = &ctx.progress;
        let steps = async {
            if session.activity() {
                let mut cm = config_map("guarded");
                cm.metadata.labels.insert("app", "finalizer-demo");
                api.create(&cm, &WriteOptions::default()).await?;
                // Applied in the reconcile that adds the finalizer, then again for the patch's own event.
                progress.reached(&progress.applied, 2).await;
                outln!(out, "delete:   {ns}/guarded");
                api.delete("guarded", &DeleteOptions::default()).await?;
            }
            progress.reached(&progress.gone, 1).await;
            Ok::<_, BoxError>(())
        };
        tokio::select! {
            done = steps => done.map(|()| true),
            () = session.interrupted() => Ok(false),
        }
    };
    let ((), finished) = tokio::join!(controller.run(reconcile, Arc::clone(&ctx), shutdown), script);
    let finished = finished?;
    if finished && session.activity() {
        let gone = is_gone(api.get("guarded", &GetOptions::default()).await)?;
        outln!(out, "object gone from the server: {gone}");
    }
    Ok(finished)
}

/// True when `got` is a NotFound, false when the object is there, the error otherwise.
fn is_gone<K>(got: Result<K, clientgo::rest::Error>) -> Result<bool, BoxError> {
    match got {
        Ok(_) => Ok(false),
        Err(e) if e.is_not_found() => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// Removes [`FINALIZER`] from every ConfigMap `api` reaches that still carries it, and returns
/// their names. An object already marked for deletion then goes.
async fn release_finalizers(api: &ResourceClient<ConfigMap>) -> Result<Vec<String>, BoxError> {
    let mut released = Vec::new();
    for cm in api.list(&ListOptions::default()).await?.items {
        let Some(index) = cm.metadata.finalizers.iter().position(|f| f == FINALIZER) else {
            continue;
        };
        let path = format!("/metadata/finalizers/{index}");
        let patch = json!([
            {"op": "test", "path": path, "value": FINALIZER},
            {"op": "remove", "path": path},
        ]);
        api.patch(cm.name(), &PatchType::Json, &patch, &PatchOptions::default())
            .await?;
        released.push(cm.name().to_owned());
    }
    Ok(released)
}

/// Waits until the object `name` of `api` satisfies `done` (given `None` once it is gone), for
/// at most `limit`: a list, then a watch from the list's resourceVersion (client-go's
/// `UntilWithSync`).
async fn wait_until<K>(
    api: &ResourceClient<K>,
    name: &str,
    limit: Duration,
    done: impl Fn(Option<&K>) -> bool + Sync,
) -> Result<(), BoxError>
where
    K: Object + Resource + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let lw = ListWatch::new(api.clone()).with_selectors("", &format!("metadata.name={name}"));
    let until = until_with_sync(
        lw,
        |seen| Ok(done(seen.values().next())),
        vec![condition(|event| {
            Ok(match event {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => done(Some(o)),
                WatchEvent::Deleted(_) => done(None),
                _ => false,
            })
        })],
    );
    match tokio::time::timeout(limit, until).await {
        Ok(result) => result.map(|_| ()).map_err(Into::into),
        Err(_) => Err(format!(
            "{} {name} did not reach the awaited state within {}s",
            K::KIND,
            limit.as_secs()
        )
        .into()),
    }
}

/// Deletes a stuck namespace an earlier, killed run left (releasing what held it), so this run
/// can create it afresh; a namespace of that name that no example created is an error.
async fn clear_leftover(session: &Session, limit: Duration) -> Result<(), BoxError> {
    let namespaces = session.clientset().core_v1().namespaces();
    let existing = match namespaces.get(STUCK_NAMESPACE, &GetOptions::default()).await {
        Err(e) if e.is_not_found() => return Ok(()),
        other => other?,
    };
    if existing
        .metadata
        .labels
        .get(MANAGED_BY_LABEL)
        .map(SharedStr::as_str)
        != Some(MANAGED_BY_VALUE)
    {
        return Err(
            format!("namespace {STUCK_NAMESPACE} exists and was not created by a clientgo example").into(),
        );
    }
    outln!(
        session.out(),
        "stuck namespace {STUCK_NAMESPACE}: left by an earlier run, deleting it first"
    );
    release_finalizers(&session.clientset().core_v1().config_maps(STUCK_NAMESPACE)).await?;
    if let Err(e) = namespaces
        .delete(STUCK_NAMESPACE, &DeleteOptions::default())
        .await
    {
        if !e.is_not_found() {
            return Err(e.into());
        }
    }
    wait_until(&namespaces, STUCK_NAMESPACE, limit, |ns| ns.is_none()).await
}

/// Creates the stuck namespace, labelled as the examples' own; the session deletes it at the end.
async fn create_stuck_namespace(session: &Session) -> Result<(), BoxError> {
    let mut ns = Namespace::new(STUCK_NAMESPACE);
    ns.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
    session
        .clientset()
        .core_v1()
        .namespaces()
        .create(&ns, &WriteOptions::default())
        .await?;
    session.delete_on_exit(Namespace::api_resource(), STUCK_NAMESPACE);
    Ok(())
}

/// Removes our finalizer from what the stuck namespace's storage still holds, so it goes. A real
/// API server refuses every write but a DELETE to an object whose namespace does not exist (its
/// NamespaceLifecycle admission), so a namespace recovered through `/finalize` is created again
/// first; the session deletes it at the end.
async fn release_stuck(session: &Session) -> Result<(), BoxError> {
    let out = session.out();
    let stuck = session.clientset().core_v1().config_maps(STUCK_NAMESPACE);
    let held = stuck.list(&ListOptions::default()).await?.items;
    if !held
        .iter()
        .any(|cm| cm.metadata.finalizers.iter().any(|f| f == FINALIZER))
    {
        return Ok(());
    }
    let namespaces = session.clientset().core_v1().namespaces();
    if is_gone(namespaces.get(STUCK_NAMESPACE, &GetOptions::default()).await)? {
        create_stuck_namespace(session).await?;
        outln!(
            out,
            "stuck namespace {STUCK_NAMESPACE}: created again, since what it left can only be changed in an existing namespace"
        );
    }
    for name in release_finalizers(&stuck).await? {
        outln!(
            out,
            "configmap {STUCK_NAMESPACE}/{name} released: {FINALIZER} removed, the object went with it"
        );
    }
    Ok(())
}

/// A namespace held in Terminating by a finalizer nobody removes, recovered through `/finalize`.
async fn stuck_namespace(session: &Session, limit: Duration) -> Result<(), BoxError> {
    let out = session.out();
    let namespaces = session.clientset().core_v1().namespaces();
    let stuck = session.clientset().core_v1().config_maps(STUCK_NAMESPACE);
    clear_leftover(session, limit).await?;
    create_stuck_namespace(session).await?;
    // A run killed after its /finalize left its orphan in storage: it reappears in the new namespace.
    for name in release_finalizers(&stuck).await? {
        outln!(
            out,
            "stuck namespace {STUCK_NAMESPACE}: released configmap {name}, left in storage by an earlier run"
        );
    }
    let mut orphan = config_map("orphan");
    orphan.metadata.finalizers.push(FINALIZER.into());
    stuck.create(&orphan, &WriteOptions::default()).await?;
    namespaces
        .delete(STUCK_NAMESPACE, &DeleteOptions::default())
        .await?;
    // The namespace controller deletes the namespace's contents; the finalizer holds the orphan.
    wait_until(&stuck, "orphan", limit, |cm| {
        cm.is_some_and(|cm| cm.metadata.deletion_timestamp.is_some())
    })
    .await?;
    let mut ns = namespaces.get(STUCK_NAMESPACE, &GetOptions::default()).await?;
    let held = stuck
        .get("orphan", &GetOptions::default())
        .await?
        .metadata
        .finalizers;
    outln!(
        out,
        "stuck namespace {STUCK_NAMESPACE}: {}, spec.finalizers {:?}; configmap {STUCK_NAMESPACE}/orphan still holds {held:?}",
        ns.status.phase.as_deref().unwrap_or_default(),
        ns.spec.finalizers
    );
    ns.spec.finalizers.clear();
    namespaces.finalize(&ns, &UpdateOptions::default()).await?;
    outln!(
        out,
        "PUT /api/v1/namespaces/{STUCK_NAMESPACE}/finalize with spec.finalizers []"
    );
    wait_until(&namespaces, STUCK_NAMESPACE, limit, |ns| ns.is_none()).await?;
    outln!(out, "stuck namespace {STUCK_NAMESPACE} gone: true");
    let left = !is_gone(stuck.get("orphan", &GetOptions::default()).await)?;
    outln!(
        out,
        "configmap {STUCK_NAMESPACE}/orphan left behind in storage: {left}"
    );
    Ok(())
}

/// Runs the controller over a ConfigMap's life, releases what still carries the finalizer, then
/// shows the stuck namespace and its recovery.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let api = session.clientset().core_v1().config_maps(ns);
    let guarded = guard_and_delete(session, &api).await;
    // Whatever happened, nothing may keep the example's namespace from going.
    for name in release_finalizers(&api).await? {
        outln!(
            out,
            "released: {ns}/{name} still carried {FINALIZER} (the controller stopped before its cleanup)"
        );
    }
    let interrupted = !guarded? || session.interrupted().now_or_never().is_some();
    if interrupted {
        return Ok(());
    }
    let limit = Duration::from_secs(args.wait_seconds);
    let recovered = stuck_namespace(session, limit).await;
    // The orphan's controller never comes back: remove its finalizer so it goes.
    let released = release_stuck(session).await;
    recovered.and(released)
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
