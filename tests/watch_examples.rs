//! The watch examples, run in-process: each test includes an example's source, runs its `run`
//! against a fresh embedded API server with captured output (short waits), and checks the lesson
//! the example teaches in the lines it printed.

// Each example's `main` is unused here.
#![allow(dead_code)]
// Each example includes the files it shares (watch_pods_basic.rs, common/watch_support.rs), as its
// own binary does, so the test crate, which includes several examples, loads them more than once.
#![allow(clippy::duplicate_mod)]

mod support;

#[path = "../examples/watch_all_namespaces.rs"]
mod watch_all_namespaces;
#[path = "../examples/watch_channel_close.rs"]
mod watch_channel_close;
#[path = "../examples/watch_double_loop_rewatch.rs"]
mod watch_double_loop_rewatch;
#[path = "../examples/watch_event_ordering.rs"]
mod watch_event_ordering;
#[path = "../examples/watch_event_types.rs"]
mod watch_event_types;
#[path = "../examples/watch_idle_timeout_resume.rs"]
mod watch_idle_timeout_resume;
#[path = "../examples/watch_persist_resource_version.rs"]
mod watch_persist_resource_version;
#[path = "../examples/watch_pods_basic.rs"]
mod watch_pods_basic;
#[path = "../examples/watch_resource_version_resume.rs"]
mod watch_resource_version_resume;
#[path = "../examples/watch_selectors.rs"]
mod watch_selectors;

use std::time::Duration;

use support::GUARD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_pods_basic_opens_with_the_existing_pod_then_streams_its_changes_and_the_close() {
    let session = support::session("watch_pods_basic").await;
    // The server ends the watch after the four events (its timeoutSeconds is only a fallback).
    session
        .server()
        .unwrap()
        .faults()
        .close_watches_after_events(Some(4));
    let args = watch_pods_basic::Args { timeout_seconds: 50 };
    tokio::time::timeout(GUARD, watch_pods_basic::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines: Vec<String> = session
        .out()
        .lines()
        .iter()
        .map(|l| l.trim_end().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "namespace watch-pods-basic: created (deleted when the example ends)",
            "TYPE     NAME                                    PHASE",
            "ADDED    pod-0                                   Running",
            "ADDED    pod-1                                   Pending",
            "MODIFIED pod-1                                   Running",
            "DELETED  pod-1                                   Running",
            "Channel closed",
            "cleanup: deleted namespace watch-pods-basic",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_selectors_filter_on_the_server_and_a_label_edit_turns_into_added_and_deleted() {
    let session = support::session("watch_selectors").await;
    let args = watch_selectors::Args { timeout_seconds: 50 };
    tokio::time::timeout(GUARD, watch_selectors::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::squeezed_lines(&session);
    let rv: Vec<String> = lines[..6]
        .iter()
        .map(|l| l.trim_end_matches(')').rsplit(' ').next().unwrap().to_owned())
        .collect();
    let start = lines[7]
        .strip_prefix("watch with labelSelector=app=pod-1,id=1, from resourceVersion ")
        .and_then(|l| l.strip_suffix(':'))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let deleted = lines[11].rsplit(' ').next().unwrap().to_owned();
    // Steps 1-6 (pod-1 created, Running; pod-2 created, Running; labelled; unlabelled).
    let (r1, r2, r4, r5, r6) = (&rv[0], &rv[1], &rv[3], &rv[4], &rv[5]);
    let header = "TYPE NAME PHASE RESOURCEVERSION";
    let step5 = "<- step 5: labelled pod-2 id=2: it now matches app,id";
    let step6 = "<- step 6: removed pod-2's id label: it no longer matches app,id";
    assert_eq!(
        lines[6..],
        [
            "step 7: deleted pod-1".to_owned(),
            format!("watch with labelSelector=app=pod-1,id=1, from resourceVersion {start}:"),
            header.to_owned(),
            format!("ADDED pod-1 Pending {r1}"),
            format!("MODIFIED pod-1 Running {r2}"),
            format!("DELETED pod-1 Running {deleted}"),
            // Existence of both keys: pod-2 matches only while it has the id label, and its
            // label edits arrive as ADDED and DELETED.
            format!("watch with labelSelector=app,id, from resourceVersion {start}:"),
            header.to_owned(),
            format!("ADDED pod-1 Pending {r1}"),
            format!("MODIFIED pod-1 Running {r2}"),
            format!("ADDED pod-2 Running {r5} {step5}"),
            format!("DELETED pod-2 Running {r6} {step6}"),
            format!("DELETED pod-1 Running {deleted}"),
            format!("watch with fieldSelector=metadata.name=pod-1, from resourceVersion {start}:"),
            header.to_owned(),
            format!("ADDED pod-1 Pending {r1}"),
            format!("MODIFIED pod-1 Running {r2}"),
            format!("DELETED pod-1 Running {deleted}"),
            // A status change that makes a pod match is an ADDED too.
            format!("watch with fieldSelector=status.phase=Running, from resourceVersion {start}:"),
            header.to_owned(),
            format!("ADDED pod-1 Running {r2} <- step 2: pod-1 Running (the kubelet's part)"),
            format!("ADDED pod-2 Running {r4} <- step 4: pod-2 Running (the kubelet's part)"),
            format!("MODIFIED pod-2 Running {r5}"),
            format!("MODIFIED pod-2 Running {r6}"),
            format!("DELETED pod-1 Running {deleted}"),
        ],
    );
}

/// The last word of a line (a resourceVersion, in the examples' event lines).
fn last_word(line: &str) -> &str {
    line.rsplit(' ').next().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_persist_resource_version_replays_the_missed_events_and_relists_after_410() {
    let dir = std::env::temp_dir().join(format!("clientgo-watch-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("resource-version");
    // A file an earlier run left behind: the embedded server starts empty, so it is ignored.
    std::fs::write(&file, "999999").unwrap();
    let f = file.display().to_string();

    let session = support::session("watch_persist_resource_version").await;
    let args = watch_persist_resource_version::Args {
        file: Some(file.clone()),
        keep_file: true,
        timeout_seconds: 50,
    };
    tokio::time::timeout(GUARD, watch_persist_resource_version::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::squeezed_lines(&session);
    let list_rv = lines[5]
        .strip_prefix("a list at resourceVersion ")
        .and_then(|l| l.strip_suffix(": 0 pods"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let (a1, a2, a3) = (last_word(&lines[6]), last_word(&lines[7]), last_word(&lines[8]));
    let (d1, a4) = (last_word(&lines[13]), last_word(&lines[14]));
    let compacted = lines[17]
        .strip_prefix("the server compacted its history up to resourceVersion ")
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let a5 = last_word(&lines[27]);
    let restart = "restart (simulated: same process, the embedded server keeps its state)";
    assert_eq!(
        lines,
        [
            format!("the resourceVersion is saved in {f} after each event"),
            "ignoring resourceVersion 999999 left in the file: the embedded server starts empty on every run, so a version saved by an earlier run means nothing to it".to_owned(),
            "first start; then pod-1, pod-2 and pod-3 are created (the seed's kubectl apply -f pods.yaml)".to_owned(),
            "TYPE NAME PHASE RESOURCEVERSION".to_owned(),
            "no saved resourceVersion: starting from now".to_owned(),
            format!("a list at resourceVersion {list_rv}: 0 pods"),
            format!("ADDED pod-1 Pending {a1}"),
            format!("ADDED pod-2 Pending {a2}"),
            format!("ADDED pod-3 Pending {a3}"),
            // Saved after each processed event: the last one's version.
            format!("stopped; resourceVersion {a3} saved in {f}"),
            "while it was stopped: pod-1 deleted, pod-4 created".to_owned(),
            restart.to_owned(),
            format!("resuming from saved resourceVersion {a3}"),
            // Exactly what happened while it was stopped, nothing before.
            format!("DELETED pod-1 Pending {d1}"),
            format!("ADDED pod-4 Pending {a4}"),
            format!("stopped; resourceVersion {a4} saved in {f}"),
            "while it was stopped: pod-2 deleted".to_owned(),
            format!(
                "the server compacted its history up to resourceVersion {compacted} (etcd does every 5 minutes): the saved version is gone"
            ),
            restart.to_owned(),
            format!("resuming from saved resourceVersion {a4}"),
            // The 410, then "now": a list, compared with what the program knew.
            format!("Warn: too old resource version: {a4} ({compacted})"),
            "restarting from now".to_owned(),
            format!("a list at resourceVersion {compacted}: 2 pods"),
            format!("ADDED pod-3 Pending {a3}"),
            format!("ADDED pod-4 Pending {a4}"),
            "gone while the history was lost (their DELETED events went with it): pod-2".to_owned(),
            "pod-5 created".to_owned(),
            format!("ADDED pod-5 Pending {a5}"),
            format!("stopped; resourceVersion {a5} saved in {f}"),
            format!("kept {f}: the next run resumes from it"),
        ],
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), a5);

    // A second run, against a new embedded server: the kept version is ignored, the run finishes
    // and removes the file.
    let session = support::session("watch_persist_resource_version").await;
    let args = watch_persist_resource_version::Args {
        keep_file: false,
        ..args
    };
    tokio::time::timeout(GUARD, watch_persist_resource_version::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::squeezed_lines(&session);
    assert_eq!(
        lines[1],
        format!("ignoring resourceVersion {a5} left in the file: the embedded server starts empty on every run, so a version saved by an earlier run means nothing to it")
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Warn: too old resource version: ")),
        "{lines:#?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!("removing {f} (--keep-file keeps it for the next run)")
    );
    assert!(!file.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_event_types_shows_all_five_deleted_with_the_last_state_and_a_410_after_compaction() {
    let session = support::session("watch_event_types").await;
    let args = watch_event_types::Args {
        timeout_seconds: 50,
        bookmark_timeout_seconds: 1,
    };
    tokio::time::timeout(GUARD, watch_event_types::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::squeezed_lines(&session);
    let start = lines[0]
        .strip_prefix("ADDED, MODIFIED, DELETED: watching from resourceVersion ")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let rv = |i: usize| lines[i].split(' ').nth(2).unwrap().to_owned();
    let (added, modified, deleted) = (rv(2), rv(3), rv(4));
    // A bookmark has no name: its resourceVersion is the second word.
    let bookmark = lines[6].split(' ').nth(1).unwrap();
    let kept = lines[7]
        .strip_prefix("ERROR: the server compacted its history up to resourceVersion ")
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(
        lines,
        [
            format!("ADDED, MODIFIED, DELETED: watching from resourceVersion {start}"),
            "TYPE NAME RESOURCEVERSION OBJECT".to_owned(),
            format!("ADDED pod-1 {added} labels app=pod-1"),
            format!("MODIFIED pod-1 {modified} labels app=pod-1,stage=two"),
            // The state just before the deletion: the label is still there.
            format!("DELETED pod-1 {deleted} labels app=pod-1,stage=two (its last state)"),
            format!("BOOKMARK: watching from {deleted} with allowWatchBookmarks and timeoutSeconds=1"),
            // Only the resourceVersion: no name, no spec.
            format!("BOOKMARK {bookmark} a Pod with only metadata.resourceVersion set"),
            format!(
                "ERROR: the server compacted its history up to resourceVersion {kept} (etcd does every 5 minutes); watching from {start} again"
            ),
            format!(
                "ERROR code=410 reason=Expired message=\"too old resource version: {start} ({kept})\""
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_double_loop_rewatch_delivers_the_state_again_and_loses_what_happened_between_watches() {
    let session = support::session("watch_double_loop_rewatch").await;
    let args = watch_double_loop_rewatch::Args { timeout_seconds: 1 };
    tokio::time::timeout(GUARD, watch_double_loop_rewatch::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    assert_eq!(
        support::squeezed_lines(&session),
        [
            "round 1: watching without a resourceVersion (timeoutSeconds=1)",
            "TYPE NAME PHASE",
            "ADDED pod-a Running",
            "Channel closed",
            "between the watches: pod-b created and deleted (by another client, say)",
            "round 2: watching without a resourceVersion (timeoutSeconds=1)",
            "TYPE NAME PHASE",
            // The same state again, and nothing of pod-b.
            "ADDED pod-a Running (again: an earlier round delivered it)",
            "Channel closed",
            "duplicates: each watch listed the current state again as ADDED: pod-a",
            "lost: pod-b's ADDED and DELETED, between the watches: never delivered",
            "the fix: resume from the last resourceVersion (a RetryWatcher, see retry_watcher_basic)",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_all_namespaces_shows_every_namespace_initial_pods_and_the_own_namespace_activity() {
    let session = support::session("watch_all_namespaces").await;
    let args = watch_all_namespaces::Args { timeout_seconds: 50 };
    tokio::time::timeout(GUARD, watch_all_namespaces::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines: Vec<String> = support::example_lines(&session)
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "TYPE NAMESPACE NAME",
            // The initial state: every namespace's pods (the demo cluster's kube-system ones).
            "ADDED kube-system coredns-5d78c9869d-4xkqz",
            "ADDED kube-system coredns-5d78c9869d-9hbnm",
            "ADDED kube-system etcd-control-plane",
            "ADDED kube-system kindnet-4hxqp",
            "ADDED kube-system kube-apiserver-control-plane",
            "ADDED kube-system kube-controller-manager-control-plane",
            "ADDED kube-system kube-proxy-7xj2p",
            "ADDED kube-system kube-scheduler-control-plane",
            // The activity in the example's own namespace, on the same watch.
            "ADDED watch-all-namespaces pod-1",
            "MODIFIED watch-all-namespaces pod-1",
            "DELETED watch-all-namespaces pod-1",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_resource_version_resume_replays_exactly_the_events_after_the_given_version() {
    let session = support::session("watch_resource_version_resume").await;
    let args = watch_resource_version_resume::Args { timeout_seconds: 50 };
    tokio::time::timeout(GUARD, watch_resource_version_resume::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let header = "TYPE     NAME     PHASE      RESOURCEVERSION";
    let blocks: Vec<&[String]> = lines.split(|l| l == header).collect();
    assert_eq!(blocks.len(), 3, "{lines:#?}");
    let (first_watch, replay) = (blocks[1], blocks[2]);
    // The first watch: each pod ADDED (Pending), then MODIFIED to Running by the kubelet's part.
    let kinds: Vec<String> = first_watch[..first_watch.len() - 1]
        .iter()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        kinds,
        [
            "ADDED pod-1 Pending",
            "MODIFIED pod-1 Running",
            "ADDED pod-2 Pending",
            "MODIFIED pod-2 Running",
            "ADDED pod-3 Pending",
            "MODIFIED pod-3 Running",
        ],
        "{lines:#?}"
    );
    let first_rv = first_watch[0].split_whitespace().last().unwrap();
    assert_eq!(
        first_watch[6],
        format!(
            "watching again with resourceVersion={first_rv}: every event after it, up to {}, comes again",
            first_watch[5].split_whitespace().last().unwrap()
        )
    );
    // The replay from the first event's version: exactly the later events, the same lines.
    assert_eq!(replay[..5], first_watch[1..6], "{lines:#?}");
    assert_eq!(
        replay[5],
        format!("replayed 5 of the 6 events: all but the one at resourceVersion {first_rv} itself")
    );
    assert_eq!(replay.len(), 6, "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_channel_close_ends_the_stream_on_server_timeout_broken_connection_and_client_stop() {
    let session = support::session("watch_channel_close").await;
    let args = watch_channel_close::Args {
        timeout_seconds: 1,
        wait_for_server_close: false,
    };
    tokio::time::timeout(GUARD, watch_channel_close::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::squeezed_lines(&session);
    // Elapsed times vary: each close line is checked up to its time.
    let closed = |i: usize, after: &str| {
        let rest = lines[i]
            .strip_prefix("Channel closed after ")
            .unwrap_or_else(|| panic!("line {i}: {lines:#?}"));
        let (time, tail) = rest.split_once(':').unwrap_or((rest, ""));
        assert!(
            time.ends_with('s') && time[..time.len() - 1].parse::<f64>().is_ok(),
            "{lines:#?}"
        );
        assert_eq!(tail, after, "{lines:#?}");
    };
    assert_eq!(
        lines[..3],
        [
            "1. the server ends the watch after timeoutSeconds=1",
            "TYPE NAME PHASE",
            "ADDED pod-0 Running",
        ]
    );
    closed(3, "");
    assert_eq!(
        lines[4..7],
        [
            "2. the connection breaks (the embedded server cuts it after one event)",
            "TYPE NAME PHASE",
            "ADDED pod-0 Running",
        ]
    );
    // The broken connection reaches the reader as an error, then the stream ends.
    assert!(lines[7].starts_with("Error: "), "{lines:#?}");
    closed(8, "");
    assert_eq!(
        lines[9..12],
        [
            "3. the client stops the watch (a RetryWatcher's stop, after the first event)",
            "TYPE NAME PHASE",
            "ADDED pod-1 Pending",
        ]
    );
    // Stopped after its first event: pod-1's MODIFIED (Running) never comes.
    closed(12, " stopped by the client, it does not watch again");
    assert_eq!(
        lines[13..],
        [
            "4. without timeoutSeconds the server ends a watch on its own: kube-apiserver after a random time between its --min-request-timeout (1800s by default) and twice that, 30 to 60 minutes; the embedded server after a fixed 1800s",
            "(run with --wait-for-server-close to wait for it)",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_event_ordering_initial_events_come_in_key_order_and_a_resume_from_the_largest_skips_the_rest()
{
    let session = support::session("watch_event_ordering").await;
    let args = watch_event_ordering::Args { timeout_seconds: 50 };
    tokio::time::timeout(GUARD, watch_event_ordering::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines: Vec<String> = support::example_lines(&session)
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let created = |i: usize| lines[i].rsplit(' ').next().unwrap().to_owned();
    let (c, b, a) = (created(0), created(1), created(2));
    let rv = |s: &str| s.parse::<u64>().unwrap();
    assert!(rv(&c) < rv(&b) && rv(&b) < rv(&a), "{lines:#?}");
    let modified = lines[10].rsplit(' ').next().unwrap().to_owned();
    assert_eq!(
        lines,
        [
            format!("created pod-c at resourceVersion {c}"),
            format!("created pod-b at resourceVersion {b}"),
            format!("created pod-a at resourceVersion {a}"),
            "watching without a resourceVersion: the 3 pods come first, as ADDED".to_owned(),
            "TYPE NAME PHASE RESOURCEVERSION".to_owned(),
            // Key order: falling resourceVersions.
            format!("ADDED pod-a Pending {a}"),
            format!("ADDED pod-b Pending {b}"),
            format!("ADDED pod-c Pending {c}"),
            "initial events in resourceVersion order: false".to_owned(),
            "labelled pod-c step=2".to_owned(),
            format!("MODIFIED pod-c Pending {modified}"),
            format!("watching again from the largest initial resourceVersion, {a} (pod-a's):"),
            "TYPE NAME PHASE RESOURCEVERSION".to_owned(),
            // Only the later change: pod-b and pod-c, below pod-a's version, are not replayed.
            format!("MODIFIED pod-c Pending {modified}"),
            format!(
                "the ADDED of pod-b ({b}), pod-c ({c}) not replayed: true (their resourceVersions are below {a})"
            ),
            format!(
                "so a program that saved {a} after handling the first initial event, and stopped, would never see them: resume from a list's resourceVersion"
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_idle_timeout_resume_gives_up_on_a_stalled_watch_resumes_from_its_version_and_loses_nothing() {
    let session = support::session("watch_idle_timeout_resume").await;
    let args = watch_idle_timeout_resume::Args {
        idle_timeout: Duration::from_millis(500),
    };
    tokio::time::timeout(GUARD, watch_idle_timeout_resume::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    // The writer's lines interleave with the watch's as the two run: checked apart.
    let (created, watched): (Vec<String>, Vec<String>) =
        lines.into_iter().partition(|l| l.starts_with("created "));
    assert_eq!(
        watched[0],
        "a plain watch on a connection the embedded server stalls: nothing in 1.5s, no error, no end: it would wait forever"
    );
    let rv = watched[1]
        .strip_prefix("watching from resourceVersion ")
        .and_then(|l| l.strip_suffix(" with a 0.5s idle timeout (the embedded server stalls it)"))
        .unwrap_or_else(|| panic!("{watched:#?}"));
    // The stalled watch delivers nothing: the first thing after it is the idle timeout, resuming
    // from where the watch started.
    assert_eq!(
        watched[2],
        format!("no data for 0.5s: resuming from resourceVersion {rv}")
    );
    let version = |name: &str| {
        let line = created
            .iter()
            .find(|l| l.starts_with(&format!("created configmap/{name} ")))
            .unwrap_or_else(|| panic!("{created:#?}"));
        line.rsplit(' ').next().unwrap().trim_end_matches(')').to_owned()
    };
    let (v2, v3) = (version("idle-2"), version("idle-3"));
    // Each ConfigMap arrives exactly once, idle-2 (written while the watch was stalled) first;
    // any other line is a further idle resume from the last version received.
    let arrivals: Vec<&String> = watched[3..watched.len() - 1]
        .iter()
        .filter(|l| !l.starts_with("no data for 0.5s: resuming from resourceVersion "))
        .collect();
    assert_eq!(
        arrivals,
        [
            &format!("ADDED configmap/idle-2 (resourceVersion {v2})"),
            &format!("ADDED configmap/idle-3 (resourceVersion {v3})"),
        ],
        "{watched:#?}"
    );
    assert_eq!(
        watched.last().unwrap(),
        "resumed without losing anything: idle-2 and idle-3 each arrived once"
    );
}
