//! Seed 003 §"日志级别" (example 22): klog's V levels.
//!
//! Logs `V(i)` for i in -3..=5: un-V'd and negative levels always print, `V(n)` prints iff
//! n <= `-v`. Then a fixed-level logger (`klog.V(1)`) logs three numbers, printed only with
//! `-v 1` or more. `--vmodule log_verbosity_levels=N` overrides `-v` for this file.
//! Run: `cargo run --example log_verbosity_levels -- -v 2`

use std::error::Error;

use clientgo::klog::Flags;
use tracing_subscriber::layer::SubscriberExt as _;

/// Installs the klog layer and logs at V levels -3..=5, then three lines at V(1).
pub fn run(args: Vec<String>) -> Result<(), Box<dyn Error>> {
    let (flags, _) = Flags::parse(args)?;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer()?))?;
    for level in -3i64..=5 {
        tracing::info!(v = level, Level = %level, "klog");
    }
    let fixed = 1i64;
    for i in 0..3 {
        tracing::info!(v = fixed, Number = i, "klog");
    }
    tracing::info!("un-V'd info always prints");
    Ok(())
}

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
