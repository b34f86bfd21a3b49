//! Seed 003 §"Watch with selectors": label selectors (`app=pod-1,id=1`: AND of equalities; `app,id`:
//! existence) and field selectors (`metadata.name=pod-1`) are sent with the watch and applied by the
//! server; `watch_all_namespaces` is the same with namespace `""`.
//!
//! Run: `cargo run --example watch_selectors [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{Clientset, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;
use futures_util::StreamExt as _;

/// For each selector, watches from the start of `namespace`'s history (the list's version before
/// the three pods were created) and prints the names it matched.
pub async fn run(
    kubeconfig: &Path,
    namespace: &str,
    out: &mut String,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let pods = cs.core_v1().pods(namespace);
    let rv = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    for i in 1..=3 {
        let mut labels = serde_json::json!({"app": format!("pod-{i}")});
        if i != 3 {
            labels["id"] = i.to_string().into();
        }
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("pod-{i}"), "labels": labels},
            "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
        }))?;
        pods.create(&pod, &WriteOptions::default()).await?;
    }
    let cases = [
        (
            "labels app=pod-1,id=1",
            ListOptions::default().labels("app=pod-1,id=1"),
        ),
        ("labels app,id", ListOptions::default().labels("app,id")),
        (
            "fields metadata.name=pod-2",
            ListOptions::default().fields("metadata.name=pod-2"),
        ),
    ];
    for (label, opts) in cases {
        let opts = opts.resource_version(rv.clone()).timeout_seconds(1);
        let mut names = Vec::new();
        let mut events = pods.watch(&opts).await?.boxed();
        while let Some(ev) = events.next().await {
            if let WatchEvent::Added(p) = ev? {
                names.push(p.name().to_owned());
            }
        }
        writeln!(out, "{label}: {}", names.join(", "))?;
    }
    let all = cs.core_v1().pods("");
    let mut events = all
        .watch(&ListOptions::default().timeout_seconds(1))
        .await?
        .boxed();
    let mut rows = Vec::new();
    while let Some(ev) = events.next().await {
        if let WatchEvent::Added(p) = ev? {
            rows.push(format!("{:<12} {}", p.namespace().unwrap_or(""), p.name()));
        }
    }
    rows.sort();
    writeln!(out, "all namespaces ({} pods):", rows.len())?;
    for r in rows {
        writeln!(out, "  {r}")?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), "default", &mut out).await;
    print!("{out}");
    result
}
