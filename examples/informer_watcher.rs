//! client-go `tools/watch` `NewIndexerInformerWatcher`: a watch served by an informer. The
//! informer lists (what exists arrives as ADDED), watches, and relists when the server has
//! forgotten the watch's resourceVersion (410 Gone), so the stream of events goes on where a plain
//! watch would end; its store answers reads on the side.
//!
//! The example works in its own namespace: it starts `pod-0` before the watcher (so the first list
//! finds it), then starts and deletes `pod-1` while reading the events, and stops the watcher once
//! `pod-1` is gone. On the embedded server, which runs no kubelet, the example marks each pod
//! Running itself; on a real cluster the kubelet does (with more MODIFIED events). With
//! `--no-activity` it reads whatever happens in the namespace for `--seconds`.
//!
//! Run: `cargo run --example informer_watcher [-- --kubeconfig PATH] [--no-activity --seconds N]`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::tools::cache::{ListWatch, Store as _};
use clientgo::tools::watch::new_indexer_informer_watcher;
use clientgo_example::pods::{start_and_delete_pod, start_pod};
use clientgo_example::{outln, values, BoxError, Session};
use futures_util::StreamExt as _;

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)] // Only `describe` and `HEADER` are used here.
mod watch_pods_basic;
use watch_pods_basic::{describe, HEADER};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// With `--no-activity`: how long to read events, in seconds.
    #[arg(long, default_value = "30", value_parser = values::seconds)]
    pub seconds: Duration,
}

/// Reads the informer's events until `pod-1` is deleted (or, without activity, for
/// `args.seconds`), then stops the watcher and reports what its store holds.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    if session.activity() {
        start_pod(session, &pods, "pod-0").await?;
    } else {
        outln!(
            out,
            "reading pod events in namespace {ns} for {}s; cause some with",
            args.seconds.as_secs()
        );
        outln!(
            out,
            "  kubectl -n {ns} run demo --image=busybox -- sleep 3600 && kubectl -n {ns} delete pod demo"
        );
    }
    let (store, mut watcher) = new_indexer_informer_watcher(ListWatch::new(pods.clone()));
    let synced = Arc::clone(watcher.controller().status());
    outln!(out, "{HEADER}");
    let activity = async {
        if session.activity() {
            // After the first list, so pod-1 arrives through the watch.
            synced.wait_synced().await;
            start_and_delete_pod(session, &pods, "pod-1").await
        } else {
            Ok(())
        }
    };
    let read = async {
        let deadline = tokio::time::sleep(args.seconds);
        let mut deadline = std::pin::pin!(deadline);
        loop {
            let ev = tokio::select! {
                ev = watcher.next() => ev,
                () = &mut deadline, if !session.activity() => None,
            };
            let Some(ev) = ev else { break };
            outln!(out, "{}", describe(&ev));
            if matches!(&ev, WatchEvent::Deleted(p) if p.name() == "pod-1") {
                break;
            }
        }
        watcher.stop();
        // What the informer produced before the stop is still handed out; then the stream ends.
        while let Some(ev) = watcher.next().await {
            outln!(out, "{}", describe(&ev));
        }
        Ok::<(), BoxError>(())
    };
    let (activity, read) = tokio::join!(activity, read);
    activity.and(read)?;
    let mut names: Vec<String> = store.list().iter().map(|p| p.name().to_owned()).collect();
    names.sort();
    outln!(
        out,
        "watcher stopped; its store holds {} pod(s): {}",
        names.len(),
        names.join(", ")
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
