//! Seed 003 §5.15.3 "Structured logging" (L2095-2285): klog's structured logging, `InfoS` and `ErrorS`.
//!
//! A structured line is `"message" key1=value1 key2=value2`: the message quoted, strings quoted
//! (`method="GET"`, and a duration through its `String()`: `latency="1s"`), anything else bare as
//! Go's `%+v` prints it (`status=Running`, a struct dump `request=Request { .. }`). The seed's
//! lines, in order:
//! - `InfoS` with key/values, a struct logged through its `String()` (`request="GET"`) and one
//!   dumped without it;
//! - from the cluster: the server's version, the first pod of `kube-system` as `klog.KObj` gives it
//!   (`pod="kube-system/NAME" status=Running`), and the first namespace through `klog.KRef` and by
//!   its name (the same `namespace="default"` twice);
//! - `ErrorS(err, msg)`: `"Failed to update pod status" err="timeout"`.
//!
//! How Rust values map (see `clientgo::klog::entry`): a value recorded as a string is quoted, one
//! recorded with `%` or `?` is bare, so what klog quotes through `String()` is logged as a string
//! here (`kobj(&pod).to_string()`, the duration in Go's words).
//!
//! The cluster part only reads (`kube-system`'s pods, the namespaces): nothing is created.
//!
//! Run: `cargo run --example structured_logging [-- --kubeconfig PATH]`

use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object as _;
use clientgo::klog::{self, kobj, kref, KlogLayer, Verbosity};
use clientgo::kubernetes::ListOptions;
use clientgo::rest::go_duration;
use clientgo_example::{BoxError, NoArgs, Session};
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};

/// The seed's request: `String()` gives its method, which is what klog logs when it has one.
#[derive(Debug)]
pub struct Request {
    /// The HTTP method.
    pub method: &'static str,
    /// Seconds.
    pub timeout: u32,
    /// Not shown by `String()`; a dump shows it.
    pub secret: &'static str,
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method)
    }
}

/// klog's text on stderr at the default `-v 0`, for the client's events only (the embedded server
/// runs in the same process).
///
/// # Errors
/// When a global subscriber is already installed.
pub fn install_logging() -> Result<(), BoxError> {
    let layer = KlogLayer::stderr(Verbosity::new(0)).with_filter(klog::client_only(module_path!()));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    Ok(())
}

/// Logs the seed's `InfoS` lines, then what the cluster says, then the `ErrorS` line.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let latency = go_duration::format(Duration::from_secs(1));
    tracing::info!(method = "GET", URL = "/metrics", latency, "Received HTTP request");
    let request = Request {
        method: "GET",
        timeout: 30,
        secret: "pony",
    };
    tracing::info!(request = request.to_string(), "Request finished");
    tracing::info!(request = ?request, "Request finished");

    let clientset = session.clientset();
    let info = clientset.discovery().server_version().await?;
    tracing::info!(
        version = info.git_version.as_str(),
        platform = info.platform.as_str(),
        goVersion = info.go_version.as_str(),
        "Kubernetes server info"
    );
    let pods = clientset
        .core_v1()
        .pods("kube-system")
        .list(&ListOptions::default())
        .await?;
    match pods.items.first() {
        Some(pod) => log_pod(pod),
        None => tracing::info!("No pod in kube-system"),
    }
    let namespaces = clientset
        .core_v1()
        .namespaces()
        .list(&ListOptions::default())
        .await?;
    if let Some(ns) = namespaces.items.first() {
        tracing::info!(namespace = kref("", ns.name()).to_string(), "Random namespace");
        tracing::info!(namespace = ns.name(), "Random namespace");
    }

    let err = std::io::Error::other("timeout");
    tracing::error!(
        error = &err as &dyn std::error::Error,
        "Failed to update pod status"
    );
    Ok(())
}

/// The seed's `klog.InfoS("Random pod", "pod", klog.KObj(&pod), "status", pod.Status.Phase)`: the
/// reference quoted (klog quotes an `ObjectRef` through its `String()`), the phase bare (a
/// `PodPhase` has no `String()`).
fn log_pod(pod: &Pod) {
    let phase = pod.status.phase.as_deref().unwrap_or("");
    tracing::info!(pod = kobj(pod).to_string(), status = %phase, "Random pod");
}

#[tokio::main]
async fn main() -> ExitCode {
    let (session, args) = match Session::from_args::<NoArgs>(env!("CARGO_CRATE_NAME")).await {
        Ok(started) => started,
        Err(code) => return code,
    };
    if let Err(e) = install_logging() {
        return clientgo_example::report(e.as_ref());
    }
    session.run(run(&session, &args)).await
}
