//! Parsed label selectors: requirements, matching, and the canonical query-string form.

use std::fmt;
use std::str::FromStr;

use super::error::ParseError;
use super::parser;
use super::set::Labels;
use super::validation::{check_key, check_value};
use crate::resource::Object;

/// How a [`Requirement`] relates its key to its values.
///
/// Mirrors apimachinery `selection.Operator` (the subset label selectors use). `Equals` and
/// `DoubleEquals` match alike; both are kept so a selector prints back the way it was written.
#[doc(alias = "selection.Operator")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operator {
    /// `key in (a,b)`: the label is present and its value is one of the values.
    In,
    /// `key notin (a,b)`: the label is absent, or its value is none of the values.
    NotIn,
    /// `key=a`: the label is present with this value.
    Equals,
    /// `key==a`: same as [`Operator::Equals`].
    DoubleEquals,
    /// `key!=a`: the label is absent, or has another value.
    NotEquals,
    /// `key`: the label is present.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key>5`: the label is present and its value is an integer greater than the bound.
    GreaterThan,
    /// `key<5`: the label is present and its value is an integer less than the bound.
    LessThan,
}

impl Operator {
    /// Go's name for the operator (`in`, `notin`, `=`, `==`, `!=`, `exists`, `!`, `gt`, `lt`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One condition on one label key; a [`Selector`] is the AND of its requirements.
///
/// Mirrors apimachinery `labels.Requirement`. Always valid: the key and values passed the same checks
/// as Go's `NewRequirement`. Values are kept sorted and without duplicates (Go keeps a set too when
/// parsing), which makes matching a binary search and printing canonical.
#[doc(alias = "labels.Requirement")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
    /// The parsed bound of `>` / `<`, so matching does not re-parse it per object.
    bound: i64,
}

impl Requirement {
    /// Builds a requirement, checking the key, the values and their count for the operator.
    ///
    /// Mirrors apimachinery `labels.NewRequirement`: `In`/`NotIn` need at least one value,
    /// `Equals`/`DoubleEquals`/`NotEquals`/`GreaterThan`/`LessThan` exactly one (an integer for the last
    /// two), `Exists`/`DoesNotExist` none. The empty string is a valid value.
    ///
    /// # Errors
    /// [`ParseError::InvalidKey`], [`ParseError::WrongValueCount`], [`ParseError::NotAnInteger`] or
    /// [`ParseError::InvalidValue`], checked in that order, as Go does.
    pub fn new<I, V>(key: impl Into<String>, operator: Operator, values: I) -> Result<Self, ParseError>
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        let key = key.into();
        let values: Vec<(String, Option<usize>)> = values.into_iter().map(|v| (v.into(), None)).collect();
        if let Err(problem) = check_key(&key) {
            return Err(ParseError::InvalidKey {
                key,
                position: None,
                problem,
            });
        }
        Self::from_checked_key(key, operator, values)
    }

    /// Builds a requirement whose key already passed `check_key`; values carry their byte offsets
    /// when parsed from a string.
    pub(super) fn from_checked_key(
        key: String,
        operator: Operator,
        mut values: Vec<(String, Option<usize>)>,
    ) -> Result<Self, ParseError> {
        let count_ok = match operator {
            Operator::In | Operator::NotIn => !values.is_empty(),
            Operator::Exists | Operator::DoesNotExist => values.is_empty(),
            Operator::Equals
            | Operator::DoubleEquals
            | Operator::NotEquals
            | Operator::GreaterThan
            | Operator::LessThan => values.len() == 1,
        };
        if !count_ok {
            return Err(ParseError::WrongValueCount {
                key,
                operator,
                count: values.len(),
            });
        }
        // Sort first so errors name the same value Go's sorted set would report first.
        values.sort_by(|a, b| a.0.cmp(&b.0));
        values.dedup_by(|a, b| a.0 == b.0);
        let mut bound = 0;
        if matches!(operator, Operator::GreaterThan | Operator::LessThan) {
            if let Some((value, position)) = values.first() {
                match value.parse::<i64>() {
                    Ok(parsed) => bound = parsed,
                    Err(_) => {
                        return Err(ParseError::NotAnInteger {
                            key,
                            value: value.clone(),
                            position: *position,
                        })
                    }
                }
            }
        }
        if let Some((value, position, problem)) = values
            .iter()
            .find_map(|(v, p)| check_value(v).err().map(|problem| (v, *p, problem)))
        {
            return Err(ParseError::InvalidValue {
                key,
                value: value.clone(),
                position,
                problem,
            });
        }
        Ok(Requirement {
            key,
            operator,
            values: values.into_iter().map(|(v, _)| v).collect(),
            bound,
        })
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted and without duplicates; empty for `Exists` and `DoesNotExist`.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether a set of labels satisfies this requirement. Does not allocate.
    ///
    /// Mirrors apimachinery `labels.Requirement.Matches`: `NotIn` and `NotEquals` match when the
    /// label is absent; `>` and `<` never match a label whose value is not an integer.
    pub fn matches(&self, labels: &(impl Labels + ?Sized)) -> bool {
        let value = labels.get_label(&self.key);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => !value.is_some_and(|v| self.has_value(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > self.bound),
            Operator::LessThan => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < self.bound),
        }
    }

    fn has_value(&self, value: &str) -> bool {
        self.values.binary_search_by(|v| v.as_str().cmp(value)).is_ok()
    }
}

/// Prints the requirement as in a query string: `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
/// `k notin (a,b)`, `k>5`, `k<5`. Mirrors apimachinery `labels.Requirement.String`.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, op, open, close) = match self.operator {
            Operator::Exists => ("", "", "", ""),
            Operator::DoesNotExist => ("!", "", "", ""),
            Operator::Equals => ("", "=", "", ""),
            Operator::DoubleEquals => ("", "==", "", ""),
            Operator::NotEquals => ("", "!=", "", ""),
            Operator::GreaterThan => ("", ">", "", ""),
            Operator::LessThan => ("", "<", "", ""),
            Operator::In => ("", " in ", "(", ")"),
            Operator::NotIn => ("", " notin ", "(", ")"),
        };
        f.write_str(before)?;
        f.write_str(&self.key)?;
        if matches!(self.operator, Operator::Exists | Operator::DoesNotExist) {
            return Ok(());
        }
        f.write_str(op)?;
        f.write_str(open)?;
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(value)?;
        }
        f.write_str(close)
    }
}

/// A parsed label selector: the AND of [`Requirement`]s, sorted by key.
///
/// Mirrors apimachinery `labels.Selector` (the `internalSelector` behind `labels.Parse`). The empty
/// selector matches everything. Client-go's `labels.Nothing()` has no counterpart: it has no string
/// form, and callers holding an absent `LabelSelector` can say "nothing" with `Option`.
///
/// ```
/// use clientgo_apimachinery::labels::Selector;
/// use clientgo_apimachinery::StringMap;
///
/// let selector: Selector = "app=web, tier in (front,back), !canary".parse()?;
/// let labels = StringMap::from([("app", "web"), ("tier", "front")]);
/// assert!(selector.matches(&labels));
/// assert_eq!(selector.to_string(), "app=web,!canary,tier in (back,front)");
/// # Ok::<(), clientgo_apimachinery::labels::ParseError>(())
/// ```
#[doc(alias = "labels.Selector")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that matches every object; prints as `""`. Does not allocate.
    ///
    /// Mirrors apimachinery `labels.Everything`.
    pub fn everything() -> Self {
        Selector::default()
    }

    /// Parses a selector in the query-string syntax (`a=b,c in (d,e),!f`).
    ///
    /// Mirrors apimachinery `labels.Parse`: `=`, `==`, `!=`, `in`, `notin`, `>`, `<`, bare `key`
    /// (exists) and `!key` (does not exist); `,` is AND; spaces, tabs and newlines around tokens are
    /// ignored; `in`/`notin` sets may hold empty values (`in ()` means the value `""`). The empty
    /// string yields [`Selector::everything`]. Requirements are sorted by key.
    ///
    /// # Errors
    /// A [`ParseError`] naming the first offending token and its byte offset.
    pub fn parse(selector: &str) -> Result<Self, ParseError> {
        let mut requirements = parser::parse(selector)?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector { requirements })
    }

    /// A selector requiring exactly these labels (`k1=v1,k2=v2`), after checking every key and value.
    ///
    /// Mirrors apimachinery `labels.ValidatedSelectorFromSet`; an empty set gives
    /// [`Selector::everything`].
    ///
    /// # Errors
    /// [`ParseError::InvalidKey`] or [`ParseError::InvalidValue`] for the first bad label.
    pub fn from_set<K: AsRef<str>, V: AsRef<str>>(
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ParseError> {
        let requirements = labels
            .into_iter()
            .map(|(key, value)| Requirement::new(key.as_ref(), Operator::Equals, [value.as_ref()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selector { requirements })
    }

    /// A selector from requirements, sorted by key (stable: requirements on the same key keep their
    /// order).
    pub fn from_requirements(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        let mut requirements: Vec<Requirement> = requirements.into_iter().collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Selector { requirements }
    }

    /// This selector with one more requirement. Mirrors apimachinery `labels.Selector.Add`.
    #[must_use]
    #[doc(alias = "Add")]
    pub fn add_requirement(mut self, requirement: Requirement) -> Self {
        let at = self.requirements.partition_point(|r| r.key <= requirement.key);
        self.requirements.insert(at, requirement);
        self
    }

    /// Whether the selector has no requirements and so matches everything.
    ///
    /// Mirrors apimachinery `labels.Selector.Empty`.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The requirements, sorted by key. Mirrors apimachinery `labels.Selector.Requirements`.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether a set of labels satisfies every requirement. Does not allocate.
    ///
    /// Mirrors apimachinery `labels.Selector.Matches`.
    pub fn matches(&self, labels: &(impl Labels + ?Sized)) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Whether an object's `metadata.labels` satisfy every requirement. Does not allocate.
    pub fn matches_object<O: Object + ?Sized>(&self, object: &O) -> bool {
        self.matches(&object.metadata().labels)
    }

    /// The single value the selector demands for `label` (through `=`, `==`, or `in` with one value),
    /// judged by the first requirement on that key.
    ///
    /// Mirrors apimachinery `labels.Selector.RequiresExactMatch`; lets an indexer answer a selector
    /// with one index lookup.
    pub fn requires_exact_match(&self, label: &str) -> Option<&str> {
        let requirement = self.requirements.iter().find(|r| r.key == label)?;
        match (requirement.operator, requirement.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [value]) => Some(value),
            _ => None,
        }
    }
}

/// Prints the canonical query-string form: requirements sorted by key, joined by `,`, with sorted
/// values. Parsing it gives back an equal selector. Mirrors apimachinery `labels.Selector.String`.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            fmt::Display::fmt(requirement, f)?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}
