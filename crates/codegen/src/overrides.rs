//! `crates/api/codegen/overrides.yaml`: the facts the OpenAPI documents do not carry (docs/api-generation.md,
//! section 9), parsed and checked against the model. Built so far: `null_when_unset` and `enum_names`. The other
//! sections of the design (kept docs, field selectors, `manual_debug`, method names) come with their first users.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::error::{pointer_child, Error, Problem};
use crate::ir::Ty;
use crate::ir::{Home, Ir};

/// Where the overrides file is, relative to the repository root.
pub const OVERRIDES_FILE: &str = "crates/api/codegen/overrides.yaml";

/// The parsed, checked overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Fields written as `null` when unset, as (definition spec name, JSON field name).
    pub null_when_unset: BTreeSet<(String, String)>,
    /// Go's name of the string type of an enum field, by (definition spec name, JSON field name).
    pub enum_names: BTreeMap<(String, String), String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    null_when_unset: Vec<String>,
    #[serde(default)]
    enum_names: BTreeMap<String, String>,
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
        let mut enum_names = BTreeMap::new();
        for (entry, name) in &file.enum_names {
            let at = pointer_child("/enum_names", entry);
            let wrong = |why: String| {
                Error::new(
                    OVERRIDES_FILE,
                    &at,
                    Problem::UnknownValue(format!("{entry:?}: {why}")),
                )
            };
            let field = resolve_field(ir, entry).map_err(wrong)?;
            let ty = ir.definitions[&field.0]
                .fields()
                .iter()
                .find(|f| f.json_name == field.1)
                .map(|f| &f.ty);
            if !ty.is_some_and(has_listed_values) {
                return Err(wrong("not a field with listed values".to_owned()));
            }
            if crate::naming::type_name(name).ok().as_deref() != Some(name.as_str()) {
                return Err(wrong(format!("{name:?} is not an UpperCamel type name")));
            }
            enum_names.insert(field, name.clone());
        }
        Ok(Overrides {
            null_when_unset,
            enum_names,
        })
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

/// Whether a field of type `ty` holds strings with listed values (itself, or as list items or map values).
fn has_listed_values(ty: &Ty) -> bool {
    match ty {
        Ty::Enum(_) => true,
        Ty::List(inner) | Ty::Map(inner) => has_listed_values(inner),
        _ => false,
    }
}
