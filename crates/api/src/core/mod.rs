//! The core (legacy, group `""`) API group.
//!
//! Mirrors `k8s.io/api/core`.

pub mod v1;
