//! Seed 003 §"The four client types", DynamicClient: create, get and list `apps/v1` deployments as
//! untyped JSON (`DynamicObject`), the way CRDs are handled when there is no Rust type.
//!
//! Run: `cargo run --example dynamic_client_unstructured [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::{ApiResource, DynamicObject};
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{DeleteOptions, GetOptions, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;
use serde_json::json;

/// Create, get, list, delete one deployment through the dynamic client.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let dynamic = DynamicClient::new(&config)?;
    let gvr = ApiResource {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Deployment".into(),
        plural: "deployments".into(),
        namespaced: true,
    };
    let deployments = dynamic.resource(&gvr, Some("default"));
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "dynamic-demo"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "dynamic-demo"}},
            "template": {
                "metadata": {"labels": {"app": "dynamic-demo"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.23.2"}]}
            }
        }
    }))?;
    let created = deployments.create(&obj, &WriteOptions::default()).await?;
    writeln!(
        out,
        "created {} (resourceVersion set: {})",
        created.metadata.name.as_deref().unwrap_or(""),
        created.metadata.resource_version.is_some()
    )?;
    let got = deployments.get("dynamic-demo", &GetOptions::default()).await?;
    writeln!(
        out,
        "spec.replicas = {}",
        got.get_path("spec.replicas")
            .map(|v| v.to_string())
            .unwrap_or_default()
    )?;
    let list = deployments.list(&ListOptions::default()).await?;
    for item in &list.items {
        let image = item
            .get_path("spec.template")
            .and_then(|t| t.pointer("/spec/containers/0/image"))
            .and_then(|v| v.as_str())
            .unwrap_or("");
        writeln!(out, "{}\t{}", item.metadata.name.as_deref().unwrap_or(""), image)?;
    }
    deployments
        .delete("dynamic-demo", &DeleteOptions::default())
        .await?;
    writeln!(out, "deleted dynamic-demo")?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &mut out).await;
    print!("{out}");
    result
}
