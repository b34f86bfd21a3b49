//! A watch served by an informer: the events of a list-and-watch that survives 410 Gone, with the
//! informer's store beside it.
//!
//! Mirrors client-go `tools/watch/informerwatcher.go` (`NewIndexerInformerWatcher`): an informer
//! lists and watches, its handler turns each notification into a watch event (ADDED for what the
//! list found and for creations, MODIFIED, DELETED with the last known state, also for a deletion
//! only a relist noticed), and the caller reads them as a stream. Where a plain watch ends with 410
//! Gone, the informer relists and the stream goes on. Events carry the informer's shared
//! `Arc<K>`, never a copy.
//!
//! Nothing is spawned: the informer runs while the stream is polled. Events the informer produces
//! between two polls wait in the stream (as client-go's event goroutines do), so read it steadily.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use clientgo_apimachinery::{Object, WatchEvent};
use clientgo_cache::{
    new_indexer_informer, Cache, Controller, DeltaObject, Indexers, ListerWatcher, ResourceEventHandler,
};
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The informer's handler: every notification becomes a watch event.
struct Forward<K> {
    events: mpsc::UnboundedSender<WatchEvent<Arc<K>>>,
}

impl<K: Send + Sync + 'static> ResourceEventHandler<K> for Forward<K> {
    fn on_add(&self, obj: &Arc<K>, _is_in_initial_list: bool) {
        let _ = self.events.send(WatchEvent::Added(Arc::clone(obj)));
    }

    fn on_update(&self, _old: &Arc<K>, new: &Arc<K>) {
        let _ = self.events.send(WatchEvent::Modified(Arc::clone(new)));
    }

    fn on_delete(&self, obj: &DeltaObject<K>) {
        // A deletion a relist noticed carries the last state the informer knew; the watch API has
        // no way to say it may be stale (a caller can look at its deletionTimestamp).
        match obj.object() {
            Some(last) => {
                let _ = self.events.send(WatchEvent::Deleted(Arc::clone(last)));
            }
            None => tracing::debug!("a deletion without a known last state has no watch event"),
        }
    }
}

/// A stream of watch events from an informer. Mirrors the `watch.Interface` that client-go's
/// `NewIndexerInformerWatcher` returns.
///
/// # Drop behavior
/// Dropping it stops the informer (its list and watch requests end with it).
pub struct InformerWatcher<K> {
    run: Pin<Box<dyn Future<Output = ()> + Send>>,
    running: bool,
    events: mpsc::UnboundedReceiver<WatchEvent<Arc<K>>>,
    stop: CancellationToken,
    controller: Controller<K>,
}

impl<K> fmt::Debug for InformerWatcher<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InformerWatcher")
            .field("running", &self.running)
            .field("stopped", &self.stop.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// An informer over `lister_watcher` and the stream of its events, with its store (indexed by
/// namespace). Mirrors client-go `watch.NewIndexerInformerWatcher`.
pub fn new_indexer_informer_watcher<K, L>(lister_watcher: L) -> (Arc<Cache<K>>, InformerWatcher<K>)
where
    K: Object + Send + Sync + 'static,
    L: ListerWatcher<K>,
{
    let (tx, events) = mpsc::unbounded_channel();
    let (store, controller) = new_indexer_informer(
        lister_watcher,
        Forward { events: tx },
        None,
        Indexers::namespace(),
    );
    let stop = CancellationToken::new();
    let run = {
        let (controller, stop) = (controller.clone(), stop.clone());
        Box::pin(async move { controller.run(stop).await })
    };
    let watcher = InformerWatcher {
        run,
        running: true,
        events,
        stop,
        controller,
    };
    (store, watcher)
}

impl<K: Object + Send + Sync + 'static> InformerWatcher<K> {
    /// Stops the informer; the stream ends once the events produced before are read. Mirrors
    /// `Stop`.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// A token that stops this watcher when cancelled (e.g. from another task).
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// The informer, for `has_synced` and its status. Mirrors the `cache.Controller` client-go
    /// returns beside the watch.
    pub fn controller(&self) -> &Controller<K> {
        &self.controller
    }
}

impl<K> Stream for InformerWatcher<K> {
    type Item = WatchEvent<Arc<K>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.running && this.run.as_mut().poll(cx).is_ready() {
            this.running = false;
        }
        if this.running {
            return this.events.poll_recv(cx);
        }
        // Stopped: hand out what was produced before, then end.
        Poll::Ready(this.events.try_recv().ok())
    }
}

impl<K> Drop for InformerWatcher<K> {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
