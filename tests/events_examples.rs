//! Runs the events example's `run` against the embedded API server and checks what it reports.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/events_recorder.rs"]
mod events_recorder;

mod support;

use clientgo_example::NoArgs;
use support::GUARD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_recorder_folds_repeats_combines_similar_and_filters_spam() {
    let session = support::session("events_recorder").await;
    tokio::time::timeout(GUARD, events_recorder::run(&session, &NoArgs {}))
        .await
        .unwrap()
        .unwrap();
    // The Events live in the example's namespace and go with it.
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert!(
        lines[0].starts_with(
            "watching /apis/events.k8s.io/v1/namespaces/events-recorder/events from resourceVersion "
        ),
        "{lines:#?}"
    );
    assert_eq!(
        lines[1..3],
        [
            "recording on configmap events-demo: 1 Created, 100 identical Synced, 30 BackOff warnings differing in their note",
            "recording on configmap events-demo-noisy: 40 different events",
        ]
    );
    // 1 Created + 1 Synced + 10 BackOff + 1 combined on the first object, 25 on the noisy one.
    let recorded = &lines[3];
    assert!(
        recorded.starts_with("recorded 171 events: 38 created, "),
        "{lines:#?}"
    );
    assert!(
        recorded.ends_with(", 15 dropped by the spam filter"),
        "{lines:#?}"
    );
    let patches: u64 = recorded
        .split(", ")
        .nth(1)
        .and_then(|p| p.strip_suffix(" series patches"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (2..=30).contains(&patches),
        "repeats are coalesced into few patches: {lines:#?}"
    );
    // What reached the server: one write per created Event and per patch, nothing more.
    assert_eq!(
        lines[4..],
        [
            format!("watch saw 38 ADDED and {patches} MODIFIED"),
            "events-demo-noisy: 25 Event objects (40 recorded)".to_owned(),
            "events-demo: 13 Event objects, the largest:".to_owned(),
            "  Normal   Synced   x100  configuration is up to date".to_owned(),
            "  Warning  BackOff  x20   (combined from similar events): retry 10 failed".to_owned(),
            "  Normal   Created  x1    created by the events demo".to_owned(),
        ]
    );
}
