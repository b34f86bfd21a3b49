//! Seed 003 §"Does List return everything?", the bulk creator: one producer sends zero-padded names
//! (`test00001`...) to as many workers as there are CPUs, each creating namespaces with the client's
//! QPS/Burst raised to 2×CPU / 4×CPU; AlreadyExists counts as success. Unlike the seed, the counters
//! are atomics (the Go version raced) and workers do not sleep between creates: the client-side rate
//! limiter is what paces them.
//!
//! Run: `cargo run --example namespace_bulk_create [-- --count 30000] [--kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clientgo::api::core::v1::Namespace;
use clientgo::kubernetes::{Clientset, WriteOptions};
use clientgo::tools::clientcmd;

/// The names `prefix + zero-padded(i)` for `start..=stop`, padded to the width of `stop`.
pub fn names(prefix: &str, start: usize, stop: usize) -> impl Iterator<Item = String> + '_ {
    let width = stop.to_string().len();
    (start..=stop).map(move |i| format!("{prefix}{i:0width$}"))
}

/// Creates the namespaces and prints the seed's summary line. Returns (success, failed).
pub async fn run(
    kubeconfig: &Path,
    start: usize,
    stop: usize,
    out: &mut String,
) -> Result<(usize, usize), Box<dyn Error>> {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let mut config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    config.qps = (cpus * 2) as f32;
    config.burst = (cpus * 4) as u32;
    let ns = Clientset::new(&config)?.core_v1().namespaces();
    let success = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    // A rendezvous-sized channel, like the seed's unbuffered Go channel.
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(1);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let begin = Instant::now();
    let mut workers = Vec::with_capacity(cpus);
    for _ in 0..cpus {
        let (ns, rx, success, failed) = (ns.clone(), rx.clone(), success.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some(name) = rx.lock().await.recv().await else {
                    break;
                };
                match ns.create(&Namespace::new(name), &WriteOptions::default()).await {
                    Ok(_) => success.fetch_add(1, Ordering::Relaxed),
                    Err(e) if e.is_already_exists() => success.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for name in names("test", start, stop) {
        tx.send(name).await?;
    }
    drop(tx);
    for w in workers {
        w.await?;
    }
    let (s, f) = (success.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    writeln!(
        out,
        "Create {} namespaces, used {:.2} seconds, success {s}, failed {f}",
        stop + 1 - start,
        begin.elapsed().as_secs_f64()
    )?;
    Ok((s, f))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let count = args
        .windows(2)
        .find(|w| w[0] == "--count")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(50);
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), 1, count, &mut out).await;
    print!("{out}");
    result.map(drop)
}
