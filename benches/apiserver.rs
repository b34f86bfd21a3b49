//! The embedded API server must never be the bottleneck of a client benchmark: list of 50,000 bench
//! pods in one response, and one watcher receiving 100,000 MODIFIED events, over loopback HTTP/1.1.
//!
//! The client side is a bare TCP reader that only counts bytes and events, so the figures are the
//! server's. Seeding goes through the same create/update path as HTTP requests (validation,
//! managedFields), outside the measured part.

// The store's closures return the API's Status as is.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo_apiserver::store::Outcome;
use clientgo_apiserver::ApiServer;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const NAMESPACES: usize = 50;
const PODS_PER_NS: usize = 1_000;
const WATCH_EVENTS: usize = 100_000;

fn bench_pod() -> Value {
    let raw = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/bench/pod.json"
    ))
    .expect("shared/fixtures/bench/pod.json beside the repository");
    serde_json::from_slice(&raw).expect("bench pod is JSON")
}

fn pod(template: &Value, ns: &str, i: usize) -> Value {
    let mut p = template.clone();
    let meta = p["metadata"].as_object_mut().expect("metadata");
    meta.insert("name".into(), format!("web-{i:06}").into());
    meta.insert("namespace".into(), ns.into());
    for k in ["uid", "resourceVersion", "creationTimestamp", "managedFields"] {
        meta.remove(k);
    }
    p
}

/// Sends one GET and reads the whole response; returns (bytes, events counted as `}\n` endings).
async fn get(addr: std::net::SocketAddr, path: &str, stop_after_events: Option<usize>) -> (usize, usize) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 1 << 20];
    let (mut total, mut events, mut last) = (0usize, 0usize, 0u8);
    loop {
        let n = s.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        total += n;
        for &b in &buf[..n] {
            if b == b'\n' && last == b'}' {
                events += 1;
            }
            last = b;
        }
        if stop_after_events.is_some_and(|want| events >= want) {
            break;
        }
    }
    (total, events)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn list_50k(c: &mut Criterion) {
    if std::env::var_os("APISERVER_BENCH_SKIP_LIST").is_some() {
        return;
    }
    let rt = rt();
    let template = bench_pod();
    let server = rt.block_on(async {
        let s = ApiServer::builder()
            .max_events(1_000)
            .start()
            .await
            .expect("server");
        for n in 0..NAMESPACES {
            let ns = format!("ns-{n:03}");
            s.create(
                "",
                "v1",
                "namespaces",
                None,
                serde_json::json!({"metadata":{"name":ns}}),
            )
            .expect("namespace");
            for i in 0..PODS_PER_NS {
                s.create("", "v1", "pods", Some(&ns), pod(&template, &ns, i))
                    .expect("pod");
            }
        }
        s
    });
    let addr = server.addr();
    let (bytes, _) = rt.block_on(get(addr, "/api/v1/pods", None));
    let mut g = c.benchmark_group("apiserver");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("list_50k_pods_one_response", |b| {
        b.iter(|| {
            let (n, _) = rt.block_on(get(addr, "/api/v1/pods", None));
            assert!(n >= bytes / 2);
        })
    });
    g.finish();
    drop(server);
}

fn watch_100k(c: &mut Criterion) {
    let rt = rt();
    let template = bench_pod();
    let (server, from) = rt.block_on(async {
        let s = ApiServer::builder()
            .max_events(WATCH_EVENTS + 10)
            .start()
            .await
            .expect("server");
        s.create(
            "",
            "v1",
            "namespaces",
            None,
            serde_json::json!({"metadata":{"name":"ns-000"}}),
        )
        .expect("namespace");
        let mut p = s
            .create("", "v1", "pods", Some("ns-000"), pod(&template, "ns-000", 0))
            .expect("pod");
        let from = s.resource_version();
        let started = Instant::now();
        // The revisions go straight into the store: the API path (validation, managedFields) is not
        // what this measures, and would make seeding take minutes.
        let resource: Arc<str> = Arc::from("pods");
        let key = format!("ns-000/{}", p["metadata"]["name"].as_str().expect("name"));
        for i in 0..WATCH_EVENTS {
            p["metadata"]["annotations"]["bench.example.com/revision"] = Value::String(i.to_string());
            s.store()
                .guaranteed_update(&resource, &key, &[], |_| Ok(Outcome::Put(p.clone())))
                .expect("update");
        }
        eprintln!("seeded {WATCH_EVENTS} updates in {:?}", started.elapsed());
        (s, from)
    });
    let addr = server.addr();
    let path = format!("/api/v1/namespaces/ns-000/pods?watch=1&resourceVersion={from}");
    let (bytes, events) = rt.block_on(get(addr, &path, Some(WATCH_EVENTS)));
    assert_eq!(events, WATCH_EVENTS);
    let mut g = c.benchmark_group("apiserver");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(WATCH_EVENTS as u64));
    g.bench_function("watch_100k_events_one_client", |b| {
        b.iter(|| {
            let (_, n) = rt.block_on(get(addr, &path, Some(WATCH_EVENTS)));
            assert_eq!(n, WATCH_EVENTS);
        })
    });
    g.finish();
    eprintln!(
        "watch stream: {:.1} MB for {WATCH_EVENTS} events",
        bytes as f64 / 1e6
    );
    drop(server);
}

criterion_group!(benches, list_50k, watch_100k);
criterion_main!(benches);
