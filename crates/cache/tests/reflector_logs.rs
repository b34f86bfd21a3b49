//! What a reflector logs, rendered by klog's layer at the verbosity client-go logs it at: a scripted
//! source on tokio's paused clock. One test in its own binary, because it installs the process's
//! subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, ListMeta, ObjectMeta, WatchEvent};
use clientgo_cache::{FnListWatch, Indexers, SharedIndexInformer, WatchStream};
use clientgo_log::{KlogLayer, Verbosity};
use futures_util::StreamExt as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

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
}

/// The lines a klog layer wrote, without their headers (`I0102 15:04:05.000000  42 file:line] `).
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn messages(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| l.split_once("] ").map_or(l, |(_, m)| m).to_owned())
            .collect()
    }
}

impl std::io::Write for Lines {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Lines;
    fn make_writer(&'a self) -> Lines {
        self.clone()
    }
}

#[tokio::test(start_paused = true)]
async fn a_reflector_logs_its_start_lists_resyncs_and_watch_closes_at_client_gos_levels() {
    let (v2, v4) = (Lines::default(), Lines::default());
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(KlogLayer::new(Verbosity::new(2), v2.clone()))
            .with(KlogLayer::new(Verbosity::new(4), v4.clone())),
    )
    .expect("the only subscriber of this test binary");

    let informer = SharedIndexInformer::new(source(), Some(Duration::from_secs(1)), Indexers::namespace())
        .with_reflector_options(|o| o.name("test-source").type_description("*v1.ConfigMap"));
    let task = tokio::spawn(informer.clone().run());
    informer
        .status()
        .wait_until(|s| s.stats().resyncs() >= 2 && s.stats().rewatches() >= 1)
        .await;
    informer.stop();
    task.await.unwrap();

    let ours = |l: &&String| l.contains("reflector=\"test-source\"");
    let v4: Vec<String> = v4.messages().iter().filter(ours).cloned().collect();
    let head = [
        r#""Starting reflector" type="*v1.ConfigMap" resync_period="1s" reflector="test-source""#,
        r#""Listing and watching" type="*v1.ConfigMap" reflector="test-source""#,
        r#""Caches populated" type="*v1.ConfigMap" reflector="test-source""#,
        r#""Watch close" reflector="test-source" type="*v1.ConfigMap" total_items=3"#,
    ];
    assert_eq!(v4[..4], head, "{v4:#?}");
    let resyncs = v4
        .iter()
        .filter(|l| *l == r#""Forcing resync" reflector="test-source""#)
        .count();
    assert_eq!(resyncs, 2, "{v4:#?}");
    assert_eq!(
        v4.last().unwrap(),
        r#""Stopping reflector" type="*v1.ConfigMap" resync_period="1s" reflector="test-source""#
    );
    // One list for the whole run: a resync replays the cache and a closed watch is reopened
    // without listing again.
    assert_eq!(
        v4.iter().filter(|l| l.contains("Listing and watching")).count(),
        1
    );
    assert_eq!(informer.status().stats().relists(), 0);

    // At -v 2 only the V(2) line is shown.
    let v2: Vec<String> = v2.messages().iter().filter(ours).cloned().collect();
    assert_eq!(v2, [head[2]]);
}
