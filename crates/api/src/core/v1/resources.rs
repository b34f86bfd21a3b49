//! Compute resources: how much CPU, memory and other resources a container asks for and may use.

use clientgo_apimachinery::SortedMap;
use serde::{Deserialize, Serialize};

use crate::serde_util::null_as_default;
use crate::Quantity;
use crate::RawJson;

/// A map from resource name (`cpu`, `memory`, `nvidia.com/gpu`) to [`Quantity`].
///
/// Mirrors core/v1 `ResourceList` (`map[ResourceName]resource.Quantity`) as a [`SortedMap`]: a
/// vector sorted by name instead of a `BTreeMap`, because these maps hold two or three entries and
/// a `BTreeMap` node costs over 500 bytes however few entries it has, which for a pod's containers
/// would be more than the pod's whole JSON. An entry is 16 bytes: the name is a `SharedStr` (`cpu`,
/// `memory`, `pods`, `storage` kept inline, longer names interned, so stored once per process) and
/// the quantity one word. Iteration is in name order, like Go's JSON encoding of maps; a name given
/// twice keeps its last value, like a map.
#[doc(alias = "v1.ResourceList")]
pub type ResourceList = SortedMap<Quantity>;

/// The compute resources a container requests (scheduling) and is limited to (enforcement).
///
/// Mirrors core/v1 `ResourceRequirements`. `claims` (dynamic resource allocation) is kept verbatim.
#[doc(alias = "v1.ResourceRequirements")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequirements {
    /// The most the container may use.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub limits: ResourceList,
    /// What the scheduler reserves for the container.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        deserialize_with = "null_as_default"
    )]
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
    fn short_names_are_inline_and_long_ones_shared() {
        let a: ResourceList = serde_json::from_str(r#"{"cpu":"1","example.com/dongle":"2"}"#).unwrap();
        let b: ResourceList = serde_json::from_str(r#"{"example.com/dongle":"3"}"#).unwrap();
        let names: Vec<_> = a.keys().collect();
        assert_eq!(names[0].heap_size(), 0, "`cpu` fits in the word");
        assert!(
            names[1].shares_with(b.keys().next().unwrap()),
            "long names are interned"
        );
        assert_eq!(size_of::<(clientgo_apimachinery::SharedStr, Quantity)>(), 16);
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
        let names: Vec<&str> = l.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["cpu", "ephemeral-storage", "memory"]);
        assert_eq!(l.remove("memory").unwrap().as_str(), "1Gi");
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn rejects_non_map_with_a_clear_error() {
        let err = serde_json::from_str::<ResourceList>("[1]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: sequence, expected a map with string keys at line 1 column 0"
        );
        let err = serde_json::from_str::<ResourceList>(r#"{"cpu":1}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: integer `1`, expected a string at line 1 column 8"
        );
    }
}
