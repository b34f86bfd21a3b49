//! [`SortedMap`]: the `map[string]T` of API objects, as one sorted vector; [`StringMap`] is the
//! `map[string]string` of labels and annotations.
//!
//! Go keeps `metadata.labels`, `metadata.annotations`, a container's resource limits and every
//! other map field in hash maps; a Rust `BTreeMap` would be the obvious port, but its smallest node
//! is a ~540-byte leaf however few entries it holds, and an object's maps usually hold two to five
//! entries. An informer caching 50,000 pods would spend over 50 MB on half-empty B-tree leaves. A
//! sorted vector holds the same pairs in exactly their size (an 8-byte key plus the value: 16 bytes
//! a pair for strings and quantities, plus the strings that are neither short enough to be kept
//! inline nor shared with other objects, see [`SharedStr`]), keeps iteration in key order like
//! `BTreeMap` (so encoding is deterministic, as Go's is), and looks up by binary search, which
//! beats hashing at these sizes.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::shared_str::SharedStr;

/// A map from string keys to `V`, sorted by key, stored as one exact-size vector.
///
/// The type of the API's map fields (`map[string]T` in Go): [`StringMap`] for labels and
/// annotations, `SortedMap<Quantity>` for resource lists, and so on. Its methods are named and
/// behave like `BTreeMap<String, V>`'s, so code written for one reads the same with the other;
/// inserting is O(n), which is fine for the handful of entries these maps have. Decoding accepts a
/// JSON object (a repeated key keeps its last value, as Go's decoder does), interns the keys (they
/// repeat across objects) and leaves no spare capacity.
///
/// ```
/// use clientgo_apimachinery::SortedMap;
///
/// let mut replicas: SortedMap<i32> = [("web", 3), ("api", 2)].into_iter().collect();
/// replicas.insert("web", 4);
/// assert_eq!(replicas.get("web"), Some(&4));
/// assert_eq!(replicas.keys().collect::<Vec<_>>(), ["api", "web"]);
/// assert_eq!(serde_json::to_string(&replicas)?, r#"{"api":2,"web":4}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedMap<V> {
    /// Pairs sorted by key, keys unique.
    entries: Vec<(SharedStr, V)>,
}

/// A map from string keys to string values: labels, annotations, selectors, config data.
///
/// Mirrors Go's `map[string]string`; see [`SortedMap`] for why a sorted vector.
///
/// ```
/// use clientgo_apimachinery::{SharedStr, StringMap};
///
/// let mut labels = StringMap::from([("tier", "frontend"), ("app", "web")]);
/// labels.insert("app", "api");
/// assert_eq!(labels.get("app").map(SharedStr::as_str), Some("api"));
/// assert_eq!(labels.keys().collect::<Vec<_>>(), ["app", "tier"]);
/// assert_eq!(serde_json::to_string(&labels)?, r#"{"app":"api","tier":"frontend"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub type StringMap = SortedMap<SharedStr>;

impl<V> SortedMap<V> {
    /// An empty map; does not allocate.
    pub const fn new() -> Self {
        SortedMap { entries: Vec::new() }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `key` is, or where it would go.
    fn search<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        SharedStr: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        SharedStr: Borrow<Q>,
    {
        self.search(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value for `key`, to change in place.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        SharedStr: Borrow<Q>,
    {
        self.search(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        SharedStr: Borrow<Q>,
    {
        self.search(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: impl Into<SharedStr>, value: impl Into<V>) -> Option<V> {
        let key = key.into();
        match self.search(key.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value.into())),
            Err(i) => {
                self.entries.insert(i, (key, value.into()));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        SharedStr: Borrow<Q>,
    {
        self.search(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Keeps only the entries `keep` returns true for.
    pub fn retain(&mut self, mut keep: impl FnMut(&SharedStr, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter(self.entries.iter())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &SharedStr> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Builds the map from pairs that may be unsorted or repeat a key (the last value wins), with no
    /// spare capacity.
    fn from_pairs(mut entries: Vec<(SharedStr, V)>) -> Self {
        // A stable sort keeps repeated keys in arrival order (and is linear on the sorted input
        // the API server writes); `dedup_by` hands each later duplicate beside the kept earlier
        // one, which takes its value: the last value wins.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        entries.shrink_to_fit();
        SortedMap { entries }
    }
}

impl<V> Default for SortedMap<V> {
    fn default() -> Self {
        SortedMap::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for SortedMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over a [`SortedMap`]'s entries in key order.
#[derive(Debug)]
pub struct Iter<'a, V>(std::slice::Iter<'a, (SharedStr, V)>);

impl<V> Clone for Iter<'_, V> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a SharedStr, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<V> DoubleEndedIterator for Iter<'_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}

impl<'a, V> IntoIterator for &'a SortedMap<V> {
    type Item = (&'a SharedStr, &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<V> IntoIterator for SortedMap<V> {
    type Item = (SharedStr, V);
    type IntoIter = std::vec::IntoIter<(SharedStr, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<V, K: Into<SharedStr>, W: Into<V>> FromIterator<(K, W)> for SortedMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, W)>>(iter: I) -> Self {
        SortedMap::from_pairs(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl<V, K: Into<SharedStr>, W: Into<V>> Extend<(K, W)> for SortedMap<V> {
    fn extend<I: IntoIterator<Item = (K, W)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<V, K: Into<SharedStr>, W: Into<V>, const N: usize> From<[(K, W); N]> for SortedMap<V> {
    fn from(pairs: [(K, W); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl From<std::collections::BTreeMap<String, String>> for StringMap {
    fn from(map: std::collections::BTreeMap<String, String>) -> Self {
        // Already sorted and unique.
        SortedMap {
            entries: map.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }
}

impl From<StringMap> for std::collections::BTreeMap<String, String> {
    fn from(map: StringMap) -> Self {
        map.entries
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect()
    }
}

impl<V, Q: Ord + ?Sized> std::ops::Index<&Q> for SortedMap<V>
where
    SharedStr: Borrow<Q>,
{
    type Output = V;

    /// The value for `key`.
    ///
    /// # Panics
    /// When `key` is absent, like `BTreeMap`'s index; use [`SortedMap::get`] when it may be.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key present in SortedMap")
    }
}

impl<V: Serialize> Serialize for SortedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SortedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SortedMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with string keys")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<SortedMap<V>, A::Error> {
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = access.next_entry::<SharedStr, V>()? {
                    pairs.push(pair);
                }
                Ok(SortedMap::from_pairs(pairs))
            }
        }

        d.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests;
