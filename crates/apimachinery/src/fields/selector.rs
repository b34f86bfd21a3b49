//! Parsed field selectors: terms, matching, and the canonical query-string form.

use std::fmt;
use std::str::FromStr;

use super::escape::{escape_value, unescape_at};
use crate::resource::Object;

/// How a field [`Requirement`] compares the field with its value.
///
/// Mirrors the two operators apimachinery `fields` supports (`selection.Equals`, `selection.NotEquals`);
/// `==` parses as `Equals` and prints as `=`, as in Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operator {
    /// `field=value` (or `field==value`).
    Equals,
    /// `field!=value`.
    NotEquals,
}

impl Operator {
    /// The operator as printed: `=` or `!=`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::NotEquals => "!=",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One term of a field selector: `field=value` or `field!=value`, with the value unescaped.
///
/// Mirrors apimachinery `fields.Requirement`. The field path is not checked here: which paths a
/// resource supports is the server's business (see [`Selector::requirements`]).
#[doc(alias = "fields.Requirement")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    field: String,
    operator: Operator,
    value: String,
}

impl Requirement {
    /// A term comparing `field` with the literal (unescaped) `value`.
    pub fn new(field: impl Into<String>, operator: Operator, value: impl Into<String>) -> Self {
        Requirement {
            field: field.into(),
            operator,
            value: value.into(),
        }
    }

    /// The field path, e.g. `metadata.name`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The literal value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the object satisfies this term; an object that does not support the field never does.
    pub fn matches<O: Object + ?Sized>(&self, object: &O) -> bool {
        self.matches_value(object.field(&self.field).as_deref())
    }

    /// Whether a field value satisfies this term; `None` (field not supported) never does.
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        match (value, self.operator) {
            (Some(v), Operator::Equals) => v == self.value,
            (Some(v), Operator::NotEquals) => v != self.value,
            (None, _) => false,
        }
    }
}

/// Prints `field=value` or `field!=value` with the value escaped.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.field)?;
        f.write_str(self.operator.as_str())?;
        f.write_str(&escape_value(&self.value))
    }
}

/// A field selector string that could not be parsed.
///
/// Mirrors the errors of apimachinery `fields.ParseSelector` (`invalid selector: ...; can't
/// understand ...`, `InvalidEscapeSequence`, `UnescapedRune`), adding the byte offset of the offending
/// term or character. The wording is no contract: match on the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A term with none of `=`, `==`, `!=`.
    #[error("invalid selector: '{selector}'; can't understand '{term}' at byte {position}")]
    NoOperator {
        /// The whole selector.
        selector: String,
        /// The term without an operator.
        term: String,
        /// Byte offset of the term in the selector.
        position: usize,
    },
    /// A `\` not followed by `\`, `,` or `=`.
    #[error("invalid field selector: invalid escape sequence: {sequence} at byte {position}")]
    InvalidEscape {
        /// The backslash and the character after it (just `\` at the end of the string).
        sequence: String,
        /// Byte offset of the backslash.
        position: usize,
    },
    /// A `,` or `=` in a value that should have been escaped.
    #[error("invalid field selector: unescaped character in value: '{character}' at byte {position}")]
    UnescapedCharacter {
        /// The character.
        character: char,
        /// Byte offset of the character.
        position: usize,
    },
}

impl ParseError {
    /// Byte offset of the offending term or character.
    pub fn position(&self) -> usize {
        match self {
            ParseError::NoOperator { position, .. }
            | ParseError::InvalidEscape { position, .. }
            | ParseError::UnescapedCharacter { position, .. } => *position,
        }
    }
}

/// A parsed field selector: the AND of its terms.
///
/// Mirrors apimachinery `fields.Selector`. The empty selector matches everything. Terms are kept in
/// the order of their printed form (Go sorts the raw terms; for canonical input that is the same), so
/// `Display` is canonical and parsing it gives back an equal selector.
///
/// ```
/// use clientgo_apimachinery::fields::Selector;
///
/// let selector: Selector = "metadata.name=web,metadata.namespace!=kube-system".parse()?;
/// assert_eq!(selector.requires_exact_match("metadata.name"), Some("web"));
/// assert_eq!(selector.to_string(), "metadata.name=web,metadata.namespace!=kube-system");
/// # Ok::<(), clientgo_apimachinery::fields::ParseError>(())
/// ```
#[doc(alias = "fields.Selector")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that matches every object; prints as `""`. Does not allocate.
    ///
    /// Mirrors apimachinery `fields.Everything`.
    pub fn everything() -> Self {
        Selector::default()
    }

    /// A selector with the single term `field=value`. Mirrors apimachinery
    /// `fields.OneTermEqualSelector` (client-go's `SingleObject` watches use `metadata.name`).
    pub fn one_term_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Selector {
            requirements: vec![Requirement::new(field, Operator::Equals, value)],
        }
    }

    /// A selector with the single term `field!=value`. Mirrors apimachinery
    /// `fields.OneTermNotEqualSelector`.
    pub fn one_term_not_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Selector {
            requirements: vec![Requirement::new(field, Operator::NotEquals, value)],
        }
    }

    /// A selector from terms, put in canonical order.
    pub fn from_requirements(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        let mut requirements: Vec<Requirement> = requirements.into_iter().collect();
        requirements.sort_by_cached_key(Requirement::to_string);
        Selector { requirements }
    }

    /// Parses `field=value,field!=value,...`.
    ///
    /// Mirrors apimachinery `fields.ParseSelector`: terms split at commas not escaped by `\`; each
    /// term splits at its first `!=`, `==` or `=` (the field part is taken literally, whitespace
    /// included); the value is unescaped with [`unescape_value`](super::unescape_value). Empty terms are
    /// skipped, so `""` yields [`Selector::everything`].
    ///
    /// # Errors
    /// [`ParseError`] naming the first offending term or character and its byte offset.
    pub fn parse(selector: &str) -> Result<Self, ParseError> {
        let mut requirements = Vec::new();
        for (term, start) in split_terms(selector) {
            if term.is_empty() {
                continue;
            }
            let Some((field, operator, value_at)) = split_term(term) else {
                return Err(ParseError::NoOperator {
                    selector: selector.to_owned(),
                    term: term.to_owned(),
                    position: start,
                });
            };
            let raw_value = term.get(value_at..).unwrap_or("");
            let value = unescape_at(raw_value, start + value_at)?;
            requirements.push(Requirement::new(field, operator, value));
        }
        Ok(Selector::from_requirements(requirements))
    }

    /// Whether the selector has no terms and so matches everything.
    ///
    /// Mirrors apimachinery `fields.Selector.Empty`.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The terms. An API server checks each field against what the resource supports and answers
    /// its own error for the others. Mirrors apimachinery `fields.Selector.Requirements`.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether the object satisfies every term; a term on a field the object does not support is not
    /// satisfied. Does not allocate when the object lends its field values.
    pub fn matches<O: Object + ?Sized>(&self, object: &O) -> bool {
        self.requirements.iter().all(|r| r.matches(object))
    }

    /// The value the selector demands for `field` through an `=` term, if any.
    ///
    /// Mirrors apimachinery `fields.Selector.RequiresExactMatch`; the API server and caches use it to
    /// turn `metadata.name=x` into a single-object lookup.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.operator == Operator::Equals && r.field == field)
            .map(|r| r.value.as_str())
    }
}

/// Splits at commas not preceded by an escaping backslash, yielding each term with its byte offset.
/// Mirrors Go's `splitTerms`.
fn split_terms(selector: &str) -> impl Iterator<Item = (&str, usize)> {
    let bytes = selector.as_bytes();
    let mut start = 0;
    let mut escaped = false;
    let mut done = selector.is_empty();
    let mut i = 0;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some(&b) = bytes.get(i) {
            i += 1;
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b',' {
                let term = (selector.get(start..i - 1).unwrap_or(""), start);
                start = i;
                return Some(term);
            }
        }
        done = true;
        Some((selector.get(start..).unwrap_or(""), start))
    })
}

/// Splits a term at its first operator: `(field, operator, offset of the value)`. Mirrors Go's
/// `splitTerm`, which tries `!=`, then `==`, then `=` at each position.
fn split_term(term: &str) -> Option<(&str, Operator, usize)> {
    let bytes = term.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        let found = match (b, next) {
            (b'!', Some(b'=')) => Some((Operator::NotEquals, 2)),
            (b'=', Some(b'=')) => Some((Operator::Equals, 2)),
            (b'=', _) => Some((Operator::Equals, 1)),
            _ => None,
        };
        if let Some((operator, len)) = found {
            return Some((term.get(..i).unwrap_or(""), operator, i + len));
        }
    }
    None
}

/// Prints the canonical form: terms joined by `,`, values escaped. Mirrors apimachinery
/// `fields.Selector.String`.
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
