//! What a reflector logs, and at which klog verbosity (its events' `v` field): a scripted source on
//! tokio's paused clock. One test in its own binary, because it installs the process's subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, ListMeta, ObjectMeta, WatchEvent};
use clientgo_cache::{FnListWatch, Indexers, SharedIndexInformer, WatchStream};
use futures_util::StreamExt as _;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::Layer;

fn cm(name: &str, rv: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: Some(rv.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// Lists `a` and `b`; the first watch delivers three events and ends, later ones stay open.
fn source() -> FnListWatch<ConfigMap> {
    let watches = Arc::new(Mutex::new(0u32));
    FnListWatch::new(
        |_| {
            Box::pin(async {
                Ok(List {
                    metadata: ListMeta {
                        resource_version: Some("10".into()),
                        ..ListMeta::default()
                    },
                    items: vec![cm("a", "5"), cm("b", "6")],
                    ..List::default()
                })
            })
        },
        move |_| {
            let first = {
                let mut n = watches.lock().unwrap();
                *n += 1;
                *n == 1
            };
            Box::pin(async move {
                Ok(if first {
                    let events = vec![
                        WatchEvent::Added(cm("c", "11")),
                        WatchEvent::Modified(cm("a", "12")),
                        WatchEvent::Deleted(cm("b", "13")),
                    ];
                    futures_util::stream::iter(events.into_iter().map(Ok)).boxed() as WatchStream<ConfigMap>
                } else {
                    futures_util::stream::pending().boxed()
                })
            })
        },
    )
    .without_watch_list()
}

/// One event as `v=N message key=value ...`, values as their `Display` or `Debug` text.
#[derive(Default)]
struct Line {
    v: Option<i64>,
    message: String,
    fields: Vec<String>,
}

impl Visit for Line {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "v" {
            self.v = Some(value);
        } else {
            self.fields.push(format!("{}={value}", field.name()));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.push(format!("{}={value}", field.name()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.fields.push(format!("{}={value:?}", field.name()));
        }
    }
}

/// Records every event as a [`Line`] rendered to text.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut line = Line::default();
        event.record(&mut line);
        let v = line.v.map_or("v=none".to_owned(), |v| format!("v={v}"));
        let text = format!("{v} {} {}", line.message, line.fields.join(" "));
        self.0.lock().unwrap().push(text);
    }
}

#[tokio::test(start_paused = true)]
async fn a_reflector_logs_its_start_lists_resyncs_and_watch_closes_at_client_gos_levels() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(recorder.clone()))
        .expect("the only subscriber of this test binary");

    let informer = SharedIndexInformer::builder(source())
        .resync_period(Some(Duration::from_secs(1)))
        .indexers(Indexers::namespace())
        .reflector_options(|o| o.name("test-source").type_description("*v1.ConfigMap"))
        .build();
    // A resync is forced only when a handler wants one (client-go's `shouldResync`).
    informer
        .add_event_handler(clientgo_cache::ResourceEventHandlerFuncs::default())
        .unwrap();
    let task = tokio::spawn(informer.clone().run());
    informer
        .status()
        .wait_until(|s| s.stats().resyncs() >= 2 && s.stats().rewatches() >= 1)
        .await;
    informer.stop();
    task.await.unwrap();

    let lines: Vec<String> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("reflector=test-source"))
        .cloned()
        .collect();
    // client-go's messages, fields and V levels (klog's `V(n).Info`).
    let start = "v=3 Starting reflector type=*v1.ConfigMap resync_period=1s reflector=test-source";
    let head = [
        start,
        "v=3 Listing and watching type=*v1.ConfigMap reflector=test-source",
        "v=2 Caches populated type=*v1.ConfigMap reflector=test-source",
        "v=4 Watch close reflector=test-source type=*v1.ConfigMap total_items=3",
    ];
    assert_eq!(lines[..4], head, "{lines:#?}");
    let resyncs = lines
        .iter()
        .filter(|l| *l == "v=4 Forcing resync reflector=test-source")
        .count();
    assert_eq!(resyncs, 2, "{lines:#?}");
    assert_eq!(lines.last().unwrap(), &start.replace("Starting", "Stopping"));
    // One list for the whole run: a resync replays the cache, and a closed watch is reopened
    // without listing again.
    let lists = lines
        .iter()
        .filter(|l| l.contains("Listing and watching"))
        .count();
    assert_eq!(lists, 1, "{lines:#?}");
    assert_eq!(informer.status().stats().relists(), 0);
    assert_eq!(informer.status().stats().resyncs(), 2);
}
