//! The standard condition of an object's status, and the field-selector requirement.

use crate::shared_str::SharedStr;
use crate::time::Time;
use crate::unknown_fields::UnknownFields;
use crate::wire_struct;

/// One aspect of an object's current state: `type` is `status` (`True`, `False`, `Unknown`) since
/// `last_transition_time`, for `reason`.
///
/// Mirrors apimachinery `metav1.Condition`, the shape newer APIs and custom resources use for
/// `status.conditions` (older core types have their own, e.g. `PodCondition`). Every field but
/// `observedGeneration` is required in Go and always written here, as Go writes them. Fields it
/// does not model are kept in [`Condition::unknown_fields`].
#[doc(alias = "metav1.Condition")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// The condition's type in CamelCase, e.g. `Available` or `example.com/Ready`.
    pub type_: SharedStr,
    /// `True`, `False` or `Unknown`.
    pub status: SharedStr,
    /// The `metadata.generation` the condition was set for.
    pub observed_generation: Option<i64>,
    /// When `status` last changed.
    pub last_transition_time: Time,
    /// Why, in CamelCase, for machines.
    pub reason: SharedStr,
    /// Why, in words, for humans.
    pub message: SharedStr,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(Condition, "a condition" {
    "type" => type_: req,
    "status" => status: req,
    "observedGeneration" => observed_generation: opt,
    "lastTransitionTime" => last_transition_time: req,
    "reason" => reason: req,
    "message" => message: req,
});

/// One requirement of a field selector written as data: `key operator values`.
///
/// Mirrors apimachinery `metav1.FieldSelectorRequirement` (used by, e.g., authorization's
/// `fieldSelector` attributes). `operator` is `In`, `NotIn`, `Exists` or `DoesNotExist`, kept as
/// sent. Fields it does not model are kept in [`FieldSelectorRequirement::unknown_fields`].
#[doc(alias = "metav1.FieldSelectorRequirement")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelectorRequirement {
    /// The field path, e.g. `spec.nodeName`.
    pub key: SharedStr,
    /// How the field relates to the values.
    pub operator: SharedStr,
    /// The values; empty for `Exists` and `DoesNotExist`.
    pub values: Vec<SharedStr>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(FieldSelectorRequirement, "a field selector requirement" {
    "key" => key: req,
    "operator" => operator: req,
    "values" => values: list,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_round_trips_with_what_it_does_not_know() {
        let text = r#"{"type":"Available","status":"True","observedGeneration":3,"lastTransitionTime":"2026-11-23T06:48:34Z","reason":"MinimumReplicasAvailable","message":"ok","x-new":[1]}"#;
        let c: Condition = serde_json::from_str(text).unwrap();
        assert_eq!(c.type_, "Available");
        assert_eq!(
            c.last_transition_time,
            Time::parse("2026-11-23T06:48:34Z").unwrap()
        );
        assert_eq!(serde_json::to_string(&c).unwrap(), text);
    }

    #[test]
    fn required_fields_are_written_even_when_empty() {
        let c = Condition {
            type_: "Ready".into(),
            status: "Unknown".into(),
            ..Condition::default()
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"type":"Ready","status":"Unknown","lastTransitionTime":"1970-01-01T00:00:00Z","reason":"","message":""}"#
        );
    }

    #[test]
    fn field_selector_requirement_round_trips() {
        let text = r#"{"key":"spec.nodeName","operator":"In","values":["node-a"]}"#;
        let r: FieldSelectorRequirement = serde_json::from_str(text).unwrap();
        assert_eq!(r.values, ["node-a"]);
        assert_eq!(serde_json::to_string(&r).unwrap(), text);
        let exists: FieldSelectorRequirement =
            serde_json::from_str(r#"{"key":"k","operator":"Exists"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&exists).unwrap(),
            r#"{"key":"k","operator":"Exists"}"#
        );
    }
}
