//! Seed 003 §5.15.4 "Contextual logging" (L2289-2326): contextual logging, a named logger with values.
//!
//! The seed takes a logger from the context, names it (`WithName("foo")`) and, each second, adds the
//! current time (`WithValues("time", time.Now())`) and logs the loop counter: three lines one second
//! apart, `"foo: 0" time="..."`, `"foo: 1" ...`, `"foo: 2" ...`. A logger's lines are structured, so
//! the message is quoted even without key/values of its own, and the name comes before it.
//!
//! Here the logger is a span (`logger_span!("foo")`), values are a span inside it
//! (`with_values!(time = ...)`); every event in them gets both, the library's too.
//!
//! Run: `cargo run --example contextual_logging [-- --interval-ms 200]`

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Parser as _;
use clientgo::klog::{self, KlogLayer, Verbosity};
use clientgo_example::BoxError;
use tracing_subscriber::layer::SubscriberExt as _;

/// A named logger with values: three lines one interval apart.
#[derive(Debug, clap::Parser)]
#[command(name = "contextual_logging")]
pub struct Cli {
    /// The pause between the lines, in milliseconds (the seed's one second by default).
    #[arg(long, default_value_t = 1000)]
    pub interval_ms: u64,
}

/// klog's text on stderr at the default `-v 0`.
///
/// # Errors
/// When a global subscriber is already installed.
pub fn install_logging() -> Result<(), BoxError> {
    let layer = KlogLayer::stderr(Verbosity::new(0));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    Ok(())
}

/// Logs `0`, `1`, `2` through the `foo` logger, each with the time it was logged at.
pub fn run(cli: &Cli) {
    let logger = klog::logger_span!("foo");
    let _in_logger = logger.enter();
    for i in 0..3 {
        let now = klog::format::rfc3339_micros(SystemTime::now());
        klog::with_values!(time = now.as_str()).in_scope(|| tracing::info!("{i}"));
        if i < 2 {
            std::thread::sleep(Duration::from_millis(cli.interval_ms));
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match install_logging() {
        Ok(()) => {
            run(&cli);
            ExitCode::SUCCESS
        }
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
