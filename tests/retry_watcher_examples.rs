//! Runs the RetryWatcher and Until examples' `run` functions against the embedded API server and checks the
//! lessons in what they print. The examples' sources are compiled in.

#![allow(dead_code)] // Each example's `main` is unused here.

mod support;

#[path = "../examples/retry_watcher_basic.rs"]
mod retry_watcher_basic;
#[path = "../examples/retry_watcher_resource_version.rs"]
mod retry_watcher_resource_version;
#[path = "../examples/until_conditions.rs"]
mod until_conditions;

use support::GUARD;

/// A printed event line: (type, name, phase, resourceVersion).
fn event(line: &str) -> Option<(String, String, String, u64)> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    match fields.as_slice() {
        [kind @ ("ADDED" | "MODIFIED" | "DELETED"), name, phase, rv] => Some((
            kind.to_string(),
            name.to_string(),
            phase.to_string(),
            rv.parse().ok()?,
        )),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_watcher_basic_resumes_from_the_last_resource_version_across_forced_closes() {
    let session = support::session("retry_watcher_basic").await;
    // The closes come from the embedded server's fault (every watch ends after two events); the
    // watches' own timeout is kept out of the way.
    let args = retry_watcher_basic::Args {
        pods: 2,
        watch_timeout_seconds: 60,
        hold_seconds: 0,
        watch_seconds: 60,
        v: 6,
    };
    tokio::time::timeout(GUARD, retry_watcher_basic::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let text = lines.join("\n");

    // It refuses to start from "" and "0".
    for refused in ["\"\"", "\"0\""] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!(
                "NewRetryWatcher({refused}): initial resourceVersion {refused} is not supported"
            ))),
            "{text}"
        );
    }

    // One stream, in order, without a duplicate or a gap, although it came over three watches.
    let events: Vec<_> = lines.iter().filter_map(|l| event(l)).collect();
    let summary: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|(k, n, p, _)| (k.as_str(), n.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("ADDED", "pod-1", "Pending"),
            ("MODIFIED", "pod-1", "Running"),
            ("ADDED", "pod-2", "Pending"),
            ("MODIFIED", "pod-2", "Running"),
            ("DELETED", "pod-1", "Running"),
            ("DELETED", "pod-2", "Running"),
        ],
        "{text}"
    );
    assert!(events.windows(2).all(|w| w[0].3 < w[1].3), "{text}");

    // The klog lines of the seed's run at high verbosity: started once, then after each close a
    // restart from the resourceVersion of the event just printed, whose watch request carries it.
    let klog = |l: &str, msg: &str| l.starts_with('I') && l.contains("] ") && l.contains(msg);
    assert_eq!(
        lines.iter().filter(|l| klog(l, "Starting RetryWatcher.")).count(),
        1,
        "{text}"
    );
    let restarts: Vec<usize> = (0..lines.len())
        .filter(|&i| klog(&lines[i], "\"Failed to get event! Re-creating the watcher.\""))
        .collect();
    assert_eq!(restarts.len(), 2, "{text}");
    for &i in &restarts {
        let last = lines[..i].iter().rev().find_map(|l| event(l)).unwrap();
        let rv = last.3;
        assert!(
            lines[i].ends_with(&format!("resource_version={rv}")),
            "{}",
            lines[i]
        );
        assert!(
            klog(&lines[i + 1], &format!("Restarting RetryWatcher at RV={rv}")),
            "{text}"
        );
        assert!(
            klog(&lines[i + 2], "\"GET ")
                && lines[i + 2].contains(&format!("resourceVersion={rv}&"))
                && lines[i + 2].contains("allowWatchBookmarks=true"),
            "{}",
            lines[i + 2]
        );
    }

    // stop(): the stream ends and no watch follows.
    let stopping = lines
        .iter()
        .position(|l| klog(l, "Stopping RetryWatcher."))
        .unwrap();
    assert!(
        event(&lines[stopping - 1]).is_some_and(|e| e.0 == "DELETED"),
        "{text}"
    );
    assert_eq!(
        lines[stopping + 1],
        "stop(): the stream ended; watch calls before stop(): 3, after: 3 (no restart)"
    );
    assert!(
        lines[stopping + 2].starts_with("restarts: 2; time between watch starts: "),
        "{text}"
    );
    let start_rv = events[0].3 - 1;
    assert_eq!(
        lines[stopping + 3],
        format!(
            "check: 6 events over 3 watch connections, the same as one unbroken watch from \
             resourceVersion {start_rv}: no duplicates, no gaps"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_watcher_resource_version_only_a_watch_function_that_forwards_its_options_resumes() {
    let session = support::session("retry_watcher_resource_version").await;
    let args = retry_watcher_resource_version::Args {
        watch_timeout_seconds: 1,
        watches: 2,
        wait_seconds: 0,
    };
    tokio::time::timeout(GUARD, retry_watcher_resource_version::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let text = lines.join("\n");
    let start_rv = lines[0]
        .strip_prefix("listed namespace retry-watcher-resource-version at resourceVersion ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        lines[1],
        "before any watcher starts: created pod-1, pod-2, pod-3 (the seed's pods.yaml), then deleted pod-1"
    );
    let section = |title: &str| -> Vec<String> {
        let start = lines.iter().position(|l| l == &format!("== {title}")).unwrap();
        let end = lines[start..]
            .iter()
            .position(|l| l.starts_with(&format!("{title}: ")))
            .unwrap();
        lines[start + 1..=start + end].to_vec()
    };
    let shape = |section: &[String]| -> Vec<String> {
        section
            .iter()
            .map(|l| match event(l) {
                Some((kind, name, _, _)) => format!("{kind} {name}"),
                None => l.split(", the watch function").next().unwrap_or(l).to_owned(),
            })
            .collect()
    };

    // The seed's: from now each time, whatever the RetryWatcher asks for. pod-1 was never seen,
    // and the restart replays the pods that exist.
    let ignoring = section("the seed's watch function (ignores its options)");
    let last_rv = ignoring[..3].iter().rev().find_map(|l| event(l)).unwrap().3;
    assert_eq!(
        shape(&ignoring),
        [
            format!("watch 1: the RetryWatcher asks for resourceVersion=\"{start_rv}\""),
            "ADDED pod-2".into(),
            "ADDED pod-3".into(),
            format!("watch 2: the RetryWatcher asks for resourceVersion=\"{last_rv}\""),
            "ADDED pod-2".into(),
            "ADDED pod-3".into(),
            "the seed's watch function (ignores its options): 4 events over 2 watches; ADDED again after \
             a restart: pod-2, pod-3; DELETED pod-1: MISSED"
                .into(),
        ],
        "{text}"
    );
    assert!(
        ignoring
            .iter()
            .filter(|l| l.starts_with("watch "))
            .all(|l| l.ends_with("the watch function sends resourceVersion=\"\"")),
        "{text}"
    );

    // Forwarding: everything since the listed resourceVersion, DELETED pod-1 included, once.
    let forwarding = section("a watch function that forwards its options");
    let last_rv = forwarding.iter().rev().find_map(|l| event(l)).unwrap().3;
    assert_eq!(
        shape(&forwarding),
        [
            format!("watch 1: the RetryWatcher asks for resourceVersion=\"{start_rv}\""),
            "ADDED pod-1".into(),
            "MODIFIED pod-1".into(),
            "ADDED pod-2".into(),
            "MODIFIED pod-2".into(),
            "ADDED pod-3".into(),
            "MODIFIED pod-3".into(),
            "DELETED pod-1".into(),
            format!("watch 2: the RetryWatcher asks for resourceVersion=\"{last_rv}\""),
            "a watch function that forwards its options: 7 events over 2 watches; ADDED again after a \
             restart: none; DELETED pod-1: seen"
                .into(),
        ],
        "{text}"
    );
    for l in forwarding.iter().filter(|l| l.starts_with("watch ")) {
        let (asked, sent) = l.split_once(", the watch function sends ").unwrap();
        assert!(asked.ends_with(sent), "{l}");
    }
}

/// The three waits of `until_conditions`: a chain met in order, a condition's error ending the
/// wait, and a deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn until_conditions_meets_a_chain_in_order_stops_at_a_condition_error_and_at_a_deadline() {
    let session = support::session("until_conditions").await;
    let args = until_conditions::Args {
        timeout: std::time::Duration::from_secs(20),
        short_timeout: std::time::Duration::from_millis(500),
    };
    tokio::time::timeout(GUARD, until_conditions::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(
        lines,
        [
            "created Deployment web; waiting up to 20s for it to become available",
            "condition 1 of 2 met: Deployment web is there",
            "condition 2 of 2 met: 1/1 replicas available",
            "wait 1: Deployment web is available",
            "created Deployment doomed; deleting it while waiting for it to become available",
            "wait 2 ended with an error: a wait condition failed: Deployment doomed was deleted while waiting",
            "wait 3: no Deployment got the label never-set within 0.5s: timed out (client-go's ErrWaitTimeout)",
        ],
        "{lines:#?}"
    );
}
