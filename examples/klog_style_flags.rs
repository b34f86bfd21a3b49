//! Seed 003 §5.15.2 "Command-line flags" (L2016-2091): klog's command-line flags and its four severities.
//!
//! The seed calls `klog.InitFlags(nil)` and `flag.Parse()`, then `klog.Info("Info")`,
//! `klog.Warning("Warning")`, `klog.Error("Error")` and `klog.Fatal("Fatal")`: four lines whose first
//! letter is the severity (`I1223 12:30:38.017340   11656 main.go:16] Info`), printf-style so the
//! message is not quoted; Fatal exits with status 255 and the line after it never prints. `-h` lists
//! klog's thirteen flags with their defaults (`-logtostderr` true, `-log_file_max_size` 1800,
//! `-stderrthreshold` 2, ...), and they work: `-v 2`, `-skip_headers`, `-add_dir_header`,
//! `-logtostderr=false -log_file PATH`, ...
//!
//! klog's flags are Go's single-dash flags (`-log_file x`, `-v=2`), which clap cannot parse, so
//! `Flags::parse` takes them out first (as Go's `flag` package would); clap parses what is left
//! (nothing: the example has no options of its own) and shows klog's listing in `-h`.
//!
//! Run: `cargo run --example klog_style_flags [-- -skip_headers | -h]`

use std::process::ExitCode;

use clap::Parser as _;
use clientgo::klog::{self, Flags};
use clientgo_example::BoxError;
use tracing_subscriber::layer::SubscriberExt as _;

const NAME: &str = "klog_style_flags";

/// No options of the example's own; `-h` shows klog's.
#[derive(Debug, clap::Parser)]
#[command(name = NAME, after_help = Flags::usage(NAME))]
struct Cli {}

/// Parses klog's flags out of `argv` (the program's name first), installs klog's output as they
/// select, and logs one line per severity, ending with Fatal (which exits with status 255).
pub fn run(argv: &[String]) -> Result<(), BoxError> {
    let (flags, rest) = Flags::parse(argv.iter().skip(1).cloned())?;
    Cli::parse_from(argv.iter().take(1).chain(&rest));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer(NAME)?))?;
    tracing::info!("Info");
    tracing::warn!("Warning");
    tracing::error!("Error");
    klog::fatal!("Fatal");
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    match run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
