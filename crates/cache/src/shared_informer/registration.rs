//! What adding a handler gives back: the registration (client-go's
//! `ResourceEventHandlerRegistration`) and, for async code, a [`Subscription`] stream.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use clientgo_apimachinery::Object;
use futures_util::stream::BoxStream;
use futures_util::Stream;

use super::mailbox::{HandlerStats, Mailbox};
use super::processor::Processor;
use crate::notification::Notification;
use crate::reflector::SyncStatus;

/// Registration ids, unique in the process: a registration of one informer never names a
/// handler of another.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh registration id.
pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// How a handler is added. Mirrors client-go `cache.HandlerOptions`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct HandlerOptions {
    pub(crate) name: Option<String>,
    pub(crate) resync_period: Option<Duration>,
    pub(crate) dedicated_thread: bool,
}

impl HandlerOptions {
    /// The handler's name in log lines (a panic, a lag). Default: its type and registration id.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Re-deliver every cached object as an update this often (zero: never; at least
    /// [`MINIMUM_RESYNC_PERIOD`](super::MINIMUM_RESYNC_PERIOD)). Default: the informer's
    /// default resync period. Mirrors `HandlerOptions.ResyncPeriod`.
    pub fn resync_period(mut self, period: Duration) -> Self {
        self.resync_period = Some(period);
        self
    }

    /// Runs the handler on a thread of its own (client-go runs each handler on a goroutine)
    /// instead of as a task on the informer's runtime: for a handler that blocks (synchronous
    /// I/O, long computations, waiting on a lock). A handler running as a task must never block,
    /// as any code on an async runtime: it would hold a worker thread, and with it whatever else
    /// that worker was about to run. The thread costs a context switch per wake-up, which
    /// docs/performance.md measures; its calls do not follow tokio's paused clock in tests.
    pub fn dedicated_thread(mut self) -> Self {
        self.dedicated_thread = true;
        self
    }
}

/// What a registration reads, whatever the informer's object type.
trait Registered: Send + Sync {
    fn has_synced(&self) -> bool;
    fn stats(&self) -> HandlerStats;
    fn name(&self) -> &str;
}

struct State<K> {
    mailbox: Arc<Mailbox<K>>,
    status: Arc<SyncStatus>,
}

impl<K: Object + Send + Sync + 'static> Registered for State<K> {
    fn has_synced(&self) -> bool {
        self.status.has_synced() && self.mailbox.initial_list_handled()
    }

    fn stats(&self) -> HandlerStats {
        self.mailbox.stats()
    }

    fn name(&self) -> &str {
        self.mailbox.name()
    }
}

/// A handler added to an informer; pass it to
/// [`remove_event_handler`](super::SharedIndexInformer::remove_event_handler). Mirrors
/// `ResourceEventHandlerRegistration`. Cheap to clone; equal when it names the same handler.
#[derive(Clone)]
pub struct HandlerRegistration {
    id: u64,
    state: Arc<dyn Registered>,
}

impl HandlerRegistration {
    pub(crate) fn new<K: Object + Send + Sync + 'static>(
        id: u64,
        mailbox: Arc<Mailbox<K>>,
        status: Arc<SyncStatus>,
    ) -> Self {
        HandlerRegistration {
            id,
            state: Arc::new(State { mailbox, status }),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// True once the informer has synced and this handler has handled every add of its initial
    /// list (the first list, or the cache replayed to a handler added later). Mirrors the
    /// registration's `HasSynced`.
    pub fn has_synced(&self) -> bool {
        self.state.has_synced()
    }

    /// The handler's name (see [`HandlerOptions::name`]).
    pub fn name(&self) -> &str {
        self.state.name()
    }

    /// What the handler's mailbox has done: pending and delivered notifications, coalescing while
    /// it lagged, panics.
    pub fn stats(&self) -> HandlerStats {
        self.state.stats()
    }

    /// True while the handler is a whole mailbox behind and its notifications are coalesced.
    pub fn is_lagging(&self) -> bool {
        self.stats().lagging
    }
}

impl PartialEq for HandlerRegistration {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for HandlerRegistration {}

impl std::hash::Hash for HandlerRegistration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl fmt::Debug for HandlerRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerRegistration")
            .field("id", &self.id)
            .field("name", &self.name())
            .finish()
    }
}

/// An informer's notifications as a [`Stream`]: made by
/// [`subscribe`](super::SharedIndexInformer::subscribe), removed from the informer when
/// dropped. Ends when the informer stops.
pub struct Subscription<K> {
    registration: HandlerRegistration,
    stream: BoxStream<'static, Notification<K>>,
    processor: Weak<Processor<K>>,
}

impl<K: Object + Send + Sync + 'static> Subscription<K> {
    pub(crate) fn new(
        registration: HandlerRegistration,
        mailbox: Arc<Mailbox<K>>,
        processor: Weak<Processor<K>>,
    ) -> Self {
        let stream = futures_util::stream::unfold(mailbox, |mailbox| async move {
            let n = mailbox.recv().await?;
            Some((n, mailbox))
        });
        Subscription {
            registration,
            stream: Box::pin(stream),
            processor,
        }
    }

    /// The subscription's registration: its synced state and mailbox figures.
    pub fn registration(&self) -> &HandlerRegistration {
        &self.registration
    }
}

impl<K> Stream for Subscription<K> {
    type Item = Notification<K>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

impl<K> Drop for Subscription<K> {
    fn drop(&mut self) {
        if let Some(processor) = self.processor.upgrade() {
            processor.remove_listener(self.registration.id);
        }
    }
}

impl<K> fmt::Debug for Subscription<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("registration", &self.registration)
            .finish_non_exhaustive()
    }
}
