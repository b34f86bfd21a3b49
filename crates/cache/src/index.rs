//! Named index functions over stored objects, and the bookkeeping that keeps their indices current.
//!
//! Mirrors client-go `tools/cache/index.go`: [`Indexers`] (named [`IndexFunc`]s), the [`Indexer`]
//! interface, [`meta_namespace_index_func`] and the default [`NAMESPACE_INDEX`].

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, OnceLock};

use clientgo_apimachinery::Object;

use crate::error::Error;
use crate::store::Store;

/// The name of the default index, which maps a namespace to the objects in it.
///
/// Mirrors client-go `cache.NamespaceIndex`.
#[doc(alias = "NamespaceIndex")]
pub const NAMESPACE_INDEX: &str = "namespace";

/// Computes the values under which an object is indexed (for example its namespace, or its node).
///
/// Mirrors client-go `cache.IndexFunc`. Unlike Go's, it cannot fail: a typed object always has
/// metadata, and a function with nothing to say returns an empty `Vec` (the object is then simply
/// absent from that index). Index functions must be deterministic: the store computes an object's
/// values once, when the object is stored, and remembers them to unindex it later.
pub type IndexFunc<K> = Arc<dyn Fn(&K) -> Vec<String> + Send + Sync>;

/// Indexes an object by its namespace (`""` for cluster-scoped objects).
///
/// Mirrors client-go `cache.MetaNamespaceIndexFunc`; the default indexer of informers, registered
/// under [`NAMESPACE_INDEX`].
#[doc(alias = "MetaNamespaceIndexFunc")]
pub fn meta_namespace_index_func<K: Object>(obj: &K) -> Vec<String> {
    vec![obj.namespace().unwrap_or("").to_owned()]
}

/// Named index functions.
///
/// Mirrors client-go `cache.Indexers` (`map[string]IndexFunc`). Kept sorted by name, so every
/// store computes and stores index values in the same order.
pub struct Indexers<K> {
    funcs: Vec<(String, IndexFunc<K>)>,
}

impl<K> Indexers<K> {
    /// No indexers.
    pub fn new() -> Self {
        Indexers { funcs: Vec::new() }
    }

    /// These indexers plus `name`, replacing an index of the same name.
    pub fn with(
        mut self,
        name: impl Into<String>,
        func: impl Fn(&K) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.insert(name, Arc::new(func));
        self
    }

    /// Adds (or replaces) the index `name`.
    pub fn insert(&mut self, name: impl Into<String>, func: IndexFunc<K>) {
        let name = name.into();
        match self.position(&name) {
            Some(pos) => self.funcs[pos].1 = func,
            None => {
                let at = self.funcs.partition_point(|(n, _)| n.as_str() < name.as_str());
                self.funcs.insert(at, (name, func));
            }
        }
    }

    /// The index function named `name`.
    pub fn get(&self, name: &str) -> Option<&IndexFunc<K>> {
        self.position(name).map(|pos| &self.funcs[pos].1)
    }

    /// True when an index named `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// The index names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.iter().map(|(n, _)| n.as_str())
    }

    /// How many indexers there are.
    pub fn len(&self) -> usize {
        self.funcs.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.funcs.is_empty()
    }

    /// Position of `name` in name order; the store keeps one index per position.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.funcs.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok()
    }

    /// Every index's values for `obj`, in name order. Runs user code: never call under a lock.
    pub(crate) fn compute(&self, obj: &K) -> Small<Vec<String>> {
        self.funcs.iter().map(|(_, f)| f(obj)).collect()
    }
}

impl<K: Object + 'static> Indexers<K> {
    /// The indexers informers get by default: [`NAMESPACE_INDEX`] → [`meta_namespace_index_func`].
    pub fn namespace() -> Self {
        Indexers::new().with(NAMESPACE_INDEX, meta_namespace_index_func::<K>)
    }
}

impl<K> Default for Indexers<K> {
    fn default() -> Self {
        Indexers::new()
    }
}

impl<K> Clone for Indexers<K> {
    fn clone(&self) -> Self {
        Indexers {
            funcs: self.funcs.clone(),
        }
    }
}

impl<K> fmt::Debug for Indexers<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// A [`Store`] with named indices over its objects.
///
/// Mirrors client-go `cache.Indexer` (`tools/cache/index.go`). Every object returned is the shared
/// `Arc<K>` held by the store, never a copy: Rust turns client-go's "do not mutate returned objects"
/// contract into a type guarantee.
pub trait Indexer<K>: Store<K> {
    /// Objects sharing at least one value of index `index_name` with `obj`.
    ///
    /// Mirrors client-go `Indexer.Index`.
    ///
    /// # Errors
    /// [`Error::IndexNotFound`] when the index does not exist.
    fn index(&self, index_name: &str, obj: &K) -> Result<Objects<K>, Error>;

    /// Keys of the objects indexed under `indexed_value` in `index_name`.
    ///
    /// Mirrors client-go `Indexer.IndexKeys`.
    ///
    /// # Errors
    /// [`Error::IndexNotFound`] when the index does not exist.
    fn index_keys(&self, index_name: &str, indexed_value: &str) -> Result<Vec<String>, Error>;

    /// Every value currently present in index `index_name` (empty for an unknown index).
    ///
    /// Mirrors client-go `Indexer.ListIndexFuncValues`.
    fn list_index_func_values(&self, index_name: &str) -> Vec<String>;

    /// Objects indexed under `indexed_value` in `index_name`, e.g. `by_index("namespace", "kube-system")`.
    ///
    /// Mirrors client-go `Indexer.ByIndex`, but returns a shared slice ([`Objects`]) that is
    /// reused until an object under this value changes.
    ///
    /// # Errors
    /// [`Error::IndexNotFound`] when the index does not exist.
    fn by_index(&self, index_name: &str, indexed_value: &str) -> Result<Objects<K>, Error>;

    /// The store's index functions.
    ///
    /// Mirrors client-go `Indexer.GetIndexers`.
    fn get_indexers(&self) -> Indexers<K>;

    /// Adds index functions.
    ///
    /// Mirrors client-go `Indexer.AddIndexers`, with the rule of client-go releases before 1.28:
    /// refused once the store holds objects, so an index never silently misses older objects.
    ///
    /// # Errors
    /// [`Error::StoreNotEmpty`] when the store holds objects, [`Error::IndexerConflict`] when a name
    /// is already taken.
    fn add_indexers(&self, indexers: Indexers<K>) -> Result<(), Error>;
}

/// The objects a query returns: a shared, immutable slice of shared objects.
///
/// client-go's `ByIndex` builds a fresh `[]interface{}` on every call. Here each index value keeps
/// the slice it last returned until one of its objects changes, so repeated queries of a quiet
/// value (a lister listing one namespace per reconcile) cost one reference-count increment.
pub type Objects<K> = Arc<[Arc<K>]>;

/// One index: indexed value → the store slots of the objects carrying it.
///
/// Mirrors client-go `cache.Index` (`map[string]sets.String`), keyed by slot instead of by key
/// string so a lookup is a plain array access. Values are interned: every object indexed under
/// `kube-system` shares one `Arc<str>`.
pub(crate) struct Index<K> {
    buckets: HashMap<Arc<str>, Bucket<K>>,
}

pub(crate) struct Bucket<K> {
    value: Arc<str>,
    slots: HashSet<usize, BuildSlotHasher>,
    /// The objects of `slots`, built by the first query after a change; reset by every change.
    snapshot: OnceLock<Objects<K>>,
}

impl<K> Bucket<K> {
    /// The objects carrying this value, built with `object` (slot → object) if not cached.
    pub(crate) fn objects(&self, object: impl Fn(usize) -> Option<Arc<K>>) -> Objects<K> {
        Arc::clone(
            self.snapshot
                .get_or_init(|| self.slots.iter().filter_map(|&s| object(s)).collect()),
        )
    }
}

impl<K> Default for Index<K> {
    fn default() -> Self {
        Index {
            buckets: HashMap::new(),
        }
    }
}

impl<K> Index<K> {
    /// Records that `slot` carries `value`, returning the interned value.
    pub(crate) fn insert(&mut self, value: &str, slot: usize) -> Arc<str> {
        if let Some(bucket) = self.buckets.get_mut(value) {
            bucket.slots.insert(slot);
            bucket.snapshot.take();
            return Arc::clone(&bucket.value);
        }
        let value: Arc<str> = Arc::from(value);
        let mut slots = HashSet::with_capacity_and_hasher(1, BuildSlotHasher);
        slots.insert(slot);
        self.buckets.insert(
            Arc::clone(&value),
            Bucket {
                value: Arc::clone(&value),
                slots,
                snapshot: OnceLock::new(),
            },
        );
        value
    }

    /// Forgets that `slot` carries `value`; drops the bucket once empty (client-go issue 84959:
    /// empty sets of short-lived values would otherwise accumulate).
    pub(crate) fn remove(&mut self, value: &str, slot: usize) {
        if let Some(bucket) = self.buckets.get_mut(value) {
            bucket.slots.remove(&slot);
            bucket.snapshot.take();
            if bucket.slots.is_empty() {
                self.buckets.remove(value);
            }
        }
    }

    /// Notes that the object in a slot carrying `value` was replaced: cached results are stale.
    pub(crate) fn touch(&mut self, value: &str) {
        if let Some(bucket) = self.buckets.get_mut(value) {
            bucket.snapshot.take();
        }
    }

    /// The bucket of `value`.
    pub(crate) fn bucket(&self, value: &str) -> Option<&Bucket<K>> {
        self.buckets.get(value)
    }

    /// The slots carrying `value`.
    pub(crate) fn slots(&self, value: &str) -> Option<&HashSet<usize, BuildSlotHasher>> {
        self.buckets.get(value).map(|b| &b.slots)
    }

    /// Every value present.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Arc<str>> {
        self.buckets.keys()
    }
}

/// A list kept inline when it has at most one item: most stores have one indexer and most index
/// functions return one value, so an entry's index values then cost no allocation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Small<T> {
    Empty,
    One(T),
    Many(Box<[T]>),
}

impl<T> Small<T> {
    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Small::Empty => &[],
            Small::One(item) => std::slice::from_ref(item),
            Small::Many(items) => items,
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Small::Empty => &mut [],
            Small::One(item) => std::slice::from_mut(item),
            Small::Many(items) => items,
        }
    }
}

impl<T> FromIterator<T> for Small<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut iter = iter.into_iter();
        let Some(first) = iter.next() else {
            return Small::Empty;
        };
        let Some(second) = iter.next() else {
            return Small::One(first);
        };
        let mut items = vec![first, second];
        items.extend(iter);
        Small::Many(items.into_boxed_slice())
    }
}

/// Hashes slot numbers (which this crate assigns, so no attacker picks them) with one multiply
/// instead of SipHash.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildSlotHasher;

impl BuildHasher for BuildSlotHasher {
    type Hasher = SlotHasher;

    fn build_hasher(&self) -> SlotHasher {
        SlotHasher(0)
    }
}

/// See [`BuildSlotHasher`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        // Widening on every supported target; the multiply spreads the bits over the top 7 that
        // hashbrown's control bytes use.
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientgo_apimachinery::{DynamicObject, ObjectMeta};

    fn obj(ns: Option<&str>, name: &str) -> DynamicObject {
        DynamicObject {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: ns.map(Into::into),
                ..ObjectMeta::default()
            },
            ..DynamicObject::default()
        }
    }

    #[test]
    fn meta_namespace_index_func_returns_the_namespace_or_empty() {
        assert_eq!(
            meta_namespace_index_func(&obj(Some("kube-system"), "etcd")),
            vec!["kube-system".to_owned()]
        );
        assert_eq!(
            meta_namespace_index_func(&obj(None, "node-1")),
            vec![String::new()]
        );
    }

    #[test]
    fn indexers_stay_sorted_and_insert_replaces() {
        let idx: Indexers<DynamicObject> = Indexers::new()
            .with("zeta", |_| vec!["z".into()])
            .with("alpha", |_| vec!["a".into()])
            .with("mid", |_| vec!["m".into()]);
        assert_eq!(idx.names().collect::<Vec<_>>(), ["alpha", "mid", "zeta"]);
        assert_eq!(idx.position("mid"), Some(1));
        assert!(idx.contains("zeta"));
        assert!(!idx.contains("nope"));
        let idx = idx.with("mid", |_| vec!["m2".into()]);
        assert_eq!(idx.len(), 3);
        let o = obj(None, "x");
        assert_eq!(
            idx.compute(&o).as_slice(),
            [vec!["a".to_owned()], vec!["m2".to_owned()], vec!["z".to_owned()]]
        );
        assert_eq!(format!("{idx:?}"), r#"["alpha", "mid", "zeta"]"#);
    }

    #[test]
    fn default_namespace_indexers() {
        let idx = Indexers::<DynamicObject>::namespace();
        assert_eq!(idx.names().collect::<Vec<_>>(), [NAMESPACE_INDEX]);
        let f = idx.get(NAMESPACE_INDEX).expect("namespace index registered");
        assert_eq!(f(&obj(Some("a"), "x")), vec!["a".to_owned()]);
        assert!(Indexers::<DynamicObject>::default().is_empty());
    }

    #[test]
    fn index_interns_values_and_drops_empty_buckets() {
        let mut index: Index<()> = Index::default();
        let a = index.insert("ns", 1);
        let b = index.insert("ns", 2);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(index.slots("ns").map(HashSet::len), Some(2));
        index.remove("ns", 1);
        assert_eq!(index.slots("ns").map(HashSet::len), Some(1));
        index.touch("ns");
        index.touch("absent");
        index.remove("ns", 2);
        assert!(index.slots("ns").is_none());
        assert_eq!(index.values().count(), 0);
        index.remove("absent", 3);
    }

    #[test]
    fn bucket_snapshot_is_reused_until_a_change() {
        let mut index: Index<u32> = Index::default();
        index.insert("v", 1);
        index.insert("v", 2);
        let objects = |s: usize| u32::try_from(s).ok().map(Arc::new);
        let a = index.bucket("v").expect("present").objects(objects);
        let b = index.bucket("v").expect("present").objects(objects);
        assert!(Arc::ptr_eq(&a, &b), "second query reuses the slice");
        let mut got: Vec<u32> = a.iter().map(|x| **x).collect();
        got.sort();
        assert_eq!(got, [1, 2]);
        for change in [0, 1, 2] {
            let before = index.bucket("v").expect("present").objects(objects);
            match change {
                0 => index.touch("v"),
                1 => {
                    index.insert("v", 3);
                }
                _ => index.remove("v", 3),
            }
            let after = index.bucket("v").expect("present").objects(objects);
            assert!(!Arc::ptr_eq(&before, &after), "change {change} invalidates");
        }
    }

    #[test]
    fn small_lists_inline_zero_and_one_item() {
        let mut none: Small<u8> = std::iter::empty().collect();
        assert_eq!(none, Small::Empty);
        assert!(none.as_mut_slice().is_empty());
        let mut one: Small<u8> = [7].into_iter().collect();
        assert_eq!(one, Small::One(7));
        one.as_mut_slice()[0] = 8;
        assert_eq!(one.as_slice(), [8]);
        let mut many: Small<u8> = [1, 2, 3].into_iter().collect();
        assert!(matches!(many, Small::Many(_)));
        many.as_mut_slice()[2] = 4;
        assert_eq!(many.as_slice(), [1, 2, 4]);
    }

    #[test]
    fn slot_hasher_spreads_sequential_slots() {
        let hash = |n: usize| {
            let mut h = BuildSlotHasher.build_hasher();
            h.write_usize(n);
            h.finish()
        };
        let tops: HashSet<u64> = (0..128).map(|n| hash(n) >> 57).collect();
        assert!(tops.len() > 64, "top bits vary: {}", tops.len());
        let mut h = BuildSlotHasher.build_hasher();
        h.write(b"ab");
        assert_ne!(h.finish(), 0);
    }
}
