//! Field selectors: parse `metadata.name=x,status.phase!=Running`, print it back, match objects.
//!
//! Mirrors apimachinery `pkg/fields` (`selector.go`: `ParseSelector`, `EscapeValue`,
//! `UnescapeValue`, `OneTermEqualSelector`). Matching asks the object for each field through
//! [`Object::field`](crate::Object::field) and does not allocate for borrowed values.

mod escape;
mod selector;

pub use escape::{escape_value, unescape_value};
pub use selector::{Operator, ParseError, Requirement, Selector};

#[cfg(test)]
mod tests;
