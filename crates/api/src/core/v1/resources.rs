//! Compute resources: how much CPU, memory and other resources a container asks for and may use.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::quantity::Quantity;
use crate::RawJson;

/// A map from resource name (`cpu`, `memory`, `nvidia.com/gpu`) to [`Quantity`].
///
/// Mirrors core/v1 `ResourceList` (`map[ResourceName]resource.Quantity`). It is stored as a vector
/// sorted by name instead of a `BTreeMap`: these maps hold two or three entries, and a `BTreeMap`
/// node costs over 500 bytes however few entries it has, which for a pod's containers would be more
/// than the pod's whole JSON. Lookups are a short linear scan; iteration is in name order, like Go's
/// JSON encoding of maps. A name given twice keeps its last value, like a map. The well-known
/// names (`cpu`, `memory`, ...) are stored as static strings, which saves an allocation per entry.
#[doc(alias = "v1.ResourceList")]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ResourceList(Vec<(ResourceName, Quantity)>);

/// A resource name, borrowed from [`WELL_KNOWN`] when it is one of them.
type ResourceName = Cow<'static, str>;

/// Resource names common enough to be worth not allocating.
const WELL_KNOWN: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "pods",
    "storage",
    "nvidia.com/gpu",
];

fn resource_name(name: &str) -> ResourceName {
    match WELL_KNOWN.iter().find(|w| **w == name) {
        Some(w) => Cow::Borrowed(w),
        None => Cow::Owned(name.to_owned()),
    }
}

impl ResourceList {
    /// An empty list.
    pub const fn new() -> Self {
        ResourceList(Vec::new())
    }

    /// The quantity of resource `name`.
    pub fn get(&self, name: &str) -> Option<&Quantity> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// Sets resource `name` to `quantity`, returning the previous value.
    pub fn insert(&mut self, name: impl AsRef<str>, quantity: impl Into<Quantity>) -> Option<Quantity> {
        let name = name.as_ref();
        let quantity = quantity.into();
        match self.position(name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, quantity)),
            Err(i) => {
                self.0.insert(i, (resource_name(name), quantity));
                None
            }
        }
    }

    /// Removes resource `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Quantity> {
        self.position(name).ok().map(|i| self.0.remove(i).1)
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no resource is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Quantity)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(name))
    }
}

impl<K: AsRef<str>, V: Into<Quantity>> FromIterator<(K, V)> for ResourceList {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut list = ResourceList::new();
        for (k, v) in iter {
            list.insert(k, v);
        }
        list
    }
}

impl fmt::Debug for ResourceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for ResourceList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ResourceList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ResourceList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of resource names to quantities")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ResourceList, A::Error> {
                let mut entries: Vec<(ResourceName, Quantity)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(k) = map.next_key::<NameKey>()? {
                    entries.push((k.0, map.next_value()?));
                }
                // The server writes names sorted; anything else is sorted here, last duplicate wins.
                if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
                    let mut list = ResourceList::new();
                    for (k, v) in entries {
                        list.insert(k, v);
                    }
                    return Ok(list);
                }
                entries.shrink_to_fit();
                Ok(ResourceList(entries))
            }
        }
        d.deserialize_option(OptionMap(ListVisitor))
    }
}

/// A map key decoded straight into a [`ResourceName`], without an intermediate `String`.
struct NameKey(ResourceName);

impl<'de> Deserialize<'de> for NameKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NameKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a resource name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NameKey, E> {
                Ok(NameKey(resource_name(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Accepts `null` as an empty list, and a map otherwise.
struct OptionMap<V>(V);

impl<'de, V: Visitor<'de, Value = ResourceList>> Visitor<'de> for OptionMap<V> {
    type Value = ResourceList;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_none<E>(self) -> Result<ResourceList, E> {
        Ok(ResourceList::new())
    }
    fn visit_unit<E>(self) -> Result<ResourceList, E> {
        Ok(ResourceList::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ResourceList, D::Error> {
        d.deserialize_map(self.0)
    }
}

/// The compute resources a container requests (scheduling) and is limited to (enforcement).
///
/// Mirrors core/v1 `ResourceRequirements`. `claims` (dynamic resource allocation) is kept verbatim.
#[doc(alias = "v1.ResourceRequirements")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequirements {
    /// The most the container may use.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub limits: ResourceList,
    /// What the scheduler reserves for the container.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub requests: ResourceList,
    /// Names of pod resource claims the container uses, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<RawJson>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_entries_sorted_and_round_trips() {
        let r: ResourceRequirements =
            serde_json::from_str(r#"{"limits":{"memory":"512Mi","cpu":"500m"},"requests":null}"#).unwrap();
        assert_eq!(r.limits.get("cpu").unwrap().as_str(), "500m");
        assert_eq!(r.limits.get("memory").unwrap().as_str(), "512Mi");
        assert_eq!(r.limits.get("gpu"), None);
        assert!(r.requests.is_empty());
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"limits":{"cpu":"500m","memory":"512Mi"}}"#
        );
    }

    #[test]
    fn well_known_names_are_not_allocated() {
        let l: ResourceList = serde_json::from_str(r#"{"cpu":"1","example.com/dongle":"2"}"#).unwrap();
        assert!(matches!(l.0[0].0, Cow::Borrowed("cpu")));
        assert!(matches!(&l.0[1].0, Cow::Owned(n) if n == "example.com/dongle"));
    }

    #[test]
    fn last_duplicate_wins_like_a_map() {
        let l: ResourceList = serde_json::from_str(r#"{"cpu":"1","cpu":"2"}"#).unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(l.get("cpu").unwrap().as_str(), "2");
    }

    #[test]
    fn insert_and_remove_keep_order() {
        let mut l: ResourceList = [("memory", "1Gi"), ("cpu", "1")].into_iter().collect();
        assert_eq!(l.insert("cpu", "2").unwrap().as_str(), "1");
        l.insert("ephemeral-storage", "1Gi");
        let names: Vec<&str> = l.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["cpu", "ephemeral-storage", "memory"]);
        assert_eq!(l.remove("memory").unwrap().as_str(), "1Gi");
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn rejects_non_map_with_a_clear_error() {
        let err = serde_json::from_str::<ResourceList>("[1]").unwrap_err();
        assert!(err.to_string().contains("map of resource names"), "{err}");
    }
}
