//! One `components.schemas` entry read into a closed model: every key is known, every combination of keys is a
//! shape the generator maps to Rust, and anything else is an [`Error`] naming where it is.
//!
//! The shapes are the ones Kubernetes' OpenAPI v3 builder writes for Go types: a struct is `type: object` with
//! `properties`; a field is a scalar `type` (with `format` for sized numbers and bytes, `enum` for listed strings),
//! an `array` with `items`, an `object` with `additionalProperties` (a Go map), or a reference, written as
//! `allOf: [{$ref}]` when it carries a `default` and as a bare `$ref` in `items` and map values.

use serde_json::Value;

use super::node::Node;
use crate::error::{Error, Problem};

/// A definition: a schema of `components.schemas`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// What the definition is.
    pub body: Body,
    /// `x-kubernetes-group-version-kind`: the kinds this definition is served as (a top-level object, a list, an
    /// options type); empty for nested types.
    pub gvks: Vec<Gvk>,
    /// `x-kubernetes-map-type` of the whole struct (`atomic`: replaced as one value by apply).
    pub map_type: Option<MapType>,
    /// `x-kubernetes-unions`: members of which at most one is set, and the field naming it.
    pub unions: Vec<Union>,
}

/// The shape of a definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A Go struct: `type: object` with `properties` (in key order) and the `required` names.
    Object {
        /// The fields, sorted by JSON name (the documents' key order).
        properties: Vec<Property>,
        /// Names of required fields; each is one of `properties`.
        required: Vec<String>,
    },
    /// `type: object` with no properties: any JSON object (`FieldsV1`, `RawExtension`, `Patch`).
    FreeForm,
    /// `type: string, format: date-time` (`Time`, `MicroTime`).
    DateTime,
    /// `oneOf` scalar alternatives (`Quantity`: string or number; `IntOrString`: integer or string).
    OneOf(Vec<Scalar>),
    /// The empty schema: any JSON value (apiextensions `JSON`, `JSONSchemaPropsOr*`).
    Any,
}

/// A scalar JSON type, as a `oneOf` alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
}

/// A group-version-kind, as `x-kubernetes-group-version-kind` spells it (`group` is `""` for core).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gvk {
    /// The API group, `""` for the core group.
    pub group: String,
    /// The version, e.g. `v1`.
    pub version: String,
    /// The kind, e.g. `Pod`.
    pub kind: String,
}

/// One `x-kubernetes-unions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Union {
    /// The field that says which member is set, if the union has one.
    pub discriminator: Option<String>,
    /// Member field name to the discriminator value that selects it.
    pub members: Vec<(String, String)>,
}

/// A property of a struct definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The JSON name.
    pub name: String,
    /// Its type.
    pub shape: Shape,
    /// `default`: Go's zero value for value fields (`""`, `0`, `false`, `{}`), or a server default.
    pub default: Option<Value>,
    /// The merge facts for strategic merge patch and server-side apply.
    pub merge: MergeFacts,
}

/// The `x-kubernetes-*` facts of a property that strategic merge patch and server-side apply read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeFacts {
    /// `x-kubernetes-list-type`.
    pub list_type: Option<ListType>,
    /// `x-kubernetes-list-map-keys` (only with `list_type: map`).
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-patch-strategy`, split at commas.
    pub patch_strategy: Vec<PatchStrategy>,
    /// `x-kubernetes-patch-merge-key`.
    pub patch_merge_key: Option<String>,
    /// `x-kubernetes-map-type`.
    pub map_type: Option<MapType>,
}

/// `x-kubernetes-list-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// Replaced as a whole.
    Atomic,
    /// Items are unique scalars, merged as a set.
    Set,
    /// Items are objects merged by `list_map_keys`.
    Map,
}

/// `x-kubernetes-map-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapType {
    /// Replaced as a whole.
    Atomic,
    /// Merged key by key.
    Granular,
}

/// One word of `x-kubernetes-patch-strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchStrategy {
    /// `merge`: lists merged by the merge key.
    Merge,
    /// `retainKeys`: keys absent from the patch are cleared.
    RetainKeys,
    /// `replace`: replaced as a whole.
    Replace,
}

/// The type of a property, list item or map value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `type: string`, optionally `format: byte` (base64) and `enum` values.
    String {
        /// `format: byte`: base64 of raw bytes.
        bytes: bool,
        /// The `enum` values, in document order; empty when the string is free.
        enum_values: Vec<String>,
    },
    /// `type: integer`, `format: int32`.
    Int32,
    /// `type: integer`, `format: int64`.
    Int64,
    /// `type: number`, `format: double`.
    Double,
    /// `type: boolean`.
    Boolean,
    /// `type: array` with `items`.
    Array(Box<Shape>),
    /// `type: object` with `additionalProperties`: a map with string keys.
    Map(Box<Shape>),
    /// A reference to a definition of the same document, by its `components.schemas` name.
    Ref(String),
}

const REF_PREFIX: &str = "#/components/schemas/";

/// Keys that give a property's shape (the rest of a property's keys are facts about it).
const SHAPE_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "items",
    "additionalProperties",
    "$ref",
    "allOf",
];
/// Keys of a property: its shape, `default` and the merge extensions. `description` is Kubernetes' prose,
/// stripped from the vendored documents and ignored if present.
const PROPERTY_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "items",
    "additionalProperties",
    "$ref",
    "allOf",
    "default",
    "description",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-map-type",
];
/// Keys of a list item or map value schema.
const NESTED_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "items",
    "additionalProperties",
    "$ref",
    "allOf",
    "description",
];
const DEFINITION_KEYS: &[&str] = &[
    "type",
    "format",
    "properties",
    "required",
    "oneOf",
    "description",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-map-type",
    "x-kubernetes-unions",
];

/// Reads a definition.
pub(crate) fn parse_definition(node: Node<'_>) -> Result<Schema, Error> {
    let map = node.object(DEFINITION_KEYS)?;
    let ty = node.with_child("type", |n| n.str().map(str::to_owned))?;
    let body = if map.contains_key("oneOf") {
        if let Some(key) = ["type", "properties", "required"]
            .into_iter()
            .find(|k| map.contains_key(*k))
        {
            return Err(node.error_at(key, Problem::UnexpectedKey(key.to_owned())));
        }
        node.with_child("format", |n| match n.str()? {
            "int-or-string" => Ok(()),
            other => Err(n.error(Problem::UnknownValue(format!("format {other:?}")))),
        })?;
        Body::OneOf(node.with_required("oneOf", parse_one_of)?)
    } else {
        match ty.as_deref() {
            Some("object") if map.contains_key("properties") => parse_object(node)?,
            Some("object") => {
                forbid(node, &["required", "format"])?;
                Body::FreeForm
            }
            Some("string") => {
                forbid(node, &["properties", "required"])?;
                node.with_required("format", |n| match n.str()? {
                    "date-time" => Ok(()),
                    other => Err(n.error(Problem::UnknownValue(format!(
                        "format {other:?} of a string definition"
                    )))),
                })?;
                Body::DateTime
            }
            Some(other) => {
                return Err(node.error_at(
                    "type",
                    Problem::UnknownValue(format!("definition type {other:?}")),
                ))
            }
            None if map.keys().all(|k| k == "description") => Body::Any,
            None => return Err(node.error(Problem::UnsupportedShape("a definition with keys but no type"))),
        }
    };
    Ok(Schema {
        body,
        gvks: node
            .with_child("x-kubernetes-group-version-kind", parse_gvks)?
            .unwrap_or_default(),
        map_type: node.with_child("x-kubernetes-map-type", parse_map_type)?,
        unions: node
            .with_child("x-kubernetes-unions", parse_unions)?
            .unwrap_or_default(),
    })
}

fn forbid(node: Node<'_>, keys: &[&str]) -> Result<(), Error> {
    match keys.iter().find(|k| node.value.get(**k).is_some()) {
        Some(key) => Err(node.error_at(key, Problem::UnexpectedKey((*key).to_owned()))),
        None => Ok(()),
    }
}

fn parse_object(node: Node<'_>) -> Result<Body, Error> {
    forbid(node, &["format"])?;
    let mut properties = Vec::new();
    node.with_required("properties", |props| {
        props.each_member(|name, prop| {
            properties.push(parse_property(name, prop)?);
            Ok(())
        })
    })?;
    let required = node.with_child("required", |n| n.strings())?.unwrap_or_default();
    for (i, name) in required.iter().enumerate() {
        if !properties.iter().any(|p| &p.name == name) {
            let at = format!("{}/{i}", node.child_pointer("required"));
            return Err(Error::new(
                node.file,
                &at,
                Problem::Inconsistent(format!("required {name:?} is no property")),
            ));
        }
    }
    Ok(Body::Object { properties, required })
}

fn parse_one_of(node: Node<'_>) -> Result<Vec<Scalar>, Error> {
    let mut out = Vec::new();
    node.each_item(|alt| {
        alt.object(&["type"])?;
        out.push(alt.with_required("type", |t| match t.str()? {
            "string" => Ok(Scalar::String),
            "integer" => Ok(Scalar::Integer),
            "number" => Ok(Scalar::Number),
            other => Err(t.error(Problem::UnknownValue(format!("oneOf type {other:?}")))),
        })?);
        Ok(())
    })?;
    Ok(out)
}

fn parse_gvks(node: Node<'_>) -> Result<Vec<Gvk>, Error> {
    let mut out = Vec::new();
    node.each_item(|item| {
        out.push(parse_gvk(item)?);
        Ok(())
    })?;
    Ok(out)
}

/// Reads one `{group, kind, version}` object.
pub(crate) fn parse_gvk(node: Node<'_>) -> Result<Gvk, Error> {
    node.object(&["group", "kind", "version"])?;
    let field = |key: &'static str| node.with_required(key, |n| n.str().map(str::to_owned));
    Ok(Gvk {
        group: field("group")?,
        version: field("version")?,
        kind: field("kind")?,
    })
}

fn parse_unions(node: Node<'_>) -> Result<Vec<Union>, Error> {
    let mut out = Vec::new();
    node.each_item(|item| {
        item.object(&["discriminator", "fields-to-discriminateBy"])?;
        let mut members = Vec::new();
        item.with_required("fields-to-discriminateBy", |fields| {
            fields.each_member(|name, value| {
                members.push((name.to_owned(), value.str()?.to_owned()));
                Ok(())
            })
        })?;
        let discriminator = item.with_child("discriminator", |n| n.str().map(str::to_owned))?;
        out.push(Union {
            discriminator,
            members,
        });
        Ok(())
    })?;
    Ok(out)
}

fn parse_property(name: &str, node: Node<'_>) -> Result<Property, Error> {
    node.object(PROPERTY_KEYS)?;
    let merge = MergeFacts {
        list_type: node.with_child("x-kubernetes-list-type", |n| match n.str()? {
            "atomic" => Ok(ListType::Atomic),
            "set" => Ok(ListType::Set),
            "map" => Ok(ListType::Map),
            other => Err(n.error(Problem::UnknownValue(format!("list type {other:?}")))),
        })?,
        list_map_keys: node
            .with_child("x-kubernetes-list-map-keys", |n| n.strings())?
            .unwrap_or_default(),
        patch_strategy: node
            .with_child("x-kubernetes-patch-strategy", parse_patch_strategy)?
            .unwrap_or_default(),
        patch_merge_key: node.with_child("x-kubernetes-patch-merge-key", |n| n.str().map(str::to_owned))?,
        map_type: node.with_child("x-kubernetes-map-type", parse_map_type)?,
    };
    if !merge.list_map_keys.is_empty() && merge.list_type != Some(ListType::Map) {
        return Err(node.error_at(
            "x-kubernetes-list-map-keys",
            Problem::Inconsistent("list map keys on a list whose list type is not map".to_owned()),
        ));
    }
    Ok(Property {
        name: name.to_owned(),
        shape: parse_shape(node)?,
        default: node.value.get("default").cloned(),
        merge,
    })
}

fn parse_patch_strategy(node: Node<'_>) -> Result<Vec<PatchStrategy>, Error> {
    node.str()?
        .split(',')
        .map(|word| match word {
            "merge" => Ok(PatchStrategy::Merge),
            "retainKeys" => Ok(PatchStrategy::RetainKeys),
            "replace" => Ok(PatchStrategy::Replace),
            other => Err(node.error(Problem::UnknownValue(format!("patch strategy {other:?}")))),
        })
        .collect()
}

fn parse_map_type(node: Node<'_>) -> Result<MapType, Error> {
    match node.str()? {
        "atomic" => Ok(MapType::Atomic),
        "granular" => Ok(MapType::Granular),
        other => Err(node.error(Problem::UnknownValue(format!("map type {other:?}")))),
    }
}

/// The shape of a property or nested schema (its keys other than the shape keys are checked by the caller).
fn parse_shape(node: Node<'_>) -> Result<Shape, Error> {
    let present: Vec<&str> = SHAPE_KEYS
        .iter()
        .copied()
        .filter(|k| node.value.get(*k).is_some())
        .collect();
    let only = |allowed: &[&str]| match present.iter().find(|k| !allowed.contains(k)) {
        Some(key) => Err(node.error_at(key, Problem::UnexpectedKey((*key).to_owned()))),
        None => Ok(()),
    };
    if present.contains(&"$ref") {
        only(&["$ref"])?;
        return node.with_required("$ref", ref_target).map(Shape::Ref);
    }
    if present.contains(&"allOf") {
        only(&["allOf"])?;
        return node.with_required("allOf", |all| {
            let mut members = Vec::new();
            all.each_item(|member| {
                member.object(&["$ref"])?;
                members.push(member.with_required("$ref", ref_target)?);
                Ok(())
            })?;
            match <[String; 1]>::try_from(members) {
                Ok([target]) => Ok(Shape::Ref(target)),
                Err(_) => Err(all.error(Problem::UnsupportedShape("allOf with other than one member"))),
            }
        });
    }
    let Some(ty) = node.with_child("type", |n| n.str().map(str::to_owned))? else {
        return Err(node.error(Problem::UnsupportedShape("no type, $ref or allOf")));
    };
    match ty.as_str() {
        "string" => {
            only(&["type", "format", "enum"])?;
            let bytes = node
                .with_child("format", |n| match n.str()? {
                    "byte" => Ok(true),
                    other => Err(n.error(Problem::UnknownValue(format!("string format {other:?}")))),
                })?
                .unwrap_or(false);
            let enum_values = node.with_child("enum", |n| n.strings())?.unwrap_or_default();
            Ok(Shape::String { bytes, enum_values })
        }
        "integer" => {
            only(&["type", "format"])?;
            node.with_required("format", |n| match n.str()? {
                "int32" => Ok(Shape::Int32),
                "int64" => Ok(Shape::Int64),
                other => Err(n.error(Problem::UnknownValue(format!("integer format {other:?}")))),
            })
        }
        "number" => {
            only(&["type", "format"])?;
            node.with_required("format", |n| match n.str()? {
                "double" => Ok(Shape::Double),
                other => Err(n.error(Problem::UnknownValue(format!("number format {other:?}")))),
            })
        }
        "boolean" => {
            only(&["type"])?;
            Ok(Shape::Boolean)
        }
        "array" => {
            only(&["type", "items"])?;
            node.with_required("items", nested)
                .map(|s| Shape::Array(Box::new(s)))
        }
        "object" => {
            only(&["type", "additionalProperties"])?;
            if !present.contains(&"additionalProperties") {
                return Err(node.error(Problem::UnsupportedShape(
                    "an inline object without additionalProperties",
                )));
            }
            node.with_required("additionalProperties", nested)
                .map(|s| Shape::Map(Box::new(s)))
        }
        other => Err(node.error_at("type", Problem::UnknownValue(format!("type {other:?}")))),
    }
}

fn nested(node: Node<'_>) -> Result<Shape, Error> {
    node.object(NESTED_KEYS)?;
    parse_shape(node)
}

/// The definition name a `$ref` string points to (whether it exists is checked for the whole document).
fn ref_target(node: Node<'_>) -> Result<String, Error> {
    let target = node.str()?;
    target
        .strip_prefix(REF_PREFIX)
        .map(str::to_owned)
        .ok_or_else(|| node.error(Problem::DanglingRef(target.to_owned())))
}
