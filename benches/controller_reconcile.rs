//! The reconcile loop alone: a no-op reconcile over 10,000 keys at 1, 4 and 16 workers (keys per
//! second and overhead per reconcile: queue get/done, cache lookup, span, metrics, forget).
//!
//! The informer lists nothing and its watch never yields, so only the loop is measured.
//! Run: `cargo bench --bench controller_reconcile` (small sample sizes: the machine has 2 cores).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo::api::core::v1::ConfigMap;
use clientgo::apimachinery::{List, ListMeta};
use clientgo::controller::{Action, Config, Controller, Request};
use clientgo::tools::cache::{FnListWatch, Indexers, SharedIndexInformer};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::StreamExt;
use tokio::sync::Notify;

const KEYS: usize = 10_000;

struct Ctx {
    done: AtomicUsize,
    all: Notify,
}

fn informer() -> SharedIndexInformer<ConfigMap> {
    let lw = FnListWatch::new(
        |_| {
            Box::pin(async {
                Ok(List {
                    metadata: ListMeta {
                        resource_version: Some("1".into()),
                        ..ListMeta::default()
                    },
                    items: Vec::new(),
                    ..List::default()
                })
            })
        },
        |_| Box::pin(async { Ok(futures_util::stream::pending().boxed()) }),
    );
    SharedIndexInformer::new(lw, None, Indexers::namespace())
}

async fn one_round(workers: usize) -> Duration {
    let controller = Controller::with_informer(
        informer(),
        Config::new("bench").max_concurrent_reconciles(workers),
    );
    for i in 0..KEYS {
        controller.queue().add(format!("default/cm-{i}"));
    }
    let ctx = Arc::new(Ctx {
        done: AtomicUsize::new(0),
        all: Notify::new(),
    });
    let waiter = Arc::clone(&ctx);
    let start = Instant::now();
    controller
        .run(
            |_req: Request<ConfigMap>, ctx: Arc<Ctx>| async move {
                if ctx.done.fetch_add(1, Ordering::Relaxed) + 1 == KEYS {
                    ctx.all.notify_one();
                }
                Ok::<_, std::convert::Infallible>(Action::done())
            },
            ctx,
            async move {
                let n = waiter.all.notified();
                if waiter.done.load(Ordering::Relaxed) < KEYS {
                    n.await;
                }
            },
        )
        .await;
    start.elapsed()
}

fn reconcile_loop(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("controller/noop_reconcile_10k_keys");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(KEYS as u64));
    for workers in [1, 4, 16] {
        g.bench_with_input(BenchmarkId::from_parameter(workers), &workers, |b, &w| {
            b.iter_custom(|iters| (0..iters).map(|_| rt.block_on(one_round(w))).sum());
        });
    }
    g.finish();
}

criterion_group!(benches, reconcile_loop);
criterion_main!(benches);
