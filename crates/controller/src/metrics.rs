//! Reconcile metrics under controller-runtime's names, exposed through `prometheus-client`.

use std::borrow::Cow;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

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

impl ReconcileResult {
    /// The `result` label's value.
    fn label(self) -> &'static str {
        match self {
            ReconcileResult::Success => "success",
            ReconcileResult::Error => "error",
            ReconcileResult::RequeueAfter => "requeue_after",
        }
    }
}

/// The `result` label set of `controller_runtime_reconcile_total`.
type ResultLabel = [(&'static str, &'static str); 1];

/// One controller's reconcile metrics, registered under the label `controller="NAME"`. Read them
/// with the accessors, [`ControllerMetrics::prometheus_text`], or [`ControllerMetrics::registry`].
///
/// Mirrors controller-runtime's `controller_runtime_reconcile_total{controller,result}`,
/// `controller_runtime_reconcile_errors_total`, `controller_runtime_reconcile_time_seconds`,
/// `controller_runtime_max_concurrent_reconciles` and `controller_runtime_active_workers`.
#[derive(Debug)]
pub struct ControllerMetrics {
    registry: Registry,
    /// The three `reconcile_total` series, in [`ReconcileResult`] order: handles into the
    /// registered family, so counting a reconcile takes no family lock.
    success: Counter,
    error: Counter,
    requeue_after: Counter,
    errors: Counter,
    reconcile_time: Histogram,
    active_workers: Gauge,
}

impl ControllerMetrics {
    pub(crate) fn new(controller: &str, max_concurrent: usize) -> Self {
        let mut registry = Registry::with_prefix_and_labels(
            "controller_runtime",
            std::iter::once((Cow::Borrowed("controller"), Cow::Owned(controller.to_owned()))),
        );
        let reconcile_total = Family::<ResultLabel, Counter>::default();
        let series = |r: ReconcileResult| reconcile_total.get_or_create_owned(&[("result", r.label())]);
        let (success, error, requeue_after) = (
            series(ReconcileResult::Success),
            series(ReconcileResult::Error),
            series(ReconcileResult::RequeueAfter),
        );
        // prometheus-client adds the `_total` suffix of counters and a full stop to help texts.
        registry.register(
            "reconcile",
            "Total number of reconciliations per controller",
            reconcile_total,
        );
        let errors = Counter::default();
        registry.register(
            "reconcile_errors",
            "Total number of reconciliation errors per controller",
            errors.clone(),
        );
        let reconcile_time = Histogram::new(BUCKETS);
        registry.register(
            "reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            reconcile_time.clone(),
        );
        let max_concurrent_reconciles = Gauge::<i64>::default();
        max_concurrent_reconciles.set(i64::try_from(max_concurrent).unwrap_or(i64::MAX));
        registry.register(
            "max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller",
            max_concurrent_reconciles,
        );
        let active_workers = Gauge::default();
        registry.register(
            "active_workers",
            "Number of currently used workers per controller",
            active_workers.clone(),
        );
        ControllerMetrics {
            registry,
            success,
            error,
            requeue_after,
            errors,
            reconcile_time,
            active_workers,
        }
    }

    pub(crate) fn worker_started(&self) {
        self.active_workers.inc();
    }

    pub(crate) fn worker_finished(&self) {
        self.active_workers.dec();
    }

    pub(crate) fn observe(&self, result: ReconcileResult, took: Duration) {
        self.series(result).inc();
        if result == ReconcileResult::Error {
            self.errors.inc();
        }
        self.reconcile_time.observe(took.as_secs_f64());
    }

    fn series(&self, result: ReconcileResult) -> &Counter {
        match result {
            ReconcileResult::Success => &self.success,
            ReconcileResult::Error => &self.error,
            ReconcileResult::RequeueAfter => &self.requeue_after,
        }
    }

    /// Reconciles that ended with `result`.
    pub fn reconcile_total(&self, result: ReconcileResult) -> u64 {
        self.series(result).get()
    }

    /// Reconciles that returned an error (`controller_runtime_reconcile_errors_total`).
    pub fn reconcile_errors_total(&self) -> u64 {
        self.errors.get()
    }

    /// Reconciles running now (`controller_runtime_active_workers`).
    pub fn active_workers(&self) -> i64 {
        self.active_workers.get()
    }

    /// The registry holding these metrics, to encode beside others with
    /// `prometheus_client::encoding::text::encode_registry` (one `/metrics` answer for a process
    /// running several controllers).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The OpenMetrics text exposition of these metrics (Prometheus scrapes it), ending in `# EOF`.
    pub fn prometheus_text(&self) -> String {
        let mut out = String::new();
        // Writing into a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
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
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"demo\",le=\"60.0\"} 2",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"demo\",le=\"+Inf\"} 3",
            "controller_runtime_reconcile_time_seconds_count{controller=\"demo\"} 3",
            "controller_runtime_max_concurrent_reconciles{controller=\"demo\"} 4",
            "controller_runtime_active_workers{controller=\"demo\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        for help in [
            "# HELP controller_runtime_reconcile Total number of reconciliations per controller.",
            "# HELP controller_runtime_reconcile_time_seconds Length of time per reconciliation per controller.",
            "# HELP controller_runtime_active_workers Number of currently used workers per controller.",
        ] {
            assert!(text.lines().any(|l| l == help), "missing {help:?} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_controller_name_is_escaped_in_its_label() {
        let m = ControllerMetrics::new("a\"b", 1);
        let text = m.prometheus_text();
        assert!(
            text.contains("controller_runtime_active_workers{controller=\"a\\\"b\"} 0"),
            "{text}"
        );
    }
}
