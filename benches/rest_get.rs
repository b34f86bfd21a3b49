//! GET of one object against the embedded API server over loopback, plain HTTP and TLS, sequential and
//! 8-way concurrent, with client-side throttling off. Besides criterion's timing, prints requests/s and
//! p99 latency of a fixed run for docs/performance.md.
//!
//! Run: `cargo bench --bench rest_get`

use std::time::{Duration, Instant};

use clientgo::api::core::v1::ConfigMap;
use clientgo::kubernetes::{Clientset, GetOptions, ResourceClient, WriteOptions};
use clientgo_apiserver::ApiServer;
use criterion::{criterion_group, criterion_main, Criterion};
use tokio::runtime::Runtime;

const CONCURRENCY: usize = 8;

fn setup(rt: &Runtime, tls: bool) -> (ApiServer, ResourceClient<ConfigMap>) {
    rt.block_on(async {
        let server = ApiServer::builder()
            .tls(tls)
            .start()
            .await
            .expect("embedded server starts");
        let mut config = clientgo::tools::clientcmd::build_config_from_flags(
            "",
            &server.kubeconfig_path().to_string_lossy(),
        )
        .expect("kubeconfig loads");
        config.qps = -1.0;
        let cms = Clientset::new(&config)
            .expect("clientset")
            .core_v1()
            .config_maps("default");
        let mut cm = ConfigMap::new("bench");
        cm.data.insert("key".into(), "value".into());
        cms.create(&cm, &WriteOptions::default()).await.expect("create");
        (server, cms)
    })
}

async fn batch(cms: &ResourceClient<ConfigMap>, n: u64, concurrency: usize) -> Vec<Duration> {
    let total = usize::try_from(n).expect("a batch's request count fits usize");
    let per = total.div_ceil(concurrency);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let cms = cms.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per);
                for _ in 0..per {
                    let t = Instant::now();
                    cms.get("bench", &GetOptions::default()).await.expect("get");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all
}

fn report(rt: &Runtime, name: &str, cms: &ResourceClient<ConfigMap>, concurrency: usize) {
    let n = 4000;
    let start = Instant::now();
    let mut lat = rt.block_on(batch(cms, n, concurrency));
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    let p99 = lat[lat.len() * 99 / 100];
    println!(
        "{name}: {:.0} requests/s, p50 {:?}, p99 {:?} ({} requests)",
        lat.len() as f64 / secs,
        lat[lat.len() / 2],
        p99,
        lat.len()
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for tls in [false, true] {
        let (_server, cms) = setup(&rt, tls);
        let scheme = if tls { "tls" } else { "plain" };
        report(&rt, &format!("{scheme} sequential"), &cms, 1);
        report(&rt, &format!("{scheme} {CONCURRENCY}-way"), &cms, CONCURRENCY);
        let mut g = c.benchmark_group(format!("rest_get_{scheme}"));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(3))
            .warm_up_time(Duration::from_secs(1));
        g.bench_function("sequential", |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                rt.block_on(batch(&cms, iters, 1));
                t.elapsed()
            });
        });
        g.bench_function("concurrent_8", |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                rt.block_on(batch(&cms, iters * CONCURRENCY as u64, CONCURRENCY));
                t.elapsed() / u32::try_from(CONCURRENCY).expect("CONCURRENCY fits u32")
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
