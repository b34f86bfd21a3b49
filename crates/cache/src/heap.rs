//! A keyed priority queue: one object per key, popped lowest first.
//!
//! Mirrors client-go `tools/cache/heap.go` (`Heap`, `LessFunc`): adding an object whose key is
//! present replaces it and moves it to its new place, so the heap doubles as a store that can be
//! read by key. Like the other queues here it is a sans-IO state machine: [`Heap::pop`] returns
//! `None` when empty instead of blocking, so Go's `Close` (which wakes blocked `Pop`s) has no
//! counterpart; wrap the heap in a mutex and a `Notify` to wait for items.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::Error;
use crate::key::KeyFunc;

/// Orders two objects: true when the first must pop before the second. Mirrors client-go
/// `cache.LessFunc`.
pub type LessFunc<K> = Arc<dyn Fn(&K, &K) -> bool + Send + Sync>;

/// One object per key, popped in `less` order. Mirrors client-go `cache.Heap`.
pub struct Heap<K> {
    key_func: KeyFunc<K>,
    less: LessFunc<K>,
    /// Where each key sits in `queue`.
    positions: HashMap<String, usize>,
    /// A binary min-heap under `less`.
    queue: Vec<(String, Arc<K>)>,
}

impl<K> fmt::Debug for Heap<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Heap")
            .field("len", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl<K> Heap<K> {
    /// An empty heap keyed by `key_func` and ordered by `less`. Mirrors `NewHeap`.
    pub fn new(key_func: KeyFunc<K>, less: LessFunc<K>) -> Self {
        Heap {
            key_func,
            less,
            positions: HashMap::new(),
            queue: Vec::new(),
        }
    }

    /// Inserts `obj`, or replaces the object of the same key and moves it to its new place.
    /// Mirrors `Add` (and `Update`, which is the same).
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn add(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let key = (self.key_func)(&obj)?;
        match self.positions.get(&key) {
            Some(&i) => {
                self.queue[i].1 = obj;
                self.fix(i);
            }
            None => self.push(key, obj),
        }
        Ok(())
    }

    /// As [`Heap::add`]. Mirrors `Update`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn update(&mut self, obj: Arc<K>) -> Result<(), Error> {
        self.add(obj)
    }

    /// Adds every object of `list`, each as [`Heap::add`] does. Mirrors `BulkAdd`.
    ///
    /// # Errors
    /// [`Error::Key`] for the first object whose key function fails; the objects before it are
    /// added.
    pub fn bulk_add(&mut self, list: impl IntoIterator<Item = Arc<K>>) -> Result<(), Error> {
        list.into_iter().try_for_each(|obj| self.add(obj))
    }

    /// Inserts `obj` unless an object of its key is present (which is then left as it is).
    /// Mirrors `AddIfNotPresent`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn add_if_not_present(&mut self, obj: Arc<K>) -> Result<(), Error> {
        let key = (self.key_func)(&obj)?;
        if !self.positions.contains_key(&key) {
            self.push(key, obj);
        }
        Ok(())
    }

    /// Removes the object with `obj`'s key and returns it (`None` when absent, where client-go
    /// returns an error). Mirrors `Delete`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn delete(&mut self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(obj)?;
        Ok(self.delete_by_key(&key))
    }

    /// Removes the object stored under `key` and returns it.
    pub fn delete_by_key(&mut self, key: &str) -> Option<Arc<K>> {
        let i = self.positions.remove(key)?;
        let last = self.queue.len() - 1;
        self.swap(i, last);
        let (_, removed) = self.queue.pop()?;
        if i < self.queue.len() {
            self.positions.insert(self.queue[i].0.clone(), i);
            self.fix(i);
        }
        Some(removed)
    }

    /// Removes and returns the object that orders first; `None` when the heap is empty. Mirrors
    /// `Pop`, without blocking.
    pub fn pop(&mut self) -> Option<Arc<K>> {
        let key = self.queue.first()?.0.clone();
        self.delete_by_key(&key)
    }

    /// The object that orders first, left in place.
    pub fn peek(&self) -> Option<&Arc<K>> {
        self.queue.first().map(|(_, obj)| obj)
    }

    /// The object stored under `obj`'s key. Mirrors `Get`.
    ///
    /// # Errors
    /// [`Error::Key`] when the key function fails.
    pub fn get(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let key = (self.key_func)(obj)?;
        Ok(self.get_by_key(&key))
    }

    /// The object stored under `key`. Mirrors `GetByKey`.
    pub fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.positions.get(key).map(|&i| Arc::clone(&self.queue[i].1))
    }

    /// Every object, in no particular order. Mirrors `List`.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.queue.iter().map(|(_, obj)| Arc::clone(obj)).collect()
    }

    /// Every key, in no particular order. Mirrors `ListKeys`.
    pub fn list_keys(&self) -> Vec<String> {
        self.queue.iter().map(|(key, _)| key.clone()).collect()
    }

    /// How many objects are queued.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no object is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    fn push(&mut self, key: String, obj: Arc<K>) {
        let i = self.queue.len();
        self.positions.insert(key.clone(), i);
        self.queue.push((key, obj));
        self.sift_up(i);
    }

    fn before(&self, a: usize, b: usize) -> bool {
        (self.less)(&self.queue[a].1, &self.queue[b].1)
    }

    /// Swaps two places and records both keys' new positions.
    fn swap(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        self.queue.swap(a, b);
        for i in [a, b] {
            if let Some(p) = self.positions.get_mut(&self.queue[i].0) {
                *p = i;
            }
        }
    }

    /// Moves the object at `i` up or down to where it belongs.
    fn fix(&mut self, i: usize) {
        if !self.sift_down(i) {
            self.sift_up(i);
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.before(i, parent) {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    /// Returns whether the object moved.
    fn sift_down(&mut self, start: usize) -> bool {
        let mut i = start;
        loop {
            let left = 2 * i + 1;
            if left >= self.queue.len() {
                break;
            }
            let right = left + 1;
            let child = if right < self.queue.len() && self.before(right, left) {
                right
            } else {
                left
            };
            if !self.before(child, i) {
                break;
            }
            self.swap(i, child);
            i = child;
        }
        i > start
    }
}

#[cfg(test)]
mod tests;
