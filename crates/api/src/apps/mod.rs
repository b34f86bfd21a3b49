//! The apps API group.
//!
//! Mirrors `k8s.io/api/apps`.

pub mod v1;
