//! Metrics: client-go's names, a readable provider, nothing recorded for unnamed queues, with the
//! cases of client-go's `util/workqueue/metrics_test.go` ported under their Go names.
//!
//! Not ported: `TestLeak` (a goroutine-leak check with goleak, proposed in client-go PR 133524);
//! here the background tasks end at shutdown, which `the_unfinished_work_updater_stops_at_shutdown`
//! and the delaying queue's `timer_task_ends_*` tests check directly.

mod support;

use std::sync::Arc;
use std::time::Duration;

use clientgo_workqueue::metrics::names;
use clientgo_workqueue::{DelayingQueue, InMemoryMetrics, MetricsProvider, Queue};
use support::{eventually, fake_config, guarded};

#[test]
fn metric_names_match_client_go() {
    assert_eq!(names::SUBSYSTEM, "workqueue");
    assert_eq!(
        [
            names::DEPTH,
            names::ADDS,
            names::QUEUE_LATENCY,
            names::WORK_DURATION,
            names::UNFINISHED_WORK,
            names::LONGEST_RUNNING_PROCESSOR,
            names::RETRIES,
        ],
        [
            "depth",
            "adds_total",
            "queue_duration_seconds",
            "work_duration_seconds",
            "unfinished_work_seconds",
            "longest_running_processor_seconds",
            "retries_total",
        ]
    );
}

#[tokio::test]
async fn metrics_track_depth_adds_latency_work_and_unfinished_work() {
    let (clock, config) = fake_config();
    let metrics = InMemoryMetrics::new();
    let q = Queue::with_config(
        config
            .name("pods")
            .metrics_provider(Arc::new(metrics.clone()) as Arc<dyn MetricsProvider>),
    );
    q.add("a");
    q.add("a");
    q.add("b");
    let m = metrics.snapshot("pods").expect("registered");
    assert_eq!((m.depth, m.adds), (2, 2), "the duplicate add is not counted");

    clock.advance(Duration::from_millis(300));
    let a = q.get().await.expect("a");
    clock.advance(Duration::from_millis(200));
    q.update_unfinished_work();
    let m = metrics.snapshot("pods").expect("registered");
    assert_eq!(m.depth, 1);
    assert_eq!(m.latency_count, 1);
    assert!((m.latency_sum_seconds - 0.3).abs() < 1e-9);
    assert!((m.unfinished_work_seconds - 0.2).abs() < 1e-9);
    assert!((m.longest_running_processor_seconds - 0.2).abs() < 1e-9);

    q.done(&a);
    let m = metrics.snapshot("pods").expect("registered");
    assert_eq!(m.work_duration_count, 1);
    assert!((m.work_duration_sum_seconds - 0.2).abs() < 1e-9);
    q.update_unfinished_work();
    let m = metrics.snapshot("pods").expect("registered");
    assert_eq!(m.unfinished_work_seconds, 0.0);
}

/// Mirrors `TestMetricShutdown`: no gauge update after shutdown. client-go's
/// `updateUnfinishedWorkLoop` returns at its first tick after shutdown; ours ends at the shutdown
/// itself, even while handles to the queue are alive.
#[tokio::test]
async fn the_unfinished_work_updater_stops_at_shutdown() {
    for drain in [false, true] {
        let (clock, config) = fake_config();
        let metrics = InMemoryMetrics::new();
        let q = Queue::<u32>::with_config(
            config
                .name("stops")
                .metrics_provider(Arc::new(metrics.clone()) as Arc<dyn MetricsProvider>),
        );
        eventually("the updater waits on the clock", || clock.sleepers() == 1).await;
        if drain {
            guarded("a drain with nothing in flight", q.shut_down_with_drain()).await;
        } else {
            q.shut_down();
        }
        eventually("the updater has ended", || clock.sleepers() == 0).await;
        assert!(q.shutting_down());
    }
}

/// Whether two sums of seconds agree (they are sums of floats, so not bit for bit).
fn same_seconds(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// Mirrors `TestMetrics`: adds (deduplicated, including while processing), depth, queue latency
/// measured from the first add, work duration, and the unfinished-work gauges refreshed by the
/// background updater on its period.
#[tokio::test]
async fn test_metrics() {
    let us = Duration::from_micros;
    let (clock, config) = fake_config();
    let metrics = InMemoryMetrics::new();
    let q = Queue::with_config(
        config
            .name("test")
            .metrics_provider(Arc::new(metrics.clone()) as Arc<dyn MetricsProvider>)
            .unfinished_work_update_period(Duration::from_millis(1)),
    );
    let m = || metrics.snapshot("test").expect("registered");
    eventually("the updater waits on the clock", || clock.sleepers() == 1).await;

    q.add("foo");
    assert_eq!((m().adds, m().depth), (1, 1));
    clock.advance(us(50));
    let item = q.get().await.expect("foo");
    assert_eq!(m().latency_count, 1);
    assert!(
        same_seconds(m().latency_sum_seconds, 50e-6),
        "{}",
        m().latency_sum_seconds
    );

    // Added again while processing: counted once, and it counts as waiting.
    for _ in 0..5 {
        q.add(item);
    }
    assert_eq!((m().adds, m().depth), (2, 1));
    clock.advance(us(25));
    q.done(&item);
    assert_eq!(m().work_duration_count, 1);
    assert!(same_seconds(m().work_duration_sum_seconds, 25e-6));
    assert_eq!(m().depth, 1, "back in the queue");

    let item = q.get().await.expect("foo again");
    assert_eq!(m().latency_count, 2);
    assert!(
        same_seconds(m().latency_sum_seconds, 50e-6 + 25e-6),
        "waited 25 µs since the first add while processing"
    );

    clock.advance(Duration::from_millis(1));
    eventually("the updater ran", || m().unfinished_work_seconds > 0.0).await;
    assert!(
        same_seconds(m().unfinished_work_seconds, 0.001),
        "{}",
        m().unfinished_work_seconds
    );
    assert!(same_seconds(m().longest_running_processor_seconds, 0.001));

    q.done(&item);
    assert_eq!(m().work_duration_count, 2);
    assert!(same_seconds(m().work_duration_sum_seconds, 25e-6 + 0.001));
}

#[tokio::test]
async fn retries_total_counts_add_after_calls() {
    let (_clock, config) = fake_config();
    let metrics = InMemoryMetrics::new();
    let q = DelayingQueue::with_config(
        config
            .name("retry")
            .metrics_provider(Arc::new(metrics.clone()) as Arc<dyn MetricsProvider>),
    );
    q.add_after(1, Duration::from_secs(1));
    q.add_after(2, Duration::ZERO);
    assert_eq!(metrics.snapshot("retry").expect("registered").retries, 2);
}

#[test]
fn an_unnamed_queue_records_no_metrics() {
    let metrics = InMemoryMetrics::new();
    let q = Queue::with_config(
        clientgo_workqueue::QueueConfig::new()
            .metrics_provider(Arc::new(metrics.clone()) as Arc<dyn MetricsProvider>),
    );
    q.add(1);
    assert_eq!(metrics.snapshot(""), None);
}
