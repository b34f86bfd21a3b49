//! Typed Kubernetes resources, hand-written and lean.
//!
//! Mirrors `k8s.io/api`: module paths follow the Go packages, so `core/v1.Pod` is
//! [`core::v1::Pod`], `apps/v1.Deployment` is `apps::v1::Deployment` and `coordination/v1.Lease` is
//! `coordination::v1::Lease`. Every resource implements [`Object`](clientgo_apimachinery::Object)
//! (including the field-selector paths the API server supports for its kind) and
//! [`Resource`](clientgo_apimachinery::Resource).
//!
//! # Design
//! - Decoding never fails on fields this crate does not model: they are ignored.
//! - Fields controllers read are typed. Deep, rarely read sub-objects (probes, affinity, security
//!   contexts, volume sources, ...) are kept verbatim as [`RawJson`]: they round-trip exactly through
//!   an update and cost one allocation, so a cached pod takes about as many bytes as its JSON.
//!   Because of that, decode these types with `serde_json` (from text or from a `serde_json::Value`);
//!   YAML goes through a `serde_json::Value` first (see [`RawJson`]).
//! - No `#[serde(flatten)]`: it makes serde buffer every field, which costs decode speed.
//! - Empty optional fields are omitted on output, like Go's `omitempty`; `null` collections decode
//!   as empty.
#![warn(missing_docs)]

mod byte_string;
mod int_or_string;
mod macros;
mod quantity;
mod raw;
mod serde_util;

pub mod apps;
pub mod coordination;
pub mod core;
pub mod events;

pub use byte_string::ByteString;
pub use int_or_string::IntOrString;
pub use quantity::Quantity;
pub use raw::RawJson;
