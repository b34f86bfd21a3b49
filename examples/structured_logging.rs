//! Seed 003 §"结构化日志" (example 20): klog's structured key/values.
//!
//! Strings are quoted, numbers and booleans bare, durations as `"1s"`, a type with `Display`
//! logs through it, errors as `err="..."`, and object references through `kobj`/`kref`.
//! The seed read a pod from a live cluster; this builds one so the output is reproducible.
//! Run: `cargo run --example structured_logging`

use std::error::Error;
use std::fmt;
use std::time::Duration;

use clientgo::apimachinery::DynamicObject;
use clientgo::klog::{kobj, kref, Flags};
use tracing_subscriber::layer::SubscriberExt as _;

/// A request with a `Display` (klog's `String()`), which is what gets logged with `%`.
#[derive(Debug)]
pub struct Request {
    /// The HTTP method.
    pub method: &'static str,
    /// Seconds.
    pub timeout: u32,
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method)
    }
}

/// Installs the klog layer and logs the seed's structured lines.
pub fn run(args: Vec<String>) -> Result<(), Box<dyn Error>> {
    let (flags, _) = Flags::parse(args)?;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer()?))?;
    let latency = Duration::from_secs(1);
    tracing::info!(method = "GET", URL = "/metrics", latency = ?latency, "Received HTTP request");
    let req = Request {
        method: "GET",
        timeout: 30,
    };
    tracing::info!(request = %req, "Display value");
    tracing::info!(request = ?req, "Debug value (the seed advises against dumping structs)");
    let pod: DynamicObject = serde_json::from_str(
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"calico-kube-controllers-798cc86c47-fh6mz","namespace":"kube-system"}}"#,
    )?;
    tracing::info!(pod = %kobj(&pod), status = "Running", "Pod status updated");
    tracing::info!(namespace = %kref("", "default"), "Namespace info");
    let err = std::io::Error::other("timeout");
    tracing::error!(error = &err as &dyn Error, "Failed to update pod status");
    Ok(())
}

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
