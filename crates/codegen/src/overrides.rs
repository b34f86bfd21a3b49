//! `crates/api/codegen/overrides.yaml`: the facts the OpenAPI documents do not carry (docs/api-generation.md,
//! section 9), parsed and checked against the model. Built so far: `null_when_unset`. The other sections of the
//! design (kept docs, enum names, field selectors, `manual_debug`, method names) come with their first users.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::error::{Error, Problem};
use crate::ir::{Home, Ir};

/// Where the overrides file is, relative to the repository root.
pub const OVERRIDES_FILE: &str = "crates/api/codegen/overrides.yaml";

/// The parsed, checked overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Fields written as `null` when unset, as (definition spec name, JSON field name).
    pub null_when_unset: BTreeSet<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    null_when_unset: Vec<String>,
}

impl Overrides {
    /// Parses the YAML text of the overrides file and resolves every entry against `ir`.
    ///
    /// # Errors
    /// Text that is not the expected YAML (an unknown section included), or an entry that names no field of
    /// the spec, with the entry's JSON pointer in the file (`/null_when_unset/0`).
    pub fn parse(text: &str, ir: &Ir) -> Result<Self, Error> {
        let file: File =
            serde_yaml::from_str(text).map_err(|e| Error::new(OVERRIDES_FILE, "", Problem::Yaml(e)))?;
        let mut null_when_unset = BTreeSet::new();
        for (i, entry) in file.null_when_unset.iter().enumerate() {
            let at = format!("/null_when_unset/{i}");
            null_when_unset.insert(resolve_field(ir, entry).map_err(|why| {
                Error::new(
                    OVERRIDES_FILE,
                    &at,
                    Problem::UnknownValue(format!("{entry:?}: {why}")),
                )
            })?);
        }
        Ok(Overrides { null_when_unset })
    }
}

/// `apiextensions/v1.CustomResourceDefinitionStatus.conditions` to (definition spec name, JSON field name).
fn resolve_field(ir: &Ir, entry: &str) -> Result<(String, String), String> {
    let (gv, rest) = entry
        .split_once('.')
        .ok_or("expected <module>/<version>.<GoType>.<jsonField>")?;
    let (module, version) = gv
        .split_once('/')
        .ok_or("expected <module>/<version> before the first dot")?;
    let (go_name, field) = rest
        .split_once('.')
        .ok_or("expected <GoType>.<jsonField> after the group/version")?;
    let def = ir
        .definitions
        .values()
        .find(|d| {
            matches!(&d.home, Home::Api(gv) if gv.module() == module && gv.version == version)
                && d.go_name == go_name
        })
        .ok_or_else(|| format!("no definition {go_name} in {module}/{version}"))?;
    if !def.fields().iter().any(|f| f.json_name == field) {
        return Err(format!("{go_name} has no field {field:?}"));
    }
    Ok((def.name.clone(), field.to_owned()))
}
