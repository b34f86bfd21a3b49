//! What a [`RealFifo`](crate::RealFifo) holds: single deltas and, with atomic events, whole
//! relists, resyncs and bookmarks.

use std::sync::Arc;

use clientgo_apimachinery::Object;

use crate::delta::Delta;

/// One item of a [`RealFifo`](crate::RealFifo), as [`RealFifo::pop_item`](crate::RealFifo::pop_item)
/// hands it over.
///
/// Mirrors the payloads of client-go 1.36's `Delta` in a RealFIFO: an object change, or, when
/// the queue emits atomic events (`RealFIFOOptions.AtomicEvents`), a `ReplacedAll` delta carrying
/// `ReplacedAllInfo`, a `SyncAll` delta carrying `SyncAllInfo` or a `Bookmark` delta carrying
/// `BookmarkInfo`. Apply one to a store with [`process_item`](crate::process_item).
#[derive(Debug)]
#[non_exhaustive]
pub enum FifoItem<K> {
    /// One change to one object.
    Delta(Delta<K>),
    /// A whole relist, to be applied at once: the store is to hold exactly `objects`.
    #[doc(alias = "ReplacedAllInfo")]
    ReplacedAll {
        /// The resourceVersion of the list.
        resource_version: String,
        /// The listed objects, in list order.
        objects: Vec<Arc<K>>,
    },
    /// A resync: every object the store holds is to be re-delivered.
    #[doc(alias = "SyncAllInfo")]
    SyncAll,
    /// The watch reached `resource_version`, with no change to any object.
    #[doc(alias = "BookmarkInfo")]
    Bookmark {
        /// The bookmark's resourceVersion.
        resource_version: String,
    },
}

impl<K: Object> FifoItem<K> {
    /// The resourceVersion the store has caught up to once this item is applied: the changed
    /// object's, the list's or the bookmark's. `None` for a resync, and for a tombstone (which
    /// carries no version of its own).
    pub fn resource_version(&self) -> Option<&str> {
        match self {
            FifoItem::Delta(d) if !d.object.is_tombstone() => d.object.object().map(|o| o.resource_version()),
            FifoItem::ReplacedAll { resource_version, .. } | FifoItem::Bookmark { resource_version } => {
                Some(resource_version)
            }
            FifoItem::Delta(_) | FifoItem::SyncAll => None,
        }
    }
}

impl<K> Clone for FifoItem<K> {
    fn clone(&self) -> Self {
        match self {
            FifoItem::Delta(d) => FifoItem::Delta(d.clone()),
            FifoItem::ReplacedAll {
                resource_version,
                objects,
            } => FifoItem::ReplacedAll {
                resource_version: resource_version.clone(),
                objects: objects.clone(),
            },
            FifoItem::SyncAll => FifoItem::SyncAll,
            FifoItem::Bookmark { resource_version } => FifoItem::Bookmark {
                resource_version: resource_version.clone(),
            },
        }
    }
}
