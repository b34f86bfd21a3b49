//! The emitter: Rust source for the definitions of chosen group/versions, written into the api crate's tree.
//!
//! Sans-IO, like the rest of the crate: [`generate`] reads the [`Ir`] and returns every file as text, keyed by
//! its path relative to the repository root; the binary writes them and the `up_to_date` test compares them.
//! The text is emitted already formatted as `cargo fmt` (the repository's `rustfmt.toml`) leaves it, rather
//! than piped through rustfmt: the output then does not depend on which rustfmt is installed (or whether one is),
//! and `cargo fmt --check` in CI fails if the two ever disagree (docs/api-generation.md, risk 5).
//!
//! What one group/version becomes (docs/api-generation.md, sections 2-4 and 7):
//! - one file per struct definition (`rbac/v1/cluster_role.rs`) holding the struct, its `wire_struct!` line per
//!   field, and for a kind its `resource!` and its `XxxList` alias;
//! - `enums.rs` with one `string_enum!` per distinct value set (section 7);
//! - `mod.rs` re-exporting them, and the group's `mod.rs` declaring its versions;
//! - `crates/api/tests/generated/mod.rs`: the table the round-trip test walks (every generated definition).

mod docs;
mod enums;
mod modules;
mod structs;
mod types;
mod writer;

use std::collections::BTreeMap;

use crate::error::{Error, Problem};
use crate::ir::{GroupVersion, Home, Ir};
use crate::overrides::Overrides;

use types::Resolver;

/// The group/versions generated today, as `group/version` (`""` for core). Phase 2a of docs/api-generation.md:
/// the group/versions that reference no core/v1 type and have no hand-written types, added one by one.
pub const GENERATED: &[(&str, &str)] = &[
    ("admissionregistration.k8s.io", "v1"),
    ("apiextensions.k8s.io", "v1"),
    ("apiregistration.k8s.io", "v1"),
    ("authentication.k8s.io", "v1"),
    ("authorization.k8s.io", "v1"),
    ("autoscaling", "v1"),
    ("autoscaling", "v2"),
    ("certificates.k8s.io", "v1"),
    ("flowcontrol.apiserver.k8s.io", "v1"),
    ("policy", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("scheduling.k8s.io", "v1"),
];

/// Where the api crate's sources are, relative to the repository root.
pub const API_SRC: &str = "crates/api/src";

/// Where the generated table of the api crate's round-trip test is, relative to the repository root.
pub const API_TEST_TABLE: &str = "crates/api/tests/generated/mod.rs";

/// The group/versions of [`GENERATED`], as the model names them.
pub fn generated_group_versions() -> Vec<GroupVersion> {
    GENERATED
        .iter()
        .map(|(group, version)| GroupVersion {
            group: (*group).to_owned(),
            version: (*version).to_owned(),
        })
        .collect()
}

/// Every generated file for the group/versions `gvs`, with the facts of `overrides`, as (path relative to the repository root, text).
///
/// # Errors
/// A group/version the model does not have, or a definition the emitter cannot write: a reference to a type
/// that is neither generated in `gvs` nor mapped to apimachinery, a definition shape with no Rust form in a
/// group/version, enum names that collide with each other or with a type, a kind whose metadata fields are not
/// `apiVersion`, `kind` and `metadata`. Each names the file and JSON pointer of the definition.
pub fn generate(
    ir: &Ir,
    overrides: &Overrides,
    gvs: &[GroupVersion],
) -> Result<BTreeMap<String, String>, Error> {
    let mut files = BTreeMap::new();
    let mut table = Vec::new();
    for gv in gvs {
        if !ir.group_versions.contains(gv) {
            let why = format!("group/version {gv} to generate, which no document serves");
            return Err(Error::new("", "", Problem::UnknownValue(why)));
        }
        let resolver = Resolver::new(ir, gv, gvs);
        let enums = enums::collect(ir, overrides, gv)?;
        let dir = format!("{API_SRC}/{}/{}", gv.module(), gv.version);
        let mut exports = Vec::new();
        for def in ir
            .definitions
            .values()
            .filter(|d| d.home == Home::Api(gv.clone()))
        {
            if let Some(file) = structs::emit(ir, overrides, def, &resolver, &enums)? {
                table.push((def.name.clone(), format!("{}::{}", gv_path(gv), def.rust_name)));
                files.insert(format!("{dir}/{}.rs", file.module), file.text);
                exports.push((file.module, file.exports));
            }
        }
        if !enums.is_empty() {
            files.insert(format!("{dir}/enums.rs"), enums::emit(gv, &enums));
            exports.push(("enums".to_owned(), enums.names()));
        }
        exports.sort();
        files.insert(format!("{dir}/mod.rs"), modules::version_mod(gv, &exports));
    }
    let mut groups: BTreeMap<&str, Vec<&GroupVersion>> = BTreeMap::new();
    for gv in gvs {
        groups.entry(gv.module()).or_default().push(gv);
    }
    for (module, versions) in groups {
        files.insert(
            format!("{API_SRC}/{module}/mod.rs"),
            modules::group_mod(&versions),
        );
    }
    files.insert(API_TEST_TABLE.to_owned(), modules::test_table(&table));
    Ok(files)
}

fn name_error(file: &str, pointer: &str, e: crate::naming::NameError) -> Error {
    let problem = match e {
        crate::naming::NameError::Invalid(name) => Problem::BadName(name),
        crate::naming::NameError::Collision { rust, first, second } => {
            Problem::NameCollision { rust, first, second }
        }
    };
    Error::new(file, pointer, problem)
}

/// The path of a group/version's module from the crate root, `rbac::v1`.
fn gv_path(gv: &GroupVersion) -> String {
    format!("{}::{}", gv.module(), gv.version)
}

/// The header every generated file starts with.
fn header(source: &str) -> String {
    format!(
        "// @generated by clientgo-codegen from {source}.\n\
         // Do not edit: change the spec, crates/codegen, or the list of generated group/versions, then run\n\
         // `cargo run -p clientgo-codegen -- regenerate`.\n"
    )
}

/// The vendored document of a group/version, as the headers name it.
fn document(gv: &GroupVersion) -> String {
    let group = if gv.group.is_empty() { "api" } else { &gv.group };
    format!("crates/api/openapi/v1.36.2/{group}_{}.json", gv.version)
}
