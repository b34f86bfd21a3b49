//! What a reflector writes into.
//!
//! Mirrors client-go's `ReflectorStore` interface (`tools/cache/reflector.go`): `Add`, `Update`,
//! `Delete`, `Replace(list, resourceVersion)` and `Resync`. Two implementations: the pipeline's
//! direct stage (each write one delta, applied at once), and the async queue around client-go's
//! DeltaFIFO or RealFIFO, drained by a [`Controller`](crate::Controller).

use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::error::Error;
use crate::reflector::SyncStatus;

/// The destination of a reflector's writes. Mirrors client-go `cache.ReflectorStore`.
///
/// Every method is async so that a store can make the reflector wait (back-pressure): the direct
/// path waits for its handlers' buffers, a queue for room below its capacity. One reflector writes
/// a store at a time, in the order the server produced the changes.
///
/// `replace` differs from client-go's in shape, not meaning: instead of one call with the whole
/// list it starts a [`Relist`] that receives the listed objects as pages arrive and is finished
/// with the list's resourceVersion. The direct path applies each page at once, so a relist never
/// holds a second copy of the cache; a queue collects the full list, as client-go does.
pub(crate) trait ReflectorStore<K>: Send + Sync + 'static {
    /// A watch ADDED event (the object is already transformed). Mirrors `Add`.
    ///
    /// # Errors
    /// [`Error::Key`] when the object has no key; the reflector skips it.
    fn add(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>>;

    /// A watch MODIFIED event. Mirrors `Update`.
    ///
    /// # Errors
    /// [`Error::Key`] when the object has no key; the reflector skips it.
    fn update(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>>;

    /// A watch DELETED event carrying the object's last state. Mirrors `Delete`.
    ///
    /// # Errors
    /// [`Error::Key`] when the object has no key; the reflector skips it.
    fn delete(&self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>>;

    /// Starts a relist. Mirrors `Replace`: the listed objects go to the returned [`Relist`], and
    /// [`Relist::finish`] completes it. Dropping it unfinished abandons the relist (a failed or
    /// restarted list): nothing is removed then.
    fn replace(&self) -> Box<dyn Relist<K> + '_>;

    /// The watch delivered a BOOKMARK at `resource_version`: no object changed, but the watch has
    /// reached that version. Does nothing by default; a queue hands it to [`Queue::bookmark`]
    /// (a [`RealFifo`](crate::RealFifo) with atomic events queues it, so its consumer learns how
    /// far the store has caught up). Mirrors client-go 1.36's reflector calling the RealFIFO's
    /// `Bookmark`.
    ///
    /// [`Queue::bookmark`]: crate::Queue::bookmark
    ///
    /// # Errors
    /// None by default; a queue passes on its own.
    fn bookmark(&self, resource_version: &str) -> BoxFuture<'_, Result<(), Error>> {
        let _ = resource_version;
        Box::pin(std::future::ready(Ok(())))
    }

    /// The resync period elapsed. Mirrors `Resync`: re-deliver what is cached, with no request.
    ///
    /// # Errors
    /// [`Error::Key`] when a queue cannot key a known object.
    fn resync(&self) -> BoxFuture<'_, Result<(), Error>>;

    /// The reflector's resourceVersion moved to `resource_version` and every write before it has
    /// been made. A store that applies writes in place records it as the store's version
    /// ([`SyncStatus::last_store_sync_resource_version`]); a queue ignores it (its process loop
    /// records what it applies). Mirrors client-go's `ResourceVersionUpdater`.
    fn update_resource_version(&self, resource_version: &str, status: &SyncStatus) {
        let _ = (resource_version, status);
    }
}

/// One relist in progress, fed by [`ReflectorStore::replace`]'s caller.
pub(crate) trait Relist<K>: Send {
    /// One listed object (for a streaming list, an initial ADDED or MODIFIED event).
    ///
    /// # Errors
    /// [`Error::Key`] when the object has no key; the reflector skips it.
    fn add(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>>;

    /// A DELETED event among a streaming list's initial events: the object is not in the list.
    ///
    /// # Errors
    /// [`Error::Key`] when the object has no key; the reflector skips it.
    fn delete(&mut self, obj: Arc<K>) -> BoxFuture<'_, Result<(), Error>>;

    /// The list is complete at `resource_version`: what was not listed is gone. Call it once.
    /// A store that is synced once a relist is applied marks `status` synced.
    ///
    /// # Errors
    /// [`Error::Key`] when a queue cannot key a listed object; nothing is queued then.
    fn finish<'a>(
        &'a mut self,
        resource_version: &'a str,
        status: &'a SyncStatus,
    ) -> BoxFuture<'a, Result<(), Error>>;
}
