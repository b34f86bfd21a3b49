//! Seed 003 §"Patch": a JSON Patch (RFC 6902) adds label `a=c`, then a merge patch (RFC 7386) sets
//! `a=f`, each with its content type; patching a missing name fails with NotFound.
//!
//! Run: `cargo run --example namespace_patch [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Namespace;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{Clientset, DeleteOptions, PatchOptions, PatchType, WriteOptions};
use clientgo::tools::clientcmd;
use serde_json::json;

/// Creates `test` if needed, patches it twice, deletes it.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let ns = Clientset::new(&config)?.core_v1().namespaces();
    if let Err(e) = ns.create(&Namespace::new("test"), &WriteOptions::default()).await {
        if !e.is_already_exists() {
            return Err(e.into());
        }
    }
    let json_patch = json!([{"op": "add", "path": "/metadata/labels/a", "value": "c"}]);
    let n = ns
        .patch("test", &PatchType::Json, &json_patch, &PatchOptions::default())
        .await?;
    writeln!(
        out,
        "Patch namespace success: {} (JSON patch), labels {:?}",
        n.name(),
        n.metadata.labels
    )?;
    let merge = json!({"metadata": {"labels": {"a": "f"}}});
    let n = ns
        .patch("test", &PatchType::Merge, &merge, &PatchOptions::default())
        .await?;
    writeln!(
        out,
        "Patch namespace success: {} (merge patch), labels {:?}",
        n.name(),
        n.metadata.labels
    )?;
    match ns
        .patch(
            "does-not-exist",
            &PatchType::Merge,
            &merge,
            &PatchOptions::default(),
        )
        .await
    {
        Err(e) if e.is_not_found() => writeln!(out, "patch of a missing namespace: NotFound: {e}")?,
        other => writeln!(out, "unexpected: {:?}", other.map(|n| n.name().to_owned()))?,
    }
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
