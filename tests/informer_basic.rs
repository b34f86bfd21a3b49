//! Runs informer_basic against the embedded API server (scaled down: a one-second resync period and
//! one-second watches) and checks what it shows: the pods' addresses, the activity's events, the
//! reflector's log lines, and resyncs that replay the cache without a request. Its own test binary,
//! because the example installs the process's tracing subscriber.

mod support;

#[path = "../examples/informer_basic.rs"]
#[allow(dead_code)] // `main` is unused here.
mod informer_basic;

use support::GUARD;

/// The value of `key="..."` in a handler line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line.find(&format!(" {key}=\"")).map(|i| i + key.len() + 3);
    start
        .and_then(|s| line[s..].find('"').map(|e| &line[s..s + e]))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

/// Positions of the lines containing every one of `parts`.
fn positions(lines: &[String], parts: &[&str]) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| parts.iter().all(|p| l.contains(p)))
        .map(|(i, _)| i)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_basic_shows_addresses_events_reflector_logs_and_resyncs_without_requests() {
    let session = support::session("informer_basic").await;
    let args = informer_basic::Args {
        verbosity: 6,
        resync_period: 1,
        resyncs: 2,
        watch_timeout: 1,
    };
    tokio::time::timeout(GUARD, informer_basic::run(&session, &args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let all = lines.join("\n");

    // The reflector starts with the type and the resync period, lists all pods in pages of 500 from
    // any cached state, and only then has its cache populated.
    let start = positions(
        &lines,
        &["\"Starting reflector\"", "*v1.Pod", "resync_period=", "1s"],
    );
    let listing = positions(&lines, &["\"Listing and watching\"", "*v1.Pod"]);
    let list = positions(
        &lines,
        &["GET http", "/api/v1/pods?limit=500&resourceVersion=0 200 OK"],
    );
    let populated = positions(&lines, &["\"Caches populated\"", "*v1.Pod"]);
    assert_eq!(
        (start.len(), listing.len(), list.len(), populated.len()),
        (1, 1, 1, 1),
        "{all}"
    );
    assert!(
        start[0] < listing[0] && listing[0] < list[0] && list[0] < populated[0],
        "{all}"
    );

    // Each kube-system pod arrives in the initial list; on host networking podIP == hostIP.
    let initial: Vec<&String> = lines.iter().filter(|l| l.ends_with("(initial list)")).collect();
    assert_eq!(initial.len(), 8, "{all}");
    for line in &initial {
        let (pod_ip, host_ip) = (field(line, "podIP"), field(line, "hostIP"));
        assert_eq!(host_ip, "172.18.0.2", "{line}");
        assert_eq!(line.contains("hostNetwork=true"), pod_ip == host_ip, "{line}");
    }
    assert!(
        lines.contains(
            &"\"Add new pod to Store\" name=\"kube-system/etcd-control-plane\" podIP=\"172.18.0.2\" \
              node=\"control-plane\" hostIP=\"172.18.0.2\" hostNetwork=true (initial list)"
                .to_owned()
        ),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("kube-system/coredns-5d78c9869d-4xkqz\" podIP=\"10.244.0.2\"")),
        "{all}"
    );

    // The activity: each pod added, started (an update with a new resourceVersion), deleted.
    for pod in informer_basic::POD_NAMES {
        let name = format!("\"informer-basic/{pod}\"");
        let add = positions(&lines, &["\"Add new pod to Store\"", &name]);
        let update = positions(&lines, &["\"Update pod\"", &name, "phase=Running"]);
        let delete = positions(&lines, &["\"Delete pod\"", &name]);
        assert_eq!((add.len(), update.len(), delete.len()), (1, 1, 1), "{pod}: {all}");
        assert!(add[0] < update[0] && update[0] < delete[0], "{pod}: {all}");
    }

    // Resyncs: after the activity, each cached pod is handed to Update with old == new, once per
    // round, and no resync makes a request. The informer's requests for the pods of all
    // namespaces are its one list and its watches, one more each time the server closed a watch.
    let resyncs = positions(&lines, &["\"Forcing resync\""]);
    assert!(resyncs.len() >= 2, "{all}");
    let etcd_resyncs = positions(
        &lines,
        &["\"Update pod\" old=\"kube-system/etcd-control-plane\" new=\"kube-system/etcd-control-plane\" (resync: old == new"],
    );
    assert!(etcd_resyncs.len() >= 2, "{all}");
    let closes = positions(&lines, &["\"Watch close\"", "*v1.Pod", "total_items="]);
    assert!(!closes.is_empty(), "{all}");
    let watches = positions(&lines, &["GET http", "/api/v1/pods?allowWatchBookmarks=true"]).len();
    let collection_requests = positions(&lines, &["GET http", "/api/v1/pods?"]).len();
    assert!(
        watches == closes.len() || watches == closes.len() + 1,
        "{watches} watches, {} closes: {all}",
        closes.len()
    );
    assert_eq!(collection_requests, 1 + watches, "{all}");
    let summary = positions(
        &lines,
        &[
            "resync rounds replayed the cache as updates with old == new; requests for them: none",
            "listed 1 time(s)",
        ],
    );
    assert_eq!(summary.len(), 1, "{all}");
}
