//! What an informer tells its handlers: [`Notification`]s, the [`ResourceEventHandler`] that
//! receives them, and [`ResourceEventHandlerFuncs`] made of closures.
//!
//! Mirrors `ResourceEventHandler` and `ResourceEventHandlerFuncs` of client-go
//! `tools/cache/controller.go`. At the bottom of the crate: the queues' consumers, the controller
//! and the shared informer all speak these types.

use std::fmt;
use std::sync::Arc;

use crate::delta::DeltaObject;

/// What a resource event handler is told about one change.
///
/// Mirrors the three calls of client-go's `ResourceEventHandler`: `OnAdd(obj, isInInitialList)`,
/// `OnUpdate(old, new)` and `OnDelete(obj)`.
#[derive(Debug)]
pub enum Notification<K> {
    /// The object is new to the store.
    Add {
        /// The object.
        obj: Arc<K>,
        /// True while the informer's first list is being delivered.
        is_in_initial_list: bool,
    },
    /// The object replaced `old` in the store. On a resync or relist `old` and `new` may be the
    /// same state (compare resource versions to skip those).
    Update {
        /// The state the store held.
        old: Arc<K>,
        /// The new state.
        new: Arc<K>,
    },
    /// The object was removed; a tombstone if the deletion was noticed only by a relist.
    Delete(DeltaObject<K>),
}

impl<K> Clone for Notification<K> {
    fn clone(&self) -> Self {
        match self {
            Notification::Add {
                obj,
                is_in_initial_list,
            } => Notification::Add {
                obj: Arc::clone(obj),
                is_in_initial_list: *is_in_initial_list,
            },
            Notification::Update { old, new } => Notification::Update {
                old: Arc::clone(old),
                new: Arc::clone(new),
            },
            Notification::Delete(obj) => Notification::Delete(obj.clone()),
        }
    }
}

/// Receives an informer's notifications. Mirrors client-go `cache.ResourceEventHandler`. Every
/// method has an empty default, so implement only what you need.
///
/// Calls for one handler are sequential and in order. Behind a
/// [`SharedIndexInformer`](crate::SharedIndexInformer) a slow handler delays only itself (its
/// mailbox coalesces per object once full); an informer of [`new_informer`](crate::new_informer)
/// calls its handler from its process function, so a slow handler delays that informer.
pub trait ResourceEventHandler<K>: Send + Sync + 'static {
    /// A new object (`is_in_initial_list`: delivered by the first list). Mirrors `OnAdd`.
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool) {
        let _ = (obj, is_in_initial_list);
    }

    /// A change; on a resync `old` and `new` are the same object. Mirrors `OnUpdate`.
    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        let _ = (old, new);
    }

    /// A deletion; a [`DeltaObject::DeletedFinalStateUnknown`] tombstone when the deletion was
    /// noticed by a relist. Mirrors `OnDelete`.
    fn on_delete(&self, obj: &DeltaObject<K>) {
        let _ = obj;
    }
}

type AddFn<K> = Box<dyn Fn(&Arc<K>, bool) + Send + Sync>;
type UpdateFn<K> = Box<dyn Fn(&Arc<K>, &Arc<K>) + Send + Sync>;
type DeleteFn<K> = Box<dyn Fn(&DeltaObject<K>) + Send + Sync>;

/// A handler made of closures. Mirrors client-go `cache.ResourceEventHandlerFuncs`.
pub struct ResourceEventHandlerFuncs<K> {
    add: Option<AddFn<K>>,
    update: Option<UpdateFn<K>>,
    delete: Option<DeleteFn<K>>,
}

impl<K> Default for ResourceEventHandlerFuncs<K> {
    fn default() -> Self {
        ResourceEventHandlerFuncs {
            add: None,
            update: None,
            delete: None,
        }
    }
}

impl<K> fmt::Debug for ResourceEventHandlerFuncs<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceEventHandlerFuncs")
            .finish_non_exhaustive()
    }
}

impl<K> ResourceEventHandlerFuncs<K> {
    /// Sets `AddFunc`.
    pub fn on_add(mut self, f: impl Fn(&Arc<K>, bool) + Send + Sync + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Sets `UpdateFunc`.
    pub fn on_update(mut self, f: impl Fn(&Arc<K>, &Arc<K>) + Send + Sync + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Sets `DeleteFunc`.
    pub fn on_delete(mut self, f: impl Fn(&DeltaObject<K>) + Send + Sync + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }
}

impl<K: Send + Sync + 'static> ResourceEventHandler<K> for ResourceEventHandlerFuncs<K> {
    fn on_add(&self, obj: &Arc<K>, initial: bool) {
        if let Some(f) = &self.add {
            f(obj, initial);
        }
    }

    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        if let Some(f) = &self.update {
            f(old, new);
        }
    }

    fn on_delete(&self, obj: &DeltaObject<K>) {
        if let Some(f) = &self.delete {
            f(obj);
        }
    }
}

/// Calls the `handler` method that `n` names.
pub(crate) fn deliver<K: 'static>(handler: &dyn ResourceEventHandler<K>, n: &Notification<K>) {
    match n {
        Notification::Add {
            obj,
            is_in_initial_list,
        } => handler.on_add(obj, *is_in_initial_list),
        Notification::Update { old, new } => handler.on_update(old, new),
        Notification::Delete(obj) => handler.on_delete(obj),
    }
}
