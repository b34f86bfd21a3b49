//! Enums (docs/api-generation.md, section 7): every distinct value set of a group/version becomes one
//! `string_enum!` newtype, named after the field that carries it.
//!
//! Naming: the field name in UpperCamel (singular for a list: `usages` -> `Usage`) when that value set is the only
//! one under that field name in the group/version (`preemptionPolicy` -> `PreemptionPolicy`), otherwise the struct's name and the field's
//! (`PodStatusPhase`). A value set used by several fields is one type, named after its first use (definitions by
//! spec name, fields by JSON name), unless the overrides' `enum_names` gives Go's name for one of its fields. The names are checked against each other and the group/version's types.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::writer::{doc, wrap_doc};
use crate::error::{pointer_child, Error};
use crate::ir::{Definition, GroupVersion, Home, Ir, Ty};
use crate::naming::{self, NameError};
use crate::overrides::Overrides;
use crate::spec::definition_pointer;

/// One enum type.
#[derive(Debug)]
struct EnumType {
    name: String,
    /// Whether `name` is Go's, from the overrides' `enum_names`.
    go_name: bool,
    values: Vec<String>,
    consts: Vec<String>,
    /// Where it is used, as `Struct.field` (Go names).
    uses: Vec<String>,
}

/// The enum types of one group/version.
#[derive(Debug, Default)]
pub struct Enums {
    types: Vec<EnumType>,
    /// (definition spec name, JSON field name) to the index in `types`.
    by_field: BTreeMap<(String, String), usize>,
}

impl Enums {
    /// Whether the group/version has no enum.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The type names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.types.iter().map(|t| t.name.clone()).collect();
        names.sort();
        names
    }

    /// The enum type of field `json` of definition `def` (spec name), if that field is an enum of this
    /// group/version.
    pub fn name_of(&self, (def, json): (&str, &str)) -> Option<&str> {
        let index = self.by_field.get(&(def.to_owned(), json.to_owned()))?;
        Some(&self.types[*index].name)
    }
}

/// The value set of an enum field (a string, or a list or map of strings, with listed values).
fn enum_values(ty: &Ty) -> Option<&Vec<String>> {
    match ty {
        Ty::Enum(values) => Some(values),
        Ty::List(inner) | Ty::Map(inner) => enum_values(inner),
        _ => None,
    }
}

/// Collects and names the enum types of `gv`.
///
/// # Errors
/// A value that cannot become a constant name, or a type name that two value sets, or a value set and a
/// definition, would share.
pub fn collect(ir: &Ir, overrides: &Overrides, gv: &GroupVersion) -> Result<Enums, Error> {
    let defs: Vec<&Definition> = ir
        .definitions
        .values()
        .filter(|d| d.home == Home::Api(gv.clone()))
        .collect();
    // Value sets per field name, to decide between the short and the long name.
    let mut sets_per_field: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for def in &defs {
        for field in def.fields() {
            if let Some(values) = enum_values(&field.ty) {
                let sets = sets_per_field.entry(field.json_name.as_str()).or_default();
                let set = sorted(values);
                if !sets.contains(&set) {
                    sets.push(set);
                }
            }
        }
    }
    // Go's names from the overrides, by value set: any field of the set may carry the entry.
    let mut go_names: BTreeMap<Vec<String>, &String> = BTreeMap::new();
    for def in &defs {
        for field in def.fields() {
            let key = (def.name.clone(), field.json_name.clone());
            if let (Some(values), Some(name)) = (enum_values(&field.ty), overrides.enum_names.get(&key)) {
                if let Some(other) = go_names
                    .insert(sorted(values), name)
                    .filter(|other| *other != name)
                {
                    let at = pointer_child(
                        &pointer_child(&definition_pointer(&def.name), "properties"),
                        &field.json_name,
                    );
                    let why = format!("enum_names gives one value set the names {other} and {name}");
                    return Err(Error::new(
                        &def.files[0],
                        &at,
                        crate::error::Problem::Inconsistent(why),
                    ));
                }
            }
        }
    }
    let mut enums = Enums::default();
    let mut by_set: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for def in &defs {
        for field in def.fields() {
            let Some(values) = enum_values(&field.ty) else {
                continue;
            };
            let at = pointer_child(
                &pointer_child(&definition_pointer(&def.name), "properties"),
                &field.json_name,
            );
            let bad = |e: NameError| super::name_error(&def.files[0], &at, e);
            let index = match by_set.get(&sorted(values)) {
                Some(index) => *index,
                None => {
                    let mut field_type = naming::type_name(&field.json_name).map_err(bad)?;
                    // A list names one value: `usages` holds `Usage`s (Go's `KeyUsage`).
                    if matches!(field.ty, Ty::List(_))
                        && field_type.ends_with('s')
                        && !field_type.ends_with("ss")
                    {
                        field_type.pop();
                    }
                    let go_name = go_names.get(&sorted(values));
                    let name = match go_name {
                        Some(name) => (*name).clone(),
                        None if sets_per_field[field.json_name.as_str()].len() == 1 => field_type,
                        None => format!("{}{field_type}", def.rust_name),
                    };
                    let consts = values
                        .iter()
                        .map(|v| naming::const_name(v))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(bad)?;
                    naming::check_unique(
                        values
                            .iter()
                            .map(String::as_str)
                            .zip(consts.iter().map(String::as_str)),
                        &["KNOWN"],
                    )
                    .map_err(bad)?;
                    enums.types.push(EnumType {
                        name,
                        go_name: go_name.is_some(),
                        values: values.clone(),
                        consts,
                        uses: Vec::new(),
                    });
                    by_set.insert(sorted(values), enums.types.len() - 1);
                    enums.types.len() - 1
                }
            };
            enums.types[index]
                .uses
                .push(format!("{}.{}", def.go_name, field.json_name));
            enums
                .by_field
                .insert((def.name.clone(), field.json_name.clone()), index);
        }
    }
    let mut names: Vec<(String, String)> = defs
        .iter()
        .map(|d| (d.name.clone(), d.rust_name.clone()))
        .collect();
    names.extend(
        enums
            .types
            .iter()
            .map(|t| (format!("the enum of {}", t.uses[0]), t.name.clone())),
    );
    naming::check_unique(names.iter().map(|(s, r)| (s.as_str(), r.as_str())), &[]).map_err(|e| {
        let file = defs.first().map_or("", |d| d.files[0].as_str());
        super::name_error(file, "", e)
    })?;
    Ok(enums)
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut set = values.to_vec();
    set.sort();
    set.dedup();
    set
}

/// `enums.rs` of a group/version.
pub fn emit(gv: &GroupVersion, enums: &Enums) -> String {
    let mut out = super::header(&super::document(gv));
    out.push_str("\nuse clientgo_apimachinery::string_enum;\n");
    let mut types: Vec<&EnumType> = enums.types.iter().collect();
    types.sort_by(|a, b| a.name.cmp(&b.name));
    for t in types {
        let uses: Vec<String> = t.uses.iter().map(|u| format!("`{u}`")).collect();
        let listed: Vec<String> = t.values.iter().map(|v| format!("`{v}`")).collect();
        out.push_str("\nstring_enum! {\n");
        wrap_doc(
            &mut out,
            "    ",
            &format!("The values of {} in {gv}: {}.", list(&uses), list(&listed)),
        );
        doc(&mut out, "    ", "");
        let go = if t.go_name {
            format!(
                "Mirrors Go `{}.{}`, a string type with constants",
                go_package(gv),
                t.name
            )
        } else {
            "Go declares such a field with a named string type and constants (the spec does not name it)"
                .to_owned()
        };
        wrap_doc(
            &mut out,
            "    ",
            &format!(
                "{go}; as there, a value this version does not list is kept as sent, never an error. Compare with \
                 `==` or match on `as_str()`: the constants cannot be patterns."
            ),
        );
        if t.go_name {
            let _ = writeln!(out, "    #[doc(alias = \"{}.{}\")]", gv.version, t.name);
        }
        let _ = writeln!(out, "    pub struct {} {{", t.name);
        for (value, name) in t.values.iter().zip(&t.consts) {
            doc(&mut out, "        ", &format!("`{value}`."));
            let _ = writeln!(out, "        {name} = {value:?},");
        }
        out.push_str("    }\n}\n");
    }
    out
}

/// The Go package of a group/version's types, `k8s.io/api/admissionregistration/v1`.
fn go_package(gv: &GroupVersion) -> String {
    let module = if gv.group.is_empty() { "core" } else { gv.module() };
    format!("k8s.io/api/{module}/{}", gv.version)
}

/// `a`, `a and b`, `a, b and c`.
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
