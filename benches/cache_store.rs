//! The informer cache's indexer: adds and updates at 50,000 pods, and lookups by key and by the
//! `namespace` index at 100,000 pods (1,000 per namespace), the workloads of client-go's Indexer
//! figures in docs/baselines.md.
//!
//! Run with `cargo bench --bench cache_store`. Pods are typed `Pod`s decoded from the bench pod
//! (fixtures/bench/pod.json) with names, uids, namespaces and resourceVersions varied.
//! Criterion reports each case; a summary then prints ns per operation and the ratio to client-go.
//! Figures go to docs/performance.md.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo::api::core::v1::Pod;
use clientgo::tools::cache::{
    meta_namespace_key_func, Cache, Indexer, Indexers, Objects, Store, NAMESPACE_INDEX,
};
use criterion::{BatchSize, Criterion, Throughput};

const POD_JSON: &str = include_str!("../fixtures/bench/pod.json");
const WRITE_PODS: usize = 50_000;
const READ_PODS: usize = 100_000;
const PER_NAMESPACE: usize = 1_000;
const NAMESPACES: usize = READ_PODS / PER_NAMESPACE;

/// client-go 1.36 figures (docs/baselines.md), ns per operation.
const GO_ADD_NS: f64 = 1_575.0;
const GO_UPDATE_NS: f64 = 3_213.0;
const GO_BY_INDEX_NS: f64 = 303_000.0;

/// `n` pods, 1,000 per namespace, at resourceVersion `rv_base + i`.
fn pods(n: usize, rv_base: usize) -> Vec<Arc<Pod>> {
    let template: Pod = serde_json::from_str(POD_JSON).expect("the bench pod decodes");
    (0..n)
        .map(|i| {
            let mut pod = template.clone();
            let meta = &mut pod.metadata;
            meta.name = Some(format!("web-jpzskpfbvc-{i:06x}").into());
            meta.namespace = Some(format!("ns-{:03}", i / PER_NAMESPACE).into());
            meta.uid = Some(format!("42836be6-fafa-4e0d-885c-{:012x}", i * 7919).into());
            meta.resource_version = Some((rv_base + i).to_string().into());
            Arc::new(pod)
        })
        .collect()
}

fn indexer() -> Cache<Pod> {
    Cache::new_indexer(meta_namespace_key_func, Indexers::namespace())
}

fn filled(pods: &[Arc<Pod>]) -> Cache<Pod> {
    let cache = indexer();
    for pod in pods {
        cache.add(Arc::clone(pod)).expect("bench pods have names");
    }
    cache
}

struct Data {
    v1: Vec<Arc<Pod>>,
    v2: Vec<Arc<Pod>>,
    read_keys: Vec<String>,
    read_cache: Cache<Pod>,
    /// Resident bytes the 100k-pod indexer added beyond the pods themselves, per pod.
    store_overhead: f64,
}

fn data() -> Data {
    let v1 = pods(READ_PODS, 1_000_000);
    let v2: Vec<Arc<Pod>> = v1[..WRITE_PODS]
        .iter()
        .map(|p| {
            let mut pod = Pod::clone(p);
            pod.metadata.resource_version =
                Some(format!("{}0", p.metadata.resource_version.as_deref().unwrap_or("")).into());
            Arc::new(pod)
        })
        .collect();
    let before = rss_bytes();
    let read_cache = filled(&v1);
    let store_overhead = rss_bytes().saturating_sub(before) as f64 / READ_PODS as f64;
    let read_keys = v1
        .iter()
        .map(|p| meta_namespace_key_func(&**p).expect("named"))
        .collect();
    Data {
        v1,
        v2,
        read_keys,
        read_cache,
        store_overhead,
    }
}

/// The 1,000 pods of namespace number `ns`.
fn by_namespace(cache: &Cache<Pod>, ns: usize) -> Objects<Pod> {
    let found = cache
        .by_index(NAMESPACE_INDEX, &format!("ns-{ns:03}"))
        .expect("namespace index");
    debug_assert_eq!(found.len(), PER_NAMESPACE);
    found
}

/// Re-stores the first pod of namespace number `ns`, which invalidates that namespace's cached
/// query result, as any watch event in the namespace would.
fn touch_namespace(d: &Data, ns: usize) {
    let pod = &d.v1[ns * PER_NAMESPACE];
    black_box(d.read_cache.update(Arc::clone(pod)).expect("named"));
}

/// Runs the criterion benches and returns how many times `get_by_key` ran: once in test mode
/// (`cargo test --benches`, `-- --test`), never when listing or filtered out, many times when
/// criterion measures. Criterion owns the command line and keeps its mode to itself, so `main`
/// asks this instead of reading the arguments again.
fn benches(c: &mut Criterion, d: &Data) -> usize {
    let mut runs = 0;
    let mut g = c.benchmark_group("indexer_write_50k_pods");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(WRITE_PODS as u64));
    let writes = &d.v1[..WRITE_PODS];
    g.bench_function("add", |b| {
        b.iter_batched(
            indexer,
            |cache| {
                for pod in writes {
                    black_box(cache.add(Arc::clone(pod)).expect("named"));
                }
                cache
            },
            BatchSize::PerIteration,
        );
    });
    g.bench_function("update", |b| {
        b.iter_batched(
            || filled(writes),
            |cache| {
                for pod in &d.v2 {
                    black_box(cache.update(Arc::clone(pod)).expect("named"));
                }
                cache
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();

    let mut g = c.benchmark_group("indexer_read_100k_pods");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let mut i = 0usize;
    g.bench_function("get_by_key", |b| {
        b.iter(|| {
            runs += 1;
            i = (i + 7_919) % READ_PODS;
            black_box(d.read_cache.get_by_key(&d.read_keys[i]))
        });
    });
    let mut ns = 0usize;
    g.bench_function("by_index_namespace_1000_cached", |b| {
        b.iter(|| {
            ns = (ns + 37) % NAMESPACES;
            black_box(by_namespace(&d.read_cache, ns))
        });
    });
    let mut ns = 0usize;
    g.bench_function("by_index_namespace_1000_after_update", |b| {
        b.iter(|| {
            ns = (ns + 37) % NAMESPACES;
            touch_namespace(d, ns);
            black_box(by_namespace(&d.read_cache, ns))
        });
    });
    g.finish();
    runs
}

/// The process's resident set size (`VmRSS`), or 0 where /proc is unavailable.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

/// Nanoseconds this thread has spent on a CPU (`/proc/thread-self/schedstat`), falling back to
/// wall time where that is unavailable. On a machine shared with other builds, wall time counts
/// the slices other processes ran in; on-CPU time does not. It advances at scheduler ticks, so
/// every measured round runs for tens of milliseconds at least.
fn cpu_ns() -> u128 {
    thread_local! {
        static ORIGIN: Instant = Instant::now();
    }
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| ORIGIN.with(|o| o.elapsed().as_nanos()))
}

/// Median on-CPU ns per call of `f` over `rounds` runs of `per_round` calls each.
fn median_ns(rounds: usize, per_round: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = cpu_ns();
            for _ in 0..per_round {
                f();
            }
            (cpu_ns() - start) as f64 / per_round as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn summary(d: &Data) {
    let writes = &d.v1[..WRITE_PODS];
    let mut adds = Vec::new();
    let mut updates = Vec::new();
    for _ in 0..5 {
        let cache = indexer();
        let start = cpu_ns();
        for pod in writes {
            black_box(cache.add(Arc::clone(pod)).expect("named"));
        }
        adds.push((cpu_ns() - start) as f64 / WRITE_PODS as f64);
        let start = cpu_ns();
        for pod in &d.v2 {
            black_box(cache.update(Arc::clone(pod)).expect("named"));
        }
        updates.push((cpu_ns() - start) as f64 / WRITE_PODS as f64);
    }
    adds.sort_by(f64::total_cmp);
    updates.sort_by(f64::total_cmp);
    let (add, update) = (adds[2], updates[2]);
    let mut i = 0usize;
    let get = median_ns(5, 200_000, || {
        i = (i + 7_919) % READ_PODS;
        black_box(d.read_cache.get_by_key(&d.read_keys[i]));
    });
    let mut ns = 0usize;
    // Rounds of at least ~100 ms: the on-CPU clock advances at scheduler ticks.
    let cached = median_ns(5, 1_000_000, || {
        ns = (ns + 37) % NAMESPACES;
        black_box(by_namespace(&d.read_cache, ns));
    });
    let mut ns = 0usize;
    let touch = median_ns(5, 2_000, || {
        ns = (ns + 37) % NAMESPACES;
        touch_namespace(d, ns);
    });
    let mut ns = 0usize;
    let after_update = median_ns(5, 2_000, || {
        ns = (ns + 37) % NAMESPACES;
        touch_namespace(d, ns);
        let found = by_namespace(&d.read_cache, ns);
        assert_eq!(found.len(), PER_NAMESPACE);
        black_box(found);
    }) - touch;
    // Reference points in the same conditions: a bare std HashMap keyed like the store.
    let map_insert = {
        let mut samples = Vec::new();
        for _ in 0..5 {
            let mut map: HashMap<String, Arc<Pod>> = HashMap::new();
            let start = cpu_ns();
            for pod in writes {
                let key = meta_namespace_key_func(&**pod).expect("named");
                black_box(map.insert(key, Arc::clone(pod)));
            }
            samples.push((cpu_ns() - start) as f64 / WRITE_PODS as f64);
        }
        samples.sort_by(f64::total_cmp);
        samples[2]
    };
    let map: HashMap<&str, &Arc<Pod>> = d.read_keys.iter().map(String::as_str).zip(d.v1.iter()).collect();
    let mut i = 0usize;
    let map_get = median_ns(5, 200_000, || {
        i = (i + 7_919) % READ_PODS;
        black_box(map.get(d.read_keys[i].as_str()).map(|p| Arc::clone(p)));
    });
    println!();
    println!("cache_store summary (median on-CPU time; client-go 1.36 from docs/baselines.md)");
    println!(
        "  Indexer add, 50k pods:        {add:9.0} ns/op  (client-go {GO_ADD_NS:.0}, {:.1}x faster)",
        GO_ADD_NS / add
    );
    println!(
        "  Indexer update, 50k pods:     {update:9.0} ns/op  (client-go {GO_UPDATE_NS:.0}, {:.1}x faster)",
        GO_UPDATE_NS / update
    );
    println!(
        "  key map + namespace index, per cached pod: {:.0} bytes (resident, beyond the pod itself)",
        d.store_overhead
    );
    println!("  get_by_key, 100k pods:        {get:9.0} ns/op");
    println!(
        "  reference, std HashMap: key func + insert {map_insert:.0} ns/op, get + Arc clone {map_get:.0} ns/op"
    );
    println!(
        "  by_index(namespace) -> 1,000, first query after a change: {after_update:9.0} ns  (client-go {GO_BY_INDEX_NS:.0}, {:.1}x faster)",
        GO_BY_INDEX_NS / after_update
    );
    println!(
        "  by_index(namespace) -> 1,000, unchanged since last query: {cached:9.0} ns  ({:.0}x faster)",
        GO_BY_INDEX_NS / cached
    );
}

fn main() {
    let d = data();
    assert_eq!(d.read_cache.len(), READ_PODS);
    let mut c = Criterion::default().configure_from_args();
    let measured = benches(&mut c, &d) > 1;
    c.final_summary();
    // Listing the benches or checking that they run (`cargo test --benches`) skips the summary.
    if measured {
        summary(&d);
    }
}
