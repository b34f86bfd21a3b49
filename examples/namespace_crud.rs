//! Seed 003 §"Basic CRUD on Namespaces": list, get, create, update (full replace without
//! resourceVersion), delete, with `is_not_found` / `is_already_exists` like client-go's `errors.IsXxx`.
//!
//! Run: `cargo run --example namespace_crud [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Namespace;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{Clientset, DeleteOptions, GetOptions, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;

/// The five blocks of the seed, printing what its Go program logs.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let ns = Clientset::new(&config)?.core_v1().namespaces();

    for n in ns.list(&ListOptions::default()).await?.items {
        writeln!(out, "{}", n.name())?;
    }
    match ns.get("kube-system", &GetOptions::default()).await {
        Ok(n) => writeln!(out, "{}: true", n.name())?,
        Err(e) if e.is_not_found() => writeln!(out, "kube-system: false")?,
        Err(e) => return Err(e.into()),
    }
    match ns.create(&Namespace::new("test"), &WriteOptions::default()).await {
        Ok(n) => writeln!(out, "{}: ok", n.name())?,
        Err(e) if e.is_already_exists() => writeln!(out, "test: already exists")?,
        Err(e) => return Err(e.into()),
    }
    let mut labelled = Namespace::new("test");
    labelled.metadata.labels.insert("a", "b");
    let updated = ns.update("test", &labelled, &WriteOptions::default()).await?;
    writeln!(
        out,
        "{}: ok, labels {:?}",
        updated.name(),
        updated.metadata.labels
    )?;
    match ns.delete("test", &DeleteOptions::default()).await {
        Ok(()) => writeln!(out, "test: deleted")?,
        Err(e) if e.is_not_found() => writeln!(out, "test: already deleted")?,
        Err(e) => return Err(e.into()),
    }
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
