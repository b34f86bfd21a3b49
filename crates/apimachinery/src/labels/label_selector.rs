//! The `metav1.LabelSelector` API type that Deployments, ReplicaSets and friends embed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::ParseError;
use super::selector::{Operator, Requirement, Selector};
use crate::{wire_struct, StringMap, UnknownFields};

/// A label query as written in an object's spec: exact labels plus set-based expressions, all ANDed.
///
/// Mirrors apimachinery `metav1.LabelSelector`. Convert it with [`LabelSelector::to_selector`] to
/// match objects or to build a `labelSelector` query string. An empty `LabelSelector` selects
/// everything; an absent one (`None`) selects nothing, as in Go.
#[doc(alias = "metav1.LabelSelector")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// Labels that must be present with exactly these values.
    pub match_labels: StringMap,
    /// Set-based requirements.
    pub match_expressions: Vec<LabelSelectorRequirement>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(LabelSelector, "a label selector" {
    "matchLabels" => match_labels: map,
    "matchExpressions" => match_expressions: list,
});

impl LabelSelector {
    /// Converts to a [`Selector`], checking every key, value and operator.
    ///
    /// Mirrors apimachinery `metav1.LabelSelectorAsSelector` for a non-nil selector: `matchLabels`
    /// become `=` requirements, expressions map `In`, `NotIn`, `Exists`, `DoesNotExist` to their
    /// operators; an empty `LabelSelector` gives [`Selector::everything`].
    ///
    /// # Errors
    /// [`ParseError::UnknownOperator`] for any other operator; [`ParseError::InvalidKey`],
    /// [`ParseError::InvalidValue`] or [`ParseError::WrongValueCount`] (values given to `Exists`, none
    /// given to `In`) as `labels.NewRequirement` reports them.
    pub fn to_selector(&self) -> Result<Selector, ParseError> {
        let mut requirements = Vec::with_capacity(self.match_labels.len() + self.match_expressions.len());
        for (key, value) in &self.match_labels {
            requirements.push(Requirement::new(
                key.as_str(),
                Operator::Equals,
                [value.as_str()],
            )?);
        }
        for expression in &self.match_expressions {
            let operator = match &expression.operator {
                LabelSelectorOperator::In => Operator::In,
                LabelSelectorOperator::NotIn => Operator::NotIn,
                LabelSelectorOperator::Exists => Operator::Exists,
                LabelSelectorOperator::DoesNotExist => Operator::DoesNotExist,
                LabelSelectorOperator::Unknown(other) => {
                    return Err(ParseError::UnknownOperator {
                        operator: other.clone(),
                    })
                }
            };
            requirements.push(Requirement::new(
                expression.key.as_str(),
                operator,
                expression.values.iter().map(String::as_str),
            )?);
        }
        Ok(Selector::from_requirements(requirements))
    }

    /// Whether the selector has neither labels nor expressions, and so selects everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// Same as [`LabelSelector::to_selector`].
impl TryFrom<&LabelSelector> for Selector {
    type Error = ParseError;

    fn try_from(selector: &LabelSelector) -> Result<Self, Self::Error> {
        selector.to_selector()
    }
}

/// One set-based expression of a [`LabelSelector`]: `key operator values`.
///
/// Mirrors apimachinery `metav1.LabelSelectorRequirement`.
#[doc(alias = "metav1.LabelSelectorRequirement")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelectorRequirement {
    /// The label key the expression applies to.
    pub key: String,
    /// How the key relates to the values.
    pub operator: LabelSelectorOperator,
    /// The values; non-empty for `In`/`NotIn`, empty for `Exists`/`DoesNotExist`.
    pub values: Vec<String>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(LabelSelectorRequirement, "a label selector requirement" {
    "key" => key: req,
    "operator" => operator: req,
    "values" => values: list,
});

/// The operator of a [`LabelSelectorRequirement`], serialized as Go's strings (`In`, `NotIn`,
/// `Exists`, `DoesNotExist`).
///
/// Mirrors apimachinery `metav1.LabelSelectorOperator`. An operator this version does not know decodes
/// into `Unknown` instead of failing the whole object, and [`LabelSelector::to_selector`] rejects it,
/// as Go's conversion does.
#[doc(alias = "metav1.LabelSelectorOperator")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LabelSelectorOperator {
    /// `In`: the label's value is one of the values.
    In,
    /// `NotIn`: the label is absent or its value is none of the values.
    NotIn,
    /// `Exists`: the label is present.
    Exists,
    /// `DoesNotExist`: the label is absent.
    DoesNotExist,
    /// Any other string, kept as written.
    Unknown(String),
}

impl LabelSelectorOperator {
    /// The operator as Go writes it.
    pub fn as_str(&self) -> &str {
        match self {
            LabelSelectorOperator::In => "In",
            LabelSelectorOperator::NotIn => "NotIn",
            LabelSelectorOperator::Exists => "Exists",
            LabelSelectorOperator::DoesNotExist => "DoesNotExist",
            LabelSelectorOperator::Unknown(other) => other,
        }
    }
}

/// Go's zero value, the empty operator: what a requirement decoded without `operator` holds, and what
/// [`LabelSelector::to_selector`] rejects as unknown.
impl Default for LabelSelectorOperator {
    fn default() -> Self {
        LabelSelectorOperator::Unknown(String::new())
    }
}

impl From<&str> for LabelSelectorOperator {
    fn from(s: &str) -> Self {
        match s {
            "In" => LabelSelectorOperator::In,
            "NotIn" => LabelSelectorOperator::NotIn,
            "Exists" => LabelSelectorOperator::Exists,
            "DoesNotExist" => LabelSelectorOperator::DoesNotExist,
            other => LabelSelectorOperator::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for LabelSelectorOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LabelSelectorOperator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LabelSelectorOperator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(LabelSelectorOperator::from(s.as_ref()))
    }
}
