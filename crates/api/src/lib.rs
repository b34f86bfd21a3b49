//! Typed Kubernetes resources; filled in by the foundation issue.
#![warn(missing_docs)]
