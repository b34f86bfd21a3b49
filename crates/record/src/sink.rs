//! Writing correlated events to the API server: events.k8s.io/v1, core/v1 as a fallback.
//!
//! Mirrors client-go `tools/events`' `EventSinkImpl` and `recordToSink`: a create for a first
//! occurrence, a PATCH of the series for a repeat (a create with the series when the event has
//! vanished meanwhile), at most `max_tries` attempts spaced `retry_interval` apart for
//! transient failures (connection errors, 429, 5xx), and no retry for the rest. When the server
//! does not serve events.k8s.io/v1 at all the sink switches, once and for good, to core/v1 Events
//! (count, firstTimestamp and lastTimestamp instead of a series), like the events adapter.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo_api::core::v1::{Event as CoreEvent, EventSource};
use clientgo_api::events::v1::Event;
use clientgo_apimachinery::{MicroTime, Resource, Time};
use clientgo_client::{Clientset, CreateOptions, PatchOptions, PatchType};
use clientgo_flowcontrol::Clock;
use clientgo_rest::Error;
use serde_json::json;

use crate::correlator::SeriesPatch;

/// How a write ended, for the broadcaster's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Created,
    Patched,
    Failed,
}

pub(crate) struct Sink {
    clientset: Clientset,
    core_v1: AtomicBool,
    max_tries: u32,
    retry_interval: Duration,
    write_timeout: Duration,
    clock: Arc<dyn Clock>,
}

/// The pacing of a sink's writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pacing {
    pub(crate) max_tries: u32,
    pub(crate) retry_interval: Duration,
    pub(crate) write_timeout: Duration,
}

impl Sink {
    pub(crate) fn new(clientset: Clientset, pacing: Pacing, clock: Arc<dyn Clock>) -> Self {
        Sink {
            clientset,
            core_v1: AtomicBool::new(false),
            max_tries: pacing.max_tries.max(1),
            retry_interval: pacing.retry_interval,
            write_timeout: pacing.write_timeout,
            clock,
        }
    }

    /// Whether the sink fell back to core/v1 Events.
    pub(crate) fn uses_core_v1(&self) -> bool {
        self.core_v1.load(Ordering::Relaxed)
    }

    /// Creates a first occurrence.
    pub(crate) async fn create(&self, event: &Event) -> Written {
        self.with_retries(event, || self.create_once(event, None)).await
    }

    /// Sends the series of a repeat; recreates the event with its series when it is gone.
    pub(crate) async fn patch(&self, patch: &SeriesPatch) -> Written {
        self.with_retries(&patch.event, || async {
            match self.patch_once(patch).await {
                Err(e) if e.is_not_found() => self.create_once(&patch.event, Some(patch)).await,
                other => other,
            }
        })
        .await
    }

    async fn with_retries<F, Fut>(&self, event: &Event, attempt: F) -> Written
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Written, Error>>,
    {
        for tries in 1..=self.max_tries {
            // A stalled server must not hold the writer forever: each attempt has a deadline.
            let error = match tokio::time::timeout(self.write_timeout, attempt()).await {
                Ok(Ok(w)) => return w,
                Ok(Err(e)) if e.is_already_exists() => return Written::Created,
                Ok(Err(e)) if !is_transient(&e) => Some(e),
                Ok(Err(e)) if tries < self.max_tries => {
                    tracing::debug!(tries, error = %e, "unable to write event, will retry");
                    None
                }
                Ok(Err(e)) => Some(e),
                Err(_) if tries < self.max_tries => None,
                Err(_) => {
                    tracing::warn!(
                        event = event.metadata.name.as_deref().unwrap_or(""),
                        tries,
                        timeout = ?self.write_timeout,
                        "writing the event timed out, giving up"
                    );
                    return Written::Failed;
                }
            };
            if let Some(e) = error {
                tracing::warn!(
                    event = event.metadata.name.as_deref().unwrap_or(""),
                    reason = event.reason.as_deref().unwrap_or(""),
                    tries,
                    error = %e,
                    "unable to write event, giving up"
                );
                return Written::Failed;
            }
            self.clock.sleep(self.retry_interval).await;
        }
        Written::Failed
    }

    async fn create_once(&self, event: &Event, series: Option<&SeriesPatch>) -> Result<Written, Error> {
        let ns = event.metadata.namespace.as_deref();
        if !self.uses_core_v1() {
            let mut ev = event.clone();
            ev.api_version = Event::api_version().into();
            ev.kind = Event::KIND.into();
            if let Some(p) = series {
                ev.series = clientgo_api::RawJson::from_serialize(&series_json(p)).ok();
            }
            match self
                .clientset
                .resource::<Event>(ns)
                .create(&ev, &CreateOptions::default())
                .await
            {
                Err(e) if is_unserved(&e) => {
                    tracing::info!("events.k8s.io/v1 is not served; recording core/v1 Events");
                    self.core_v1.store(true, Ordering::Relaxed);
                }
                other => return other.map(|_| Written::Created),
            }
        }
        let core = to_core_v1(event, series);
        self.clientset
            .resource::<CoreEvent>(ns)
            .create(&core, &CreateOptions::default())
            .await
            .map(|_| Written::Created)
    }

    async fn patch_once(&self, p: &SeriesPatch) -> Result<Written, Error> {
        let ns = p.event.metadata.namespace.as_deref();
        let name = p.event.metadata.name.as_deref().unwrap_or_default();
        let opts = PatchOptions::default();
        if self.uses_core_v1() {
            let body = json!({"count": p.count, "lastTimestamp": last_timestamp(p.last_observed)});
            self.clientset
                .resource::<CoreEvent>(ns)
                .patch(name, &PatchType::Merge, &body, &opts)
                .await?;
        } else {
            let body = json!({ "series": series_json(p) });
            self.clientset
                .resource::<Event>(ns)
                .patch(name, &PatchType::Merge, &body, &opts)
                .await?;
        }
        Ok(Written::Patched)
    }
}

fn series_json(p: &SeriesPatch) -> serde_json::Value {
    json!({"count": p.count, "lastObservedTime": p.last_observed})
}

fn last_timestamp(t: MicroTime) -> Time {
    Time::from_unix_seconds(t.unix_micros().div_euclid(1_000_000))
}

/// 404 for the resource itself (not for a missing namespace): events.k8s.io/v1 is not served.
fn is_unserved(e: &Error) -> bool {
    e.api_error().is_some_and(|a| {
        a.is_not_found()
            && a.status()
                .details
                .as_ref()
                .is_none_or(|d| d.kind.as_deref() != Some("namespaces"))
    })
}

/// Worth another try: no answer at all, 429, or a server-side failure.
fn is_transient(e: &Error) -> bool {
    match e.status_code() {
        None => true,
        Some(code) => code == 429 || code >= 500,
    }
}

/// The same occurrence as a core/v1 Event (client-go's `eventsv1` to `corev1` mapping).
fn to_core_v1(e: &Event, series: Option<&SeriesPatch>) -> CoreEvent {
    let first = last_timestamp(e.event_time.unwrap_or_else(MicroTime::now));
    let (count, last) = match series {
        Some(p) => (p.count, last_timestamp(p.last_observed)),
        None => (1, first),
    };
    CoreEvent {
        api_version: "v1".into(),
        kind: "Event".into(),
        metadata: e.metadata.clone(),
        involved_object: e.regarding.clone().unwrap_or_default(),
        reason: e.reason.clone(),
        message: e.note.clone(),
        source: EventSource {
            component: e.reporting_controller.clone(),
            host: None,
        },
        first_timestamp: Some(first),
        last_timestamp: Some(last),
        count: Some(count),
        type_: e.type_.clone(),
        action: e.action.clone(),
        related: e.related.clone(),
        reporting_component: e.reporting_controller.clone().unwrap_or_default(),
        reporting_instance: e.reporting_instance.clone().unwrap_or_default(),
        ..CoreEvent::default()
    }
}
