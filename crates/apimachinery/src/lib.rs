//! Kubernetes API machinery for clientgo: the types and pure logic every other layer shares.
//!
//! Mirrors Go's `k8s.io/apimachinery`: object metadata ([`ObjectMeta`], [`TypeMeta`], [`ListMeta`]),
//! [`Status`] and the typed [`ApiError`] with client-go's predicates, [`WatchEvent`],
//! [`GroupVersionKind`] and friends, the [`Object`] and [`Resource`] traits, untyped
//! [`DynamicObject`]s, RFC 3339 [`Time`], [`Quantity`], [`IntOrString`], [`Condition`],
//! [`DeleteOptions`], and label and field selectors ([`labels`], [`fields`]).
//!
//! API structs are encoded by one engine, [`wire_struct!`] (see [`wire`]): the keys a struct does
//! not model are kept in its [`UnknownFields`] and written back, so a typed get-modify-update
//! against a newer API server loses nothing, at no cost when there are none. Their maps are
//! [`SortedMap`]s ([`StringMap`] for `map[string]string`), their strings [`SharedStr`]s.
//!
//! This crate is sans-IO: no sockets, no async runtime, no clock reads except `Time::now`. Everything
//! here takes bytes or values and returns values, so it is tested with plain unit and property tests.
#![warn(missing_docs)]
// Unsafe code is allowed in exactly two modules, each `unsafe` with its SAFETY comment: `SharedStr`'s
// one-word pointer/inline representation and its manual allocation (half the heap of a cached pod),
// and the frame scanner's SSE2 intrinsics (framing at memory speed). Everything else is safe Rust.
#![deny(unsafe_code)]

mod condition;
mod delete_options;
mod dynamic;
mod errors;
pub mod fields;
mod int_or_string;
pub mod labels;
mod list;
mod meta;
mod quantity;
mod raw_json;
mod resource;
mod schema;
mod serde_util;
#[allow(unsafe_code)] // See the crate attributes above.
pub mod shared_str;
mod sorted_map;
mod status;
mod time;
mod unknown_fields;
pub mod watch;
pub mod wire;

pub use condition::{Condition, FieldSelectorRequirement};
pub use delete_options::{DeleteOptions, Preconditions};
pub use dynamic::DynamicObject;
pub use errors::ApiError;
pub use int_or_string::IntOrString;
pub use list::{List, ListMeta};
pub use meta::{FieldsV1, ManagedFieldsEntry, ObjectMeta, OwnerReference, TypeMeta};
pub use quantity::Quantity;
pub use raw_json::RawJson;
pub use resource::{ApiResource, Object, Resource};
pub use schema::{GroupVersion, GroupVersionKind, GroupVersionResource};
pub use shared_str::SharedStr;
pub use sorted_map::{Iter as SortedMapIter, SortedMap, StringMap};
pub use status::{Status, StatusCause, StatusDetails, StatusReason};
pub use time::{MicroTime, Time, TimeParseError};
pub use unknown_fields::UnknownFields;
pub use watch::{Bookmark, EventType, FrameDecoder, WatchEvent, WatchEventDecoder, MAX_FRAME_SIZE};
