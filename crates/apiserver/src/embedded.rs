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

/// Adds a node and the usual kube-system pods to a server (namespaces are seeded at start).
pub fn seed_demo_cluster(server: &ApiServer) {
    let _ = server.create(
        "",
        "v1",
        "nodes",
        None,
        json!({"apiVersion":"v1","kind":"Node","metadata":{"name":"control-plane","labels":{"kubernetes.io/hostname":"control-plane","node-role.kubernetes.io/control-plane":""}},"status":{"conditions":[{"type":"Ready","status":"True"}]}}),
    );
    for (name, app) in [
        ("coredns-5d78c9869d-4xkqz", "kube-dns"),
        ("coredns-5d78c9869d-9hbnm", "kube-dns"),
        ("etcd-control-plane", "etcd"),
        ("kube-apiserver-control-plane", "kube-apiserver"),
        ("kube-controller-manager-control-plane", "kube-controller-manager"),
        ("kube-proxy-7xj2p", "kube-proxy"),
        ("kube-scheduler-control-plane", "kube-scheduler"),
    ] {
        let image = format!("registry.k8s.io/{app}:v1.36.2");
        let _ = server.create(
            "",
            "v1",
            "pods",
            Some("kube-system"),
            json!({
                "apiVersion":"v1","kind":"Pod",
                "metadata":{"name":name,"labels":{"k8s-app":app}},
                "spec":{"nodeName":"control-plane","containers":[{"name":app,"image":image}]},
                "status":{"phase":"Running","podIP":"10.244.0.2","conditions":[{"type":"Ready","status":"True"}]}
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
