//! Seed 003 §5.18(4) "Persisting the resourceVersion" (L3691-3918): a watcher that saves the
//! resourceVersion to a file after each event it has processed (not before: a crash in between
//! would skip the event) resumes after a restart exactly where it stopped, and is told what
//! happened while it was down (the seed's DELETED and ADDED of pods deleted and re-created
//! meanwhile). When the saved version has been compacted away (etcd keeps about 5 minutes of
//! history) the server answers with an ERROR event, 410 Expired, "too old resource version:
//! <saved> (<oldest kept>)": the watcher warns and starts again from "now", a new list, as the seed
//! does with `Warn: ...` and a watch from `""`. What happened in the lost history is gone; only
//! comparing the list with what the program knew shows it (a pod deleted meanwhile is simply
//! missing).
//!
//! The file is `<temp dir>/watch_persist_resource_version.resource-version` (or `--file`), created
//! empty when missing, and removed when the example ends unless `--keep-file` is given. The example
//! starts the watcher, creates pods in its own namespace, stops it, changes pods while it is
//! stopped, and starts it again from the file: on the embedded server the restart happens within
//! the process (the embedded server starts empty on every run, so a version saved by an earlier
//! run means nothing to it and is ignored). A third start comes after the history is gone: the
//! embedded server compacts it; on a real cluster the file is set to resourceVersion 1 as the seed
//! set it to 1000. With `--keep-file` on a real cluster the next run resumes from the version this
//! one saved, and replays what happened in between (this run's clean-up deleting its pods, too).
//!
//! Run: `cargo run --example watch_persist_resource_version [-- --kubeconfig PATH] [--file PATH] [--keep-file] [--timeout-seconds N] [--no-activity]`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{EventType, Object, StatusReason, WatchEvent};
use clientgo::kubernetes::{DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo::tools::cache::ListWatch;
use clientgo::tools::watch::{RetryWatcher, RetryWatcherOptions};
use clientgo_example::pods::busybox_pod;
use clientgo_example::{outln, BoxError, Session};
use futures_util::StreamExt as _;

#[path = "common/watch_support.rs"]
#[allow(dead_code)] // Each example uses a part.
mod watch_support;

use watch_support::{current_resource_version, describe_rv, HEADER_RV};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The file the resourceVersion is saved in (default:
    /// <temp dir>/watch_persist_resource_version.resource-version).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Keep the file when the example ends, so the next run resumes from the version it holds.
    #[arg(long)]
    pub keep_file: bool,
    /// The longest the watcher waits for the events of each start (with --no-activity: how long
    /// it watches).
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: u64,
}

/// The saved resourceVersion: the seed's `GetResourceVersion`/`SetResourceVersion`.
struct SavedVersion {
    path: PathBuf,
}

impl SavedVersion {
    /// The saved version; an empty file is created when there is none.
    fn load(&self) -> Result<String, BoxError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.trim().to_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::write(&self.path, "")?;
                Ok(String::new())
            }
            Err(e) => Err(format!("reading {}: {e}", self.path.display()).into()),
        }
    }

    fn save(&self, rv: &str) -> Result<(), BoxError> {
        std::fs::write(&self.path, rv).map_err(|e| format!("writing {}: {e}", self.path.display()).into())
    }
}

/// Removes the file when the example ends (also on an error or Ctrl-C), unless it is to be kept.
struct RemoveOnExit<'a> {
    path: &'a Path,
    keep: bool,
}

impl Drop for RemoveOnExit<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(self.path);
        }
    }
}

/// What a start of the watcher waits for before the example stops it.
enum Until<'a> {
    /// These events (type and pod name), each once.
    Events(&'a [(EventType, &'a str)]),
    /// The relist after a 410, or, when the server still keeps the history, this event with a
    /// resourceVersion above the given one (a replay from far back shows earlier runs' events too).
    RelistOr(EventType, &'a str, &'a str),
    /// Only the patience running out (`--no-activity`).
    Patience,
}

/// The seed's program: a RetryWatcher from the saved resourceVersion (or from a list when there is
/// none, or after a 410), saving the resourceVersion after each processed event.
struct Watcher<'a> {
    session: &'a Session,
    pods: ResourceClient<Pod>,
    saved: SavedVersion,
    /// The pods the program believes exist: what a relist is compared with.
    known: BTreeSet<String>,
    /// How many times it started from now.
    relists: usize,
    watch: Option<RetryWatcher<Pod>>,
}

impl Watcher<'_> {
    /// Starts from the saved resourceVersion, or from now when none is saved.
    async fn start(&mut self) -> Result<(), BoxError> {
        let rv = self.saved.load()?;
        if rv.is_empty() {
            outln!(self.session.out(), "no saved resourceVersion: starting from now");
            return self.relist().await;
        }
        outln!(self.session.out(), "resuming from saved resourceVersion {rv}");
        self.watch_from(&rv)
    }

    fn watch_from(&mut self, rv: &str) -> Result<(), BoxError> {
        // Bookmarks are saved too: they keep the saved version fresh while nothing changes.
        let options = RetryWatcherOptions::default().deliver_bookmarks(true);
        self.watch = Some(RetryWatcher::with_options(
            rv,
            ListWatch::new(self.pods.clone()),
            options,
        )?);
        Ok(())
    }

    /// "Now": a list, processed as the ADDED events a watch without a resourceVersion would
    /// start with, then a watch from the list's resourceVersion. Pods the program knew that the
    /// list lacks were deleted in the lost history.
    async fn relist(&mut self) -> Result<(), BoxError> {
        let out = self.session.out();
        let list = self.pods.list(&ListOptions::default()).await?;
        let rv = list.metadata.resource_version.clone().unwrap_or_default();
        outln!(out, "a list at resourceVersion {rv}: {} pods", list.items.len());
        let listed: BTreeSet<String> = list.items.iter().map(|p| p.name().to_owned()).collect();
        for pod in list.items {
            outln!(out, "{}", describe_rv(&WatchEvent::Added(pod)));
        }
        let gone: Vec<&str> = self.known.difference(&listed).map(String::as_str).collect();
        if !gone.is_empty() {
            outln!(
                out,
                "gone while the history was lost (their DELETED events went with it): {}",
                gone.join(", ")
            );
        }
        self.known = listed;
        self.relists += 1;
        self.saved.save(&rv)?;
        self.watch_from(&rv)
    }

    /// Processes events until `until` is met; false when `patience` ran out first.
    async fn follow(&mut self, until: Until<'_>, patience: Duration) -> Result<bool, BoxError> {
        let deadline = tokio::time::sleep(patience);
        let mut deadline = std::pin::pin!(deadline);
        let mut waiting: Vec<(EventType, &str)> = match &until {
            Until::Events(events) => events.to_vec(),
            Until::RelistOr(..) | Until::Patience => Vec::new(),
        };
        loop {
            let Some(watch) = self.watch.as_mut() else {
                return Ok(false);
            };
            let ev = tokio::select! {
                ev = watch.next() => ev,
                () = &mut deadline => return Ok(false),
            };
            let Some(ev) = ev else {
                self.watch = None;
                return Ok(false);
            };
            if let WatchEvent::Error(status) = &ev {
                if status.reason.as_deref() != Some(StatusReason::EXPIRED) {
                    let message = status.message.clone().unwrap_or_default();
                    return Err(format!("the watch failed: {message}").into());
                }
                outln!(
                    self.session.out(),
                    "Warn: {}",
                    status.message.as_deref().unwrap_or("")
                );
                outln!(self.session.out(), "restarting from now");
                self.relist().await?;
                if matches!(until, Until::RelistOr(..)) {
                    return Ok(true);
                }
                continue;
            }
            self.process(&ev)?;
            let Some(p) = ev.object() else { continue };
            let ty = ev.event_type();
            let done = match &until {
                Until::Events(_) => {
                    waiting.retain(|(t, n)| !(*t == ty && *n == p.name()));
                    waiting.is_empty()
                }
                Until::RelistOr(t, n, after) => {
                    *t == ty && *n == p.name() && number(p.resource_version()) > number(after)
                }
                Until::Patience => false,
            };
            if done {
                return Ok(true);
            }
        }
    }

    /// Handles one event (prints it), then saves its resourceVersion: only a processed event's.
    fn process(&mut self, ev: &WatchEvent<Pod>) -> Result<(), BoxError> {
        outln!(self.session.out(), "{}", describe_rv(ev));
        let rv = match ev {
            WatchEvent::Added(p) | WatchEvent::Modified(p) => {
                self.known.insert(p.name().to_owned());
                p.resource_version()
            }
            WatchEvent::Deleted(p) => {
                self.known.remove(p.name());
                p.resource_version()
            }
            WatchEvent::Bookmark(b) => b.resource_version(),
            WatchEvent::Error(_) => return Ok(()),
        };
        self.saved.save(rv)
    }

    /// Stops the watcher, as the program's end (or a crash) would.
    fn stop(&mut self) -> Result<(), BoxError> {
        self.watch = None;
        let rv = self.saved.load()?;
        outln!(
            self.session.out(),
            "stopped; resourceVersion {rv} saved in {}",
            self.saved.path.display()
        );
        Ok(())
    }
}

/// The resourceVersion as the number it is on an etcd-backed server (only to tell a version saved
/// against another cluster; clients otherwise treat it as opaque).
fn number(rv: &str) -> u64 {
    rv.parse().unwrap_or(0)
}

/// Empties the file when the version it holds cannot be resumed from on this cluster.
async fn check_saved(
    session: &Session,
    saved: &SavedVersion,
    pods: &ResourceClient<Pod>,
) -> Result<(), BoxError> {
    let out = session.out();
    let rv = saved.load()?;
    if rv.is_empty() {
        return Ok(());
    }
    if session.server().is_some() {
        outln!(
            out,
            "ignoring resourceVersion {rv} left in the file: the embedded server starts empty on every run, so a version saved by an earlier run means nothing to it"
        );
        return saved.save("");
    }
    let now = current_resource_version(pods).await?;
    if number(&rv) > number(&now) {
        outln!(
            out,
            "ignoring resourceVersion {rv} left in the file: it is ahead of this cluster's {now}, so it was saved against another cluster"
        );
        return saved.save("");
    }
    outln!(
        out,
        "resourceVersion {rv} saved by an earlier run: the first start resumes from it"
    );
    Ok(())
}

/// Deletes a pod at once (no grace period: a real cluster's kubelet need not stop it first).
async fn delete_now(pods: &ResourceClient<Pod>, name: &str) -> Result<(), BoxError> {
    let mut at_once = DeleteOptions::default();
    at_once.grace_period_seconds = Some(0);
    pods.delete(name, &at_once).await?;
    Ok(())
}

async fn create(pods: &ResourceClient<Pod>, name: &str) -> Result<(), BoxError> {
    pods.create(&busybox_pod(name, &[("app", name)])?, &WriteOptions::default())
        .await?;
    Ok(())
}

/// A start that must see its events: an error when the patience runs out first.
async fn follow_to(
    watcher: &mut Watcher<'_>,
    until: Until<'_>,
    what: &str,
    patience: Duration,
) -> Result<(), BoxError> {
    if watcher.follow(until, patience).await? {
        Ok(())
    } else {
        Err(format!("waited {}s for {what}: it did not come", patience.as_secs()).into())
    }
}

/// The seed's experiment: start, stop, changes while stopped, restart (resume), history lost,
/// restart (410, relist).
async fn experiment(
    session: &Session,
    watcher: &mut Watcher<'_>,
    patience: Duration,
) -> Result<(), BoxError> {
    let out = session.out();
    let pods = watcher.pods.clone();
    let restart = if session.server().is_some() {
        "restart (simulated: same process, the embedded server keeps its state)"
    } else {
        "restart (simulated in this process; with --keep-file, the next run restarts for real)"
    };

    outln!(
        out,
        "first start; then pod-1, pod-2 and pod-3 are created (the seed's kubectl apply -f pods.yaml)"
    );
    outln!(out, "{HEADER_RV}");
    watcher.start().await?;
    for name in ["pod-1", "pod-2", "pod-3"] {
        create(&pods, name).await?;
    }
    let created = [
        (EventType::Added, "pod-1"),
        (EventType::Added, "pod-2"),
        (EventType::Added, "pod-3"),
    ];
    follow_to(
        watcher,
        Until::Events(&created),
        "pod-1, pod-2 and pod-3",
        patience,
    )
    .await?;
    watcher.stop()?;

    delete_now(&pods, "pod-1").await?;
    create(&pods, "pod-4").await?;
    outln!(out, "while it was stopped: pod-1 deleted, pod-4 created");
    outln!(out, "{restart}");
    watcher.start().await?;
    let missed = [(EventType::Deleted, "pod-1"), (EventType::Added, "pod-4")];
    follow_to(watcher, Until::Events(&missed), "the missed events", patience).await?;
    watcher.stop()?;

    let stopped_at = watcher.saved.load()?;
    delete_now(&pods, "pod-2").await?;
    outln!(out, "while it was stopped: pod-2 deleted");
    match session.server() {
        Some(server) => outln!(
            out,
            "the server compacted its history up to resourceVersion {} (etcd does every 5 minutes): the saved version is gone",
            server.compact_now()
        ),
        None => {
            watcher.saved.save("1")?;
            outln!(
                out,
                "the file now says resourceVersion 1, as the seed set it to 1000: compacted long ago on a real cluster"
            );
        }
    }
    outln!(out, "{restart}");
    watcher.start().await?;
    let relists = watcher.relists;
    let kept = Until::RelistOr(EventType::Deleted, "pod-2", &stopped_at);
    follow_to(watcher, kept, "the 410 or pod-2's DELETED", patience).await?;
    if watcher.relists == relists {
        outln!(
            out,
            "no 410: this server still keeps its history from there (it is not compacted), so the restart replayed it"
        );
    }
    create(&pods, "pod-5").await?;
    outln!(out, "pod-5 created");
    let live = [(EventType::Added, "pod-5")];
    follow_to(watcher, Until::Events(&live), "pod-5", patience).await?;
    watcher.stop()
}

/// `--no-activity`: the seed's program as it is, for `timeout_seconds`; events come from kubectl.
async fn just_watch(
    session: &Session,
    watcher: &mut Watcher<'_>,
    patience: Duration,
) -> Result<(), BoxError> {
    let ns = watcher.pods.namespace().unwrap_or_default().to_owned();
    outln!(
        session.out(),
        "watching for {}s; cause events with: kubectl -n {ns} run pod-1 --image=busybox -- sleep 3600; kubectl -n {ns} delete pod pod-1",
        patience.as_secs()
    );
    outln!(session.out(), "{HEADER_RV}");
    watcher.start().await?;
    watcher.follow(Until::Patience, patience).await?;
    watcher.stop()
}

/// Runs the experiment (or, with `--no-activity`, the plain program), then removes the file unless
/// it is to be kept.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let path = args
        .file
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("{}.resource-version", session.name())));
    let _remove = RemoveOnExit {
        path: &path,
        keep: args.keep_file,
    };
    let ns = session.namespace().await?;
    let pods = session.clientset().core_v1().pods(ns);
    let saved = SavedVersion { path: path.clone() };
    outln!(
        out,
        "the resourceVersion is saved in {} after each event",
        path.display()
    );
    check_saved(session, &saved, &pods).await?;
    let mut watcher = Watcher {
        session,
        pods,
        saved,
        known: BTreeSet::new(),
        relists: 0,
        watch: None,
    };
    let patience = Duration::from_secs(args.timeout_seconds);
    if session.activity() {
        experiment(session, &mut watcher, patience).await?;
    } else {
        just_watch(session, &mut watcher, patience).await?;
    }
    if args.keep_file {
        outln!(out, "kept {}: the next run resumes from it", path.display());
    } else {
        outln!(
            out,
            "removing {} (--keep-file keeps it for the next run)",
            path.display()
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
