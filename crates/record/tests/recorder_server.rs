//! The EventRecorder against the embedded API server.

use std::time::Duration;

use clientgo_api::core::v1::{ConfigMap, Event as CoreEvent};
use clientgo_api::events::v1::Event;
use clientgo_apimachinery::SharedStr;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, ListOptions, WriteOptions};
use clientgo_record::{get_reference, BroadcasterOptions, EventBroadcaster, EventType, COMBINED_PREFIX};
use serde_json::{json, Value};

const GUARD: Duration = Duration::from_secs(30);

fn clientset(server: &ApiServer) -> Clientset {
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    Clientset::new(&config).unwrap()
}

async fn config_map(cs: &Clientset, name: &str) -> ConfigMap {
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    cs.core_v1()
        .config_maps("default")
        .create(&cm, &WriteOptions::default())
        .await
        .unwrap()
}

async fn events(cs: &Clientset) -> Vec<Event> {
    cs.resource::<Event>(Some("default"))
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
}

fn series_count(e: &Event) -> i64 {
    e.series
        .as_ref()
        .map_or(1, |s| s.parse::<Value>().unwrap()["count"].as_i64().unwrap())
}

#[tokio::test]
async fn an_event_is_written_as_events_k8s_io_v1_with_every_field() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    recorder.eventf(
        &get_reference(&cm),
        EventType::Warning,
        "SyncFailed",
        format_args!("attempt {}", 1),
    );
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();

    let all = events(&cs).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let e = &all[0];
    assert!(e.metadata.name.as_deref().unwrap().starts_with("cfg."));
    assert_eq!(e.reporting_controller.as_deref(), Some("example.com/demo"));
    assert_eq!(e.reporting_instance.as_deref(), Some("demo-0"));
    assert_eq!(
        (e.reason.as_deref(), e.action.as_deref()),
        (Some("SyncFailed"), Some("SyncFailed"))
    );
    assert_eq!(
        (e.type_.as_deref(), e.note.as_deref()),
        (Some("Warning"), Some("attempt 1"))
    );
    let regarding = e.regarding.as_ref().unwrap();
    assert_eq!(regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(regarding.uid, cm.metadata.uid);
    assert!(e.event_time.is_some());
    assert_eq!(broadcaster.stats().created, 1);
    assert!(!broadcaster.uses_core_v1());
}

#[tokio::test]
async fn annotated_events_carry_their_annotations() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    let annotations = [("example.com/trace".to_owned(), "abc".to_owned())].into();
    recorder.annotated_eventf(
        &get_reference(&cm),
        annotations,
        EventType::Normal,
        "Synced",
        format_args!("ok"),
    );
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();
    let all = events(&cs).await;
    assert_eq!(
        all[0]
            .metadata
            .annotations
            .get("example.com/trace")
            .map(SharedStr::as_str),
        Some("abc")
    );
}

#[tokio::test]
async fn repeats_grow_one_series_by_patch_instead_of_new_objects() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    let r = get_reference(&cm);
    for _ in 0..20 {
        recorder.event(&r, EventType::Normal, "Synced", "all good");
    }
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();

    let all = events(&cs).await;
    assert_eq!(all.len(), 1, "one object for twenty identical events");
    assert_eq!(series_count(&all[0]), 20);
    let stats = broadcaster.stats();
    assert_eq!(stats.created, 1);
    assert!(stats.patched >= 1 && stats.patched <= 19, "{stats:?}");
    assert_eq!(stats.patched + stats.coalesced, 19, "{stats:?}");
}

#[tokio::test]
async fn similar_events_past_ten_notes_are_combined_into_one() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    let r = get_reference(&cm);
    for i in 0..30 {
        recorder.eventf(&r, EventType::Warning, "Failed", format_args!("attempt {i}"));
    }
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();

    // Ten distinct notes, then one combined event counting the other twenty.
    let all = events(&cs).await;
    assert_eq!(all.len(), 11, "{all:#?}");
    let combined: Vec<&Event> = all
        .iter()
        .filter(|e| e.note.as_deref().is_some_and(|n| n.starts_with(COMBINED_PREFIX)))
        .collect();
    assert_eq!(combined.len(), 1);
    assert_eq!(
        combined[0].note.as_deref(),
        Some("(combined from similar events): attempt 10")
    );
    assert_eq!(series_count(combined[0]), 20);
}

#[tokio::test]
async fn the_spam_filter_lets_25_writes_through_per_object() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    let r = get_reference(&cm);
    for i in 0..30 {
        recorder.event(&r, EventType::Normal, &format!("Step{i}"), "done");
    }
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();
    assert_eq!(events(&cs).await.len(), 25);
    assert_eq!(broadcaster.stats().dropped_spam, 5);
}

#[tokio::test]
async fn without_events_k8s_io_the_recorder_falls_back_to_core_v1() {
    let server = ApiServer::builder()
        .disable_api("events.k8s.io", "v1")
        .start()
        .await
        .unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    let r = get_reference(&cm);
    for _ in 0..3 {
        recorder.event(&r, EventType::Normal, "Synced", "all good");
    }
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();

    assert!(broadcaster.uses_core_v1());
    let all = cs
        .core_v1()
        .events("default")
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), 1, "{all:?}");
    let e: &CoreEvent = &all[0];
    assert_eq!(e.count, Some(3));
    assert_eq!(e.source.component.as_deref(), Some("example.com/demo"));
    assert_eq!(e.involved_object.name.as_deref(), Some("cfg"));
    assert_eq!(e.message.as_deref(), Some("all good"));
}

#[tokio::test]
async fn a_stalled_server_never_blocks_the_recorder() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let options = BroadcasterOptions {
        queue_capacity: 8,
        max_tries: 1,
        write_timeout: Duration::from_millis(300),
        ..BroadcasterOptions::default()
    };
    let broadcaster = EventBroadcaster::new(&cs, options);
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    server.faults().stall_next_requests(1);
    let mut r = get_reference(&cm);
    // Distinct objects, so the spam filter lets every one through; the queue holds eight.
    for i in 0..200 {
        r.name = Some(format!("cfg-{i}").into());
        recorder.event(&r, EventType::Normal, "Synced", "ok");
    }
    let dropped = broadcaster.stats().dropped_queue_full;
    assert!(
        dropped >= 150,
        "recording returned at once and dropped the overflow: {dropped}"
    );
    tokio::time::timeout(GUARD, broadcaster.flush()).await.unwrap();
    let stats = broadcaster.stats();
    assert_eq!(stats.failed, 1, "the stalled write timed out: {stats:?}");
    assert_eq!(
        stats.created + stats.failed + stats.dropped_queue_full,
        200,
        "{stats:?}"
    );
    assert_eq!(events(&cs).await.len() as u64, stats.created);
}

#[tokio::test]
async fn shutdown_writes_what_is_queued_then_drops_later_events() {
    let server = ApiServer::start().await.unwrap();
    let cs = clientset(&server);
    let cm = config_map(&cs, "cfg").await;
    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/demo", "demo-0");
    let mut r = get_reference(&cm);
    for i in 0..5 {
        r.name = Some(format!("cfg-{i}").into());
        recorder.event(&r, EventType::Normal, "Synced", "ok");
    }
    tokio::time::timeout(GUARD, broadcaster.shutdown()).await.unwrap();
    assert_eq!(events(&cs).await.len(), 5);
    recorder.event(&r, EventType::Normal, "Later", "dropped");
    assert_eq!(broadcaster.stats().dropped_queue_full, 1);
}
