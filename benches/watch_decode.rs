//! Watch decoding from memory: the sans-IO frame decoder feeding typed `WatchEvent<Pod>`s, against
//! plain `serde_json::from_slice` on frames that are already split.
//!
//! Run with `cargo bench --bench watch_decode`. Criterion reports each case; afterwards a summary
//! prints MB/s for the decoder and the baseline, their ratio, and the cost per byte of framing one
//! large object fed one byte at a time (linear time shows as the same ns/byte at 1 and 10 MiB).
//! Figures go to docs/performance.md.

use std::hint::black_box;
use std::ops::Range;
use std::time::{Duration, Instant};

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::watch::{FrameDecoder, WatchEvent, WatchEventDecoder};
use criterion::{Criterion, Throughput};
use serde_json::Value;

const EVENTS: usize = 10_000;
const CHUNK: usize = 4096;

const POD_JSON: &str = include_str!("../fixtures/bench/pod.json");

/// 10,000 watch events shaped like the bench pod (compact JSON, newline after each, as the API
/// server writes them), with names, uids, IPs and resourceVersions varying per event, and the byte
/// range of each frame.
fn pod_stream() -> (Vec<u8>, Vec<Range<usize>>) {
    let template: Value = serde_json::from_str(POD_JSON).expect("the bench pod is valid JSON");
    let mut stream = Vec::with_capacity(EVENTS * 5000);
    let mut frames = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        let mut pod = template.clone();
        let meta = &mut pod["metadata"];
        meta["name"] = format!("web-jpzskpfbvc-{i:05x}").into();
        meta["uid"] = format!("42836be6-fafa-4e0d-885c-{:012x}", i * 7919).into();
        meta["resourceVersion"] = (10_000 + i).to_string().into();
        meta["namespace"] = format!("ns-{:03}", i % 50).into();
        pod["status"]["podIP"] = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255).into();
        let kind = match i % 10 {
            0 => "ADDED",
            9 => "DELETED",
            _ => "MODIFIED",
        };
        let event = serde_json::json!({ "type": kind, "object": pod });
        let start = stream.len();
        serde_json::to_writer(&mut stream, &event).expect("serializable");
        frames.push(start..stream.len());
        stream.push(b'\n');
    }
    (stream, frames)
}

/// The decoder under test: the stream in 4 KiB chunks, every event decoded into a typed Pod.
fn decode_chunked(stream: &[u8]) -> usize {
    let mut decoder = WatchEventDecoder::<Pod>::new();
    let mut n = 0;
    for chunk in stream.chunks(CHUNK) {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            black_box(event.expect("valid event"));
            n += 1;
        }
    }
    decoder.finish();
    assert!(decoder.next_event().is_none());
    n
}

/// The baseline: serde_json alone on each frame, already split.
fn decode_presplit(stream: &[u8], frames: &[Range<usize>]) -> usize {
    let mut n = 0;
    for range in frames {
        let event: WatchEvent<Pod> = serde_json::from_slice(&stream[range.clone()]).expect("valid event");
        black_box(event);
        n += 1;
    }
    n
}

/// Framing alone, no serde: the stream in 4 KiB chunks.
fn frame_chunked(stream: &[u8], chunk: usize) -> usize {
    let mut decoder = FrameDecoder::new();
    let mut n = 0;
    for c in stream.chunks(chunk) {
        decoder.push(c);
        while let Some(frame) = decoder.next_frame() {
            n += black_box(frame.expect("valid frame").bytes().len());
        }
    }
    n
}

/// One object of about `size` bytes, shaped like a config map with a big data value full of the
/// characters framing has to care about.
fn large_object(size: usize) -> Vec<u8> {
    let unit = r#"{\"k\":[1,2,{\"x\":\"}\"}]} lorem ipsum dolor sit amet "#;
    let mut body = String::with_capacity(size + 200);
    body.push_str(r#"{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"big"},"data":{"blob":""#);
    while body.len() < size {
        body.push_str(unit);
    }
    body.push_str(r#""}}}"#);
    body.into_bytes()
}

/// Runs the criterion benches and returns how many times the typed decode ran: once in test mode
/// (`cargo test --benches`, `-- --test`), never when listing or filtered out, many times when
/// criterion measures. Criterion owns the command line and keeps its mode to itself, so `main`
/// asks this instead of reading the arguments again.
fn benches(c: &mut Criterion, stream: &[u8], frames: &[Range<usize>]) -> usize {
    let mut runs = 0;
    let mut g = c.benchmark_group("watch_decode");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("typed_pod_4k_chunks", |b| {
        b.iter(|| {
            runs += 1;
            decode_chunked(stream)
        });
    });
    g.bench_function("baseline_from_slice_presplit", |b| {
        b.iter(|| decode_presplit(stream, frames));
    });
    g.bench_function("framing_only_4k_chunks", |b| {
        b.iter(|| frame_chunked(stream, CHUNK));
    });
    g.finish();

    let big = large_object(10 << 20);
    let mut g = c.benchmark_group("watch_decode_large_object");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("framing_10mib_1_byte_chunks", |b| {
        b.iter(|| frame_chunked(&big, 1));
    });
    g.bench_function("framing_10mib_whole", |b| {
        b.iter(|| frame_chunked(&big, big.len()));
    });
    g.finish();
    runs
}

/// Nanoseconds this thread has spent on a CPU (`CLOCK_THREAD_CPUTIME_ID`); wall time elsewhere.
///
/// The project machine has 2 cores shared with parallel builds, so under load wall time mostly
/// measures the scheduler, while on-CPU time measures the work. `/proc/thread-self/schedstat`, the
/// obvious source, only advances at scheduler ticks on this machine (every 4 ms, which is 3% of one
/// run here), so the thread CPU clock is read instead: it has nanosecond resolution.
fn cpu_ns(wall_start: Instant) -> u128 {
    thread_cpu_ns().unwrap_or_else(|| wall_start.elapsed().as_nanos())
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_ns() -> Option<u128> {
    /// `struct timespec` on 64-bit Linux.
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock_id: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` from the C library std already links writes one `struct timespec`
    // (two 64-bit fields on 64-bit Linux) through a pointer to a live, writable one.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &raw mut ts) };
    (rc == 0).then(|| ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_ns() -> Option<u128> {
    None
}

/// MB/s of one run of `f` over `bytes` bytes, by on-CPU time.
fn mbps_once(bytes: usize, f: &mut impl FnMut()) -> f64 {
    let wall = Instant::now();
    let start = cpu_ns(wall);
    f();
    let ns = cpu_ns(wall).saturating_sub(start).max(1);
    bytes as f64 * 1e3 / ns as f64
}

/// Median MB/s of `f` over `rounds` runs over `bytes` bytes.
fn mbps(rounds: usize, bytes: usize, mut f: impl FnMut()) -> f64 {
    let mut rates: Vec<f64> = (0..rounds).map(|_| mbps_once(bytes, &mut f)).collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn summary(stream: &[u8], frames: &[Range<usize>]) {
    // Back-to-back pairs so that machine noise hits both alike; the ratio is the median of the
    // per-pair ratios, the rates are medians of their own.
    let mut typed = Vec::new();
    let mut base = Vec::new();
    let mut ratios = Vec::new();
    for _ in 0..15 {
        let t = mbps_once(stream.len(), &mut || {
            black_box(decode_chunked(stream));
        });
        let b = mbps_once(stream.len(), &mut || {
            black_box(decode_presplit(stream, frames));
        });
        typed.push(t);
        base.push(b);
        ratios.push(b / t);
    }
    for v in [&mut typed, &mut base, &mut ratios] {
        v.sort_by(f64::total_cmp);
    }
    let (typed, base, ratio) = (typed[7], base[7], ratios[7]);
    let framing = mbps(5, stream.len(), || {
        black_box(frame_chunked(stream, CHUNK));
    });
    println!();
    println!(
        "watch_decode summary (on-CPU time): {} events, {:.1} MB, {:.0} bytes/event",
        frames.len(),
        stream.len() as f64 / 1e6,
        stream.len() as f64 / frames.len() as f64
    );
    println!("  typed WatchEvent<Pod>, 4 KiB chunks:      {typed:8.1} MB/s");
    println!("  baseline from_slice on pre-split frames: {base:8.1} MB/s");
    println!(
        "  decoder / baseline time: {ratio:.3} (median of 15 pairs; framing overhead {:+.1}%)",
        (ratio - 1.0) * 100.0
    );
    println!("  framing only, 4 KiB chunks:              {framing:8.1} MB/s");
    println!(
        "  framing time / baseline time: {:.1}% (framing alone, relative to serde alone)",
        base / framing * 100.0
    );
    for mib in [1usize, 10] {
        let big = large_object(mib << 20);
        let rate = mbps(3, big.len(), || {
            black_box(frame_chunked(&big, 1));
        });
        println!(
            "  framing {mib:2} MiB object in 1-byte chunks:   {rate:8.1} MB/s ({:.2} ns/byte)",
            1e3 / rate
        );
    }
}

fn main() {
    let (stream, frames) = pod_stream();
    assert_eq!(decode_chunked(&stream), EVENTS);
    assert_eq!(decode_presplit(&stream, &frames), EVENTS);
    let mut c = Criterion::default().configure_from_args();
    let measured = benches(&mut c, &stream, &frames) > 1;
    c.final_summary();
    // Listing the benches or checking that they run (`cargo test --benches`) skips the summary.
    if measured {
        summary(&stream, &frames);
    }
}
