//! Fidelity check with a real client: kubectl (at /usr/bin/kubectl; .ci/run installs it) against the
//! embedded server, through the kubeconfig the server writes.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use clientgo_apiserver::ApiServer;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const GUARD: Duration = Duration::from_secs(60);

const MULTI: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  namespace: default
data:
  a: \"1\"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

async fn kubectl(kubeconfig: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(
        GUARD,
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(args)
            .output(),
    )
    .await
    .expect("kubectl finishes")
    .expect("kubectl runs (install it: apt-get install kubernetes-client)");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn next_line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(GUARD, lines.next_line())
        .await
        .expect("kubectl prints within the guard")
        .expect("stdout readable")
        .expect("kubectl still running")
}

async fn server() -> ApiServer {
    let s = ApiServer::start().await.unwrap();
    clientgo_apiserver::embedded::seed_demo_cluster(&s);
    s
}

#[tokio::test]
async fn get_namespaces_api_resources_raw_version_and_chunked_lists() {
    let s = server().await;
    let kc = s.kubeconfig_path();
    let (code, out, err) = kubectl(kc, &["get", "ns"]).await;
    assert_eq!(code, 0, "{err}");
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );

    let (code, out, err) = kubectl(kc, &["api-resources"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["configmaps", "cm", "v1", "true", "ConfigMap"]),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["leases", "coordination.k8s.io/v1", "true", "Lease"]),
        "{out}"
    );

    let (code, out, _) = kubectl(kc, &["get", "--raw", "/version"]).await;
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["major"], "1");

    let (code, out, err) = kubectl(
        kc,
        &["get", "pods", "-n", "kube-system", "--chunk-size=2", "-v=6"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 9, "header + 8 pods: {out}");
    let pages = err
        .lines()
        .filter(|l| l.contains("/pods?") && l.contains("limit=2"))
        .count();
    assert_eq!(pages, 4, "8 pods in pages of 2: {err}");
}

#[tokio::test]
async fn apply_twice_then_delete_twice() {
    let s = server().await;
    let kc = s.kubeconfig_path();
    let file = kc.with_file_name("multi.yaml");
    std::fs::write(&file, MULTI).unwrap();
    let f = file.to_str().unwrap();
    let (code, out, err) = kubectl(kc, &["apply", "-f", f]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "configmap/one created\ndeployment.apps/web created\n");
    let (code, out, err) = kubectl(kc, &["apply", "-f", f]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "configmap/one unchanged\ndeployment.apps/web unchanged\n");
    let (code, out, err) = kubectl(kc, &["delete", "-f", f]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "configmap \"one\" deleted\ndeployment.apps \"web\" deleted\n"
    );
    let (code, _, err) = kubectl(kc, &["delete", "-f", f]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("Error from server (NotFound): error when deleting"),
        "{err}"
    );
    assert!(err.contains("configmaps \"one\" not found"), "{err}");
}

#[tokio::test]
async fn server_side_apply_twice_then_delete() {
    let s = server().await;
    let kc = s.kubeconfig_path();
    let file = kc.with_file_name("multi-ssa.yaml");
    std::fs::write(&file, MULTI).unwrap();
    let f = file.to_str().unwrap();
    for _ in 0..2 {
        let (code, out, err) = kubectl(kc, &["apply", "--server-side", "-f", f]).await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            "configmap/one serverside-applied\ndeployment.apps/web serverside-applied\n"
        );
    }
    let cm = s.resource_version();
    let (code, out, _) = kubectl(kc, &["get", "cm", "one", "-o", "json", "--show-managed-fields"]).await;
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["metadata"]["managedFields"][0]["manager"], "kubectl");
    assert_eq!(v["metadata"]["managedFields"][0]["operation"], "Apply");
    assert_eq!(s.resource_version(), cm);
    let (code, out, err) = kubectl(kc, &["delete", "-f", f]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "configmap \"one\" deleted\ndeployment.apps \"web\" deleted\n"
    );
}

#[tokio::test]
async fn get_pods_all_namespaces_watch_prints_live_events() {
    let s = server().await;
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(s.kubeconfig_path())
        .args(["get", "pods", "-A", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("kubectl runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(next_line(&mut lines).await.starts_with("NAMESPACE"));
    for _ in 0..8 {
        assert!(next_line(&mut lines).await.starts_with("kube-system"));
    }
    s.create(
        "",
        "v1",
        "pods",
        Some("default"),
        json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"live-one"},"spec":{"containers":[{"name":"c","image":"i"}]}}),
    )
    .unwrap();
    let line = next_line(&mut lines).await;
    assert!(line.starts_with("default") && line.contains("live-one"), "{line}");
    child.kill().await.unwrap();
}
