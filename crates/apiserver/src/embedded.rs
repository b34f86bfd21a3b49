//! The examples' shared entry point: use the cluster the user names, or start the embedded server.
//!
//! Every example that needs a cluster starts with [`cluster_from_args`]: when `--kubeconfig PATH` (or
//! `KUBECONFIG`) is given, that kubeconfig is used; otherwise the embedded API server starts, seeded
//! like a fresh kind cluster (namespaces default, kube-system, kube-public, kube-node-lease, one node
//! and the control-plane pods in kube-system) so the seed documents' outputs look familiar, and one
//! line says so.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::server::{ApiServer, StartError};

/// Where an example's requests go.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClusterTarget {
    /// A real cluster, through the user's kubeconfig.
    External {
        /// The kubeconfig path.
        kubeconfig: PathBuf,
    },
    /// The embedded server, running until this value is dropped.
    Embedded(ApiServer),
}

impl ClusterTarget {
    /// The kubeconfig to load.
    pub fn kubeconfig_path(&self) -> &Path {
        match self {
            ClusterTarget::External { kubeconfig } => kubeconfig,
            ClusterTarget::Embedded(s) => s.kubeconfig_path(),
        }
    }

    /// The embedded server, when one was started.
    pub fn server(&self) -> Option<&ApiServer> {
        match self {
            ClusterTarget::Embedded(s) => Some(s),
            ClusterTarget::External { .. } => None,
        }
    }
}

/// The `--kubeconfig` argument (`--kubeconfig PATH` or `--kubeconfig=PATH`), else `KUBECONFIG`.
pub fn kubeconfig_from_args() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--kubeconfig" {
            return args.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--kubeconfig=") {
            return Some(PathBuf::from(p));
        }
    }
    std::env::var_os("KUBECONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Uses `--kubeconfig`/`KUBECONFIG` when given, otherwise starts the seeded embedded server and prints
/// one line saying so.
///
/// # Errors
/// [`StartError`] when the embedded server cannot start.
pub async fn cluster_from_args() -> Result<ClusterTarget, StartError> {
    if let Some(kubeconfig) = kubeconfig_from_args() {
        return Ok(ClusterTarget::External { kubeconfig });
    }
    let server = ApiServer::start().await?;
    seed_demo_cluster(&server);
    println!(
        "no --kubeconfig or KUBECONFIG given: using the embedded API server at {} (kubeconfig {})",
        server.url(),
        server.kubeconfig_path().display()
    );
    Ok(ClusterTarget::Embedded(server))
}

/// The demo node's address: pods on the host network report it as their own IP.
pub const DEMO_NODE_IP: &str = "172.18.0.2";

/// Adds a node and the usual kube-system pods to a server (namespaces are seeded at start), as a
/// fresh single-node kind cluster has them: the control-plane components, kube-proxy and kindnet run
/// on the host network (their pod IP is the node's IP), coredns gets pod IPs from the node's range;
/// the static control-plane pods carry `component` and `tier=control-plane` labels.
pub fn seed_demo_cluster(server: &ApiServer) {
    let _ = server.create(
        "",
        "v1",
        "nodes",
        None,
        json!({"apiVersion":"v1","kind":"Node","metadata":{"name":"control-plane","labels":{"kubernetes.io/hostname":"control-plane","node-role.kubernetes.io/control-plane":""}},
               "spec":{"podCIDR":"10.244.0.0/24"},
               "status":{"addresses":[{"type":"InternalIP","address":DEMO_NODE_IP},{"type":"Hostname","address":"control-plane"}],
                         "conditions":[{"type":"Ready","status":"True"}]}}),
    );
    let control_plane = |component: &str| json!({"component": component, "tier": "control-plane"});
    let pods = [
        (
            "coredns-5d78c9869d-4xkqz",
            json!({"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"}),
            "coredns",
            Some("10.244.0.2"),
        ),
        (
            "coredns-5d78c9869d-9hbnm",
            json!({"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"}),
            "coredns",
            Some("10.244.0.3"),
        ),
        ("etcd-control-plane", control_plane("etcd"), "etcd", None),
        (
            "kindnet-4hxqp",
            json!({"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}),
            "kindnet-cni",
            None,
        ),
        (
            "kube-apiserver-control-plane",
            control_plane("kube-apiserver"),
            "kube-apiserver",
            None,
        ),
        (
            "kube-controller-manager-control-plane",
            control_plane("kube-controller-manager"),
            "kube-controller-manager",
            None,
        ),
        (
            "kube-proxy-7xj2p",
            json!({"k8s-app": "kube-proxy"}),
            "kube-proxy",
            None,
        ),
        (
            "kube-scheduler-control-plane",
            control_plane("kube-scheduler"),
            "kube-scheduler",
            None,
        ),
    ];
    for (name, labels, container, pod_ip) in pods {
        let image = format!("registry.k8s.io/{container}:v1.36.2");
        let mut spec = json!({"nodeName":"control-plane","containers":[{"name":container,"image":image}]});
        if pod_ip.is_none() {
            spec["hostNetwork"] = json!(true);
        }
        let pod_ip = pod_ip.unwrap_or(DEMO_NODE_IP);
        let _ = server.create(
            "",
            "v1",
            "pods",
            Some("kube-system"),
            json!({
                "apiVersion":"v1","kind":"Pod",
                "metadata":{"name":name,"labels":labels},
                "spec":spec,
                "status":{"phase":"Running","hostIP":DEMO_NODE_IP,"hostIPs":[{"ip":DEMO_NODE_IP}],
                          "podIP":pod_ip,"podIPs":[{"ip":pod_ip}],
                          "conditions":[{"type":"Ready","status":"True"}]}
            }),
        );
    }
}

/// Waits for Ctrl-C (examples and the binary serve until then).
///
/// # Errors
/// When the signal handler cannot be installed.
pub async fn wait_for_ctrl_c() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
