//! Seed 003 §"Indexer": an informer's indexer with the namespace index and a custom `nodeName`
//! index; queries `by_index`, `index_keys`, `list_index_func_values` and `get_by_key`, all served
//! from memory.
//!
//! Run: `cargo run --example indexer_queries [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::Clientset;
use clientgo::tools::cache::{Indexer, Indexers, ListWatch, SharedIndexInformer, Store, NAMESPACE_INDEX};
use clientgo::tools::clientcmd;

/// The name of the custom index.
pub const NODE_INDEX: &str = "nodeName";

/// Syncs an informer over all pods, then queries its indexer.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let indexers = Indexers::namespace().with(NODE_INDEX, |p: &Pod| {
        p.spec.node_name.iter().map(String::from).collect()
    });
    let informer = SharedIndexInformer::new(ListWatch::new(cs.core_v1().pods("")), None, indexers);
    let task = tokio::spawn(informer.clone().run());
    informer.wait_for_cache_sync().await;
    let idx = informer.indexer();
    let mut nodes = idx.list_index_func_values(NODE_INDEX);
    nodes.sort();
    writeln!(out, "nodes with pods: {nodes:?}")?;
    for node in &nodes {
        let mut names: Vec<String> = idx
            .by_index(NODE_INDEX, node)?
            .iter()
            .map(|p| p.name().to_owned())
            .collect();
        names.sort();
        writeln!(out, "pods on {node}: {}", names.join(", "))?;
    }
    let mut keys = idx.index_keys(NAMESPACE_INDEX, "kube-system")?;
    keys.sort();
    writeln!(out, "keys in kube-system: {}", keys.len())?;
    if let Some(first) = keys.first() {
        let pod = idx.get_by_key(first).ok_or("listed key missing")?;
        writeln!(out, "get_by_key({first}): rv={}", pod.resource_version())?;
    }
    informer.stop();
    task.await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &mut out).await;
    print!("{out}");
    result
}
