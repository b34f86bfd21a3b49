//! clientgo's API generator: reads the Kubernetes OpenAPI v3 documents vendored in
//! `crates/api/openapi/v1.36.2/` into a checked model of every definition and resource.
//!
//! Three sans-IO stages, each its own module: [`spec`] parses and merges the documents, accepting only the keys and
//! shapes it knows (anything else is an [`Error`] naming the file and JSON pointer, never a silent fallthrough);
//! [`ir`] builds the model the emitters read (definitions with Go and Rust names and typed fields, resources with
//! scope, verbs and subresources); [`naming`] turns Go and JSON names into Rust ones. [`read_dir`] is the one
//! function that touches the file system. The design, and what is built so far, is `docs/api-generation.md`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod error;
pub mod ir;
pub mod naming;
pub mod spec;
mod summary;

use std::path::{Path, PathBuf};

pub use error::{Error, Problem};
pub use summary::summary;

/// The directory of the vendored documents this generator is written against.
pub fn vendored_spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/openapi/v1.36.2")
}

/// Reads every `*.json` file of `dir` as (file name, bytes), sorted by name, for [`spec::load`].
///
/// # Errors
/// The directory or a file cannot be read, or a file name is not UTF-8.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is no UTF-8 name", path.display()),
                )
            })?;
            files.push((name.to_owned(), std::fs::read(&path)?));
        }
    }
    files.sort();
    Ok(files)
}
