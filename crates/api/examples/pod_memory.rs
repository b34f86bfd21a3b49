//! Measures how many heap bytes a decoded, cached `Pod` takes, against the size of its JSON.
//!
//! Builds 10,000 pods shaped like `fixtures/bench/pod.json` (names, uids, labels, IPs and
//! resourceVersions vary per pod, as in the baseline workload), encodes each to compact JSON, decodes
//! them all into `clientgo_api::core::v1::Pod` and keeps them alive, counting live heap bytes with a
//! counting global allocator. Prints bytes per pod (requested by the program, and an estimate of what
//! glibc malloc really uses, which rounds every block up to 16 bytes plus an 8-byte header, 32 at
//! least), next to the JSON size and the baselines (kube-rs about 37 KB, client-go about 11.9 KB),
//! what the first pod took on its own (before any of its strings could be shared with another pod's,
//! so the cost of a pod whose strings do not repeat), and the decode rate of that loop (a rough figure; the criterion bench `watch_decode` is the
//! careful one).
//!
//! Run with `cargo run --release -p clientgo-api --example pod_memory [-- --pods N]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use clientgo_api::core::v1::Pod;
use clientgo_apimachinery::SharedStr;
use serde_json::Value;

/// Counts live bytes (as requested, and as glibc malloc would size the blocks) and live blocks.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_MALLOC_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_BLOCKS: AtomicUsize = AtomicUsize::new(0);

/// glibc's chunk size for a request: size plus an 8-byte header, rounded up to 16, at least 32.
fn malloc_size(size: usize) -> usize {
    ((size + 8 + 15) & !15).max(32)
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        LIVE_MALLOC_BYTES.fetch_add(malloc_size(layout.size()), Relaxed);
        LIVE_BLOCKS.fetch_add(1, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        LIVE_MALLOC_BYTES.fetch_sub(malloc_size(layout.size()), Relaxed);
        LIVE_BLOCKS.fetch_sub(1, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        LIVE_MALLOC_BYTES.fetch_add(malloc_size(new_size), Relaxed);
        LIVE_MALLOC_BYTES.fetch_sub(malloc_size(layout.size()), Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const POD_JSON: &str = include_str!("../../../fixtures/bench/pod.json");

/// The benchmark pod with per-pod names, uids, labels, IPs and resourceVersion, as compact JSON.
fn pod_json(template: &Value, i: usize) -> Vec<u8> {
    let mut v = template.clone();
    let ns = format!("ns-{:03}", i % 50);
    let hash = format!(
        "{:010x}",
        0x9e37_79b9_u64.wrapping_mul(i as u64 + 1) & 0xff_ffff_ffff
    );
    let name = format!("web-{hash}-{:05}", i);
    let meta = &mut v["metadata"];
    meta["name"] = name.into();
    meta["namespace"] = ns.clone().into();
    meta["uid"] = format!("42836be6-fafa-4e0d-{:04x}-{:012x}", i % 65_536, i * 7919).into();
    meta["resourceVersion"] = (1_000 + i).to_string().into();
    meta["labels"]["pod-template-hash"] = hash.into();
    v["spec"]["containers"][0]["image"] = format!("registry.local/{ns}/web:v1.21.6").into();
    v["spec"]["nodeName"] = format!("node-{:04}", i % 200).into();
    let ip = format!("10.244.{}.{}", (i / 250) % 256, i % 250 + 1);
    v["status"]["podIP"] = ip.clone().into();
    v["status"]["podIPs"][0]["ip"] = ip.into();
    v["status"]["hostIP"] = format!("10.0.{}.{}", (i / 250) % 256, i % 200 + 1).into();
    serde_json::to_vec(&v).expect("a JSON value serializes")
}

/// The command line.
#[derive(Debug, clap::Parser)]
struct Args {
    /// How many pods to decode and keep.
    #[arg(long, default_value_t = 10_000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pods: usize,
}

fn main() {
    let Args { pods } = <Args as clap::Parser>::parse();
    let template: Value = serde_json::from_str(POD_JSON).expect("pod.json is JSON");
    let bodies: Vec<Vec<u8>> = (0..pods).map(|i| pod_json(&template, i)).collect();
    let json_bytes: usize = bodies.iter().map(Vec::len).sum();

    // This thread's interner front cache is a one-time 8 KiB; allocate it before measuring.
    std::hint::black_box(SharedStr::interned("pod_memory: warm up the interner"));
    let (bytes0, malloc0, blocks0) = (
        LIVE_BYTES.load(Relaxed),
        LIVE_MALLOC_BYTES.load(Relaxed),
        LIVE_BLOCKS.load(Relaxed),
    );
    let mut cache: Vec<Arc<Pod>> = Vec::with_capacity(pods);
    let started = std::time::Instant::now();
    // The first pod has nothing to share with yet: its heap is what a pod costs when none of its
    // strings repeat (its interner table entries included).
    let lone_before = LIVE_BYTES.load(Relaxed);
    let first: Pod = serde_json::from_slice(&bodies[0]).expect("a generated pod decodes");
    cache.push(Arc::new(first));
    let lone_bytes = LIVE_BYTES.load(Relaxed) - lone_before;
    for body in &bodies[1..] {
        let pod: Pod = serde_json::from_slice(body).expect("a generated pod decodes");
        cache.push(Arc::new(pod));
    }
    let elapsed = started.elapsed();
    let bytes = LIVE_BYTES.load(Relaxed) - bytes0;
    let malloc = LIVE_MALLOC_BYTES.load(Relaxed) - malloc0;
    let blocks = LIVE_BLOCKS.load(Relaxed) - blocks0;
    // The cache vector itself is one pointer per pod; report it separately.
    let vec_bytes = cache.capacity() * std::mem::size_of::<Arc<Pod>>();

    let n = pods as f64;
    println!("pods:                          {pods}");
    println!(
        "size_of::<Pod>():              {} bytes",
        std::mem::size_of::<Pod>()
    );
    println!(
        "compact JSON per pod:          {:.0} bytes",
        json_bytes as f64 / n
    );
    println!(
        "heap per cached Arc<Pod>:      {:.0} bytes requested",
        (bytes - vec_bytes) as f64 / n
    );
    println!(
        "                               {:.0} bytes as glibc malloc chunks (estimate)",
        (malloc - vec_bytes) as f64 / n
    );
    println!("allocations per pod:           {:.1}", (blocks - 1) as f64 / n);
    println!(
        "ratio to JSON (requested):     {:.2}",
        (bytes - vec_bytes) as f64 / json_bytes as f64
    );
    println!(
        "first pod alone (no sharing):  {lone_bytes} bytes requested ({:.2}x its JSON)",
        lone_bytes as f64 / bodies[0].len() as f64
    );
    println!(
        "decode (from_slice, one core):  {:.0} MB/s, {:.0} pods/s",
        json_bytes as f64 / elapsed.as_secs_f64() / 1e6,
        n / elapsed.as_secs_f64()
    );
    println!("baselines: kube-rs ~37 KB, client-go ~11.9 KB per pod (docs/baselines.md)");
    std::hint::black_box(&cache);
}
