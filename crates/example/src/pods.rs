//! The seed's busybox pods, and the kubelet's part that the embedded server does not play.
//!
//! The embedded API server stores pods but runs no containers: nothing moves a pod from `Pending`
//! to `Running`. [`play_kubelet`] writes the status a kubelet would on the embedded server, and does
//! nothing on a real cluster, whose kubelet does it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use clientgo_api::core::v1::Pod;
use clientgo_client::{DeleteOptions, ResourceClient, UpdateOptions, WriteOptions};
use tokio::time::Instant;

use crate::{BoxError, Session};

/// The seed's busybox pod (`pods.yaml`): one container running `sleep 3600`, with `labels` and the
/// examples' managed-by label. Its one-second grace period lets a deletion complete at once on a
/// real cluster (`sleep` ignores SIGTERM, so the default 30 s would be waited in full).
///
/// # Errors
/// Never for valid names; the pod is built from JSON, like the seed's manifest.
pub fn busybox_pod(name: &str, labels: &[(&str, &str)]) -> Result<Pod, BoxError> {
    let mut pod: Pod = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "busybox", "image": "busybox", "command": ["sleep", "3600"]}]
        },
        // A real server ignores the status of a new pod and sets this itself; the embedded one
        // keeps what it is given.
        "status": {"phase": "Pending"}
    }))?;
    for (k, v) in labels {
        pod.metadata.labels.insert(*k, *v);
    }
    pod.metadata
        .labels
        .insert(crate::MANAGED_BY_LABEL, crate::MANAGED_BY_VALUE);
    Ok(pod)
}

/// On the embedded server, marks the pod `Running` with the demo node's host IP and a pod IP, as a
/// kubelet reports a started pod (one MODIFIED event); on a real cluster, does nothing.
///
/// Only the status changes: the embedded server runs no scheduler, so `spec.nodeName` stays as the
/// pod was created (an example that needs it sets it at creation, as a pod bound to a node by its
/// manifest is).
///
/// # Errors
/// When the status update fails (the pod is gone, a conflict).
pub async fn play_kubelet(session: &Session, pods: &ResourceClient<Pod>, name: &str) -> Result<(), BoxError> {
    if session.server().is_none() {
        return Ok(());
    }
    let mut pod = pods.get(name, &Default::default()).await?;
    // Pod IPs handed out in order, as a node's IPAM range does.
    static NEXT_IP: AtomicU32 = AtomicU32::new(10);
    let n = NEXT_IP.fetch_add(1, Ordering::Relaxed) % 250 + 2;
    pod.status.phase = Some("Running".into());
    pod.status.host_ip = Some(clientgo_apiserver::embedded::DEMO_NODE_IP.into());
    pod.status.pod_ip = Some(format!("10.244.0.{n}").into());
    pods.update_status(name, &pod, &UpdateOptions::default()).await?;
    Ok(())
}

/// How long a real cluster's kubelet is given to report a new pod running before the example goes
/// on (an image pull can take longer; the example does not depend on it).
const RUNNING_WAIT: Duration = Duration::from_secs(5);

/// Creates the busybox pod `name` (labelled `app=name`) and lets it start: on the embedded server
/// the example plays the kubelet ([`play_kubelet`]); a real cluster's kubelet does it on its own.
///
/// # Errors
/// When a write fails.
pub async fn start_pod(session: &Session, pods: &ResourceClient<Pod>, name: &str) -> Result<(), BoxError> {
    pods.create(&busybox_pod(name, &[("app", name)])?, &WriteOptions::default())
        .await?;
    play_kubelet(session, pods, name).await
}

/// Starts the pod `name` ([`start_pod`]), waits up to five seconds for a real cluster's kubelet to
/// report it running, and deletes it: one ADDED, MODIFIED(s) and a DELETED on a watch of its
/// namespace.
///
/// # Errors
/// When a request fails.
pub async fn start_and_delete_pod(
    session: &Session,
    pods: &ResourceClient<Pod>,
    name: &str,
) -> Result<(), BoxError> {
    start_pod(session, pods, name).await?;
    if session.server().is_none() {
        let deadline = Instant::now() + RUNNING_WAIT;
        while Instant::now() < deadline {
            let pod = pods.get(name, &Default::default()).await?;
            if pod.status.phase.as_deref() == Some("Running") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    pods.delete(name, &DeleteOptions::default()).await?;
    Ok(())
}
