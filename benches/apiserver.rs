//! The embedded API server must never be the bottleneck of a client benchmark: list of 50,000 bench
//! pods in one response, one watcher receiving 100,000 MODIFIED events, and 1, 2 and 4 concurrent
//! writers (each creating then replacing its own ConfigMaps), over loopback HTTP/1.1.
//!
//! The client side is a bare TCP reader that only counts bytes and events (for writers: sends
//! prebuilt requests on one keep-alive connection each and reads the answers by Content-Length), so
//! the figures are the server's. Seeding goes through the same create/update path as HTTP requests
//! (validation, managedFields), outside the measured part.

// The store's closures return the API's Status as is.
#![allow(clippy::result_large_err)]

use std::sync::atomic::{AtomicU64, Ordering};
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
/// ConfigMaps each writer creates (and then replaces) per iteration.
const WRITES_PER_WRITER: usize = 100;

fn bench_pod() -> Value {
    let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench/pod.json"))
        .expect("fixtures/bench/pod.json in the repository");
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
        });
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
        });
    });
    g.finish();
    eprintln!(
        "watch stream: {:.1} MB for {WATCH_EVENTS} events",
        bytes as f64 / 1e6
    );
    drop(server);
}

/// One keep-alive HTTP/1.1 connection that sends a request and reads its answer to the last byte.
struct Writer {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Writer {
    async fn connect(addr: std::net::SocketAddr) -> Writer {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Writer {
            stream,
            buf: Vec::with_capacity(16 << 10),
        }
    }

    /// Sends `method path` with a JSON body; returns the status code.
    async fn send(&mut self, method: &str, path: &str, body: &str) -> u16 {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(req.as_bytes()).await.expect("write");
        self.buf.clear();
        let mut chunk = [0u8; 16 << 10];
        let head_end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).expect("ASCII headers");
        let status: u16 = head[9..12].parse().expect("status code");
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse().expect("content-length"))
            })
            .expect("answers to writes carry Content-Length");
        while self.buf.len() < head_end + length {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "server closed the connection mid-body");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        status
    }
}

fn configmap(name: &str, revision: usize) -> String {
    let data: serde_json::Map<String, Value> = (0..8)
        .map(|k| (format!("key-{k}"), Value::String(format!("{revision:0>64}"))))
        .collect();
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "bench", "labels": {"app": "bench"}},
        "data": data,
    })
    .to_string()
}

/// `writers` tasks, each on its own connection, each creating [`WRITES_PER_WRITER`] ConfigMaps and
/// then replacing each once (PUT without resourceVersion: unconditional). Returns the wall time.
async fn write_round(addr: std::net::SocketAddr, writers: usize, round: u64) -> Duration {
    let mut conns = Vec::with_capacity(writers);
    for _ in 0..writers {
        conns.push(Writer::connect(addr).await);
    }
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(w, mut conn)| {
            tokio::spawn(async move {
                let names: Vec<String> = (0..WRITES_PER_WRITER)
                    .map(|i| format!("r{round}-w{w}-{i:03}"))
                    .collect();
                for name in &names {
                    let code = conn
                        .send("POST", "/api/v1/namespaces/bench/configmaps", &configmap(name, 0))
                        .await;
                    assert_eq!(code, 201, "create {name}");
                }
                for name in &names {
                    let path = format!("/api/v1/namespaces/bench/configmaps/{name}");
                    let code = conn.send("PUT", &path, &configmap(name, 1)).await;
                    assert_eq!(code, 200, "replace {name}");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("writer");
    }
    started.elapsed()
}

fn concurrent_writers(c: &mut Criterion) {
    let rt = rt();
    let server = rt.block_on(async {
        let s = ApiServer::builder()
            .max_events(10_000)
            .start()
            .await
            .expect("server");
        s.create(
            "",
            "v1",
            "namespaces",
            None,
            serde_json::json!({"metadata":{"name":"bench"}}),
        )
        .expect("namespace");
        s
    });
    let addr = server.addr();
    let round = AtomicU64::new(0);
    let mut g = c.benchmark_group("apiserver_concurrent_writers");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    for writers in [1usize, 2, 4] {
        g.throughput(Throughput::Elements((writers * WRITES_PER_WRITER * 2) as u64));
        g.bench_function(format!("{writers}_writers_create_then_replace"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| rt.block_on(write_round(addr, writers, round.fetch_add(1, Ordering::Relaxed))))
                    .sum()
            });
        });
    }
    g.finish();
    drop(server);
}

criterion_group!(benches, list_50k, watch_100k, concurrent_writers);
criterion_main!(benches);
