//! Seed 003 §5.8 "Import cheat sheet" (L712-740) with the DiscoveryClient of §5.2 (L28): the seed
//! finds a kind's group and version with `kubectl api-resources` (`deployments deploy apps/v1 true
//! Deployment`, `namespaces ns v1 false Namespace`); those columns are what a DiscoveryClient
//! returns. The example prints `kubectl api-versions`, then `kubectl api-resources`: NAME,
//! SHORTNAMES, APIVERSION, NAMESPACED and KIND of every resource at its group's preferred version.
//!
//! Read-only: it creates nothing.
//!
//! Run: `cargo run --example discovery_api_resources [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::discovery::DiscoveryClient;
use clientgo_example::{outln, BoxError, NoArgs, Out, Session};

/// The columns of `kubectl api-resources`.
pub const COLUMNS: [&str; 5] = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];

/// Prints rows aligned in columns three spaces apart, as kubectl's table printer does (the widths
/// come from every row, so the table is printed once it is known).
fn print_table(out: &Out, rows: &[[String; 5]]) {
    let header = COLUMNS.map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        outln!(out, "{}", cells.join("   ").trim_end());
    }
}

/// `kubectl api-versions`, then `kubectl api-resources`.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let discovery = DiscoveryClient::new(session.config())?;

    outln!(out, "api-versions:");
    let mut versions: Vec<String> = discovery
        .server_groups()
        .await?
        .into_iter()
        .flat_map(|g| g.versions.into_iter().map(|v| v.group_version))
        .collect();
    versions.sort();
    for v in &versions {
        outln!(out, "{v}");
    }

    outln!(out, "api-resources:");
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
    print_table(out, &rows);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
