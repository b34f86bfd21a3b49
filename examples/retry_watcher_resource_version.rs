//! Seed 003 §5.18 (2) "RetryWatcher and resourceVersion" (L3489-3657): where the resourceVersion
//! must go. The seed's watch function ignored the options the RetryWatcher passes it and always
//! watched "from now"; the author concluded that the resourceVersion must be written into the watch
//! function's `ListOptions` and that `NewRetryWatcher`'s is optional. `[defect]` corrected: the
//! RetryWatcher's resourceVersion is the real resume point, as long as the watch function forwards
//! the options it is given.
//!
//! The example shows both side by side on the same history. Before any watcher starts, it creates
//! the seed's three pods (`kubectl apply -f pods.yaml`) and deletes `pod-1`; then it follows the
//! namespace from the resourceVersion it listed before all that, with two RetryWatchers in turn,
//! each for the same number of watch connections (every watch call asks for a short
//! `timeoutSeconds`, so the server ends each watch and the RetryWatcher opens the next):
//! - the seed's watch function, which ignores its options: it never sees `pod-1` (its ADDED and
//!   DELETED happened before its watch began: missed), and after every restart the server replays
//!   the pods that exist as ADDED again (duplicates);
//! - a watch function that forwards them: it replays exactly what happened since the listed
//!   resourceVersion, `DELETED pod-1` included, and nothing twice.
//!
//! Run: `cargo run --example retry_watcher_resource_version [-- --kubeconfig PATH]
//! [--watch-timeout-seconds N] [--watches N] [--no-activity [--wait-seconds N]]`

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{DeleteOptions, GetOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo::tools::cache::{FnListWatch, ListWatch, ListerWatcher, WatchStream};
use clientgo::tools::watch::{CancellationToken, RetryWatcher};
use clientgo_example::pods::{busybox_pod, play_kubelet};
use clientgo_example::{outln, BoxError, Out, Session};
use futures_util::StreamExt as _;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The timeoutSeconds every watch call asks for: the server ends each watch after this long
    /// and the RetryWatcher opens the next one.
    #[arg(long, default_value_t = 3)]
    pub watch_timeout_seconds: i64,
    /// How many watch connections each RetryWatcher is followed for (one fewer restarts).
    #[arg(long, default_value_t = 2)]
    pub watches: usize,
    /// With --no-activity, how long to wait for the pods to be created and deleted by hand before
    /// the watchers start.
    #[arg(long, default_value_t = 60)]
    pub wait_seconds: u64,
}

/// The seed's pods (`pods.yaml`).
const PODS: [&str; 3] = ["pod-1", "pod-2", "pod-3"];
/// The pod deleted before the watchers start.
const GONE: &str = "pod-1";
/// How long a real cluster may take to finish deleting a pod (its kubelet stops it first).
const DELETION_TIMEOUT: Duration = Duration::from_secs(120);

/// Which watch function a RetryWatcher gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WatchFunction {
    /// The seed's: `Watch(ctx, metav1.ListOptions{})`, whatever the RetryWatcher asked for.
    IgnoresOptions,
    /// Sends the options the RetryWatcher gives (resourceVersion, allowWatchBookmarks).
    ForwardsOptions,
}

impl WatchFunction {
    fn title(self) -> &'static str {
        match self {
            WatchFunction::IgnoresOptions => "the seed's watch function (ignores its options)",
            WatchFunction::ForwardsOptions => "a watch function that forwards its options",
        }
    }
}

/// The watch function `kind`, adding `timeout_seconds` to every call; call `watches + 1` cancels
/// `enough` instead of watching.
fn watch_function(
    kind: WatchFunction,
    pods: &ResourceClient<Pod>,
    timeout_seconds: i64,
    watches: usize,
    enough: CancellationToken,
    out: &Out,
) -> FnListWatch<Pod> {
    let (list, watch) = (ListWatch::new(pods.clone()), ListWatch::new(pods.clone()));
    let calls = AtomicUsize::new(0);
    let out = out.clone();
    FnListWatch::new(
        move |options| list.list(options),
        move |asked: ListOptions| {
            let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if call > watches {
                enough.cancel();
                let never: WatchStream<Pod> = futures_util::stream::pending().boxed();
                return Box::pin(async move { Ok(never) });
            }
            let sent = match kind {
                WatchFunction::IgnoresOptions => ListOptions::default(),
                WatchFunction::ForwardsOptions => asked.clone(),
            }
            .timeout_seconds(timeout_seconds);
            outln!(
                out,
                "watch {call}: the RetryWatcher asks for resourceVersion={:?}, the watch function sends resourceVersion={:?}",
                asked.resource_version,
                sent.resource_version
            );
            watch.watch(sent)
        },
    )
}

/// The seed's columns: type, name, phase, resourceVersion.
fn describe(ev: &WatchEvent<Pod>) -> String {
    match ev {
        WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => format!(
            "  {:<9}{:<8}{:<10}{}",
            ev.event_type().as_str(),
            p.name(),
            p.status.phase.as_deref().unwrap_or(""),
            p.resource_version()
        ),
        WatchEvent::Bookmark(b) => format!("  BOOKMARK rv={}", b.resource_version()),
        WatchEvent::Error(s) => format!("  ERROR    {}", s.message.as_deref().unwrap_or("")),
    }
}

/// What one RetryWatcher delivered, as far as the lesson goes.
#[derive(Debug, Default)]
struct Tally {
    events: usize,
    /// Pods delivered as ADDED while already known (a restart replayed them).
    added_again: Vec<String>,
    /// Every pod delivered as DELETED.
    deleted: HashSet<String>,
}

/// Follows the namespace from `start_rv` with a RetryWatcher over `kind` for `args.watches`
/// watch connections, printing each event, and sums up what it saw.
async fn follow(
    session: &Session,
    pods: &ResourceClient<Pod>,
    kind: WatchFunction,
    start_rv: &str,
    args: &Args,
) -> Result<(), BoxError> {
    let out = session.out();
    outln!(out, "== {}", kind.title());
    let enough = CancellationToken::new();
    let lister_watcher = watch_function(
        kind,
        pods,
        args.watch_timeout_seconds,
        args.watches,
        enough.clone(),
        out,
    );
    let mut watcher = RetryWatcher::new(start_rv, lister_watcher)?;
    let interrupted = session.interrupted();
    tokio::pin!(interrupted);
    let mut known = HashSet::new();
    let mut tally = Tally::default();
    loop {
        let ev = tokio::select! {
            ev = watcher.next() => ev,
            () = enough.cancelled() => break,
            () = &mut interrupted => break,
        };
        let Some(ev) = ev else { break };
        outln!(out, "{}", describe(&ev));
        match &ev {
            WatchEvent::Added(p) => {
                tally.events += 1;
                if !known.insert(p.name().to_string()) {
                    tally.added_again.push(p.name().to_string());
                }
            }
            WatchEvent::Modified(_) => tally.events += 1,
            WatchEvent::Deleted(p) => {
                tally.events += 1;
                known.remove(p.name());
                tally.deleted.insert(p.name().to_string());
            }
            WatchEvent::Bookmark(_) | WatchEvent::Error(_) => {}
        }
    }
    watcher.stop();
    let again = if tally.added_again.is_empty() {
        "none".to_owned()
    } else {
        tally.added_again.join(", ")
    };
    let gone = if tally.deleted.contains(GONE) {
        "seen"
    } else {
        "MISSED"
    };
    outln!(
        out,
        "{}: {} events over {} watches; ADDED again after a restart: {again}; DELETED {GONE}: {gone}",
        kind.title(),
        tally.events,
        args.watches
    );
    Ok(())
}

/// `kubectl apply -f pods.yaml` (the kubelet's part played on the embedded server), then
/// `kubectl delete pod pod-1`, waiting until it is gone.
async fn before_watching(session: &Session, pods: &ResourceClient<Pod>) -> Result<(), BoxError> {
    for name in PODS {
        pods.create(&busybox_pod(name, &[("app", name)])?, &WriteOptions::default())
            .await?;
        play_kubelet(session, pods, name).await?;
    }
    pods.delete(GONE, &DeleteOptions::default()).await?;
    let deadline = tokio::time::Instant::now() + DELETION_TIMEOUT;
    loop {
        match pods.get(GONE, &GetOptions::default()).await {
            Err(e) if e.is_not_found() => break,
            Err(e) => return Err(e.into()),
            Ok(_) if tokio::time::Instant::now() >= deadline => {
                return Err(format!(
                    "{GONE} is still being deleted after {}s",
                    DELETION_TIMEOUT.as_secs()
                )
                .into())
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    outln!(
        session.out(),
        "before any watcher starts: created {} (the seed's pods.yaml), then deleted {GONE}",
        PODS.join(", ")
    );
    Ok(())
}

/// Lists, changes the pods while nobody watches, then follows the namespace from the listed
/// resourceVersion with each watch function in turn.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    let start_rv = pods
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    outln!(
        out,
        "listed namespace {ns} at resourceVersion {start_rv}; both RetryWatchers start there"
    );
    if session.activity() {
        before_watching(session, &pods).await?;
    } else {
        outln!(
            out,
            "waiting {}s before the watchers start; meanwhile create the seed's pods and delete one:",
            args.wait_seconds
        );
        for name in PODS {
            outln!(out, "  kubectl -n {ns} run {name} --image=busybox -- sleep 3600");
        }
        outln!(out, "  kubectl -n {ns} delete pod {GONE}");
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(args.wait_seconds)) => {}
            () = session.interrupted() => return Ok(()),
        }
    }
    for kind in [WatchFunction::IgnoresOptions, WatchFunction::ForwardsOptions] {
        follow(session, &pods, kind, &start_rv, args).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
