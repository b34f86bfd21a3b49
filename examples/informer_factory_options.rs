//! Seed 003 §"Informer factory options": `with_namespace("kube-system")`,
//! `with_tweak_list_options` (label selector `tier=control-plane`) and `with_custom_resync` per
//! type (Pods and Deployments each with their own period; the default is then unused). Each
//! handler counts its resyncs: replays of the cache, with no request.
//!
//! Run: `cargo run --example informer_factory_options [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{Clientset, ListOptions, WriteOptions};
use clientgo::tools::cache::{ResourceEventHandlerFuncs, SharedInformerFactory, Store};
use clientgo::tools::clientcmd;

/// Creates two labelled control-plane pods, an unlabelled pod and a labelled Deployment in
/// kube-system (what the seed found on its cluster).
pub async fn seed_objects(cs: &Clientset) -> Result<(), Box<dyn Error + Send + Sync>> {
    for (name, tier) in [
        ("cp-a", Some("control-plane")),
        ("cp-b", Some("control-plane")),
        ("other", None),
    ] {
        let labels = tier.map_or(serde_json::json!({}), |t| serde_json::json!({ "tier": t }));
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}
        }))?;
        cs.core_v1()
            .pods("kube-system")
            .create(&pod, &WriteOptions::default())
            .await?;
    }
    let d: Deployment = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "cp-operator", "labels": {"tier": "control-plane"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "op"}},
                 "template": {"metadata": {"labels": {"app": "op"}},
                              "spec": {"containers": [{"name": "op", "image": "busybox"}]}}}
    }))?;
    cs.apps_v1()
        .deployments("kube-system")
        .create(&d, &WriteOptions::default())
        .await?;
    Ok(())
}

/// Runs both informers until each handler saw `rounds` resync rounds.
pub async fn run(
    kubeconfig: &Path,
    pod_resync: Duration,
    deployment_resync: Duration,
    rounds: usize,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let factory = SharedInformerFactory::new(cs, Some(Duration::from_secs(45)))
        .with_namespace("kube-system")
        .with_tweak_list_options(Arc::new(|o: &mut ListOptions| {
            o.label_selector = "tier=control-plane".into()
        }))
        .with_custom_resync::<Pod>(pod_resync)
        .with_custom_resync::<Deployment>(deployment_resync);
    let pods = factory.informer_for::<Pod>();
    let deployments = factory.informer_for::<Deployment>();
    let changed = Arc::new(tokio::sync::Notify::new());
    let pod_resyncs = Arc::new(AtomicUsize::new(0));
    let dep_resyncs = Arc::new(AtomicUsize::new(0));
    for (counter, is_pod) in [
        (Arc::clone(&pod_resyncs), true),
        (Arc::clone(&dep_resyncs), false),
    ] {
        let n = Arc::clone(&changed);
        if is_pod {
            pods.add_event_handler(
                ResourceEventHandlerFuncs::default().on_update(move |o: &Arc<Pod>, p| {
                    if o.resource_version() == p.resource_version() {
                        counter.fetch_add(1, Ordering::SeqCst);
                        n.notify_waiters();
                    }
                }),
            );
        } else {
            deployments.add_event_handler(ResourceEventHandlerFuncs::default().on_update(
                move |o: &Arc<Deployment>, d| {
                    if o.resource_version() == d.resource_version() {
                        counter.fetch_add(1, Ordering::SeqCst);
                        n.notify_waiters();
                    }
                },
            ));
        }
    }
    factory.start();
    factory.wait_for_cache_sync().await;
    let mut pod_keys = pods.indexer().list_keys();
    pod_keys.sort();
    writeln!(out, "pods cached: {}", pod_keys.join(", "))?;
    writeln!(
        out,
        "deployments cached: {}",
        deployments.indexer().list_keys().join(", ")
    )?;
    let (np, nd) = (pod_keys.len().max(1), deployments.indexer().len().max(1));
    loop {
        let notified = changed.notified();
        if pod_resyncs.load(Ordering::SeqCst) >= rounds * np
            && dep_resyncs.load(Ordering::SeqCst) >= rounds * nd
        {
            break;
        }
        notified.await;
    }
    factory.shutdown().await;
    writeln!(
        out,
        "resync rounds seen: pods >= {rounds} (every {pod_resync:?}), deployments >= {rounds} (every {deployment_resync:?})"
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    if target.server().is_some() {
        let config = clientcmd::build_config_from_flags("", &target.kubeconfig_path().to_string_lossy())?;
        seed_objects(&Clientset::new(&config)?).await?;
    }
    let mut out = String::new();
    let result = run(
        target.kubeconfig_path(),
        Duration::from_secs(20),
        Duration::from_secs(30),
        2,
        &mut out,
    )
    .await;
    print!("{out}");
    result
}
