//! Typed read access to an informer's indexer.
//!
//! Mirrors client-go's generated listers (`listers/core/v1/pod.go`: `PodLister.List(selector)`,
//! `PodLister.Pods(ns).Get(name)`), written once, generically. Listers read the shared indexer:
//! no request, and the objects are the cached `Arc`s.

use std::fmt;
use std::sync::Arc;

use clientgo_apimachinery::labels::Selector;
use clientgo_apimachinery::Object;

use crate::cache::Cache;
use crate::index::{Indexer, NAMESPACE_INDEX};
use crate::store::Store;

/// Lists and gets objects of one kind from an indexer. Mirrors a generated `XxxLister`.
pub struct Lister<K> {
    indexer: Arc<Cache<K>>,
}

impl<K> Clone for Lister<K> {
    fn clone(&self) -> Self {
        Lister {
            indexer: Arc::clone(&self.indexer),
        }
    }
}

impl<K> fmt::Debug for Lister<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lister")
            .field("len", &self.indexer.len())
            .finish()
    }
}

impl<K: Object> Lister<K> {
    /// A lister over `indexer` (usually `informer.indexer()`). Mirrors `NewXxxLister`.
    pub fn new(indexer: Arc<Cache<K>>) -> Self {
        Lister { indexer }
    }

    /// Every cached object whose labels match `selector`. Mirrors `List`.
    pub fn list(&self, selector: &Selector) -> Vec<Arc<K>> {
        let mut all = self.indexer.list();
        if !selector.is_empty() {
            all.retain(|o| selector.matches_object(&**o));
        }
        all
    }

    /// The cluster-scoped object `name`. Mirrors `Get` on a cluster-scoped lister.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.indexer.get_by_key(name)
    }

    /// The objects of one namespace. Mirrors `Pods(namespace)`.
    pub fn namespace<'a>(&'a self, namespace: &'a str) -> NamespaceLister<'a, K> {
        NamespaceLister {
            indexer: &self.indexer,
            namespace,
        }
    }
}

/// A [`Lister`] narrowed to one namespace. Mirrors a generated `XxxNamespaceLister`.
#[derive(Debug)]
pub struct NamespaceLister<'a, K> {
    indexer: &'a Cache<K>,
    namespace: &'a str,
}

impl<K: Object> NamespaceLister<'_, K> {
    /// The namespace's objects matching `selector`, through the namespace index when present.
    pub fn list(&self, selector: &Selector) -> Vec<Arc<K>> {
        let matches = |o: &Arc<K>| {
            o.namespace().unwrap_or("") == self.namespace
                && (selector.is_empty() || selector.matches_object(&**o))
        };
        match self.indexer.by_index(NAMESPACE_INDEX, self.namespace) {
            Ok(objs) => objs.iter().filter(|o| matches(o)).cloned().collect(),
            Err(_) => self.indexer.list().into_iter().filter(|o| matches(o)).collect(),
        }
    }

    /// The object `name` in this namespace. Mirrors `Get`.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.indexer.get_by_key(&format!("{}/{name}", self.namespace))
    }
}
