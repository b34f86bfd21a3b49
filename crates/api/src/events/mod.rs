//! The events.k8s.io API group.
//!
//! Mirrors `k8s.io/api/events`.

pub mod v1;
