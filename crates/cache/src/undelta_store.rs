//! A store that hands its whole content to a function after every change.
//!
//! Mirrors client-go `tools/cache/undelta_store.go` (`UndeltaStore`, `NewUndeltaStore`): for
//! consumers that want the full state rather than the change (the kubelet's pod config source
//! is the classic user). Reads do not push.

use std::fmt;
use std::sync::Arc;

use crate::cache::Cache;
use crate::delta::ReplaceDelta;
use crate::error::Error;
use crate::key::KeyFunc;
use crate::store::Store;

/// What an [`UndeltaStore`] calls with every object after each change. Mirrors the `PushFunc`
/// field of client-go's `UndeltaStore`.
pub type PushFunc<K> = Box<dyn Fn(Vec<Arc<K>>) + Send + Sync>;

/// A [`Store`] that calls its push function with the whole content after every add, update,
/// delete and replace. Mirrors client-go `cache.UndeltaStore`.
pub struct UndeltaStore<K> {
    store: Cache<K>,
    push: PushFunc<K>,
}

impl<K> fmt::Debug for UndeltaStore<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UndeltaStore")
            .field("len", &self.store.len())
            .finish_non_exhaustive()
    }
}

impl<K> UndeltaStore<K> {
    /// An empty store keyed by `key_func` that pushes to `push`. Mirrors `NewUndeltaStore`.
    pub fn new(push: PushFunc<K>, key_func: KeyFunc<K>) -> Self {
        UndeltaStore {
            store: Cache::new_store(key_func),
            push,
        }
    }

    fn pushed<T>(&self, result: T) -> T {
        (self.push)(self.store.list());
        result
    }
}

impl<K> Store<K> for UndeltaStore<K> {
    fn add(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        let replaced = self.store.add(obj)?;
        Ok(self.pushed(replaced))
    }

    fn update(&self, obj: Arc<K>) -> Result<Option<Arc<K>>, Error> {
        let replaced = self.store.update(obj)?;
        Ok(self.pushed(replaced))
    }

    fn delete(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        let removed = self.store.delete(obj)?;
        Ok(self.pushed(removed))
    }

    fn delete_by_key(&self, key: &str) -> Option<Arc<K>> {
        let removed = self.store.delete_by_key(key);
        self.pushed(removed)
    }

    fn list(&self) -> Vec<Arc<K>> {
        self.store.list()
    }

    fn list_keys(&self) -> Vec<String> {
        self.store.list_keys()
    }

    fn get(&self, obj: &K) -> Result<Option<Arc<K>>, Error> {
        self.store.get(obj)
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.store.get_by_key(key)
    }

    fn replace(&self, list: Vec<Arc<K>>, resource_version: &str) -> Result<Vec<ReplaceDelta<K>>, Error> {
        let changes = self.store.replace(list, resource_version)?;
        Ok(self.pushed(changes))
    }

    fn resync(&self) -> Result<(), Error> {
        self.store.resync()
    }
}

/// client-go's `undelta_store_test.go`, ported.
#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::error::KeyError;

    #[derive(Debug, PartialEq, Eq)]
    struct Obj {
        name: &'static str,
        val: &'static str,
    }

    fn key(o: &Obj) -> Result<String, KeyError> {
        Ok(o.name.to_owned())
    }

    /// Each push, as the sorted `name=val` list it carried.
    type Pushes = Arc<Mutex<Vec<Vec<String>>>>;

    /// A store whose pushes are recorded.
    fn recording() -> (UndeltaStore<Obj>, Pushes) {
        let pushes = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&pushes);
        let store = UndeltaStore::new(
            Box::new(move |all: Vec<Arc<Obj>>| {
                let mut state: Vec<String> = all.iter().map(|o| format!("{}={}", o.name, o.val)).collect();
                state.sort();
                seen.lock().unwrap().push(state);
            }),
            key,
        );
        (store, pushes)
    }

    fn obj(name: &'static str, val: &'static str) -> Arc<Obj> {
        Arc::new(Obj { name, val })
    }

    #[test]
    fn test_update_calls_push() {
        let (store, pushes) = recording();
        store.add(obj("a", "b")).unwrap();
        store.update(obj("a", "c")).unwrap();
        assert_eq!(*pushes.lock().unwrap(), [vec!["a=b"], vec!["a=c"]]);
    }

    #[test]
    fn test_delete_calls_push() {
        let (store, pushes) = recording();
        store.add(obj("a", "b")).unwrap();
        store.delete(&obj("a", "")).unwrap();
        store.add(obj("c", "d")).unwrap();
        store.delete_by_key("c");
        assert_eq!(
            *pushes.lock().unwrap(),
            [vec!["a=b"], vec![], vec!["c=d"], vec![]]
        );
    }

    #[test]
    fn test_reads_do_not_call_push() {
        let (store, pushes) = recording();
        store.add(obj("a", "b")).unwrap();
        pushes.lock().unwrap().clear();
        let _ = store.list();
        let _ = store.list_keys();
        let _ = store.get(&obj("a", "")).unwrap();
        let _ = store.get_by_key("a");
        store.resync().unwrap();
        assert!(pushes.lock().unwrap().is_empty());
    }

    #[test]
    fn test_replace_calls_push() {
        let (store, pushes) = recording();
        store.add(obj("a", "b")).unwrap();
        store.replace(vec![obj("c", "d"), obj("e", "f")], "5").unwrap();
        assert_eq!(*pushes.lock().unwrap(), [vec!["a=b"], vec!["c=d", "e=f"]]);
    }

    #[test]
    fn a_failed_write_pushes_nothing() {
        let pushes = Arc::new(Mutex::new(0));
        let count = Arc::clone(&pushes);
        let store: UndeltaStore<Obj> =
            UndeltaStore::new(Box::new(move |_| *count.lock().unwrap() += 1), |_| {
                Err(KeyError::MissingName { namespace: None })
            });
        assert!(store.add(obj("a", "b")).is_err());
        assert_eq!(*pushes.lock().unwrap(), 0);
    }
}
