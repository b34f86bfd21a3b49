//! Seed 003 §5.17 (3) "RetryWatcher" and (4) "the two re-watch strategies compared" (L3177-3337):
//! a watch that restarts itself. Every watch the RetryWatcher opens ends soon (its watch function
//! asks for a short `timeoutSeconds`; the embedded server also ends every watch after two events,
//! as a flaky network would), and the RetryWatcher opens the next one from the last
//! resourceVersion it delivered: the consumer sees one stream, without a duplicate or a gap, which
//! the example checks against one unbroken watch of the same history.
//!
//! The restarts show in the RetryWatcher's own log lines, which the seed raised klog's verbosity
//! to see (`Starting RetryWatcher.`, `Failed to get event! Re-creating the watcher.`,
//! `Restarting RetryWatcher at RV=...`): the example installs clientgo's klog layer at `-v 6`
//! (the watch requests too) and prints them between the events. It also shows the rest of the
//! seed's comparison: the RetryWatcher waits at least a second between two watch starts (client-go's
//! `minRestartDelay`; the measured spacing is printed), it does not restart after `stop()`, and it
//! refuses to start from resourceVersion `""` or `"0"` (the seed passed a made-up `"1"` instead;
//! the example lists first and starts from the list's resourceVersion).
//!
//! `[defect]` corrected: the seed's watch function ignored the options the RetryWatcher gives it,
//! so every restart replayed all pods as ADDED; this one forwards them (see
//! `retry_watcher_resource_version` for the contrast).
//!
//! The example works in its own namespace, which is empty when the watch starts: it creates the
//! seed's pods (`pod-1`, `pod-2`, ...), lets them start (on the embedded server, which runs no
//! kubelet, it marks them Running itself; on a real cluster it waits `--hold-seconds` for the
//! kubelet) and deletes them, and stops when it has seen every pod DELETED.
//!
//! Run: `cargo run --example retry_watcher_basic [-- --kubeconfig PATH] [--pods N]
//! [--watch-timeout-seconds N] [--hold-seconds N] [-v N] [--no-activity [--watch-seconds N]]`

#[path = "watch_pods_basic.rs"]
#[allow(dead_code)] // Its `main`, `Args` and `run` are not used here.
mod watch_pods_basic;

use std::collections::HashSet;
use std::future::Future;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::klog::filter::is_client_target;
use clientgo::klog::{KlogLayer, Verbosity};
use clientgo::kubernetes::{DeleteOptions, ListOptions, ResourceClient};
use clientgo::tools::cache::{FnListWatch, ListWatch, ListerWatcher};
use clientgo::tools::watch::RetryWatcher;
use clientgo_example::pods::start_pod;
use clientgo_example::{outln, BoxError, Out, Session};
use futures_util::StreamExt as _;
use tokio::time::Instant;
use tracing::{span, Event};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::Registry;
use watch_pods_basic::{describe, HEADER};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How many of the seed's pods (pod-1, pod-2, ...) to create and delete while watching.
    #[arg(long, default_value_t = 3)]
    pub pods: usize,
    /// The timeoutSeconds every watch call asks for: the server ends each watch after this long
    /// and the RetryWatcher opens the next one.
    #[arg(long, default_value_t = 3)]
    pub watch_timeout_seconds: i64,
    /// On a real cluster, how long the pods live before they are deleted (the kubelet starts them
    /// meanwhile, and several watches end and restart).
    #[arg(long, default_value_t = 8)]
    pub hold_seconds: u64,
    /// With --no-activity, how long to watch.
    #[arg(long, default_value_t = 60)]
    pub watch_seconds: u64,
    /// klog verbosity of what the watching logs: 4 shows the RetryWatcher's restarts, 6 also
    /// every watch request with its resourceVersion.
    #[arg(short = 'v', long = "v", value_name = "N", default_value_t = 6)]
    pub v: i32,
}

/// The columns of [`describe_rv`].
fn header() -> String {
    format!("{HEADER:<60}RESOURCEVERSION")
}

/// The seed's columns (type, name, phase) and the event's resourceVersion.
fn describe_rv(ev: &WatchEvent<Pod>) -> String {
    let rv = Seen::of(ev).map(|s| s.rv).unwrap_or_default();
    format!("{:<60}{rv}", describe(ev))
}

/// One delivered change: its type, the pod and the resourceVersion it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    kind: &'static str,
    name: String,
    rv: String,
}

impl Seen {
    fn of(ev: &WatchEvent<Pod>) -> Option<Seen> {
        match ev {
            WatchEvent::Added(p) | WatchEvent::Modified(p) | WatchEvent::Deleted(p) => Some(Seen {
                kind: ev.event_type().as_str(),
                name: p.name().to_string(),
                rv: p.resource_version().to_string(),
            }),
            WatchEvent::Bookmark(_) | WatchEvent::Error(_) => None,
        }
    }
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} rv={}", self.kind, self.name, self.rv)
    }
}

/// When each watch call started.
#[derive(Default)]
struct WatchCalls(Mutex<Vec<Instant>>);

impl WatchCalls {
    fn record(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Instant::now());
    }

    fn starts(&self) -> Vec<Instant> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The seed's `cache.ListWatch{WatchFunc: ...}`, done right: each call forwards the options the
/// RetryWatcher gives it (the resourceVersion to resume from, `allowWatchBookmarks`) and adds a
/// short `timeoutSeconds`, so the server ends every watch soon; it also notes when it was called.
fn watch_function(
    pods: &ResourceClient<Pod>,
    timeout_seconds: i64,
    calls: Arc<WatchCalls>,
) -> FnListWatch<Pod> {
    let (list, watch) = (ListWatch::new(pods.clone()), ListWatch::new(pods.clone()));
    FnListWatch::new(
        move |options| list.list(options),
        move |options: ListOptions| {
            calls.record();
            watch.watch(options.timeout_seconds(timeout_seconds))
        },
    )
}

/// A klog layer of one [`with_klog`] scope.
type ScopedLayer = Box<dyn Layer<Registry> + Send + Sync>;

tokio::task_local! {
    /// The klog layer of the future [`with_klog`] runs.
    static KLOG: ScopedLayer;
}

/// Hands each client-side log event (clientgo's, not the embedded server's nor the HTTP stack's)
/// to the klog layer of the [`with_klog`] scope it happens in, and drops the others.
struct TaskKlog;

impl Layer<Registry> for TaskKlog {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, Registry>) {
        let _ = KLOG.try_with(|klog| klog.on_new_span(attrs, id, ctx));
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, Registry>) {
        let _ = KLOG.try_with(|klog| klog.on_record(id, values, ctx));
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, Registry>) {
        if is_client_target(event.metadata().target(), env!("CARGO_CRATE_NAME")) {
            let _ = KLOG.try_with(|klog| klog.on_event(event, ctx));
        }
    }
}

/// Runs `fut` with the klog lines it causes at verbosity `v` (the RetryWatcher's restarts, its
/// requests) printed to `out`, between the lines the example prints itself.
async fn with_klog<F: Future>(out: &Out, v: i32, fut: F) -> F::Output {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // One process-wide subscriber that looks up where the current task's lines go. A
        // subscriber set for this future alone would not do: tracing caches per log statement
        // whether anybody listens, and with a single scoped subscriber it asks whichever thread
        // reaches the statement first, which may be one where nobody does. (Should a program have
        // set its own global subscriber already, the lines go there instead.)
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(TaskKlog));
    });
    let layer: ScopedLayer = Box::new(KlogLayer::new(Verbosity::new(v), out.clone()));
    KLOG.scope(layer, fut).await
}

/// The names of the seed's pods: `pod-1`, `pod-2`, ...
fn pod_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("pod-{i}")).collect()
}

/// Creates the pods, lets them start, and deletes them.
async fn activity(session: &Session, pods: &ResourceClient<Pod>, args: &Args) -> Result<(), BoxError> {
    let names = pod_names(args.pods);
    for name in &names {
        start_pod(session, pods, name).await?;
    }
    if session.server().is_none() {
        tokio::time::sleep(Duration::from_secs(args.hold_seconds)).await;
    }
    for name in &names {
        pods.delete(name, &DeleteOptions::default()).await?;
    }
    Ok(())
}

/// Prints the RetryWatcher's events until every pod in `awaited` was deleted (or, with
/// `awaited` empty, until `args.watch_seconds` passed), then stops it. Returns what it delivered.
async fn follow(
    session: &Session,
    watcher: &mut RetryWatcher<Pod>,
    mut awaited: HashSet<String>,
    args: &Args,
) -> Vec<Seen> {
    let out = session.out();
    let watching_alone = awaited.is_empty();
    let quiet_end = tokio::time::sleep(Duration::from_secs(args.watch_seconds));
    tokio::pin!(quiet_end);
    let interrupted = session.interrupted();
    tokio::pin!(interrupted);
    let mut seen = Vec::new();
    loop {
        let ev = tokio::select! {
            ev = watcher.next() => ev,
            () = &mut quiet_end, if watching_alone => break,
            () = &mut interrupted => break,
        };
        let Some(ev) = ev else {
            outln!(out, "the RetryWatcher ended on its own");
            break;
        };
        outln!(out, "{}", describe_rv(&ev));
        if let Some(s) = Seen::of(&ev) {
            if s.kind == "DELETED" {
                awaited.remove(&s.name);
            }
            seen.push(s);
        }
        if !watching_alone && awaited.is_empty() {
            break;
        }
    }
    seen
}

/// Stops the watcher and shows that its stream ends without another watch call.
async fn stop(session: &Session, watcher: &mut RetryWatcher<Pod>, calls: &WatchCalls) {
    let before = calls.starts().len();
    watcher.stop();
    let ended = watcher.next().await.is_none();
    let after = calls.starts().len();
    let verdict = if ended && after == before {
        "no restart"
    } else {
        "it went on!"
    };
    outln!(
        session.out(),
        "stop(): the stream {}; watch calls before stop(): {before}, after: {after} ({verdict})",
        if ended { "ended" } else { "went on" },
    );
}

/// Prints how far apart the watch starts were.
fn print_spacing(out: &Out, starts: &[Instant]) {
    let gaps: Vec<Duration> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let Some(least) = gaps.iter().min() else {
        outln!(out, "restarts: 0 (one watch was enough)");
        return;
    };
    let shown: Vec<String> = gaps.iter().map(|g| format!("{:.2}s", g.as_secs_f64())).collect();
    outln!(
        out,
        "restarts: {}; time between watch starts: {} (least {:.2}s; client-go's minRestartDelay is 1s)",
        gaps.len(),
        shown.join(" "),
        least.as_secs_f64()
    );
}

/// How long the check's one unbroken watch may take to replay the history (it stops as soon as
/// it reaches the last event the RetryWatcher delivered).
const CHECK_TIMEOUT_SECONDS: i64 = 30;

/// Watches the same history again in one connection, from `start_rv` up to the last event the
/// RetryWatcher delivered, and compares: the RetryWatcher must have delivered exactly those.
async fn check(
    session: &Session,
    pods: &ResourceClient<Pod>,
    start_rv: &str,
    seen: &[Seen],
    connections: usize,
) -> Result<(), BoxError> {
    let out = session.out();
    let Some(last) = seen.last() else {
        outln!(out, "check: no events to compare");
        return Ok(());
    };
    if let Some(server) = session.server() {
        server.faults().close_watches_after_events(None);
    }
    let options = ListOptions::default()
        .resource_version(start_rv)
        .timeout_seconds(CHECK_TIMEOUT_SECONDS);
    let mut unbroken = pods.watch(&options).await?.boxed();
    let mut expected = Vec::new();
    while let Some(ev) = unbroken.next().await {
        if let Some(s) = Seen::of(&ev?) {
            let at_end = s.rv == last.rv;
            expected.push(s);
            if at_end {
                break;
            }
        }
    }
    let mut rvs = HashSet::new();
    let duplicated: Vec<&Seen> = seen.iter().filter(|s| !rvs.insert(s.rv.as_str())).collect();
    let missing: Vec<&Seen> = expected.iter().filter(|e| !seen.contains(e)).collect();
    if duplicated.is_empty() && missing.is_empty() && expected.len() == seen.len() {
        outln!(
            out,
            "check: {} events over {connections} watch connections, the same as one unbroken watch from \
             resourceVersion {start_rv}: no duplicates, no gaps",
            seen.len()
        );
        return Ok(());
    }
    let list = |v: &[&Seen]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    Err(format!(
        "check failed: the RetryWatcher delivered {} events, one unbroken watch {}; duplicated: [{}]; missing: [{}]",
        seen.len(),
        expected.len(),
        list(&duplicated),
        list(&missing)
    )
    .into())
}

/// Refuses `""` and `"0"`, then follows the example's namespace with a RetryWatcher while the pods
/// come and go, stops it, and checks what it delivered.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    if let Some(server) = session.server() {
        // The embedded server plays a flaky network: every watch ends after two events.
        server.faults().close_watches_after_events(Some(2));
    }
    for refused in ["", "0"] {
        if let Err(e) = RetryWatcher::new(refused, ListWatch::new(pods.clone())) {
            outln!(out, "NewRetryWatcher({refused:?}): {e}");
        }
    }
    let listed = pods.list(&ListOptions::default()).await?;
    let start_rv = listed.metadata.resource_version.unwrap_or_default();
    outln!(
        out,
        "listed {} pods in namespace {ns} at resourceVersion {start_rv}; the RetryWatcher starts there \
         (each watch ends after {}s)",
        listed.items.len(),
        args.watch_timeout_seconds
    );
    let awaited: HashSet<String> = if session.activity() {
        pod_names(args.pods).into_iter().collect()
    } else {
        outln!(
            out,
            "waiting {}s for pod events in namespace {ns}; cause some with",
            args.watch_seconds
        );
        outln!(
            out,
            "  kubectl -n {ns} run demo --image=busybox -- sleep 3600 && kubectl -n {ns} delete pod demo"
        );
        HashSet::new()
    };
    let calls = Arc::new(WatchCalls::default());
    let lister_watcher = watch_function(&pods, args.watch_timeout_seconds, Arc::clone(&calls));
    let mut watcher = RetryWatcher::new(&start_rv, lister_watcher)?;
    outln!(out, "{}", header());
    let watching = async {
        let seen = follow(session, &mut watcher, awaited, args).await;
        stop(session, &mut watcher, &calls).await;
        Ok::<_, BoxError>(seen)
    };
    let watching = with_klog(out, args.v, watching);
    let activity = async {
        if session.activity() {
            activity(session, &pods, args).await
        } else {
            Ok(())
        }
    };
    // A failed activity ends the watching too (nothing more will be deleted).
    let ((), seen) = tokio::try_join!(activity, watching)?;
    let starts = calls.starts();
    print_spacing(out, &starts);
    check(session, &pods, &start_rv, &seen, starts.len()).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
