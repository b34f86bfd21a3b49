//! Seed 004 "Events resource" (S004:L31-38): Events are the human-readable messages controllers
//! leave on objects (`kubectl describe` shows them; the API server forgets them after
//! `--event-ttl`, 1 h). This example records Events about a ConfigMap with the library's
//! `EventRecorder` (client-go `tools/record`, written as events.k8s.io/v1) and shows what the
//! EventCorrelator spares the server: 100 identical events become one Event whose series count is
//! 100; 30 warnings that differ only in their note become 10 Events plus one "(combined from
//! similar events)" Event counting the other 20; and the spam filter lets at most 25 writes per
//! object through (then one per 5 minutes), shown on a second ConfigMap with 40 different events.
//! A watch on `/apis/events.k8s.io/v1/namespaces/<ns>/events` counts what actually reached the
//! server.
//!
//! The ConfigMaps and their Events live in the example's own namespace.
//!
//! Run: `cargo run --example events_recorder [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::api::core::v1::ConfigMap;
use clientgo::api::events::v1::Event;
use clientgo::apimachinery::WatchEvent;
use clientgo::kubernetes::{Clientset, ListOptions, ResourceClient, WriteOptions};
use clientgo::tools::record::{
    get_reference, BroadcasterOptions, EventBroadcaster, EventRecorder, EventType,
};
use clientgo_example::{outln, BoxError, NoArgs, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use futures_util::{Stream, StreamExt as _};

/// The ConfigMap the correlator's folding is shown on.
pub const DEMO: &str = "events-demo";
/// The ConfigMap the spam filter is shown on.
pub const NOISY: &str = "events-demo-noisy";

/// The series count of an events.k8s.io Event (1 when it has no series).
fn count(e: &Event) -> i64 {
    e.series
        .as_ref()
        .and_then(|s| s.parse::<serde_json::Value>().ok())
        .and_then(|s| s["count"].as_i64())
        .unwrap_or(1)
}

/// Creates a ConfigMap labelled as the examples' own.
async fn create_config_map(api: &ResourceClient<ConfigMap>, name: &str) -> Result<ConfigMap, BoxError> {
    let mut cm = ConfigMap::new(name);
    cm.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
    Ok(api.create(&cm, &WriteOptions::default()).await?)
}

/// Records the demo's 171 events: 1 + 100 identical + 30 similar on `demo`, 40 different on `noisy`.
fn record(out: &Out, recorder: &EventRecorder, demo: &ConfigMap, noisy: &ConfigMap) {
    let demo = get_reference(demo);
    outln!(out, "recording on configmap {DEMO}: 1 Created, 100 identical Synced, 30 BackOff warnings differing in their note");
    recorder.event(&demo, EventType::Normal, "Created", "created by the events demo");
    for _ in 0..100 {
        recorder.event(&demo, EventType::Normal, "Synced", "configuration is up to date");
    }
    for i in 0..30 {
        recorder.eventf(
            &demo,
            EventType::Warning,
            "BackOff",
            format_args!("retry {i} failed"),
        );
    }
    outln!(out, "recording on configmap {NOISY}: 40 different events");
    let noisy = get_reference(noisy);
    for i in 0..40 {
        recorder.event(&noisy, EventType::Normal, &format!("Step{i}"), "step done");
    }
}

/// Counts the ADDED and MODIFIED events of `watch` until `writes` of them have arrived.
async fn count_writes<S>(mut watch: S, writes: u64) -> Result<(u64, u64), BoxError>
where
    S: Stream<Item = Result<WatchEvent<Event>, clientgo::rest::Error>> + Unpin,
{
    let (mut added, mut modified) = (0, 0);
    while added + modified < writes {
        match watch.next().await {
            Some(Ok(WatchEvent::Added(_))) => added += 1,
            Some(Ok(WatchEvent::Modified(_))) => modified += 1,
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => {
                return Err(format!(
                    "the watch ended after {added} ADDED and {modified} MODIFIED of {writes} writes"
                )
                .into())
            }
        }
    }
    Ok((added, modified))
}

/// Prints how many Events the server stored per ConfigMap, and the largest of `demo`'s.
async fn print_stored(out: &Out, events: &ResourceClient<Event>) -> Result<(), BoxError> {
    let mut stored = events.list(&ListOptions::default()).await?.items;
    let about = |e: &Event, name: &str| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name);
    let noisy = stored.iter().filter(|e| about(e, NOISY)).count();
    outln!(out, "{NOISY}: {noisy} Event objects (40 recorded)");
    stored.retain(|e| about(e, DEMO));
    stored.sort_by_key(|e| std::cmp::Reverse(count(e)));
    outln!(out, "{DEMO}: {} Event objects, the largest:", stored.len());
    for e in stored.iter().take(3) {
        outln!(
            out,
            "  {:<8} {:<8} x{:<4} {}",
            e.type_.as_deref().unwrap_or(""),
            e.reason.as_deref().unwrap_or(""),
            count(e),
            e.note.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

/// Records the demo's events and reports what the server stored.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    // The 40 writes below would take 6 s at client-go's default 5 QPS.
    let mut config = session.config().clone();
    (config.qps, config.burst) = (50.0, 100);
    let cs = Clientset::new(&config)?;
    let cms = cs.core_v1().config_maps(ns);
    let demo = create_config_map(&cms, DEMO).await?;
    let noisy = create_config_map(&cms, NOISY).await?;
    let events = cs.resource::<Event>(Some(ns));
    let start_rv = events
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    outln!(
        out,
        "watching /apis/events.k8s.io/v1/namespaces/{ns}/events from resourceVersion {start_rv}"
    );
    let watch = events
        .watch(&ListOptions::default().resource_version(&start_rv))
        .await?
        .boxed();

    let broadcaster = EventBroadcaster::new(&cs, BroadcasterOptions::default());
    let recorder = broadcaster.new_recorder("example.com/events-demo", "events-demo-0");
    record(out, &recorder, &demo, &noisy);
    broadcaster.shutdown().await;
    let stats = broadcaster.stats();
    outln!(
        out,
        "recorded 171 events: {} created, {} series patches, {} repeats coalesced, {} dropped by the spam filter",
        stats.created,
        stats.patched,
        stats.coalesced,
        stats.dropped_spam
    );
    // Every write the server saw, as a watch on the events resource sees it.
    let (added, modified) = tokio::select! {
        counted = count_writes(watch, stats.created + stats.patched) => counted?,
        () = session.interrupted() => return Ok(()),
    };
    outln!(out, "watch saw {added} ADDED and {modified} MODIFIED");
    print_stored(out, &events).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
