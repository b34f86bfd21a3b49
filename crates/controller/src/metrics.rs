//! Reconcile metrics under controller-runtime's names, with a Prometheus text exposition.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// controller-runtime's `controller_runtime_reconcile_time_seconds` buckets (seconds).
const BUCKETS: [f64; 40] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
    1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0,
    50.0, 60.0,
];

/// How one reconcile ended, the `result` label of `controller_runtime_reconcile_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconcileResult {
    /// `Action::done()`.
    Success,
    /// An error (or a panic): requeued with backoff or dropped.
    Error,
    /// `Action::requeue_after(d)`.
    RequeueAfter,
}

/// One controller's reconcile metrics. Lock-free counters; read them with the accessors or
/// [`ControllerMetrics::prometheus_text`].
///
/// Mirrors controller-runtime's `controller_runtime_reconcile_total{controller,result}`,
/// `controller_runtime_reconcile_errors_total`, `controller_runtime_reconcile_time_seconds`,
/// `controller_runtime_max_concurrent_reconciles` and `controller_runtime_active_workers`.
#[derive(Debug)]
pub struct ControllerMetrics {
    controller: String,
    success: AtomicU64,
    error: AtomicU64,
    requeue_after: AtomicU64,
    active_workers: AtomicI64,
    max_concurrent: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl ControllerMetrics {
    pub(crate) fn new(controller: &str, max_concurrent: usize) -> Self {
        ControllerMetrics {
            controller: controller.to_owned(),
            success: AtomicU64::new(0),
            error: AtomicU64::new(0),
            requeue_after: AtomicU64::new(0),
            active_workers: AtomicI64::new(0),
            max_concurrent: AtomicU64::new(u64::try_from(max_concurrent).unwrap_or(u64::MAX)),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    pub(crate) fn worker_started(&self) {
        self.active_workers.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn worker_finished(&self) {
        self.active_workers.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn observe(&self, result: ReconcileResult, took: Duration) {
        let counter = match result {
            ReconcileResult::Success => &self.success,
            ReconcileResult::Error => &self.error,
            ReconcileResult::RequeueAfter => &self.requeue_after,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Reconciles that ended with `result`.
    pub fn reconcile_total(&self, result: ReconcileResult) -> u64 {
        match result {
            ReconcileResult::Success => &self.success,
            ReconcileResult::Error => &self.error,
            ReconcileResult::RequeueAfter => &self.requeue_after,
        }
        .load(Ordering::Relaxed)
    }

    /// Reconciles that returned an error (`controller_runtime_reconcile_errors_total`).
    pub fn reconcile_errors_total(&self) -> u64 {
        self.error.load(Ordering::Relaxed)
    }

    /// Reconciles running now (`controller_runtime_active_workers`).
    pub fn active_workers(&self) -> i64 {
        self.active_workers.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition (format 0.0.4) of these metrics.
    pub fn prometheus_text(&self) -> String {
        let c = &self.controller;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP controller_runtime_reconcile_total Total number of reconciliations per controller"
        );
        let _ = writeln!(out, "# TYPE controller_runtime_reconcile_total counter");
        for (label, v) in [
            ("error", &self.error),
            ("requeue_after", &self.requeue_after),
            ("success", &self.success),
        ] {
            let _ = writeln!(
                out,
                "controller_runtime_reconcile_total{{controller=\"{c}\",result=\"{label}\"}} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(out, "# HELP controller_runtime_reconcile_errors_total Total number of reconciliation errors per controller");
        let _ = writeln!(out, "# TYPE controller_runtime_reconcile_errors_total counter");
        let _ = writeln!(
            out,
            "controller_runtime_reconcile_errors_total{{controller=\"{c}\"}} {}",
            self.error.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# HELP controller_runtime_reconcile_time_seconds Length of time per reconciliation per controller");
        let _ = writeln!(out, "# TYPE controller_runtime_reconcile_time_seconds histogram");
        let mut cumulative = 0;
        for (b, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "controller_runtime_reconcile_time_seconds_bucket{{controller=\"{c}\",le=\"{b}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "controller_runtime_reconcile_time_seconds_bucket{{controller=\"{c}\",le=\"+Inf\"}} {count}"
        );
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "controller_runtime_reconcile_time_seconds_sum{{controller=\"{c}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "controller_runtime_reconcile_time_seconds_count{{controller=\"{c}\"}} {count}"
        );
        let _ = writeln!(out, "# HELP controller_runtime_max_concurrent_reconciles Maximum number of concurrent reconciles per controller");
        let _ = writeln!(out, "# TYPE controller_runtime_max_concurrent_reconciles gauge");
        let _ = writeln!(
            out,
            "controller_runtime_max_concurrent_reconciles{{controller=\"{c}\"}} {}",
            self.max_concurrent.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP controller_runtime_active_workers Number of currently used workers per controller"
        );
        let _ = writeln!(out, "# TYPE controller_runtime_active_workers gauge");
        let _ = writeln!(
            out,
            "controller_runtime_active_workers{{controller=\"{c}\"}} {}",
            self.active_workers.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_results_and_fills_cumulative_buckets() {
        let m = ControllerMetrics::new("demo", 4);
        m.observe(ReconcileResult::Success, Duration::from_millis(3));
        m.observe(ReconcileResult::Error, Duration::from_millis(30));
        m.observe(ReconcileResult::RequeueAfter, Duration::from_secs(100));
        m.worker_started();
        assert_eq!(m.reconcile_total(ReconcileResult::Success), 1);
        assert_eq!(m.reconcile_errors_total(), 1);
        assert_eq!(m.active_workers(), 1);
        let text = m.prometheus_text();
        for line in [
            "controller_runtime_reconcile_total{controller=\"demo\",result=\"success\"} 1",
            "controller_runtime_reconcile_total{controller=\"demo\",result=\"error\"} 1",
            "controller_runtime_reconcile_errors_total{controller=\"demo\"} 1",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"demo\",le=\"0.005\"} 1",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"demo\",le=\"0.05\"} 2",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"demo\",le=\"60\"} 2",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"demo\",le=\"+Inf\"} 3",
            "controller_runtime_reconcile_time_seconds_count{controller=\"demo\"} 3",
            "controller_runtime_max_concurrent_reconciles{controller=\"demo\"} 4",
            "controller_runtime_active_workers{controller=\"demo\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }
}
