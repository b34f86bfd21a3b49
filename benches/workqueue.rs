//! Workqueue micro-benchmarks, side by side with client-go's figures in docs/baselines.md.
//!
//! Run: `cargo bench --bench workqueue` (small sample sizes: the machine has 2 cores). Lateness of
//! the delaying queue and the bucket limiter's accuracy are measured by
//! `examples/workqueue_measure.rs` instead, since they need the real clock for seconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo::util::workqueue::{
    default_controller_rate_limiter, DelayingQueue, ItemExponentialFailureRateLimiter, Queue, RateLimiter,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const ITEMS: u64 = 1_000_000;

fn runtime(threads: usize) -> tokio::runtime::Runtime {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .expect("runtime")
    }
}

/// add, get and done of 1M distinct items on one task (client-go: 4.0 M items/s).
fn add_get_done_single_task(c: &mut Criterion) {
    let rt = runtime(1);
    let mut g = c.benchmark_group("workqueue/add_get_done_1m_one_task");
    g.sample_size(10).throughput(Throughput::Elements(ITEMS));
    g.bench_function("interleaved", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let q = Queue::new();
                total += rt.block_on(async {
                    let start = Instant::now();
                    for i in 0..ITEMS {
                        q.add(i);
                        let item = q.get().await.expect("item");
                        q.done(&item);
                    }
                    start.elapsed()
                });
            }
            total
        });
    });
    g.bench_function("add_all_then_drain", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let q = Queue::new();
                total += rt.block_on(async {
                    let start = Instant::now();
                    for i in 0..ITEMS {
                        q.add(i);
                    }
                    for _ in 0..ITEMS {
                        let item = q.get().await.expect("item");
                        q.done(&item);
                    }
                    start.elapsed()
                });
            }
            total
        });
    });
    g.finish();
}

/// Runs one producer adding `adds` items (keys modulo `keys`) and `workers` consumers on a 2-thread
/// runtime; returns the time until every worker has stopped.
fn producer_workers(rt: &tokio::runtime::Runtime, workers: usize, adds: u64, keys: u64) -> Duration {
    rt.block_on(async {
        let q: Queue<u64> = Queue::new();
        let start = Instant::now();
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move {
                    while let Some(item) = q.get().await {
                        q.done(&item);
                    }
                })
            })
            .collect();
        let producer = {
            let q = q.clone();
            tokio::spawn(async move {
                for i in 0..adds {
                    q.add(i % keys);
                    if i % 1024 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                q.shut_down();
            })
        };
        producer.await.expect("producer");
        for h in handles {
            h.await.expect("worker");
        }
        start.elapsed()
    })
}

/// 1 producer, 1/2/4/8 workers, 1M distinct keys (client-go: 1.05 / 1.53 / 1.24 M items/s at 1/4/8).
fn producer_and_workers(c: &mut Criterion) {
    let rt = runtime(2);
    let mut g = c.benchmark_group("workqueue/producer_workers_1m");
    g.sample_size(10).throughput(Throughput::Elements(ITEMS));
    for workers in [1usize, 2, 4, 8] {
        g.bench_with_input(BenchmarkId::from_parameter(workers), &workers, |b, &w| {
            b.iter_custom(|iters| (0..iters).map(|_| producer_workers(&rt, w, ITEMS, ITEMS)).sum());
        });
    }
    g.finish();
}

/// 1M adds over 1,000 keys while 1 or 4 workers run (client-go: 14.0 / 7.3 M adds/s).
fn dedup(c: &mut Criterion) {
    let rt = runtime(2);
    let mut g = c.benchmark_group("workqueue/dedup_1m_adds_1000_keys");
    g.sample_size(10).throughput(Throughput::Elements(ITEMS));
    for workers in [1usize, 4] {
        g.bench_with_input(BenchmarkId::from_parameter(workers), &workers, |b, &w| {
            b.iter_custom(|iters| (0..iters).map(|_| producer_workers(&rt, w, ITEMS, 1000)).sum());
        });
    }
    g.finish();
}

/// when + forget pairs over 100k items (client-go: default 2.46 M pairs/s, exponential 9.1 M).
fn rate_limiters(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("workqueue/rate_limiter_when_forget_100k");
    g.sample_size(10).throughput(Throughput::Elements(N));
    g.bench_function("default_controller", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let l = default_controller_rate_limiter::<u64>();
                let start = Instant::now();
                for i in 0..N {
                    std::hint::black_box(l.when(&i));
                    l.forget(&i);
                }
                total += start.elapsed();
            }
            total
        });
    });
    g.bench_function("item_exponential", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let l = ItemExponentialFailureRateLimiter::<u64>::new(
                    Duration::from_millis(5),
                    Duration::from_secs(1000),
                );
                let start = Instant::now();
                for i in 0..N {
                    std::hint::black_box(l.when(&i));
                    l.forget(&i);
                }
                total += start.elapsed();
            }
            total
        });
    });
    g.finish();
}

/// add_after of 1M items with a 1 h delay (client-go: 0.79 M ops/s).
fn delaying_add_after(c: &mut Criterion) {
    let rt = runtime(1);
    let mut g = c.benchmark_group("workqueue/delaying_add_after_1m_1h");
    g.sample_size(10).throughput(Throughput::Elements(ITEMS));
    g.bench_function("add_after", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let _guard = rt.enter();
                let q = Arc::new(DelayingQueue::new());
                let start = Instant::now();
                for i in 0..ITEMS {
                    q.add_after(i, Duration::from_secs(3600));
                }
                total += start.elapsed();
                q.shut_down();
            }
            total
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    add_get_done_single_task,
    producer_and_workers,
    dedup,
    rate_limiters,
    delaying_add_after
);
criterion_main!(benches);
