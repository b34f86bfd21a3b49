//! The coordination.k8s.io API group, version v1.
//!
//! Mirrors `k8s.io/api/coordination/v1`.

mod lease;

pub use lease::{Lease, LeaseSpec};
