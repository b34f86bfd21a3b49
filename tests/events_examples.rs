//! Runs the events example's `run` against the embedded API server and checks what it reports.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/events_recorder.rs"]
mod events_recorder;

use clientgo_apiserver::ApiServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_recorder_folds_repeats_combines_similar_and_filters_spam() {
    let s = ApiServer::start().await.unwrap();
    let lines = events_recorder::run(s.kubeconfig_path()).await.unwrap();
    // 1 Created + 1 Synced + 10 BackOff + 1 combined on the first object, 25 on the noisy one.
    let first = &lines[0];
    assert!(
        first.starts_with("recorded 171 events: 38 created, "),
        "{lines:?}"
    );
    assert!(first.ends_with(", 15 dropped by the spam filter"), "{lines:?}");
    let patches: u64 = first
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (2..=30).contains(&patches),
        "repeats are coalesced into few patches: {lines:?}"
    );
    assert_eq!(lines[1], format!("watch saw 38 ADDED and {patches} MODIFIED"));
    assert_eq!(lines[2], "events-demo-noisy: 25 Event objects (40 recorded)");
    assert_eq!(lines[3], "events-demo: 13 Event objects, the largest:");
    assert_eq!(lines[4], "  Normal   Synced   x100  configuration is up to date");
    assert_eq!(
        lines[5],
        "  Warning  BackOff  x20   (combined from similar events): retry 10 failed"
    );
    assert_eq!(lines[6], "  Normal   Created  x1    created by the events demo");
}
