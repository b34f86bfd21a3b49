//! What a reflector has done: synced or not, its last failure, and counters.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::error::ReflectorError;

/// A reflector's sync state, shared with whoever waits on it. Mirrors client-go's `HasSynced`
/// and `LastSyncResourceVersion` plus the `WatchErrorHandler`'s view: a failing list (403, say) is
/// visible here instead of a silent wait.
///
/// Who marks it synced depends on what the reflector writes into: the direct stage (no queue)
/// once the first list is in the store and handed to the handlers, a queue-backed
/// [`Controller`](crate::Controller) once the first list has been popped and processed.
#[derive(Default)]
pub struct SyncStatus {
    synced: AtomicBool,
    notify: Notify,
    last_error: Mutex<Option<Arc<ReflectorError>>>,
    resource_version: Mutex<String>,
    store_resource_version: Mutex<String>,
    error_hook: Mutex<Option<ErrorHook>>,
    stats: ReflectorStats,
}

type ErrorHook = Arc<dyn Fn(&ReflectorError) + Send + Sync>;

impl fmt::Debug for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncStatus")
            .field("synced", &self.has_synced())
            .field("last_error", &self.last_error().map(|e| e.to_string()))
            .field("stats", &self.stats)
            .finish()
    }
}

/// Counters of a reflector's work.
#[derive(Debug, Default)]
pub struct ReflectorStats {
    relists: AtomicU64,
    rewatches: AtomicU64,
    resyncs: AtomicU64,
    events: AtomicU64,
}

impl ReflectorStats {
    /// Lists after the first one.
    pub fn relists(&self) -> u64 {
        self.relists.load(Ordering::Relaxed)
    }

    /// Watches restarted without a list.
    pub fn rewatches(&self) -> u64 {
        self.rewatches.load(Ordering::Relaxed)
    }

    /// Resync rounds forced: each replayed the store (to the handlers whose resync was due) and
    /// made no request. Mirrors the reflector's `forcing resync` log line.
    pub fn resyncs(&self) -> u64 {
        self.resyncs.load(Ordering::Relaxed)
    }

    /// Watch events applied (bookmarks included).
    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }
}

impl SyncStatus {
    /// True once the first list (or streaming list) is in the store, or, behind a queue, has been
    /// processed. Mirrors `HasSynced`.
    pub fn has_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }

    /// Waits until [`SyncStatus::has_synced`].
    pub async fn wait_synced(&self) {
        loop {
            let notified = self.notify.notified();
            if self.has_synced() {
                return;
            }
            notified.await;
        }
    }

    /// Waits until `done` holds. It is checked at once and again after each change reported here
    /// that is not a single event: the sync, a failure, a relist, a watch restart, a resync round (e.g.
    /// `status.wait_until(|s| s.stats().resyncs() >= 3)`). Bound it with `tokio::time::timeout`.
    pub async fn wait_until(&self, done: impl Fn(&SyncStatus) -> bool) {
        loop {
            let notified = self.notify.notified();
            if done(self) {
                return;
            }
            notified.await;
        }
    }

    /// The last list or watch failure, cleared by the next successful list.
    pub fn last_error(&self) -> Option<Arc<ReflectorError>> {
        self.last_error.lock().ok().and_then(|g| g.clone())
    }

    /// The resourceVersion of the last list, watch event or bookmark the reflector saw (`""`
    /// before the first list). Mirrors `Reflector.LastSyncResourceVersion`.
    pub fn last_sync_resource_version(&self) -> String {
        self.resource_version
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default()
    }

    /// The resourceVersion the store that listers read has caught up to (`""` before the first
    /// list is in it). Without a queue stage that of the last
    /// list, event or bookmark written into the indexer; behind a queue, that of the newest object
    /// the process loop has applied (bookmarks do not pass through the queue, so it can lag
    /// [`SyncStatus::last_sync_resource_version`] until the next change). Mirrors client-go's
    /// `LastStoreSyncResourceVersion`.
    pub fn last_store_sync_resource_version(&self) -> String {
        self.store_resource_version
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default()
    }

    /// Counters.
    pub fn stats(&self) -> &ReflectorStats {
        &self.stats
    }

    /// Calls `hook` with every list/watch failure. Mirrors `SetWatchErrorHandler`.
    pub fn set_error_handler(&self, hook: Arc<dyn Fn(&ReflectorError) + Send + Sync>) {
        if let Ok(mut g) = self.error_hook.lock() {
            *g = Some(hook);
        }
    }

    /// Marks the store synced and wakes [`SyncStatus::wait_synced`].
    pub(crate) fn mark_synced(&self) {
        self.synced.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// A list succeeded: the last error is history.
    pub(crate) fn clear_error(&self) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = None;
        }
    }

    pub(crate) fn set_resource_version(&self, rv: &str) {
        if let Ok(mut g) = self.resource_version.lock() {
            // Reuses the String's buffer: no allocation per event.
            g.clear();
            g.push_str(rv);
        }
    }

    /// The store has caught up to `rv` (empty values are ignored).
    pub(crate) fn set_store_resource_version(&self, rv: &str) {
        if rv.is_empty() {
            return;
        }
        if let Ok(mut g) = self.store_resource_version.lock() {
            g.clear();
            g.push_str(rv);
        }
    }

    pub(crate) fn set_error(&self, e: ReflectorError) {
        let hook = self.error_hook.lock().ok().and_then(|g| g.clone());
        if let Some(h) = hook {
            h(&e);
        }
        if let Ok(mut g) = self.last_error.lock() {
            *g = Some(Arc::new(e));
        }
        // Wake waiters so they can look at the error.
        self.notify.notify_waiters();
    }

    pub(crate) fn count_relist(&self) {
        self.stats.relists.fetch_add(1, Ordering::Relaxed);
        self.notify.notify_waiters();
    }

    pub(crate) fn count_rewatch(&self) {
        self.stats.rewatches.fetch_add(1, Ordering::Relaxed);
        self.notify.notify_waiters();
    }

    pub(crate) fn count_resync(&self) {
        self.stats.resyncs.fetch_add(1, Ordering::Relaxed);
        self.notify.notify_waiters();
    }

    pub(crate) fn count_event(&self) {
        self.stats.events.fetch_add(1, Ordering::Relaxed);
    }
}
