//! clientgo's API generator: reads the Kubernetes OpenAPI v3 documents vendored in
//! `crates/api/openapi/v1.36.2/` into a checked model of every definition and resource.
//!
//! Three sans-IO stages, each its own module: [`spec`] parses and merges the documents, accepting only the keys and
//! shapes it knows (anything else is an [`Error`] naming the file and JSON pointer, never a silent fallthrough);
//! [`ir`] builds the model the emitters read (definitions with Go and Rust names and typed fields, resources with
//! scope, verbs and subresources); [`naming`] turns Go and JSON names into Rust ones; [`emit`] turns the model
//! into the api crate's Rust source (phase 2a: the group/versions of [`emit::GENERATED`]). [`read_dir`],
//! [`differences`] and [`write()`] are the only functions that touch the file system. The design, and what is built
//! so far, is `docs/api-generation.md`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod emit;
mod error;
mod files;
pub mod ir;
pub mod naming;
mod overrides;
pub mod sample;
pub mod spec;
mod summary;

pub use error::{Error, Problem};
pub use files::{differences, read_dir, repository_root, vendored_spec_dir, write, Difference};
pub use overrides::{Overrides, OVERRIDES_FILE};
pub use summary::summary;
