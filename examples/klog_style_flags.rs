//! Seed 003 §"日志设置 / 命令行参数" (example 19): klog's flags and its four severities.
//!
//! Prints `I... Info`, `W... Warning`, `E... Error`, then `F... Fatal` and exits with status 255
//! (the line after the fatal one never prints). `-h` lists the logging flags.
//! Run: `cargo run --example klog_style_flags [-- -v 2 --log-format json]`

use std::error::Error;

use clientgo::klog::{self, Flags};
use tracing_subscriber::layer::SubscriberExt as _;

/// Parses the flags, installs the klog layer and logs one line per severity, ending with Fatal.
pub fn run(args: Vec<String>) -> Result<(), Box<dyn Error>> {
    let (flags, rest) = Flags::parse(args)?;
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        println!("Usage of klog_style_flags:\n{}", klog::flags::USAGE);
        return Ok(());
    }
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer()?))?;
    tracing::info!("Info");
    tracing::warn!("Warning");
    tracing::error!("Error");
    klog::fatal!("Fatal");
}

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
