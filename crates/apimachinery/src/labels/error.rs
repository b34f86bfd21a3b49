//! Why a label selector or requirement was rejected.

use std::fmt;

use super::selector::Operator;
use super::validation::{KeyProblem, ValueProblem};

/// A label selector string, a [`Requirement`](super::Requirement) or a
/// [`LabelSelector`](super::LabelSelector) that is not valid.
///
/// Mirrors the errors of apimachinery `labels.Parse`, `labels.NewRequirement` and
/// `metav1.LabelSelectorAsSelector`. The wording follows Go's (`found ',', expected: identifier after
/// ','`, `unable to parse requirement: ...`, the validation messages of `IsQualifiedName`), and adds
/// what Go leaves out: the offending token and its byte offset in the selector string. Errors from
/// parsing carry `position: Some(byte offset)`; errors from building requirements out of structs carry
/// `None`. The wording is no contract: match on the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A token the grammar does not allow at this point, or the end of the string too early.
    #[error("{}found {} at byte {position}, expected: {expected}", requirement_prefix(*.in_requirement), Token(.token))]
    Syntax {
        /// The offending token as written; empty when the string ended.
        token: String,
        /// Byte offset of the token in the selector string.
        position: usize,
        /// What the parser would have accepted, in Go's words.
        expected: &'static str,
        /// Whether the token is inside a requirement (Go then prefixes "unable to parse requirement").
        in_requirement: bool,
    },
    /// A label key that is not `[dns-subdomain/]name`.
    #[error("{}invalid label key \"{key}\"{}: {problem}", parse_prefix(*.position), At(*.position))]
    InvalidKey {
        /// The key as written.
        key: String,
        /// Byte offset of the key in the selector string, when parsed from one.
        position: Option<usize>,
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// A label value that is too long or has characters a label value cannot have.
    #[error("{}invalid label value \"{value}\" for key \"{key}\"{}: {problem}", parse_prefix(*.position), At(*.position))]
    InvalidValue {
        /// The requirement's key.
        key: String,
        /// The value as written.
        value: String,
        /// Byte offset of the value in the selector string, when parsed from one.
        position: Option<usize>,
        /// What is wrong with it.
        problem: ValueProblem,
    },
    /// A `>` or `<` requirement whose value is not a 64-bit integer.
    #[error("{}invalid value \"{value}\" for key \"{key}\"{}: for 'Gt', 'Lt' operators, the value must be an integer", parse_prefix(*.position), At(*.position))]
    NotAnInteger {
        /// The requirement's key.
        key: String,
        /// The value as written.
        value: String,
        /// Byte offset of the value in the selector string, when parsed from one.
        position: Option<usize>,
    },
    /// A requirement with the wrong number of values for its operator (only possible when built from
    /// structs: the parser's grammar already fixes the count).
    #[error("invalid values for key \"{key}\" with operator '{operator}': {}", count_rule(*.operator))]
    WrongValueCount {
        /// The requirement's key.
        key: String,
        /// The requirement's operator.
        operator: Operator,
        /// How many values were given.
        count: usize,
    },
    /// A `LabelSelector` match expression whose operator is not `In`, `NotIn`, `Exists` or
    /// `DoesNotExist`.
    #[error("\"{operator}\" is not a valid pod selector operator")]
    UnknownOperator {
        /// The operator as written.
        operator: String,
    },
}

impl ParseError {
    /// Byte offset in the selector string of the token that was rejected, when it came from parsing.
    pub fn position(&self) -> Option<usize> {
        match self {
            ParseError::Syntax { position, .. } => Some(*position),
            ParseError::InvalidKey { position, .. }
            | ParseError::InvalidValue { position, .. }
            | ParseError::NotAnInteger { position, .. } => *position,
            ParseError::WrongValueCount { .. } | ParseError::UnknownOperator { .. } => None,
        }
    }
}

fn requirement_prefix(in_requirement: bool) -> &'static str {
    if in_requirement {
        "unable to parse requirement: "
    } else {
        ""
    }
}

fn parse_prefix(position: Option<usize>) -> &'static str {
    requirement_prefix(position.is_some())
}

fn count_rule(operator: Operator) -> &'static str {
    match operator {
        Operator::In | Operator::NotIn => "for 'in', 'notin' operators, values set can't be empty",
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
            "exact-match compatibility requires one single value"
        }
        Operator::Exists | Operator::DoesNotExist => "values set must be empty for exists and does not exist",
        Operator::GreaterThan | Operator::LessThan => {
            "for 'Gt', 'Lt' operators, exactly one value is required"
        }
    }
}

/// Prints `'token'`, or `end of string` for the empty end token.
struct Token<'a>(&'a str);

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("end of string")
        } else {
            write!(f, "'{}'", self.0)
        }
    }
}

/// Prints ` at byte N` when there is a position.
struct At(Option<usize>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(position) => write!(f, " at byte {position}"),
            None => Ok(()),
        }
    }
}
