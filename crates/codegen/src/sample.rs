//! Fully populated sample values of any definition, read off the model: what the round-trip tests decode and
//! encode (docs/api-generation.md, section 12).
//!
//! Every property is set, to a value of its type that no presence rule leaves out (no empty string, no zero, no
//! `false`): strings `"s-<field>"`, the first listed value of an enum, whole-second RFC 3339 times, six-digit
//! micro times, base64 bytes, a quantity, both forms of int-or-string (chosen by the field name), one item per list
//! and one entry per map. A recursive definition is expanded twice along a path, then left out.

use serde_json::{json, Map, Value};

use crate::ir::{DefinitionKind, Ir, Ty};

/// What a sample holds beyond the fields the model knows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extras {
    /// Add [`UNKNOWN_KEY`] with [`unknown_value`] to every object of a struct definition, at every depth.
    pub unknown_fields: bool,
    /// Give every enum field [`UNKNOWN_ENUM_VALUE`] instead of its first listed value.
    pub unknown_enum_values: bool,
}

impl Extras {
    /// Only the fields the model knows.
    pub fn none() -> Self {
        Extras::default()
    }

    /// With an unknown field in every struct object.
    #[must_use]
    pub fn with_unknown_fields(mut self) -> Self {
        self.unknown_fields = true;
        self
    }

    /// With an unlisted value in every enum field.
    #[must_use]
    pub fn with_unknown_enum_values(mut self) -> Self {
        self.unknown_enum_values = true;
        self
    }
}

/// The key of the unknown field [`Extras::unknown_fields`] adds.
pub const UNKNOWN_KEY: &str = "zz-unknown";

/// The enum value [`Extras::unknown_enum_values`] uses.
pub const UNKNOWN_ENUM_VALUE: &str = "ZzNotListed";

/// The value of the unknown field [`Extras::unknown_fields`] adds: an object holding a list of mixed scalars, so
/// that a decoder keeping it has to keep a whole subtree.
pub fn unknown_value() -> Value {
    json!({"a": [1, "x", null, 2.5]})
}

/// A fully populated sample of definition `name` (a spec name), or `None` when the model has no such
/// definition.
pub fn sample(ir: &Ir, name: &str, extras: Extras) -> Option<Value> {
    ir.definitions.get(name)?;
    let mut path = Vec::new();
    Some(
        Walk { ir, extras }
            .definition(name, "value", &mut path)
            .unwrap_or(Value::Null),
    )
}

struct Walk<'a> {
    ir: &'a Ir,
    extras: Extras,
}

impl Walk<'_> {
    fn value(&self, ty: &Ty, field: &str, path: &mut Vec<String>) -> Option<Value> {
        Some(match ty {
            Ty::String => Value::String(format!("s-{field}")),
            Ty::Bytes => Value::String("aGVsbG8=".to_owned()),
            Ty::Enum(_) if self.extras.unknown_enum_values => Value::String(UNKNOWN_ENUM_VALUE.to_owned()),
            Ty::Enum(values) => Value::String(values.first().cloned().unwrap_or_default()),
            Ty::I32 => json!(7),
            Ty::I64 => json!(1_099_511_627_776_i64),
            Ty::F64 => json!(1.5),
            Ty::Bool => json!(true),
            Ty::List(item) => Value::Array(vec![self.value(item, field, path)?]),
            Ty::Map(value) => {
                let mut map = Map::new();
                map.insert(format!("k-{field}"), self.value(value, field, path)?);
                Value::Object(map)
            }
            Ty::Def(name) => return self.definition(name, field, path),
        })
    }

    fn definition(&self, name: &str, field: &str, path: &mut Vec<String>) -> Option<Value> {
        let def = self.ir.definitions.get(name)?;
        Some(match &def.kind {
            DefinitionKind::DateTime if def.go_name == "MicroTime" => json!("2026-01-02T03:04:05.123456Z"),
            DefinitionKind::DateTime => json!("2026-01-02T03:04:05Z"),
            DefinitionKind::OneOf(_) if def.go_name == "Quantity" => json!("1500m"),
            DefinitionKind::OneOf(_) if field.len().is_multiple_of(2) => json!(8080),
            DefinitionKind::OneOf(_) => json!("25%"),
            DefinitionKind::FreeForm | DefinitionKind::Any => json!({"free": ["form", 1, {"nested": true}]}),
            DefinitionKind::Struct(fields) => {
                if path.iter().filter(|p| *p == name).count() >= 2 {
                    return None;
                }
                path.push(name.to_owned());
                let mut map = Map::new();
                for f in fields {
                    if let Some(value) = self.value(&f.ty, &f.json_name, path) {
                        map.insert(f.json_name.clone(), value);
                    }
                }
                path.pop();
                if self.extras.unknown_fields {
                    map.insert(UNKNOWN_KEY.to_owned(), unknown_value());
                }
                Value::Object(map)
            }
        })
    }
}
