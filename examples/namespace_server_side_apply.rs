//! Seed 003 §"Apply": server-side apply of `Namespace test` with field manager `client-go`
//! (`PATCH ...?fieldManager=client-go`, `Content-Type: application/apply-patch+yaml`). Apply creates or
//! updates; applying the same configuration again changes nothing.
//!
//! Run: `cargo run --example namespace_server_side_apply [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::Object;
use clientgo::kubernetes::{Clientset, DeleteOptions, PatchOptions, PatchType};
use clientgo::tools::clientcmd;
use serde_json::json;

/// Applies twice, then once with a label, then deletes.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let ns = Clientset::new(&config)?.core_v1().namespaces();
    let apply = PatchType::apply("client-go");
    let desired = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "test"}});
    let first = ns
        .patch("test", &apply, &desired, &PatchOptions::default())
        .await?;
    writeln!(out, "Apply namespace success: {}", first.name())?;
    let again = ns
        .patch("test", &apply, &desired, &PatchOptions::default())
        .await?;
    writeln!(
        out,
        "Apply again: resourceVersion unchanged = {}",
        again.resource_version() == first.resource_version()
    )?;
    let labelled =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "test", "labels": {"a": "b"}}});
    let changed = ns
        .patch("test", &apply, &labelled, &PatchOptions::default())
        .await?;
    writeln!(out, "Apply with a label: labels {:?}", changed.metadata.labels)?;
    ns.delete("test", &DeleteOptions::default()).await?;
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
