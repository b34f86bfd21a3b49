//! Seed 003 §"Import cheat sheet" (`kubectl api-resources`) and the DiscoveryClient of §"The four
//! client types": prints `api-versions`, then NAME / SHORTNAMES / APIVERSION / NAMESPACED / KIND.
//!
//! Run: `cargo run --example discovery_api_resources [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::discovery::DiscoveryClient;
use clientgo::tools::clientcmd;

/// Prints both tables.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let discovery = DiscoveryClient::new(&config)?;
    let mut versions: Vec<String> = discovery
        .server_groups()
        .await?
        .into_iter()
        .flat_map(|g| g.versions.into_iter().map(|v| v.group_version))
        .collect();
    versions.sort();
    writeln!(out, "api-versions:")?;
    for v in &versions {
        writeln!(out, "{v}")?;
    }
    let mut rows = Vec::new();
    for list in discovery.server_preferred_resources().await? {
        for r in list.resources.iter().filter(|r| !r.is_subresource()) {
            rows.push([
                r.name.clone(),
                r.short_names.join(","),
                list.group_version.clone(),
                r.namespaced.to_string(),
                r.kind.clone(),
            ]);
        }
    }
    rows.sort();
    let header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"].map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    writeln!(out, "api-resources:")?;
    for row in std::iter::once(&header).chain(rows.iter()) {
        let line: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        writeln!(out, "{}", line.join("   ").trim_end())?;
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
