//! Seed 004 §"Events resource": Events are the human-readable messages controllers leave on
//! objects (`kubectl describe` shows them; the API server forgets them after `--event-ttl`, 1 h).
//! This example records Events about a ConfigMap with the library's `EventRecorder` (client-go
//! `tools/record`, written as events.k8s.io/v1) and shows what the EventCorrelator spares the
//! server: 100 identical events become one Event whose series count is 100; 30 warnings that
//! differ only in their note become 10 Events plus one "(combined from similar events)" Event
//! counting the other 20; and the spam filter lets at most 25 writes per object through
//! (then one per 5 minutes), shown on a second ConfigMap with 40 different events. A watch on
//! `/apis/events.k8s.io/v1/namespaces/default/events` counts what actually reached the server.
//!
//! Run: `cargo run --example events_recorder [-- --kubeconfig PATH]`

use std::error::Error;
use std::path::Path;

use clientgo::api::core::v1::ConfigMap;
use clientgo::api::events::v1::Event;
use clientgo::apimachinery::WatchEvent;
use clientgo::kubernetes::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use clientgo::tools::clientcmd;
use clientgo::tools::record::{get_reference, BroadcasterOptions, EventBroadcaster, EventType};
use futures_util::StreamExt;

/// The series count of an events.k8s.io Event (1 when it has no series).
fn count(e: &Event) -> i64 {
    e.series
        .as_ref()
        .and_then(|s| s.parse::<serde_json::Value>().ok())
        .and_then(|s| s["count"].as_i64())
        .unwrap_or(1)
}

/// Records the demo's events and reports what the server stored.
pub async fn run(kubeconfig: &Path) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let mut config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    // The 40 writes below would take 6 s at client-go's default 5 QPS.
    (config.qps, config.burst) = (50.0, 100);
    let cs = Clientset::new(&config)?;
    let cms = cs.core_v1().config_maps("default");
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": "events-demo"}}))?;
    let cm = cms.create(&cm, &WriteOptions::default()).await?;
    let events = cs.resource::<Event>(Some("default"));
    let start_rv = events
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let mut watch = Box::pin(
        events
            .watch(&ListOptions::default().resource_version(&start_rv))
            .await?,
    );

    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/events-demo", "events-demo-0");
    let regarding = get_reference(&cm);
    recorder.event(
        &regarding,
        EventType::Normal,
        "Created",
        "created by the events demo",
    );
    for _ in 0..100 {
        recorder.event(
            &regarding,
            EventType::Normal,
            "Synced",
            "configuration is up to date",
        );
    }
    for i in 0..30 {
        recorder.eventf(
            &regarding,
            EventType::Warning,
            "BackOff",
            format_args!("retry {i} failed"),
        );
    }
    let noisy: ConfigMap =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "events-demo-noisy"}}))?;
    let noisy = get_reference(&cms.create(&noisy, &WriteOptions::default()).await?);
    for i in 0..40 {
        recorder.event(&noisy, EventType::Normal, &format!("Step{i}"), "step done");
    }
    broadcaster.shutdown().await;
    let stats = broadcaster.stats();

    let mut lines = vec![format!(
        "recorded 171 events: {} created, {} series patches, {} repeats coalesced, {} dropped by the spam filter",
        stats.created, stats.patched, stats.coalesced, stats.dropped_spam
    )];
    // Every write the server saw, as a watch on the events resource sees it.
    let (mut added, mut modified) = (0, 0);
    let writes = stats.created + stats.patched;
    while added + modified < writes {
        match watch.next().await {
            Some(Ok(WatchEvent::Added(_))) => added += 1,
            Some(Ok(WatchEvent::Modified(_))) => modified += 1,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => break,
        }
    }
    lines.push(format!("watch saw {added} ADDED and {modified} MODIFIED"));
    let mut stored = events.list(&ListOptions::default()).await?.items;
    let about = |e: &Event, name: &str| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name);
    let noisy_count = stored.iter().filter(|e| about(e, "events-demo-noisy")).count();
    stored.retain(|e| about(e, "events-demo"));
    stored.sort_by_key(|e| std::cmp::Reverse(count(e)));
    lines.push(format!(
        "events-demo-noisy: {noisy_count} Event objects (40 recorded)"
    ));
    lines.push(format!(
        "events-demo: {} Event objects, the largest:",
        stored.len()
    ));
    for e in stored.iter().take(3) {
        lines.push(format!(
            "  {:<8} {:<8} x{:<4} {}",
            e.type_.as_deref().unwrap_or(""),
            e.reason.as_deref().unwrap_or(""),
            count(e),
            e.note.as_deref().unwrap_or("")
        ));
    }
    for name in ["events-demo", "events-demo-noisy"] {
        cms.delete(name, &DeleteOptions::default()).await?;
    }
    Ok(lines)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    for l in run(target.kubeconfig_path()).await? {
        println!("{l}");
    }
    Ok(())
}
