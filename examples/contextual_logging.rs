//! Seed 003 §"上下文日志" (example 21): a named logger with values, carried in a span.
//!
//! Prints `"foo: 0" time="..."`, `"foo: 1" ...`, `"foo: 2" ...`, like klog's
//! `FromContext(ctx).WithName("foo").WithValues("time", time.Now()).Info(i)`.
//! `--interval-ms N` sets the pause between lines (the seed's 1 s by default).
//! Run: `cargo run --example contextual_logging`

use std::error::Error;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clientgo::klog::{self, Flags};
use tracing_subscriber::layer::SubscriberExt as _;

/// Installs the klog layer and logs three lines through a `foo` logger.
pub fn run(args: Vec<String>) -> Result<(), Box<dyn Error>> {
    let (flags, rest) = Flags::parse(args)?;
    let interval_ms: u64 = match rest.iter().position(|a| a == "--interval-ms") {
        Some(i) => rest.get(i + 1).ok_or("--interval-ms needs a value")?.parse()?,
        None => 1000,
    };
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer()?))?;
    for i in 0..3 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
        let time = klog::format::rfc3339_micros(UNIX_EPOCH + now);
        let logger = klog::logger_span!("foo", time = %time);
        logger.in_scope(|| tracing::info!("{i}"));
        if i < 2 {
            std::thread::sleep(Duration::from_millis(interval_ms));
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
