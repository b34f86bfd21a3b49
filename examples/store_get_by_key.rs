//! Seed 003 §"Store.GetByKey": keys are `namespace/name` (or `name` for cluster-scoped objects,
//! built by `meta_namespace_key_func`); reading the informer's store by key is a memory lookup
//! that returns the shared cached object.
//!
//! Run: `cargo run --example store_get_by_key [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::{Namespace, Pod};
use clientgo::apimachinery::Object;
use clientgo::kubernetes::Clientset;
use clientgo::tools::cache::{
    meta_namespace_key_func, split_meta_namespace_key, SharedInformerFactory, Store,
};
use clientgo::tools::clientcmd;

/// Syncs pod and namespace informers and reads one object of each by key.
pub async fn run(
    kubeconfig: &Path,
    pod_key: &str,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let factory = SharedInformerFactory::new(Clientset::new(&config)?, None);
    let pods = factory.informer_for::<Pod>();
    let namespaces = factory.informer_for::<Namespace>();
    factory.start();
    factory.wait_for_cache_sync().await;
    let (ns, name) = split_meta_namespace_key(pod_key)?;
    writeln!(
        out,
        "key {pod_key:?} splits into namespace {ns:?} and name {name:?}"
    )?;
    match pods.indexer().get_by_key(pod_key) {
        Some(p) => writeln!(
            out,
            "found pod {} (key {}), phase {}",
            p.name(),
            meta_namespace_key_func(&*p)?,
            p.status.phase.as_deref().unwrap_or("<none>")
        )?,
        None => writeln!(out, "pod {pod_key} not found")?,
    }
    writeln!(
        out,
        "missing key: {:?}",
        pods.indexer()
            .get_by_key("default/no-such-pod")
            .map(|p| p.name().to_owned())
    )?;
    let ks = namespaces
        .indexer()
        .get_by_key("kube-system")
        .ok_or("kube-system not cached")?;
    writeln!(
        out,
        "cluster-scoped key {:?} -> namespace {}",
        meta_namespace_key_func(&*ks)?,
        ks.name()
    )?;
    factory.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(
        target.kubeconfig_path(),
        "kube-system/etcd-control-plane",
        &mut out,
    )
    .await;
    print!("{out}");
    result
}
