//! Typed Kubernetes resources, hand-written and lean.
//!
//! Mirrors `k8s.io/api`: module paths follow the Go packages, so `core/v1.Pod` is
//! [`core::v1::Pod`], `apps/v1.Deployment` is `apps::v1::Deployment` and `coordination/v1.Lease` is
//! `coordination::v1::Lease`. Every resource implements [`Object`](clientgo_apimachinery::Object)
//! (including the field-selector paths the API server supports for its kind) and
//! [`Resource`](clientgo_apimachinery::Resource).
//!
//! ```
//! use clientgo_api::core::v1::Pod;
//! use clientgo_apimachinery::Object;
//!
//! let json = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"demo"},
//!   "spec":{"nodeName":"node-a","containers":[{"name":"web","image":"nginx:1.27",
//!     "resources":{"requests":{"cpu":"100m"}},"livenessProbe":{"tcpSocket":{"port":80}}}]},
//!   "status":{"phase":"Running"}}"#;
//! let pod: Pod = serde_json::from_str(json)?;
//! assert_eq!(pod.name(), "web-0");
//! assert_eq!(pod.field("spec.nodeName").as_deref(), Some("node-a"));
//! let web = &pod.spec.containers[0];
//! assert_eq!(web.resources.requests.get("cpu").map(|q| q.as_str()), Some("100m"));
//! // Kept verbatim; parse on demand.
//! assert_eq!(web.liveness_probe.as_ref().map(|p| p.as_str()), Some(r#"{"tcpSocket":{"port":80}}"#));
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Design
//! - Decoding never fails on fields this crate does not model. Inside `metadata` (and in list,
//!   `Status` and label-selector objects) they are kept in `unknown_fields` and written back; in the
//!   rest of these hand-written types they are still ignored, until the generated types of
//!   docs/api-generation.md give every struct that slot.
//! - Fields controllers read are typed. Deep, rarely read sub-objects (probes, affinity, security
//!   contexts, volume sources, ...) are kept verbatim as [`RawJson`]: they round-trip exactly through
//!   an update and are interned on decode, so the pods of one template share one copy.
//! - String fields are [`SharedStr`](clientgo_apimachinery::SharedStr): one word, short strings
//!   inline, repeated strings shared across decoded objects. With both, a cached pod takes fewer
//!   bytes than its JSON (docs/performance.md). Assign with `.into()` from `&str` or `String`.
//!   Because of that, decode these types with `serde_json` (from text or from a `serde_json::Value`);
//!   YAML goes through a `serde_json::Value` first (see [`RawJson`]).
//! - No `#[serde(flatten)]`: it makes serde buffer every field, which costs decode speed.
//! - Empty optional fields are omitted on output, like Go's `omitempty`; `null` collections decode
//!   as empty.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod byte_string;
mod macros;
mod serde_util;

pub mod admissionregistration;
pub mod apiextensions;
pub mod apiregistration;
pub mod apps;
pub mod authentication;
pub mod authorization;
pub mod autoscaling;
pub mod certificates;
pub mod coordination;
pub mod core;
pub mod events;
pub mod flowcontrol;
pub mod policy;
pub mod rbac;
pub mod scheduling;

pub use byte_string::ByteString;
pub use clientgo_apimachinery::RawJson;
/// Moved to apimachinery, where the generated types of every group find them (Go keeps them in
/// `k8s.io/apimachinery` too); re-exported here so existing paths keep working.
pub use clientgo_apimachinery::{IntOrString, Quantity};
