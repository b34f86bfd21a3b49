//! Measures an informer's initial sync of many realistic pods from the embedded server, and the
//! informer's event throughput. Figures go to docs/performance.md ("Informers (tools/cache)").
//!
//! `cargo run --release --example informer_sync_measure -- [--pods N] [--strip]` seeds N pods
//! (default 50,000, shaped like fixtures/bench/pod.json, each with its own name, uid,
//! resourceVersion and IP, spread over 200 nodes), then syncs a SharedIndexInformer
//! over all namespaces and prints wall time, CPU time (user+system from /proc/self/stat), the
//! process's peak RSS during the sync (VmHWM after resetting it through /proc/self/clear_refs) and
//! the cache's resident bytes per pod beside the pod's JSON size. `--strip` adds the
//! strip-managedFields transform, `--watch-list` uses a streaming list. `--throughput` instead pushes events through an informer with
//! 1 and 8 handlers from an in-memory source (1,000 pods modified over and over) and prints
//! events/s until every handler has seen every pod's last state, for each path from the
//! reflector to the handlers in one run: direct (the default), a DeltaFifo and a RealFifo
//! (`SharedIndexInformerBuilder::queue`), with each queue's rate as a ratio to the direct path's.
//! `--watch-consume [--events N]` instead measures docs/baselines.md's watch-consume: one
//! typed pod watch receiving N (default 100,000) MODIFIED events back to back.
//!
//! The server runs in the same process; its own memory is in the baseline taken before the sync.

use std::error::Error;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{List, ListMeta, WatchEvent};
use clientgo::kubernetes::Clientset;
use clientgo::tools::cache::{
    strip_managed_fields, FnListWatch, Indexers, ListWatch, QueueKind, ResourceEventHandlerFuncs,
    SharedIndexInformer, WatchStream,
};
use futures_util::StreamExt as _;

/// Counts live heap bytes and their peak, so the cache's own size is measured exactly (RSS keeps
/// freed pages, so after a large sync it overstates the steady state).
struct Counting;

static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed) + layout.size() as u64;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// User + system CPU time of the process (clock ticks of 10 ms, the Linux default).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, starting with field 3 (state): utime is field 14, stime 15.
    let after: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let field = |n: usize| after.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(14) + field(15);
    Duration::from_millis(ticks * 10)
}

/// What to measure (one of three modes) and its size.
#[derive(Debug, clap::Parser)]
#[command(name = "informer_sync_measure")]
struct Cli {
    /// Pods to seed for the initial-sync measurement.
    #[arg(long, default_value_t = 50_000)]
    pods: usize,
    /// Add the strip-managedFields transform to the synced informer.
    #[arg(long)]
    strip: bool,
    /// Sync with a streaming list (sendInitialEvents) instead of list+watch.
    #[arg(long)]
    watch_list: bool,
    /// Measure the informer's event throughput from an in-memory source instead.
    #[arg(long, conflicts_with = "watch_consume")]
    throughput: bool,
    /// Measure one typed watch consuming MODIFIED events instead.
    #[arg(long)]
    watch_consume: bool,
    /// Events to push: default 200,000 with --throughput, 100,000 with --watch-consume.
    #[arg(long)]
    events: Option<u64>,
}

/// The bench pod (fixtures/bench/pod.json) without what the server assigns.
fn bench_pod_template() -> Result<serde_json::Value, Box<dyn Error + Send + Sync>> {
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench/pod.json"))?;
    let mut template: serde_json::Value = serde_json::from_str(&fixture)?;
    let meta = template["metadata"]
        .as_object_mut()
        .ok_or("fixture has no metadata")?;
    for k in ["uid", "resourceVersion", "creationTimestamp", "namespace"] {
        meta.remove(k);
    }
    Ok(template)
}

/// docs/baselines.md's watch-consume: one typed watch receiving `events` MODIFIED events of
/// one bench pod back to back, replayed by the server from its event log, each decoded into a
/// `Pod`. Prints MB/s, events/s and the process's CPU time (the server's writing of pre-serialized
/// events included).
// The store's update closure returns the API's `Status` as is, like benches/apiserver.rs.
#[allow(clippy::result_large_err)]
async fn watch_consume_measure(events: usize) -> Result<(), Box<dyn Error + Send + Sync>> {
    let mut pod = bench_pod_template()?;
    pod["metadata"]["name"] = "web-000000".into();
    let server = clientgo_apiserver::ApiServer::builder()
        .max_events(events + 10)
        .start()
        .await?;
    let mut pod = server
        .create("", "v1", "pods", Some("default"), pod)
        .map_err(|s| format!("create: {s:?}"))?;
    let from = server.resource_version();
    // The revisions go straight into the store, as in benches/apiserver.rs: the API path
    // (validation, managedFields) is not what this measures.
    let resource: Arc<str> = Arc::from("pods");
    let mut frame_bytes = 0usize;
    let seed_start = Instant::now();
    for i in 0..events {
        pod["metadata"]["annotations"]["bench.example.com/revision"] = i.to_string().into();
        let stored = server
            .store()
            .guaranteed_update(&resource, "default/web-000000", &[], |_| {
                Ok(clientgo_apiserver::store::Outcome::Put(pod.clone()))
            })
            .map_err(|s| format!("update: {s:?}"))?;
        // `{"type":"MODIFIED","object":` + object + `}` + newline.
        frame_bytes += 29 + stored.object.bytes().len() + 2;
    }
    println!("seeded {events} updates in {:.1?}", seed_start.elapsed());
    let mut config = clientgo::rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config)?;
    let mut opts = clientgo::kubernetes::ListOptions::default();
    opts.resource_version = from.to_string();
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let mut stream = Box::pin(cs.core_v1().pods("default").watch(&opts).await?);
    let mut received = 0usize;
    while received < events {
        match stream.next().await {
            Some(Ok(WatchEvent::Modified(pod))) => {
                received += 1;
                std::hint::black_box(&pod);
            }
            Some(Ok(other)) => return Err(format!("unexpected event {other:?}").into()),
            Some(Err(e)) => return Err(e.into()),
            None => return Err(format!("the watch ended after {received} events").into()),
        }
    }
    let wall = t0.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    println!(
        "watch-consume: {events} MODIFIED pod events, {:.0} MB, in {wall:.2?} = {:.0} MB/s, {:.0} events/s, cpu {cpu:.2?}",
        frame_bytes as f64 / 1e6,
        frame_bytes as f64 / 1e6 / wall.as_secs_f64(),
        events as f64 / wall.as_secs_f64()
    );
    Ok(())
}

async fn sync_measure(
    pods: usize,
    strip: bool,
    watch_list: bool,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let template = bench_pod_template()?;
    let server = clientgo_apiserver::ApiServer::start().await?;
    let seed_start = Instant::now();
    for i in 0..pods {
        let mut p = template.clone();
        p["metadata"]["name"] = format!("web-{i:06}").into();
        // What differs between real pods of one Deployment besides name, uid and resourceVersion:
        // each pod's IP, and the node (with its IP) it runs on.
        let ip = format!("10.244.{}.{}", (i / 250) % 256, i % 250 + 1);
        p["status"]["podIP"] = ip.clone().into();
        p["status"]["podIPs"][0]["ip"] = ip.into();
        p["spec"]["nodeName"] = format!("node-{:04}", i % 200).into();
        p["status"]["hostIP"] = format!("10.0.0.{}", i % 200 + 1).into();
        server
            .create("", "v1", "pods", Some("default"), p)
            .map_err(|s| format!("seed: {s:?}"))?;
    }
    let json_bytes = {
        let mut p = template.clone();
        p["metadata"]["name"] = "web-000000".into();
        serde_json::to_vec(
            &server
                .create("", "v1", "pods", Some("kube-public"), p)
                .map_err(|s| format!("{s:?}"))?,
        )?
        .len()
    };
    println!(
        "seeded {pods} pods in {:.1?}; one pod is {json_bytes} bytes of compact JSON",
        seed_start.elapsed()
    );

    let mut config = clientgo::rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config)?;
    let mut builder = SharedIndexInformer::builder(ListWatch::new(cs.core_v1().pods("")))
        .indexers(Indexers::namespace())
        .reflector_options(|o| o.use_watch_list(watch_list));
    if strip {
        builder = builder.transform(Arc::new(strip_managed_fields::<Pod>));
    }
    let informer = builder.build();
    // Baseline: the server with its pods, and the client's code; then reset the peak.
    let baseline_kb = proc_status_kb("VmRSS:");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let live0 = LIVE.load(Ordering::Relaxed);
    PEAK.store(live0, Ordering::Relaxed);
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let task = tokio::spawn(informer.clone().run());
    informer.wait_for_cache_sync().await;
    let wall = t0.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    let peak_kb = proc_status_kb("VmHWM:");
    let steady_kb = proc_status_kb("VmRSS:");
    let cached = informer.indexer().len();
    let heap_peak = PEAK.load(Ordering::Relaxed).saturating_sub(live0);
    let heap_steady = LIVE.load(Ordering::Relaxed).saturating_sub(live0);
    println!(
        "heap (counting allocator): steady cache {:.1} MiB = {:.0} bytes/pod ({:.2}x the pod's JSON), \
         peak during sync +{:.1} MiB (server's transient list pages included), peak/steady {:.2}",
        heap_steady as f64 / 1048576.0,
        heap_steady as f64 / cached.max(1) as f64,
        heap_steady as f64 / cached.max(1) as f64 / json_bytes as f64,
        heap_peak as f64 / 1048576.0,
        heap_peak as f64 / heap_steady.max(1) as f64
    );
    let per_pod = (steady_kb.saturating_sub(baseline_kb) * 1024) as f64 / cached.max(1) as f64;
    println!(
        "initial sync of {cached} pods (strip managedFields: {strip}, streaming list: {}): wall {wall:.2?}, cpu {cpu:.2?}, \
         peak RSS +{:.1} MiB over baseline ({:.1} MiB), steady cache +{:.1} MiB = {per_pod:.0} bytes/pod \
         ({:.2}x the pod's JSON), peak/steady {:.2}",
        watch_list,
        peak_kb.saturating_sub(baseline_kb) as f64 / 1024.0,
        baseline_kb as f64 / 1024.0,
        steady_kb.saturating_sub(baseline_kb) as f64 / 1024.0,
        per_pod / json_bytes as f64,
        peak_kb.saturating_sub(baseline_kb) as f64 / steady_kb.saturating_sub(baseline_kb).max(1) as f64,
    );
    informer.stop();
    task.await?;
    Ok(())
}

/// Pushes `events` watch events through an informer (behind `queue`, or direct) with `handlers`
/// handlers; returns events/s.
async fn throughput(
    events: u64,
    handlers: usize,
    queue: Option<QueueKind>,
) -> Result<f64, Box<dyn Error + Send + Sync>> {
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench/pod.json"))?;
    let template: Pod = serde_json::from_str(&fixture)?;
    let template = Arc::new(template);
    let t2 = Arc::clone(&template);
    let lw = FnListWatch::new(
        |_| {
            Box::pin(async {
                Ok(List {
                    metadata: ListMeta {
                        resource_version: Some("1".into()),
                        ..ListMeta::default()
                    },
                    ..List::default()
                })
            })
        },
        move |_| {
            let t3 = Arc::clone(&t2);
            Box::pin(async move {
                // 1,000 distinct pods, each modified over and over.
                Ok(futures_util::stream::iter(0..events)
                    .map(move |i| {
                        let mut p = (*t3).clone();
                        p.metadata.name = Some(format!("web-{:04}", i % 1000).into());
                        p.metadata.resource_version = Some(((i + 2).to_string()).into());
                        Ok(if i < 1000 {
                            WatchEvent::Added(p)
                        } else {
                            WatchEvent::Modified(p)
                        })
                    })
                    .chain(futures_util::stream::pending())
                    .boxed() as WatchStream<Pod>)
            })
        },
    )
    // The scripted watch serves events, not a streaming list.
    .without_watch_list();
    let mut builder = SharedIndexInformer::builder(lw).indexers(Indexers::namespace());
    if let Some(kind) = queue {
        builder = builder.queue(kind);
    }
    let informer = builder.build();
    // A handler is done once it has seen every pod's last state: a handler that falls a mailbox
    // behind gets its pending updates coalesced per pod, so counting deliveries would not do.
    let last_rv = move |pod: u64| ((events - 1 - pod) / 1000) * 1000 + pod + 2;
    let pods = events.min(1000);
    let current = Arc::new(AtomicU64::new(0));
    let delivered = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(tokio::sync::Notify::new());
    for _ in 0..handlers {
        let (c, d, f) = (
            Arc::clone(&current),
            Arc::clone(&delivered),
            Arc::clone(&finished),
        );
        let target = pods * handlers as u64;
        let see = move |pod: &Pod| {
            d.fetch_add(1, Ordering::Relaxed);
            let name = pod.metadata.name.as_deref().unwrap_or_default();
            let index: u64 = name.trim_start_matches("web-").parse().unwrap_or(u64::MAX);
            let rv: u64 = pod
                .metadata
                .resource_version
                .as_deref()
                .unwrap_or_default()
                .parse()
                .unwrap_or(0);
            if rv == last_rv(index) && c.fetch_add(1, Ordering::Relaxed) + 1 == target {
                f.notify_one();
            }
        };
        let see2 = see.clone();
        informer.add_event_handler(
            ResourceEventHandlerFuncs::default()
                .on_add(move |p: &Arc<Pod>, _| see(p))
                .on_update(move |_, p: &Arc<Pod>| see2(p)),
        )?;
    }
    let notified = finished.notified();
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let task = tokio::spawn(informer.clone().run());
    notified.await;
    let wall = t0.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    let rate = events as f64 / wall.as_secs_f64();
    let path = match queue {
        None => "direct".to_owned(),
        Some(kind) => format!("{kind:?}"),
    };
    println!(
        "throughput, {path}, {handlers} handler(s): {events} events in {wall:.2?} = {rate:.0} events/s ({} of {} notifications handed out, the rest coalesced), cpu {cpu:.2?}",
        delivered.load(Ordering::Relaxed),
        events * handlers as u64
    );
    informer.stop();
    task.await?;
    Ok(rate)
}

/// Runs the mode the command line asks for.
async fn measure(cli: &Cli) -> Result<(), Box<dyn Error + Send + Sync>> {
    if cli.throughput {
        let events = cli.events.unwrap_or(200_000);
        for handlers in [1, 8] {
            let direct = throughput(events, handlers, None).await?;
            for kind in [QueueKind::DeltaFifo, QueueKind::RealFifo] {
                let queued = throughput(events, handlers, Some(kind)).await?;
                println!(
                    "  {kind:?} / direct, {handlers} handler(s): {:.2}",
                    queued / direct
                );
            }
        }
        return Ok(());
    }
    if cli.watch_consume {
        let events = cli.events.unwrap_or(100_000);
        return watch_consume_measure(usize::try_from(events)?).await;
    }
    sync_measure(cli.pods, cli.strip, cli.watch_list).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    match measure(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
