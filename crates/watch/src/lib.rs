//! Placeholder crate root; filled in by its issue.
#![warn(missing_docs)]
