//! [`StringMap`]: the `map[string]string` of labels and annotations, as one sorted vector.
//!
//! Go keeps `metadata.labels` and `metadata.annotations` in hash maps; a Rust `BTreeMap` would be
//! the obvious port, but its smallest node is a ~540-byte leaf however few entries it holds, and
//! an object usually has two to five labels and annotations. An informer caching 50,000 pods would
//! spend over 50 MB on half-empty B-tree leaves. A sorted vector holds the same pairs in exactly
//! their size (16 bytes a pair, plus the strings that are neither short enough to be kept inline nor
//! shared with other objects, see [`SharedStr`]), keeps iteration in key order like `BTreeMap`
//! (so encoding is deterministic, as Go's is), and looks up by binary search, which beats hashing
//! at these sizes.

use std::borrow::Borrow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::shared_str::SharedStr;

/// A map from string keys to string values, sorted by key, stored as one exact-size vector.
///
/// Used for `ObjectMeta::labels` and `ObjectMeta::annotations`. Its methods are named and behave
/// like `BTreeMap<String, String>`'s, so code written for one reads the same with the other;
/// inserting is O(n), which is fine for the handful of entries metadata has. Decoding accepts a JSON
/// object (a repeated key keeps its last value, as Go's decoder does) and leaves no spare capacity.
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
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StringMap {
    /// Pairs sorted by key, keys unique.
    entries: Vec<(SharedStr, SharedStr)>,
}

impl StringMap {
    /// An empty map; does not allocate.
    pub const fn new() -> Self {
        StringMap { entries: Vec::new() }
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
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&SharedStr>
    where
        SharedStr: Borrow<Q>,
    {
        self.search(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value for `key`, to change in place.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut SharedStr>
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
    pub fn insert(&mut self, key: impl Into<SharedStr>, value: impl Into<SharedStr>) -> Option<SharedStr> {
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
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<SharedStr>
    where
        SharedStr: Borrow<Q>,
    {
        self.search(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Keeps only the entries `keep` returns true for.
    pub fn retain(&mut self, mut keep: impl FnMut(&SharedStr, &mut SharedStr) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &SharedStr> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &SharedStr> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Builds the map from pairs that may be unsorted or repeat a key (the last value wins), with no
    /// spare capacity.
    fn from_pairs(mut entries: Vec<(SharedStr, SharedStr)>) -> Self {
        // A stable sort keeps repeated keys in arrival order; `dedup_by` hands each later duplicate
        // beside the kept earlier one, which takes its value: the last value wins.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        entries.shrink_to_fit();
        StringMap { entries }
    }
}

impl fmt::Debug for StringMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over a [`StringMap`]'s entries in key order.
#[derive(Debug, Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, (SharedStr, SharedStr)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a SharedStr, &'a SharedStr);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a StringMap {
    type Item = (&'a SharedStr, &'a SharedStr);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for StringMap {
    type Item = (SharedStr, SharedStr);
    type IntoIter = std::vec::IntoIter<(SharedStr, SharedStr)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<SharedStr>, V: Into<SharedStr>> FromIterator<(K, V)> for StringMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        StringMap::from_pairs(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl<K: Into<SharedStr>, V: Into<SharedStr>> Extend<(K, V)> for StringMap {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Into<SharedStr>, V: Into<SharedStr>, const N: usize> From<[(K, V); N]> for StringMap {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl From<std::collections::BTreeMap<String, String>> for StringMap {
    fn from(map: std::collections::BTreeMap<String, String>) -> Self {
        // Already sorted and unique.
        StringMap {
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

impl<Q: Ord + ?Sized> std::ops::Index<&Q> for StringMap
where
    SharedStr: Borrow<Q>,
{
    type Output = SharedStr;

    /// The value for `key`.
    ///
    /// # Panics
    /// When `key` is absent, like `BTreeMap`'s index; use [`StringMap::get`] when it may be.
    fn index(&self, key: &Q) -> &SharedStr {
        self.get(key).expect("key present in StringMap")
    }
}

impl Serialize for StringMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor;

        impl<'de> Visitor<'de> for MapVisitor {
            type Value = StringMap;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strings to strings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StringMap, A::Error> {
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = access.next_entry::<SharedStr, SharedStr>()? {
                    pairs.push(pair);
                }
                Ok(StringMap::from_pairs(pairs))
            }
        }

        d.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
mod tests;
