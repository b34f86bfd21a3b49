//! Seed 003 §5.23 "Store" (L4530-4923): an informer's store is its local cache, a thread-safe map
//! plus a key function. Two informers (pods, deployments) have two maps and one key function,
//! `meta_namespace_key_func`: `namespace/name`, or `name` for a cluster-scoped object. `get(&obj)`
//! makes the object's key first, so an object without a name gives a key error (the seed's
//! `Get("abc")`: `object has no meta`; a `Store<Pod>` takes only a `&Pod`, so here it is a pod with
//! empty metadata). `get` before the informer has listed finds nothing; after polling
//! `has_synced()` (the seed's `for !HasSynced() { time.Sleep(time.Second) }`) it returns the cached
//! pod, and `get_by_key("kube-system/etcd-control-plane")` the same shared object without building
//! a pod first.
//!
//! The example only reads; it creates nothing. Its pod is a kind cluster's etcd pod (on a kind
//! cluster named `kind`, pass `--key kube-system/etcd-kind-control-plane`).
//!
//! Run: `cargo run --example store_get_by_key [-- --kubeconfig PATH] [--key NAMESPACE/NAME]`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::api::core::v1::{Namespace, Pod};
use clientgo::apimachinery::Object;
use clientgo::rest::ErrorReport;
use clientgo::tools::cache::{
    deletion_handling_meta_namespace_key_func, meta_namespace_key_func, split_meta_namespace_key,
    DeletedFinalStateUnknown, DeltaObject, SharedIndexInformer, SharedInformerFactory, Store,
};
use clientgo_example::{outln, BoxError, Out, Session};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The pod to read from the store, as NAMESPACE/NAME.
    #[arg(long, default_value = "kube-system/etcd-control-plane")]
    pub key: String,
}

/// How often `has_synced()` is asked (the seed asks every second).
const SYNC_POLL: Duration = Duration::from_millis(100);
/// How long to poll before giving up on a list that keeps failing.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

/// A pod with only a namespace and a name: what `get` needs to make the key.
fn pod_ref(namespace: &str, name: &str) -> Pod {
    let mut pod = Pod::default();
    pod.metadata.namespace = Some(namespace.into());
    pod.metadata.name = Some(name.into());
    pod
}

/// The seed's `fmt.Println(&Pod{...})`: the identifying fields of a found pod, or `<nil>`.
fn describe(pod: Option<&Arc<Pod>>) -> String {
    match pod {
        Some(p) => format!(
            "Pod {{name: {}, namespace: {}, uid: {}, resourceVersion: {}, phase: {}}}",
            p.name(),
            p.namespace().unwrap_or_default(),
            p.metadata.uid.as_deref().unwrap_or_default(),
            p.resource_version(),
            p.status.phase.as_deref().unwrap_or("<none>")
        ),
        None => "<nil>".to_owned(),
    }
}

/// (1) and (2): two informers, two maps, one key function; the keys it makes.
fn show_stores(
    out: &Out,
    pods: &SharedIndexInformer<Pod>,
    deployments: &SharedIndexInformer<Deployment>,
) -> Result<(), BoxError> {
    outln!(out, "pods store:        {:?}", pods.indexer());
    outln!(out, "deployments store: {:?}", deployments.indexer());
    outln!(
        out,
        "two stores, two maps (pods at {:p}, deployments at {:p}), one key function: meta_namespace_key_func",
        pods.indexer().thread_safe_store(),
        deployments.indexer().thread_safe_store()
    );
    outln!(
        out,
        "  key of a namespaced pod:         {:?}",
        meta_namespace_key_func(&pod_ref("kube-system", "etcd-control-plane"))?
    );
    outln!(
        out,
        "  key of a cluster-scoped object:  {:?} (a Namespace)",
        meta_namespace_key_func(&Namespace::new("kube-system"))?
    );
    let tombstone = DeltaObject::<Pod>::DeletedFinalStateUnknown(DeletedFinalStateUnknown {
        key: "default/gone".to_owned(),
        obj: None,
    });
    outln!(
        out,
        "  key of a tombstone:              {:?} (deletion_handling_meta_namespace_key_func: the key it recorded)",
        deletion_handling_meta_namespace_key_func(&tombstone)?
    );
    Ok(())
}

/// Polls `has_synced()` as the seed does; returns how many times it answered false.
async fn poll_until_synced(session: &Session, pods: &SharedIndexInformer<Pod>) -> Result<u32, BoxError> {
    let mut polls = 0u32;
    while !pods.has_synced() {
        if SYNC_POLL * polls >= SYNC_TIMEOUT {
            let why = pods
                .status()
                .last_error()
                .map(|e| ErrorReport::new(&*e).to_string());
            return Err(format!(
                "the pod informer has not synced after {SYNC_TIMEOUT:?} (last error: {})",
                why.as_deref().unwrap_or("none")
            )
            .into());
        }
        polls += 1;
        tokio::select! {
            () = tokio::time::sleep(SYNC_POLL) => {}
            () = session.interrupted() => return Ok(polls),
        }
    }
    Ok(polls)
}

/// Creates the pod and deployment informers, reads the store before and after the first list.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let (namespace, name) = split_meta_namespace_key(&args.key)?;
    let factory = SharedInformerFactory::new(session.clientset().clone(), Some(Duration::from_secs(60)));
    let pods = factory.informer_for::<Pod>();
    let deployments = factory.informer_for::<Deployment>();
    show_stores(out, &pods, &deployments)?;

    let store = pods.indexer();
    let nameless = store.get(&Pod::default());
    outln!(
        out,
        "get(&Pod::default()) = {}",
        match &nameless {
            Ok(found) => describe(found.as_ref()),
            Err(e) => format!("error: {}", ErrorReport::new(e)),
        }
    );
    let wanted = pod_ref(namespace, name);
    outln!(
        out,
        "before the informer has listed (has_synced() = {}): get(&Pod {{namespace: {namespace}, name: {name}}}) = {}",
        pods.has_synced(),
        describe(store.get(&wanted)?.as_ref())
    );

    factory.start();
    let polls = poll_until_synced(session, &pods).await?;
    outln!(
        out,
        "has_synced() = {} (asked every {SYNC_POLL:?}, it answered false {polls} time(s)); the store holds {} pods",
        pods.has_synced(),
        store.len()
    );
    let by_object = store.get(&wanted)?;
    outln!(
        out,
        "get(&Pod {{namespace: {namespace}, name: {name}}}) = {}",
        describe(by_object.as_ref())
    );
    let by_key = store.get_by_key(&args.key);
    outln!(out, "get_by_key({:?}) = {}", args.key, describe(by_key.as_ref()));
    match (&by_object, &by_key) {
        (Some(a), Some(b)) => outln!(
            out,
            "both are the same cached object (Arc::ptr_eq = {}), shared, not copied",
            Arc::ptr_eq(a, b)
        ),
        _ => outln!(
            out,
            "no pod {} on this cluster: pass --key NAMESPACE/NAME of one that exists",
            args.key
        ),
    }
    outln!(
        out,
        "get_by_key(\"default/no-such-pod\") = {}",
        describe(store.get_by_key("default/no-such-pod").as_ref())
    );
    factory.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
