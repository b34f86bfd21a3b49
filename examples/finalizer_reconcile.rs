//! Seed §"Finalizers" (controller-runtime's finalizer pattern, with the library's `finalizer`
//! helper): the controller adds its finalizer to each live ConfigMap, deletion only marks the
//! object (deletionTimestamp), the controller's cleanup runs once, removes only its own
//! finalizer, and the object disappears.
//!
//! Then the other side of finalizers (seed 004, SO 55853312): a finalizer nobody will remove (its
//! controller is gone) keeps a namespace in `Terminating` forever. The last-resort recovery is a
//! PUT to the namespace's `/finalize` subresource with `spec.finalizers` emptied (client-go's
//! `Namespaces().Finalize`); the namespace then goes, and the stuck object is left behind in
//! storage, which is why running the missing controller is the better fix.
//!
//! Run: `cargo run --example finalizer_reconcile [-- --kubeconfig PATH]`

use std::error::Error;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

use clientgo::api::core::v1::{ConfigMap, Namespace};
use clientgo::controller::{
    finalizer, setup_signal_handler, Action, Config, Controller, FinalizerEvent, Request,
};
use clientgo::kubernetes::{Clientset, DeleteOptions, GetOptions, UpdateOptions, WriteOptions};
use clientgo::tools::clientcmd;
use tokio::sync::mpsc;

const FINALIZER: &str = "example.com/cleanup";

/// Waits for the reconcile to report `want`.
/// Waits for `want`; false when the controller stopped first (interrupted).
async fn wait(rx: &mut mpsc::UnboundedReceiver<&'static str>, want: &str) -> bool {
    while let Some(got) = rx.recv().await {
        if got == want {
            return true;
        }
    }
    false
}

/// Creates a ConfigMap, lets the controller guard it, deletes it and reports each step; stops
/// early, draining the controller, when `interrupt` completes (Ctrl-C in `main`).
pub async fn run(
    kubeconfig: &Path,
    interrupt: impl Future<Output = ()> + Send + 'static,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let api = cs.core_v1().config_maps("default");
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "guarded", "labels": {"app": "finalizer-demo"}}
    }))?;
    api.create(&cm, &WriteOptions::default()).await?;
    let out = Arc::new(Mutex::new(Vec::new()));
    let (tx, mut rx) = mpsc::unbounded_channel::<&'static str>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let controller = Controller::new(
        api.clone(),
        Config::new("finalizer-demo").label_selector("app=finalizer-demo"),
    );
    let reconcile_api = api.clone();
    let task = tokio::spawn(controller.run(
        move |req: Request<ConfigMap>, out: Arc<Mutex<Vec<String>>>| {
            let (api, tx) = (reconcile_api.clone(), tx.clone());
            async move {
                let Some(obj) = req.object else {
                    let _ = tx.send("gone");
                    return Ok(Action::done());
                };
                finalizer(&api, FINALIZER, obj, |event| async move {
                    let line = match event {
                        FinalizerEvent::Apply(o) => format!(
                            "apply: {} is live, finalizers {:?}",
                            req.key, o.metadata.finalizers
                        ),
                        FinalizerEvent::Cleanup(_) => format!("cleanup: releasing what {} holds", req.key),
                    };
                    let cleanup = line.starts_with("cleanup");
                    if let Ok(mut g) = out.lock() {
                        g.push(line);
                    }
                    let _ = tx.send(if cleanup { "cleanup" } else { "apply" });
                    Ok::<_, std::io::Error>(Action::done())
                })
                .await
            }
        },
        Arc::clone(&out),
        async move {
            tokio::select! {
                _ = stop_rx => {}
                () = interrupt => {}
            }
        },
    ));
    // Applied in the reconcile that adds the finalizer, then again for the patch's own event.
    let applied = wait(&mut rx, "apply").await && wait(&mut rx, "apply").await;
    if !applied {
        return interrupted(task, &out).await;
    }
    api.delete("guarded", &DeleteOptions::default()).await?;
    if !(wait(&mut rx, "cleanup").await && wait(&mut rx, "gone").await) {
        return interrupted(task, &out).await;
    }
    let gone = api
        .get("guarded", &GetOptions::default())
        .await
        .err()
        .is_some_and(|e| e.is_not_found());
    let _ = stop_tx.send(());
    task.await?;
    let mut lines = out.lock().map(|g| g.clone()).unwrap_or_default();
    lines.push(format!("object gone from the server: {gone}"));
    stuck_namespace_recovery(&cs, &mut lines).await?;
    Ok(lines)
}

/// A namespace held in Terminating by a finalizer nobody removes, recovered through `/finalize`.
async fn stuck_namespace_recovery(
    cs: &Clientset,
    lines: &mut Vec<String>,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    const NS: &str = "stuck-demo";
    let namespaces = cs.core_v1().namespaces();
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": NS}}))?;
    namespaces.create(&ns, &WriteOptions::default()).await?;
    let orphan: ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "orphan", "finalizers": [FINALIZER]}
    }))?;
    let stuck_cms = cs.core_v1().config_maps(NS);
    stuck_cms.create(&orphan, &WriteOptions::default()).await?;
    namespaces.delete(NS, &DeleteOptions::default()).await?;
    let mut ns = namespaces.get(NS, &GetOptions::default()).await?;
    let phase = ns.status.phase.clone().unwrap_or_default();
    let held = stuck_cms
        .get("orphan", &GetOptions::default())
        .await?
        .metadata
        .finalizers;
    lines.push(format!(
        "namespace {NS}: {phase}, spec.finalizers {:?}; configmap {NS}/orphan still holds {held:?}",
        ns.spec.finalizers
    ));
    ns.spec.finalizers.clear();
    namespaces.finalize(&ns, &UpdateOptions::default()).await?;
    lines.push(format!(
        "PUT /api/v1/namespaces/{NS}/finalize with spec.finalizers []"
    ));
    let gone = namespaces
        .get(NS, &GetOptions::default())
        .await
        .err()
        .is_some_and(|e| e.is_not_found());
    lines.push(format!("namespace {NS} gone: {gone}"));
    let left = stuck_cms.get("orphan", &GetOptions::default()).await.is_ok();
    lines.push(format!("configmap {NS}/orphan left behind in storage: {left}"));
    Ok(())
}

/// The lines so far once an interrupt has stopped the controller (its in-flight reconcile
/// drained; the finalizer stays on the object until a controller runs again).
async fn interrupted(
    task: tokio::task::JoinHandle<()>,
    out: &Mutex<Vec<String>>,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    task.await?;
    let mut lines = out.lock().map(|g| g.clone()).unwrap_or_default();
    lines.push("interrupted: controller drained and stopped".to_owned());
    Ok(lines)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    // Ctrl-C (or SIGTERM) shuts the controller down gracefully: in-flight reconciles drain.
    let interrupt = setup_signal_handler()?;
    for l in run(target.kubeconfig_path(), interrupt).await? {
        println!("{l}");
    }
    Ok(())
}
