//! clientgo tools/cache: the informer's local cache and the queues that feed it.
//!
//! Mirrors client-go `k8s.io/client-go/tools/cache`:
//! - [`Store`], [`Cache`] (client-go's `NewStore`/`NewIndexer`), [`ThreadSafeStore`] and the
//!   [`Indexer`] interface with named [`Indexers`] and the default [`NAMESPACE_INDEX`];
//! - key functions: [`meta_namespace_key_func`], [`deletion_handling_meta_namespace_key_func`],
//!   [`split_meta_namespace_key`];
//! - the queues between reflector and informer: [`DeltaFifo`] and [`RealFifo`] behind the
//!   [`Queue`] trait, with [`Delta`]s and [`DeletedFinalStateUnknown`] tombstones;
//! - [`process_deltas`], which applies popped deltas to a store and yields handler
//!   [`Notification`]s.
//! - the siblings client-go keeps beside them: the plain [`Fifo`] (newest object per key), the
//!   keyed priority [`Heap`], the [`UndeltaStore`] (pushes its whole content on every change) and
//!   the [`ExpirationCache`] (entries with a time to live).
//!
//! Objects are stored once, as `Arc<K>`, and shared: every getter returns a clone of the stored
//! `Arc`, never a deep copy, and since an `Arc<K>` cannot be mutated, client-go's "do not modify
//! objects returned by the cache" is a compile-time guarantee here.
//!
//! The I/O layer on top: [`ListerWatcher`]/[`ListWatch`], the [`Reflector`] (list, watch, relist
//! with backoff), the [`SharedIndexInformer`] (built with a [`SharedIndexInformerBuilder`]), the
//! [`SharedInformerFactory`] and typed [`Lister`]s. They run on tokio and stop on a cancellation
//! token or drop; the reflector spawns no task, and each handler runs as a task (or, with
//! [`HandlerOptions::dedicated_thread`], on a thread of its own).
//!
//! One pipeline leads from the reflector to the handlers, as client-go 1.36's:
//! reflector -> queue stage -> indexer -> handler mailboxes. The queue stage is a [`RealFifo`] or a
//! [`DeltaFifo`] drained by a [`Controller`] (client-go's `cache.New`), or it is skipped (the shared
//! informer's default: each change goes on at once and a relist is applied page by page, so it is
//! never held beside the cache). Either way the same process function applies each delta to the
//! indexer ([`process_deltas`]) and hands the [`Notification`]s to every handler's mailbox, which
//! never makes the informer wait: a full mailbox coalesces per object.

//! Everything below the reflector is sans-IO: no async runtime, no clock, no sockets. Stores are
//! thread-safe (an `RwLock` held only briefly, never while user code runs); queues are plain
//! `&mut self` state machines whose `pop` never blocks, wrapped by the informer layer.
//!
//! ```
//! use std::sync::Arc;
//! use clientgo_apimachinery::{DynamicObject, ObjectMeta};
//! use clientgo_cache::{meta_namespace_key_func, Cache, Indexer, Indexers, Store, NAMESPACE_INDEX};
//!
//! let pod = |ns: &str, name: &str| {
//!     Arc::new(DynamicObject {
//!         metadata: ObjectMeta {
//!             namespace: Some(ns.into()),
//!             name: Some(name.into()),
//!             ..ObjectMeta::default()
//!         },
//!         ..DynamicObject::default()
//!     })
//! };
//! let indexer = Cache::new_indexer(meta_namespace_key_func, Indexers::namespace());
//! indexer.add(pod("kube-system", "etcd-node-1"))?;
//! indexer.add(pod("default", "web"))?;
//! assert!(indexer.get_by_key("kube-system/etcd-node-1").is_some());
//! assert_eq!(indexer.by_index(NAMESPACE_INDEX, "kube-system")?.len(), 1);
//! # Ok::<(), clientgo_cache::Error>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod async_queue;
mod cache;
mod controller;
mod delta;
mod delta_fifo;
mod error;
mod expiration_cache;
mod factory;
mod fifo;
mod heap;
mod index;
mod key;
mod lister;
mod listwatch;
mod notification;
mod object_fifo;
mod pipeline;
mod real_fifo;
mod reflector;
mod shared_informer;
mod store;
mod thread_safe_store;
mod undelta_store;

#[cfg(test)]
mod test_util;

pub use cache::Cache;
pub use controller::process_item;
pub use controller::{
    new_indexer_informer, new_informer, new_informer_with_options, process_deltas, Config, Controller,
    InformerOptions, Process, QueueKind,
};
pub use delta::{DeletedFinalStateUnknown, Delta, DeltaObject, DeltaType, Deltas, ReplaceDelta};
pub use delta_fifo::DeltaFifo;
pub use error::{Error, InformerError, KeyError};
pub use expiration_cache::{ExpirationCache, ExpirationPolicy, TimestampedEntry, TtlPolicy};
pub use factory::SharedInformerFactory;
pub use fifo::{ProcessError, Queue};
pub use heap::{Heap, LessFunc};
pub use index::{meta_namespace_index_func, IndexFunc, Indexer, Indexers, Objects, NAMESPACE_INDEX};
pub use key::{
    deletion_handling_meta_namespace_key_func, meta_namespace_key_func, split_meta_namespace_key, KeyFunc,
};
pub use lister::{Lister, NamespaceLister};
pub use listwatch::{FnListWatch, ListWatch, ListerWatcher, TweakListOptions, WatchStream};
pub use notification::{Notification, ResourceEventHandler, ResourceEventHandlerFuncs};
pub use object_fifo::Fifo;
pub use real_fifo::{FifoItem, RealFifo, DEFAULT_BATCH_SIZE};
pub use reflector::{
    strip_managed_fields, Reflector, ReflectorError, ReflectorOptions, ReflectorStats, ShouldResync,
    SyncStatus, Transform,
};
pub use shared_informer::{
    HandlerOptions, HandlerRegistration, HandlerStats, SharedIndexInformer, SharedIndexInformerBuilder,
    Subscription, DEFAULT_HANDLER_BUFFER, MINIMUM_RESYNC_PERIOD,
};
pub use store::{KeyListerGetter, KnownObjects, Store};
pub use thread_safe_store::ThreadSafeStore;
pub use undelta_store::{PushFunc, UndeltaStore};
