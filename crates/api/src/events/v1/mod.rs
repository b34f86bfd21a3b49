//! The events.k8s.io API group, version v1.
//!
//! Mirrors `k8s.io/api/events/v1`.

mod event;

pub use event::Event;
