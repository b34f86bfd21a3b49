//! Seed 003 §"Read YAML and Create a Deployment", extended to what §5.14 wanted: every document of a
//! multi-document YAML file is decoded (here a Service and the seed's Deployment), the namespace
//! defaults to `default`, and each object is created, reporting created / already exists / failed.
//!
//! Run: `cargo run --example yaml_create_deployment [-- -f demo.yaml] [--kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::apps::v1::Deployment;
use clientgo::api::core::v1::Service;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{Clientset, WriteOptions};
use clientgo::rest::Error as RestError;
use clientgo::tools::clientcmd;
use serde::Deserialize;

/// The seed's demo.yaml: a Service, then the Deployment (namespace left out on purpose).
pub const DEMO_YAML: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector:
    app: web
  type: ClusterIP
  ports:
  - name: http
    protocol: TCP
    port: 80
    targetPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels:
    a: b
  # namespace: default
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.23.2
        command: ['nginx', '-g', 'daemon off;']
      - name: busybox
        image: busybox:1.28
        command: ['sh', '-c', 'echo The app is running! && sleep 3600']
"#;

fn report(out: &mut String, what: &str, r: Result<(), RestError>) -> std::fmt::Result {
    match r {
        Ok(()) => writeln!(out, "{what} created"),
        Err(e) if e.is_already_exists() => writeln!(out, "{what} already exists"),
        Err(e) => writeln!(out, "{what} create failed: {e}"),
    }
}

/// Decodes every document and creates it.
pub async fn run(kubeconfig: &Path, yaml: &str, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    for (i, doc) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        // YAML goes through a JSON value first (the API types keep raw JSON for deep fields).
        let value = serde_json::Value::deserialize(doc).map_err(|e| format!("document {}: {e}", i + 1))?;
        if value.is_null() {
            continue;
        }
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_owned();
        match kind.as_str() {
            "Deployment" => {
                let mut d: Deployment = serde_json::from_value(value)?;
                let ns = d.namespace().unwrap_or("default").to_owned();
                d.metadata.namespace = Some(ns.as_str().into());
                let what = format!("deployment.apps/{}", d.name());
                let r = cs
                    .apps_v1()
                    .deployments(&ns)
                    .create(&d, &WriteOptions::default())
                    .await
                    .map(drop);
                report(out, &what, r)?;
            }
            "Service" => {
                let mut s: Service = serde_json::from_value(value)?;
                let ns = s.namespace().unwrap_or("default").to_owned();
                s.metadata.namespace = Some(ns.as_str().into());
                let what = format!("service/{}", s.name());
                let r = cs
                    .core_v1()
                    .services(&ns)
                    .create(&s, &WriteOptions::default())
                    .await
                    .map(drop);
                report(out, &what, r)?;
            }
            other => writeln!(out, "document {}: unknown kind {other:?}, skipped", i + 1)?,
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let yaml = match args.windows(2).find(|w| w[0] == "-f") {
        Some(w) => std::fs::read_to_string(&w[1])?,
        None => DEMO_YAML.to_owned(),
    };
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &yaml, &mut out).await;
    print!("{out}");
    result
}
