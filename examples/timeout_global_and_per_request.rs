//! Seed 003 §"Timeouts", experiments T4 and T5: a global `Config::timeout` adds `?timeout=30s` to every
//! URL and bounds the call; a per-request deadline bounds one call without telling the server.
//!
//! Uses the embedded API server with its "stall" fault (headers then nothing) standing in for the
//! seed's sleeping handler, or your cluster with `--kubeconfig` (where nothing stalls). `--global SECS`
//! (default 30) and `--per-request SECS` (default 5) scale the experiment.
//! Run: `cargo run --example timeout_global_and_per_request`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::tools::clientcmd;

/// T4 then T5. `stall` is called before each call so the server hangs on it.
pub async fn run(
    kubeconfig: &Path,
    global: Duration,
    per_request: Duration,
    stall: impl Fn(),
    out: &mut String,
) -> Result<(), Box<dyn Error>> {
    let mut config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    config.timeout = Some(global);
    let clientset = Clientset::new(&config)?;
    stall();
    let start = Instant::now();
    let r = clientset.server_version().await;
    writeln!(out, "Used {:.2} seconds", start.elapsed().as_secs_f64())?;
    if let Err(e) = r {
        writeln!(out, "Error: {e}")?;
    }

    config.timeout = None;
    let clientset = Clientset::new(&config)?;
    stall();
    let start = Instant::now();
    let namespaces = clientset.core_v1().namespaces();
    let r = namespaces
        .rest_client()
        .get()
        .resource("namespaces")
        .deadline(per_request)
        .do_raw()
        .await;
    writeln!(out, "Used {:.2} seconds", start.elapsed().as_secs_f64())?;
    if let Err(e) = r {
        writeln!(out, "Error: {e}")?;
    }
    // The typed list honours the same kind of deadline when wrapped by the caller:
    let r = tokio::time::timeout(per_request, namespaces.list(&ListOptions::default())).await;
    writeln!(out, "typed list within the deadline: {}", r.is_ok())?;
    Ok(())
}

fn flag(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let global = Duration::from_secs_f64(flag("--global", 30.0));
    let per_request = Duration::from_secs_f64(flag("--per-request", 5.0));
    let mut out = String::new();
    let stall = || {
        if let Some(s) = target.server() {
            s.faults().stall_next_requests(1);
        }
    };
    let result = run(target.kubeconfig_path(), global, per_request, stall, &mut out).await;
    print!("{out}");
    result
}
