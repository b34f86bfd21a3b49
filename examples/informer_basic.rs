//! Seed 003 §"Informer basics": a shared informer factory with a resync period; Add/Update/Delete
//! handlers log the pod's IP, node and host IP (`kobj` style `namespace/name`); Delete handles
//! tombstones; the periodic resync replays the cache as updates with old == new and makes no
//! request.
//!
//! With the embedded server the example creates and deletes the seed's three busybox pods.
//! Run: `cargo run --example informer_basic [-- --kubeconfig PATH]`

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)]
mod watch_pods_basic;

use std::error::Error;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::Clientset;
use clientgo::tools::cache::{DeltaObject, ResourceEventHandlerFuncs, SharedInformerFactory};
use clientgo::tools::clientcmd;

fn kobj(p: &Pod) -> String {
    format!("{}/{}", p.namespace().unwrap_or(""), p.name())
}

/// Runs the informer until the activity is over and `resyncs` resync rounds were seen; returns
/// the log lines (sorted within the initial list, which has no order).
pub async fn run(
    kubeconfig: &Path,
    resync: Duration,
    activity: bool,
    resyncs: usize,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let factory = SharedInformerFactory::new(cs.clone(), Some(resync));
    let informer = factory.informer_for::<Pod>();
    let log = Arc::new(Mutex::new(Vec::new()));
    let resynced = Arc::new(AtomicUsize::new(0));
    let changed = Arc::new(tokio::sync::Notify::new());
    let (l1, l2, l3, r2) = (
        Arc::clone(&log),
        Arc::clone(&log),
        Arc::clone(&log),
        Arc::clone(&resynced),
    );
    let (n1, n2, n3) = (Arc::clone(&changed), Arc::clone(&changed), Arc::clone(&changed));
    informer.add_event_handler(
        ResourceEventHandlerFuncs::default()
            .on_add(move |p: &Arc<Pod>, initial| {
                let line = format!(
                    "add {} ip={} node={} hostIP={}{}",
                    kobj(p),
                    p.status.pod_ip.as_deref().unwrap_or("<none>"),
                    p.spec.node_name.as_deref().unwrap_or("<none>"),
                    p.status.host_ip.as_deref().unwrap_or("<none>"),
                    if initial { " (initial list)" } else { "" }
                );
                l1.lock().map(|mut g| g.push(line)).ok();
                n1.notify_waiters();
            })
            .on_update(move |old: &Arc<Pod>, new: &Arc<Pod>| {
                if old.resource_version() == new.resource_version() {
                    r2.fetch_add(1, Ordering::SeqCst);
                } else {
                    l2.lock()
                        .map(|mut g| g.push(format!("update {}", kobj(new))))
                        .ok();
                }
                n2.notify_waiters();
            })
            .on_delete(move |d: &DeltaObject<Pod>| {
                let line = match d {
                    DeltaObject::Object(p) => format!("delete {}", kobj(p)),
                    DeltaObject::DeletedFinalStateUnknown(t) => format!("delete {} (tombstone)", t.key),
                };
                l3.lock().map(|mut g| g.push(line)).ok();
                n3.notify_waiters();
            }),
    );
    factory.start();
    factory.wait_for_cache_sync().await;
    // Handlers run on their own task: wait until the initial list has been handled.
    let initial = informer.indexer().len();
    loop {
        let notified = changed.notified();
        if log.lock().map(|g| g.len() >= initial).unwrap_or(true) {
            break;
        }
        notified.await;
    }
    log.lock().map(|mut g| g.sort()).ok();
    if activity {
        watch_pods_basic::busybox_activity(&cs.core_v1().pods("default")).await?;
    }
    let done = |n: usize| log.lock().map(|g| g.len() >= initial + n).unwrap_or(true);
    loop {
        let notified = changed.notified();
        if (!activity || done(6)) && resynced.load(Ordering::SeqCst) >= resyncs * initial.max(1) {
            break;
        }
        notified.await;
    }
    factory.shutdown().await;
    let mut out = log.lock().map(|g| g.clone()).unwrap_or_default();
    out.push(format!(
        "resync replayed {} cached pods as updates with old == new",
        resynced.load(Ordering::SeqCst)
    ));
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let embedded = target.server().is_some();
    let lines = run(target.kubeconfig_path(), Duration::from_secs(2), embedded, 1).await?;
    for l in lines {
        println!("{l}");
    }
    Ok(())
}
