//! Label selectors: parse `app=web,tier in (a,b),!canary`, print it back, match labels.
//!
//! Mirrors apimachinery `pkg/labels` (`selector.go`: [`Selector`], [`Requirement`], `Parse`) and the
//! `metav1.LabelSelector` API type with `LabelSelectorAsSelector`. Parsing is sans-IO and matching
//! does not allocate, because informers and the API server match every object of every event.

mod error;
mod label_selector;
mod parser;
mod selector;
mod set;
mod validation;

pub use error::ParseError;
pub use label_selector::{LabelSelector, LabelSelectorOperator, LabelSelectorRequirement};
pub use selector::{Operator, Requirement, Selector};
pub use set::Labels;
pub use validation::{KeyProblem, ValueProblem, MAX_LABEL_NAME_LEN, MAX_LABEL_PREFIX_LEN};

#[cfg(test)]
mod tests;
