//! Seed 003 §5.24 "Indexer" (L4927-5051): an informer's indexer is its store plus indices. The
//! pod informer comes with one index, `namespace` (MetaNamespaceIndexFunc), as `get_indexers()`
//! shows (the seed's screenshot, L5033). The example adds a custom `nodeName` index before the
//! informer starts, then answers from memory what the seed lists but never calls: `by_index`,
//! `index_keys`, `list_index_func_values` and `index` (pods sharing an index value with a given
//! pod). `add_indexers` once the store holds objects is refused (client-go: "results are
//! undefined"), and a query of an unknown index is an error.
//!
//! Before the informer starts, the example creates two busybox pods in its own namespace, so the
//! `namespace` index has a second value: `pod-1` bound to the cluster's first node (`nodeName` set
//! when it is created, as the scheduler would set it) and `pod-2` with a node selector no node
//! matches, so it stays unscheduled. A pod without a `nodeName` is in no bucket of that index.
//!
//! Run: `cargo run --example indexer_queries [-- --kubeconfig PATH] [--no-activity]`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{ListOptions, WriteOptions};
use clientgo::rest::ErrorReport;
use clientgo::tools::cache::{Indexer, Indexers, Objects, SharedInformerFactory, NAMESPACE_INDEX};
use clientgo_example::pods::busybox_pod;
use clientgo_example::{outln, BoxError, NoArgs, Out, Session};

/// The name of the custom index: pods by the node they run on.
pub const NODE_INDEX: &str = "nodeName";

/// The custom index function: a scheduled pod's node (an unscheduled pod is in no bucket).
fn node_name(pod: &Pod) -> Vec<String> {
    pod.spec.node_name.iter().map(ToString::to_string).collect()
}

/// The names of `objects`, sorted.
fn names(objects: &Objects<Pod>) -> String {
    let mut names: Vec<&str> = objects.iter().map(|p| p.name()).collect();
    names.sort_unstable();
    names.join(", ")
}

/// The index names of `indexer`, as the seed's `fmt.Println(GetIndexers())` shows its keys.
fn indexer_names(indexer: &impl Indexer<Pod>) -> String {
    let indexers = indexer.get_indexers();
    let names: Vec<&str> = indexers.names().collect();
    format!("{names:?}")
}

/// Queries the synced indexer through each of its index methods; `probe` is the key of the pod
/// whose node-mates `index` finds (the first kube-system pod when `None`).
fn query(out: &Out, indexer: &impl Indexer<Pod>, probe: Option<&str>) -> Result<(), BoxError> {
    let mut namespaces = indexer.list_index_func_values(NAMESPACE_INDEX);
    namespaces.sort_unstable();
    outln!(out, "list_index_func_values(\"namespace\") = {namespaces:?}");
    let mut keys = indexer.index_keys(NAMESPACE_INDEX, "kube-system")?;
    keys.sort_unstable();
    outln!(out, "index_keys(\"namespace\", \"kube-system\") = {keys:?}");
    outln!(
        out,
        "by_index(\"namespace\", \"kube-system\") = [{}]",
        names(&indexer.by_index(NAMESPACE_INDEX, "kube-system")?)
    );
    let mut nodes = indexer.list_index_func_values(NODE_INDEX);
    nodes.sort_unstable();
    outln!(out, "list_index_func_values(\"nodeName\") = {nodes:?}");
    for node in &nodes {
        let pods = indexer.by_index(NODE_INDEX, node)?;
        outln!(
            out,
            "by_index(\"nodeName\", {node:?}) = {} pods: [{}]",
            pods.len(),
            names(&pods)
        );
    }
    let probe = probe.or(keys.first().map(String::as_str));
    if let Some((key, pod)) = probe.and_then(|k| Some((k, indexer.get_by_key(k)?))) {
        outln!(
            out,
            "index(\"nodeName\", {key}) = the pods on its node: [{}]",
            names(&indexer.index(NODE_INDEX, &pod)?)
        );
    }
    let mut unscheduled: Vec<String> = indexer
        .list()
        .iter()
        .filter(|p| node_name(p).is_empty())
        .map(|p| format!("{}/{}", p.namespace().unwrap_or_default(), p.name()))
        .collect();
    unscheduled.sort_unstable();
    outln!(out, "pods with no node, in no nodeName bucket: {unscheduled:?}");
    match indexer.by_index("no-such-index", "x") {
        Ok(found) => outln!(out, "by_index(\"no-such-index\", \"x\") = [{}]", names(&found)),
        Err(e) => outln!(
            out,
            "by_index(\"no-such-index\", \"x\") = error: {}",
            ErrorReport::new(&e)
        ),
    }
    Ok(())
}

/// A node selector no node matches: the pod it is set on is never scheduled.
const NO_NODE: (&str, &str) = ("clientgo.example/no-such-node", "true");

/// Creates `pod-1` on the cluster's first node and `pod-2` that no node will take, in the
/// example's namespace.
async fn activity(session: &Session) -> Result<(), BoxError> {
    let nodes = session
        .clientset()
        .core_v1()
        .nodes()
        .list(&ListOptions::default())
        .await?;
    let pods = session.clientset().core_v1().pods(session.namespace().await?);
    let mut bound = busybox_pod("pod-1", &[("app", "pod-1")])?;
    bound.spec.node_name = nodes.items.first().map(|n| n.name().into());
    let mut unschedulable = busybox_pod("pod-2", &[("app", "pod-2")])?;
    unschedulable.spec.node_selector.insert(NO_NODE.0, NO_NODE.1);
    for pod in [bound, unschedulable] {
        pods.create(&pod, &WriteOptions::default()).await?;
    }
    Ok(())
}

/// Builds the pod informer, adds the `nodeName` index while its store is empty, syncs and queries.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    if session.activity() {
        activity(session).await?;
    }
    let factory = SharedInformerFactory::new(session.clientset().clone(), Some(Duration::from_secs(60)));
    let pods = factory.informer_for::<Pod>();
    let indexer = Arc::clone(pods.indexer());
    outln!(out, "get_indexers() = {}", indexer_names(&*indexer));
    indexer.add_indexers(Indexers::new().with(NODE_INDEX, node_name))?;
    outln!(
        out,
        "add_indexers({NODE_INDEX}) on the empty store: ok; get_indexers() = {}",
        indexer_names(&*indexer)
    );
    factory.start();
    factory.wait_for_cache_sync().await;
    outln!(out, "synced: {} pods in the indexer", indexer.len());
    let probe = if session.activity() {
        Some(format!("{}/pod-1", session.namespace().await?))
    } else {
        None
    };
    query(out, &*indexer, probe.as_deref())?;
    let late = Indexers::new().with("phase", |p: &Pod| {
        p.status.phase.iter().map(ToString::to_string).collect()
    });
    match indexer.add_indexers(late) {
        Ok(()) => outln!(out, "add_indexers(phase) after the sync: ok"),
        Err(e) => outln!(
            out,
            "add_indexers(phase) after the sync: refused: {}",
            ErrorReport::new(&e)
        ),
    }
    factory.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
