//! Queue metrics behind a small provider trait, with client-go's metric names.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// client-go's metric names (the Prometheus subsystem is [`SUBSYSTEM`]); providers register one
/// metric per queue name with these names.
pub mod names {
    /// Prometheus subsystem of every workqueue metric: `workqueue_depth`, ...
    pub const SUBSYSTEM: &str = "workqueue";
    /// Gauge: current depth of the queue.
    pub const DEPTH: &str = "depth";
    /// Counter: total number of adds handled by the queue.
    pub const ADDS: &str = "adds_total";
    /// Histogram: seconds an item stays in the queue before being requested.
    pub const QUEUE_LATENCY: &str = "queue_duration_seconds";
    /// Histogram: seconds processing an item takes.
    pub const WORK_DURATION: &str = "work_duration_seconds";
    /// Gauge: seconds of work in progress not yet observed by `work_duration_seconds`.
    pub const UNFINISHED_WORK: &str = "unfinished_work_seconds";
    /// Gauge: seconds the longest-running processor has been running.
    pub const LONGEST_RUNNING_PROCESSOR: &str = "longest_running_processor_seconds";
    /// Counter: total number of retries (`add_after` calls) handled by the queue.
    pub const RETRIES: &str = "retries_total";
}

pub use names::SUBSYSTEM;

/// A gauge that goes up and down by one. Mirrors client-go `workqueue.GaugeMetric`.
pub trait GaugeMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
    /// Subtracts one.
    fn dec(&self);
}

/// A gauge set to an absolute value. Mirrors client-go `workqueue.SettableGaugeMetric`.
pub trait SettableGaugeMetric: Send + Sync {
    /// Sets the value.
    fn set(&self, value: f64);
}

/// A monotonically increasing counter. Mirrors client-go `workqueue.CounterMetric`.
pub trait CounterMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
}

/// A distribution of observed values. Mirrors client-go `workqueue.HistogramMetric`.
pub trait HistogramMetric: Send + Sync {
    /// Records one value (seconds, for the workqueue's histograms).
    fn observe(&self, value: f64);
}

/// Creates the metrics of one named queue. Mirrors client-go `workqueue.MetricsProvider`.
///
/// A queue asks its provider once, at construction, for each metric under its name; a queue with an
/// empty name gets no metrics at all (as in client-go), which also skips every clock read and
/// per-item timestamp on the hot path.
pub trait MetricsProvider: Send + Sync {
    /// `depth` gauge.
    fn new_depth_metric(&self, name: &str) -> Arc<dyn GaugeMetric>;
    /// `adds_total` counter.
    fn new_adds_metric(&self, name: &str) -> Arc<dyn CounterMetric>;
    /// `queue_duration_seconds` histogram.
    fn new_latency_metric(&self, name: &str) -> Arc<dyn HistogramMetric>;
    /// `work_duration_seconds` histogram.
    fn new_work_duration_metric(&self, name: &str) -> Arc<dyn HistogramMetric>;
    /// `unfinished_work_seconds` gauge.
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Arc<dyn SettableGaugeMetric>;
    /// `longest_running_processor_seconds` gauge.
    fn new_longest_running_processor_seconds_metric(&self, name: &str) -> Arc<dyn SettableGaugeMetric>;
    /// `retries_total` counter.
    fn new_retries_metric(&self, name: &str) -> Arc<dyn CounterMetric>;
}

/// The metrics one queue records into, resolved once from a provider.
#[derive(Clone)]
pub(crate) struct QueueMetrics {
    pub(crate) depth: Arc<dyn GaugeMetric>,
    pub(crate) adds: Arc<dyn CounterMetric>,
    pub(crate) latency: Arc<dyn HistogramMetric>,
    pub(crate) work_duration: Arc<dyn HistogramMetric>,
    pub(crate) unfinished_work: Arc<dyn SettableGaugeMetric>,
    pub(crate) longest_running: Arc<dyn SettableGaugeMetric>,
}

impl fmt::Debug for QueueMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueMetrics")
    }
}

impl QueueMetrics {
    pub(crate) fn new(provider: &dyn MetricsProvider, name: &str) -> Self {
        QueueMetrics {
            depth: provider.new_depth_metric(name),
            adds: provider.new_adds_metric(name),
            latency: provider.new_latency_metric(name),
            work_duration: provider.new_work_duration_metric(name),
            unfinished_work: provider.new_unfinished_work_seconds_metric(name),
            longest_running: provider.new_longest_running_processor_seconds_metric(name),
        }
    }
}

/// A provider keeping every metric in memory, readable with [`InMemoryMetrics::snapshot`]. Useful
/// in tests and for exporting by hand; clone it to keep a handle after giving it to a queue.
#[derive(Clone, Default)]
pub struct InMemoryMetrics {
    queues: Arc<Mutex<HashMap<String, Arc<Recorded>>>>,
}

impl fmt::Debug for InMemoryMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryMetrics").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Recorded {
    depth: AtomicI64,
    adds: AtomicU64,
    latency: Observations,
    work_duration: Observations,
    unfinished_work: AtomicU64,
    longest_running: AtomicU64,
    retries: AtomicU64,
}

#[derive(Default)]
struct Observations {
    count: AtomicU64,
    /// Sum in nanoseconds, so it can be an atomic integer.
    sum_nanos: AtomicU64,
}

/// Counts and sums of one queue's metrics at one moment, from [`InMemoryMetrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// `depth`.
    pub depth: i64,
    /// `adds_total`.
    pub adds: u64,
    /// Number of `queue_duration_seconds` observations.
    pub latency_count: u64,
    /// Sum of `queue_duration_seconds` observations.
    pub latency_sum_seconds: f64,
    /// Number of `work_duration_seconds` observations.
    pub work_duration_count: u64,
    /// Sum of `work_duration_seconds` observations.
    pub work_duration_sum_seconds: f64,
    /// Last `unfinished_work_seconds`.
    pub unfinished_work_seconds: f64,
    /// Last `longest_running_processor_seconds`.
    pub longest_running_processor_seconds: f64,
    /// `retries_total`.
    pub retries: u64,
}

impl InMemoryMetrics {
    /// An empty provider.
    pub fn new() -> Self {
        Self::default()
    }

    fn queue(&self, name: &str) -> Arc<Recorded> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        queues.entry(name.to_string()).or_default().clone()
    }

    /// The current values for the queue called `name`, `None` if no queue registered that name.
    pub fn snapshot(&self, name: &str) -> Option<MetricsSnapshot> {
        let queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let r = queues.get(name)?;
        let secs = |n: &AtomicU64| n.load(Ordering::Relaxed) as f64 / 1e9;
        Some(MetricsSnapshot {
            depth: r.depth.load(Ordering::Relaxed),
            adds: r.adds.load(Ordering::Relaxed),
            latency_count: r.latency.count.load(Ordering::Relaxed),
            latency_sum_seconds: secs(&r.latency.sum_nanos),
            work_duration_count: r.work_duration.count.load(Ordering::Relaxed),
            work_duration_sum_seconds: secs(&r.work_duration.sum_nanos),
            unfinished_work_seconds: f64::from_bits(r.unfinished_work.load(Ordering::Relaxed)),
            longest_running_processor_seconds: f64::from_bits(r.longest_running.load(Ordering::Relaxed)),
            retries: r.retries.load(Ordering::Relaxed),
        })
    }
}

struct Depth(Arc<Recorded>);
struct Adds(Arc<Recorded>);
struct Retries(Arc<Recorded>);
struct Latency(Arc<Recorded>);
struct WorkDuration(Arc<Recorded>);
struct Unfinished(Arc<Recorded>);
struct Longest(Arc<Recorded>);

impl GaugeMetric for Depth {
    fn inc(&self) {
        self.0.depth.fetch_add(1, Ordering::Relaxed);
    }
    fn dec(&self) {
        self.0.depth.fetch_sub(1, Ordering::Relaxed);
    }
}
impl CounterMetric for Adds {
    fn inc(&self) {
        self.0.adds.fetch_add(1, Ordering::Relaxed);
    }
}
impl CounterMetric for Retries {
    fn inc(&self) {
        self.0.retries.fetch_add(1, Ordering::Relaxed);
    }
}
fn observe(o: &Observations, seconds: f64) {
    o.count.fetch_add(1, Ordering::Relaxed);
    // Saturating float-to-int conversion: negative or huge values cannot wrap. `as` is the only
    // float-to-int conversion std offers, and its saturation is the arithmetic wanted here.
    #[allow(clippy::cast_possible_truncation)]
    let nanos = (seconds * 1e9) as u64;
    o.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
}
impl HistogramMetric for Latency {
    fn observe(&self, value: f64) {
        observe(&self.0.latency, value);
    }
}
impl HistogramMetric for WorkDuration {
    fn observe(&self, value: f64) {
        observe(&self.0.work_duration, value);
    }
}
impl SettableGaugeMetric for Unfinished {
    fn set(&self, value: f64) {
        self.0.unfinished_work.store(value.to_bits(), Ordering::Relaxed);
    }
}
impl SettableGaugeMetric for Longest {
    fn set(&self, value: f64) {
        self.0.longest_running.store(value.to_bits(), Ordering::Relaxed);
    }
}

impl MetricsProvider for InMemoryMetrics {
    fn new_depth_metric(&self, name: &str) -> Arc<dyn GaugeMetric> {
        Arc::new(Depth(self.queue(name)))
    }
    fn new_adds_metric(&self, name: &str) -> Arc<dyn CounterMetric> {
        Arc::new(Adds(self.queue(name)))
    }
    fn new_latency_metric(&self, name: &str) -> Arc<dyn HistogramMetric> {
        Arc::new(Latency(self.queue(name)))
    }
    fn new_work_duration_metric(&self, name: &str) -> Arc<dyn HistogramMetric> {
        Arc::new(WorkDuration(self.queue(name)))
    }
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Arc<dyn SettableGaugeMetric> {
        Arc::new(Unfinished(self.queue(name)))
    }
    fn new_longest_running_processor_seconds_metric(&self, name: &str) -> Arc<dyn SettableGaugeMetric> {
        Arc::new(Longest(self.queue(name)))
    }
    fn new_retries_metric(&self, name: &str) -> Arc<dyn CounterMetric> {
        Arc::new(Retries(self.queue(name)))
    }
}
