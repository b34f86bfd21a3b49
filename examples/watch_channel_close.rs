//! Seed 003 §5.17(1) "Why the watch channel closes" (L3077-3129): a watch's event stream ends
//! (Go: `ResultChan` is closed) when (1) the server ends it after the request's `timeoutSeconds`;
//! (2) the connection between client and server breaks (the seed powered a node off: the channel
//! closed 10 s after the last event); (3) the client stops it (`Stop`); (4) without
//! `timeoutSeconds`, the server ends it on its own after a while: kube-apiserver gives each such
//! watch a random timeout between its `--min-request-timeout` (1800 s by default) and twice that,
//! 30 to 60 minutes, which is the seed's "about 30 minutes" (its runs closed after 39m31s and
//! 30m10s). A program that must keep watching needs a RetryWatcher or an informer.
//!
//! Each cause is shown on a watch of the example's own namespace, which holds `pod-0` (so each
//! watch opens with its ADDED), with the time the stream took to end. The broken connection needs
//! the embedded server (it cuts the connection on purpose); on a real cluster that part is skipped.
//! The server's own limit takes half an hour or more, so it is waited for only with
//! `--wait-for-server-close`; the embedded server's is a fixed 1800 s (its default watch timeout,
//! without the random spread).
//!
//! Run: `cargo run --example watch_channel_close [-- --kubeconfig PATH] [--timeout-seconds N] [--wait-for-server-close] [--no-activity]`

use std::process::ExitCode;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::kubernetes::{ListOptions, ResourceClient};
use clientgo::rest::ErrorReport;
use clientgo::tools::cache::ListWatch;
use clientgo::tools::watch::RetryWatcher;
use clientgo_example::{outln, BoxError, Session};
use futures_util::StreamExt as _;
use tokio::time::Instant;

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)] // Only `describe`, `HEADER` and `start_pod` are used here.
mod watch_pods_basic;
#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_pods_basic::{describe, HEADER};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The `timeoutSeconds` of the first watch, which the server ends after that long.
    #[arg(long, default_value_t = 3)]
    pub timeout_seconds: i64,
    /// Also open a watch without `timeoutSeconds` and wait until the server ends it on its own
    /// (30 to 60 minutes on kube-apiserver, 30 on the embedded server).
    #[arg(long)]
    pub wait_for_server_close: bool,
}

/// A duration as the seed's `time` printed it: `39m31s`, or `3.0s` under a minute.
fn elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Prints the events of a plain watch with `opts` until its stream ends, then how long it took;
/// a broken connection is printed as the error it is.
async fn watch_until_closed(
    session: &Session,
    pods: &ResourceClient<Pod>,
    opts: &ListOptions,
) -> Result<(), BoxError> {
    let out = session.out();
    let started = Instant::now();
    outln!(out, "{HEADER}");
    let mut events = pods.watch(opts).await?.boxed();
    while let Some(ev) = events.next().await {
        match ev {
            Ok(ev) => outln!(out, "{}", describe(&ev)),
            Err(e) => outln!(out, "Error: {}", ErrorReport::new(&e)),
        }
    }
    outln!(out, "Channel closed after {}", elapsed(started.elapsed()));
    Ok(())
}

/// (1) The server ends the watch after `timeoutSeconds`.
async fn server_timeout(session: &Session, pods: &ResourceClient<Pod>, args: &Args) -> Result<(), BoxError> {
    outln!(
        session.out(),
        "1. the server ends the watch after timeoutSeconds={}",
        args.timeout_seconds
    );
    let opts = ListOptions::default().timeout_seconds(args.timeout_seconds);
    watch_until_closed(session, pods, &opts).await
}

/// (2) The connection breaks: the embedded server cuts it after the first event.
async fn connection_drop(session: &Session, pods: &ResourceClient<Pod>) -> Result<(), BoxError> {
    let out = session.out();
    let Some(server) = session.server() else {
        outln!(
            out,
            "2. the connection breaks: cannot be caused from here on a real cluster (the seed powered a node off); skipped"
        );
        return Ok(());
    };
    outln!(
        out,
        "2. the connection breaks (the embedded server cuts it after one event)"
    );
    server.faults().close_watches_after_events(Some(1));
    server.faults().cut_watches(true);
    let shown = watch_until_closed(session, pods, &ListOptions::default()).await;
    server.faults().cut_watches(false);
    server.faults().close_watches_after_events(None);
    shown
}

/// (3) The client stops the watch: a RetryWatcher, stopped after its first event (or after
/// `timeoutSeconds` without one), ends and does not watch again.
async fn client_stop(session: &Session, pods: &ResourceClient<Pod>, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    outln!(
        out,
        "3. the client stops the watch (a RetryWatcher's stop, after the first event)"
    );
    let from = watch_support::current_resource_version(pods).await?;
    let mut watcher = RetryWatcher::new(&from, ListWatch::new(pods.clone()))?;
    let started = Instant::now();
    outln!(out, "{HEADER}");
    if session.activity() {
        clientgo_example::pods::start_pod(session, pods, "pod-1").await?;
    } else {
        let ns = pods.namespace().unwrap_or_default();
        outln!(
            out,
            "waiting {}s for a pod event; cause one with: kubectl -n {ns} run pod-1 --image=busybox -- sleep 3600",
            args.timeout_seconds
        );
    }
    let patience = tokio::time::sleep(Duration::from_secs(args.timeout_seconds.unsigned_abs()));
    let mut patience = std::pin::pin!(patience);
    loop {
        tokio::select! {
            ev = watcher.next() => {
                let Some(ev) = ev else { break };
                outln!(out, "{}", describe(&ev));
                watcher.stop();
            }
            () = &mut patience => watcher.stop(),
        }
    }
    outln!(
        out,
        "Channel closed after {}: stopped by the client, it does not watch again",
        elapsed(started.elapsed())
    );
    Ok(())
}

/// (4) Without `timeoutSeconds`, the server's own limit; waited for only when asked.
async fn server_limit(session: &Session, pods: &ResourceClient<Pod>, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    outln!(
        out,
        "4. without timeoutSeconds the server ends a watch on its own: kube-apiserver after a random time between its --min-request-timeout (1800s by default) and twice that, 30 to 60 minutes; the embedded server after a fixed 1800s"
    );
    if !args.wait_for_server_close {
        outln!(out, "   (run with --wait-for-server-close to wait for it)");
        return Ok(());
    }
    watch_until_closed(session, pods, &ListOptions::default()).await
}

/// Shows the causes one after the other.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    if session.activity() {
        clientgo_example::pods::start_pod(session, &pods, "pod-0").await?;
    } else {
        outln!(session.out(), "the watches show the pods of namespace {ns}; create some with: kubectl -n {ns} run pod-0 --image=busybox -- sleep 3600");
    }
    server_timeout(session, &pods, args).await?;
    connection_drop(session, &pods).await?;
    client_stop(session, &pods, args).await?;
    server_limit(session, &pods, args).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
