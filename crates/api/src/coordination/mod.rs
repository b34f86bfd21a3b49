//! The coordination.k8s.io API group.
//!
//! Mirrors `k8s.io/api/coordination`.

pub mod v1;
