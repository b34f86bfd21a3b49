//! The EventBroadcaster: one bounded queue and one writer task per process, and the
//! EventRecorders that feed it.
//!
//! Mirrors client-go `tools/events` `EventBroadcaster` and `EventRecorder` (and the
//! `tools/record` method names `Event`, `Eventf`, `AnnotatedEventf`). Recording never waits on the
//! API server: the recorder correlates the event in memory and hands the write to the queue with
//! `try_send`; when the queue is full (client-go's 1000, `DropIfChannelFull`) the event is dropped
//! and counted, so a slow server slows nothing but the events themselves.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clientgo_api::core::v1::ObjectReference;
use clientgo_api::events::v1::Event;
use clientgo_apimachinery::{MicroTime, StringMap};
use clientgo_client::Clientset;
use clientgo_flowcontrol::{Clock, RealClock};
use tokio::sync::{mpsc, oneshot};

use crate::correlator::{Correlation, CorrelatorOptions, EventCorrelator};
use crate::sink::{Pacing, Sink, Written};

/// An Event's type. Mirrors `v1.EventTypeNormal` and `v1.EventTypeWarning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Nothing is wrong (`Normal`).
    Normal,
    /// Something may need a human (`Warning`).
    Warning,
}

impl EventType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// The broadcaster's tunables; the defaults are client-go's.
#[derive(Debug, Clone)]
pub struct BroadcasterOptions {
    /// Writes queued before new events are dropped (client-go: 1000).
    pub queue_capacity: usize,
    /// Attempts per write for transient failures (client-go: 12).
    pub max_tries: u32,
    /// Pause between attempts (client-go: 10 s).
    pub retry_interval: Duration,
    /// Deadline of one attempt, so a stalled server cannot hold the writer (default 10 s;
    /// client-go relies on the client's timeout).
    pub write_timeout: Duration,
    /// Spam filter, aggregation and series settings.
    pub correlator: CorrelatorOptions,
    /// The clock of the spam filter, the windows and the retry pauses.
    pub clock: Arc<dyn Clock>,
}

impl Default for BroadcasterOptions {
    fn default() -> Self {
        BroadcasterOptions {
            queue_capacity: 1000,
            max_tries: 12,
            retry_interval: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            correlator: CorrelatorOptions::default(),
            clock: Arc::new(RealClock),
        }
    }
}

/// Counters of what happened to recorded events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventStats {
    /// Events created on the server.
    pub created: u64,
    /// Series patches sent (each may carry many repeats).
    pub patched: u64,
    /// Repeats folded into a patch already queued.
    pub coalesced: u64,
    /// Events dropped by the spam filter.
    pub dropped_spam: u64,
    /// Events dropped because the queue was full or the broadcaster shut down.
    pub dropped_queue_full: u64,
    /// Writes that failed for good.
    pub failed: u64,
}

#[derive(Debug, Default)]
struct Counters {
    created: AtomicU64,
    patched: AtomicU64,
    coalesced: AtomicU64,
    dropped_spam: AtomicU64,
    dropped_queue_full: AtomicU64,
    failed: AtomicU64,
}

impl Counters {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> EventStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        EventStats {
            created: get(&self.created),
            patched: get(&self.patched),
            coalesced: get(&self.coalesced),
            dropped_spam: get(&self.dropped_spam),
            dropped_queue_full: get(&self.dropped_queue_full),
            failed: get(&self.failed),
        }
    }
}

enum Job {
    Create(Box<Event>),
    Patch(String),
    Flush(oneshot::Sender<()>),
    Stop(oneshot::Sender<()>),
}

struct Shared {
    correlator: Mutex<EventCorrelator>,
    counters: Counters,
    clock: Arc<dyn Clock>,
}

/// Receives events from its recorders and writes them to the API server from one task.
///
/// Mirrors `events.NewBroadcaster(&events.EventSinkImpl{...})` plus `StartRecordingToSink`:
/// creating it starts the writer task on the current tokio runtime (it does no network I/O).
pub struct EventBroadcaster {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Job>,
    sink: Arc<Sink>,
}

impl fmt::Debug for EventBroadcaster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBroadcaster")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl EventBroadcaster {
    /// A broadcaster writing through `clientset` (client-go: `EventSinkImpl{clientset.EventsV1()}`).
    ///
    /// # Panics
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn new(clientset: &Clientset, options: BroadcasterOptions) -> Self {
        let pacing = Pacing {
            max_tries: options.max_tries,
            retry_interval: options.retry_interval,
            write_timeout: options.write_timeout,
        };
        let sink = Arc::new(Sink::new(clientset.clone(), pacing, options.clock.clone()));
        let shared = Arc::new(Shared {
            correlator: Mutex::new(EventCorrelator::new(options.correlator)),
            counters: Counters::default(),
            clock: options.clock,
        });
        let (tx, rx) = mpsc::channel(options.queue_capacity.max(1));
        tokio::spawn(write_events(rx, shared.clone(), sink.clone()));
        EventBroadcaster { shared, tx, sink }
    }

    /// A recorder reporting as `reporting_controller` (e.g. `example.com/widget-controller`)
    /// from `reporting_instance` (e.g. the pod name). Mirrors `NewRecorder`.
    pub fn new_recorder(
        &self,
        reporting_controller: impl Into<String>,
        reporting_instance: impl Into<String>,
    ) -> EventRecorder {
        EventRecorder {
            shared: self.shared.clone(),
            tx: self.tx.clone(),
            controller: reporting_controller.into(),
            instance: reporting_instance.into(),
        }
    }

    /// What happened to the events recorded so far.
    pub fn stats(&self) -> EventStats {
        self.shared.counters.snapshot()
    }

    /// Whether the server lacked events.k8s.io/v1 and core/v1 Events are written instead.
    pub fn uses_core_v1(&self) -> bool {
        self.sink.uses_core_v1()
    }

    /// Waits until every write queued before this call has been made (or has failed for good).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Writes what is queued, then stops the writer; later events are dropped. Mirrors `Shutdown`.
    pub async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::Stop(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_events(mut rx: mpsc::Receiver<Job>, shared: Arc<Shared>, sink: Arc<Sink>) {
    let counters = &shared.counters;
    while let Some(job) = rx.recv().await {
        let written = match job {
            Job::Create(event) => sink.create(&event).await,
            Job::Patch(key) => {
                let patch = shared
                    .correlator
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take_patch(&key);
                match patch {
                    Some(p) => sink.patch(&p).await,
                    None => continue,
                }
            }
            Job::Flush(done) => {
                let _ = done.send(());
                continue;
            }
            Job::Stop(done) => {
                rx.close();
                let _ = done.send(());
                break;
            }
        };
        Counters::bump(match written {
            Written::Created => &counters.created,
            Written::Patched => &counters.patched,
            Written::Failed => &counters.failed,
        });
    }
}

/// Records Events about objects. Cheap to clone; every method returns at once.
///
/// Mirrors client-go `record.EventRecorder` (`Event`, `Eventf`, `AnnotatedEventf`) writing
/// events.k8s.io/v1 Events; [`EventRecorder::publish`] is `tools/events`' `Eventf` with a
/// related object and an action.
#[derive(Clone)]
pub struct EventRecorder {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Job>,
    controller: String,
    instance: String,
}

impl fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventRecorder")
            .field("reporting_controller", &self.controller)
            .field("reporting_instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// One event to record with every field a caller may set. Mirrors the arguments of
/// `tools/events` `EventRecorder.Eventf`.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The object the event is about.
    pub regarding: &'a ObjectReference,
    /// A secondary object (e.g. the child a controller created), if any.
    pub related: Option<&'a ObjectReference>,
    /// Normal or Warning.
    pub type_: EventType,
    /// Why, in UpperCamelCase (`SyncFailed`).
    pub reason: &'a str,
    /// What was done or failed (`Reconcile`); the reason when empty.
    pub action: &'a str,
    /// The human-readable note.
    pub note: String,
    /// Annotations of the Event object.
    pub annotations: StringMap,
}

impl EventRecorder {
    /// Records an event about `regarding`. Mirrors `Event(object, eventtype, reason, message)`.
    pub fn event(&self, regarding: &ObjectReference, type_: EventType, reason: &str, note: &str) {
        self.publish(NewEvent {
            regarding,
            related: None,
            type_,
            reason,
            action: "",
            note: note.to_owned(),
            annotations: StringMap::new(),
        });
    }

    /// Records an event with a formatted note:
    /// `recorder.eventf(&r, EventType::Normal, "Created", format_args!("created {name}"))`.
    /// Mirrors `Eventf`.
    pub fn eventf(
        &self,
        regarding: &ObjectReference,
        type_: EventType,
        reason: &str,
        note: fmt::Arguments<'_>,
    ) {
        self.event(regarding, type_, reason, &note.to_string());
    }

    /// Records an event whose Event object carries `annotations`. Mirrors `AnnotatedEventf`.
    pub fn annotated_eventf(
        &self,
        regarding: &ObjectReference,
        annotations: StringMap,
        type_: EventType,
        reason: &str,
        note: fmt::Arguments<'_>,
    ) {
        self.publish(NewEvent {
            regarding,
            related: None,
            type_,
            reason,
            action: "",
            note: note.to_string(),
            annotations,
        });
    }

    /// Records an event with every field given.
    pub fn publish(&self, new: NewEvent<'_>) {
        tracing::debug!(
            object = new.regarding.name.as_deref().unwrap_or(""),
            kind = new.regarding.kind.as_deref().unwrap_or(""),
            r#type = new.type_.as_str(),
            reason = new.reason,
            note = %new.note,
            "event occurred"
        );
        let mut event = Event {
            reporting_controller: Some(self.controller.as_str().into()),
            reporting_instance: Some(self.instance.as_str().into()),
            action: Some(
                (if new.action.is_empty() {
                    new.reason
                } else {
                    new.action
                }
                .to_owned())
                .into(),
            ),
            reason: Some(new.reason.into()),
            regarding: Some(new.regarding.clone()),
            related: new.related.cloned(),
            note: Some(new.note.into()),
            type_: Some(new.type_.as_str().into()),
            ..Event::default()
        };
        // Cluster-scoped objects' events live in `default`, as client-go writes them.
        let ns = new
            .regarding
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("default");
        event.metadata.namespace = Some(ns.into());
        event.metadata.annotations = new.annotations;
        let counters = &self.shared.counters;
        let job = {
            let mut correlator = self
                .shared
                .correlator
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match correlator.correlate(event, self.shared.clock.now(), MicroTime::now()) {
                Correlation::Create(ev) => Job::Create(ev),
                Correlation::Patch(key) => Job::Patch(key),
                Correlation::Coalesced => return Counters::bump(&counters.coalesced),
                Correlation::Dropped => return Counters::bump(&counters.dropped_spam),
            }
        };
        if let Err(err) = self.tx.try_send(job) {
            Counters::bump(&counters.dropped_queue_full);
            let job = match err {
                mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job) => job,
            };
            if let Job::Patch(key) = job {
                self.shared
                    .correlator
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .cancel_patch(&key);
            }
            tracing::warn!(reason = new.reason, "event queue is full; dropping the event");
        }
    }
}
