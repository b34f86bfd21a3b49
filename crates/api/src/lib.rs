//! Typed Kubernetes resources, lean and lossless.
//!
//! Mirrors `k8s.io/api`: module paths follow the Go packages, so `core/v1.Pod` is
//! [`core::v1::Pod`], `apps/v1.Deployment` is `apps::v1::Deployment`, `rbac/v1.ClusterRole` is
//! [`rbac::v1::ClusterRole`] and `coordination/v1.Lease` is `coordination::v1::Lease`. Every resource
//! implements [`Object`](clientgo_apimachinery::Object) (including, for the hand-written kinds, the
//! field-selector paths the API server supports) and [`Resource`](clientgo_apimachinery::Resource).
//!
//! # Generated and hand-written modules
//! Generated from the OpenAPI documents of a real v1.36.2 API server (vendored in `crates/api/openapi/`)
//! by `crates/codegen`: [`admissionregistration`], [`apiextensions`], [`apiregistration`],
//! [`authentication`], [`authorization`], [`autoscaling`] (v1 and v2), [`certificates`], [`flowcontrol`],
//! [`policy`], [`rbac`] and [`scheduling`]. Every struct keeps the fields this version does not know in
//! its `unknown_fields` and writes them back; string types with listed values (`PreemptionPolicy`) are
//! one-word newtypes with Go's constants that keep values they do not list. Never edit these files: after
//! changing the spec, `crates/api/codegen/overrides.yaml` or the generator, run
//!
//! ```text
//! cargo run -p clientgo-codegen -- regenerate
//! ```
//!
//! (`-- regenerate --check` only compares; the `up_to_date` test of `clientgo-codegen` fails when the
//! committed files are stale). Still hand-written, until the generator covers them too
//! (docs/api-generation.md, phase 2b): [`core`], [`apps`], [`coordination`] and [`events`].
//!
//! ```
//! use clientgo_api::rbac::v1::{ClusterRole, PolicyRule};
//!
//! let mut role = ClusterRole::new("pod-reader");
//! role.rules.push(PolicyRule {
//!     api_groups: vec!["".into()],
//!     resources: vec!["pods".into()],
//!     verbs: vec!["get".into(), "list".into(), "watch".into()],
//!     ..Default::default()
//! });
//! let json = serde_json::to_string(&role)?;
//! assert_eq!(
//!     json,
//!     r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]}]}"#
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! A hand-written kind:
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
//! - Decoding never fails on fields this crate does not model. In the generated types, and inside
//!   `metadata` (and list, `Status` and label-selector objects), they are kept in `unknown_fields` and
//!   written back; in the rest of the hand-written types they are still ignored, until phase 2b
//!   generates those too.
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
