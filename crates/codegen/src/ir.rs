//! The generator's model of the API: every definition with its Go and Rust names, home group/version and typed
//! fields, and every resource with its scope, verbs and subresources. Built from a [`Spec`] by [`build`]; the
//! emitters (later phases) read only this.

mod resources;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::error::{pointer_child, Error, Problem};
use crate::naming::{self, NameError};
use crate::spec::{self, Body, Gvk, MapType, MergeFacts, Scalar, Shape, Spec, Union};

pub use resources::{Resource, Scope, Subresource, Verb};

/// The model of every group/version of a spec.
#[derive(Debug, Clone)]
pub struct Ir {
    /// The group/versions the documents serve, in document order.
    pub group_versions: Vec<GroupVersion>,
    /// Every definition by its spec name (`io.k8s.api.core.v1.Pod`).
    pub definitions: BTreeMap<String, Definition>,
    /// Every resource, ordered by group/version (document order), then plural.
    pub resources: Vec<Resource>,
}

/// An API group and version (`group` is `""` for the core group).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupVersion {
    /// The group, `""` for core.
    pub group: String,
    /// The version.
    pub version: String,
}

impl GroupVersion {
    /// The Rust module of the group (`core`, `apps`, `rbac`...): see [`naming::module_name`].
    pub fn module(&self) -> &str {
        naming::module_name(&self.group)
    }
}

impl fmt::Display for GroupVersion {
    /// `core/v1`, `apps/v1`, `rbac.authorization.k8s.io/v1`: the module spelling for core, so it is never a bare version.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.group.is_empty() {
            "core"
        } else {
            &self.group
        };
        write!(f, "{group}/{}", self.version)
    }
}

/// Where a definition's Rust type lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Home {
    /// A built-in group/version: generated into `crates/api/src/<module>/<version>/`.
    Api(GroupVersion),
    /// An `io.k8s.apimachinery` type (`ObjectMeta`, `Time`, `Quantity`...): hand-written in apimachinery, never
    /// generated.
    Apimachinery,
}

/// A definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The spec name, `io.k8s.api.core.v1.Pod`.
    pub name: String,
    /// Where its Rust type lives.
    pub home: Home,
    /// The Go package, `k8s.io/api/core/v1`.
    pub go_package: String,
    /// The Go type name, `HTTPGetAction`.
    pub go_name: String,
    /// The Rust type name, `HttpGetAction`.
    pub rust_name: String,
    /// What it is.
    pub kind: DefinitionKind,
    /// The group-version-kinds it is served as (merged over the documents).
    pub gvks: Vec<Gvk>,
    /// `x-kubernetes-map-type` of the whole struct.
    pub map_type: Option<MapType>,
    /// `x-kubernetes-unions`.
    pub unions: Vec<Union>,
    /// The documents holding it.
    pub files: Vec<String>,
}

/// What a definition is.
#[derive(Debug, Clone, PartialEq)]
pub enum DefinitionKind {
    /// A struct with fields in JSON name order.
    Struct(Vec<Field>),
    /// Any JSON object (`FieldsV1`, `RawExtension`).
    FreeForm,
    /// An RFC 3339 time (`Time`, `MicroTime`).
    DateTime,
    /// One of several scalars (`Quantity`, `IntOrString`).
    OneOf(Vec<Scalar>),
    /// Any JSON value.
    Any,
}

/// A field of a struct definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON name, `podIPs`.
    pub json_name: String,
    /// The Rust name, `pod_ips`.
    pub rust_name: String,
    /// Its type.
    pub ty: Ty,
    /// Whether the spec lists it in `required`.
    pub required: bool,
    /// Its `default`, if any (Go's zero value of a value field, or a server default).
    pub default: Option<Value>,
    /// The strategic merge patch and server-side apply facts.
    pub merge: MergeFacts,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    String,
    /// Base64 text of raw bytes (`format: byte`).
    Bytes,
    /// A string with listed values (in spec order; other values are kept by the generated type).
    Enum(Vec<String>),
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer.
    I64,
    /// A double.
    F64,
    /// A boolean.
    Bool,
    /// A list.
    List(Box<Ty>),
    /// A map with string keys.
    Map(Box<Ty>),
    /// A definition, by spec name.
    Def(String),
}

impl From<&Shape> for Ty {
    fn from(shape: &Shape) -> Self {
        match shape {
            Shape::String { bytes: true, .. } => Ty::Bytes,
            Shape::String { enum_values, .. } if !enum_values.is_empty() => Ty::Enum(enum_values.clone()),
            Shape::String { .. } => Ty::String,
            Shape::Int32 => Ty::I32,
            Shape::Int64 => Ty::I64,
            Shape::Double => Ty::F64,
            Shape::Boolean => Ty::Bool,
            Shape::Array(item) => Ty::List(Box::new(Ty::from(&**item))),
            Shape::Map(value) => Ty::Map(Box::new(Ty::from(&**value))),
            Shape::Ref(name) => Ty::Def(name.clone()),
        }
    }
}

impl Definition {
    /// The fields of a struct definition; empty for the others.
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            DefinitionKind::Struct(fields) => fields,
            _ => &[],
        }
    }
}

/// Spec name prefixes and the Go module path they stand for.
const GO_MODULES: &[(&str, &str)] = &[
    ("io.k8s.api.", "k8s.io/api/"),
    ("io.k8s.apimachinery.", "k8s.io/apimachinery/"),
    (
        "io.k8s.apiextensions-apiserver.",
        "k8s.io/apiextensions-apiserver/",
    ),
    ("io.k8s.kube-aggregator.", "k8s.io/kube-aggregator/"),
];

/// Builds the model.
///
/// # Errors
/// The first definition or path the model cannot place, with its file and JSON pointer: a name outside the known
/// Go modules or with no group/version document, a name that cannot become Rust or collides in its struct or
/// module, a path of unknown layout, a resource whose facts disagree.
pub fn build(spec: &Spec) -> Result<Ir, Error> {
    let group_versions: Vec<GroupVersion> = spec
        .documents
        .iter()
        .map(|d| GroupVersion {
            group: d.group.clone(),
            version: d.version.clone(),
        })
        .collect();
    let mut modules: BTreeMap<&str, Vec<&GroupVersion>> = BTreeMap::new();
    for gv in &group_versions {
        modules.entry(gv.module()).or_default().push(gv);
    }
    if let Some((module, gvs)) = modules
        .iter()
        .find(|(_, gvs)| gvs.iter().any(|a| gvs.iter().any(|b| a.group != b.group)))
    {
        let groups: Vec<&str> = gvs.iter().map(|gv| gv.group.as_str()).collect();
        return Err(Error::new(
            &spec.documents[0].file,
            "",
            Problem::Inconsistent(format!("groups {groups:?} would share the Rust module {module}")),
        ));
    }
    let mut definitions = BTreeMap::new();
    for def in spec.definitions.values() {
        definitions.insert(def.name.clone(), definition(def, &group_versions)?);
    }
    check_modules(spec, &definitions)?;
    let resources = resources::build(spec, &group_versions, &definitions)?;
    Ok(Ir {
        group_versions,
        definitions,
        resources,
    })
}

fn definition(def: &spec::Definition, group_versions: &[GroupVersion]) -> Result<Definition, Error> {
    let file = &def.files[0];
    let at = def.pointer();
    let unplaceable = |why: String| Error::new(file, &at, Problem::UnknownValue(why));
    let (prefix, go_module) = GO_MODULES
        .iter()
        .find(|(prefix, _)| def.name.starts_with(prefix))
        .ok_or_else(|| {
            unplaceable(format!(
                "definition name {:?} outside the known Go modules",
                def.name
            ))
        })?;
    let (package, go_name) = def.name[prefix.len()..]
        .rsplit_once('.')
        .ok_or_else(|| unplaceable(format!("definition name {:?} has no package", def.name)))?;
    if !go_name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Err(Error::new(file, &at, Problem::BadName(go_name.to_owned())));
    }
    let home = if *prefix == "io.k8s.apimachinery." {
        Home::Apimachinery
    } else {
        let (module, version) = package
            .rsplit_once('.')
            .map(|(rest, version)| (rest.rsplit('.').next().unwrap_or(rest), version))
            .ok_or_else(|| unplaceable(format!("package {package:?} has no version")))?;
        let gv = group_versions
            .iter()
            .find(|gv| gv.module() == module && gv.version == version)
            .ok_or_else(|| unplaceable(format!("package {package:?} matches no document's group/version")))?;
        Home::Api(gv.clone())
    };
    let rust_name = naming::type_name(go_name).map_err(|e| name_error(file, &at, e))?;
    let kind = match &def.schema.body {
        Body::Object { properties, required } => {
            DefinitionKind::Struct(fields(file, &at, properties, required)?)
        }
        Body::FreeForm => DefinitionKind::FreeForm,
        Body::DateTime => DefinitionKind::DateTime,
        Body::OneOf(alternatives) => DefinitionKind::OneOf(alternatives.clone()),
        Body::Any => DefinitionKind::Any,
    };
    Ok(Definition {
        name: def.name.clone(),
        home,
        go_package: format!("{go_module}{}", package.replace('.', "/")),
        go_name: go_name.to_owned(),
        rust_name,
        kind,
        gvks: def.schema.gvks.clone(),
        map_type: def.schema.map_type,
        unions: def.schema.unions.clone(),
        files: def.files.clone(),
    })
}

fn fields(
    file: &str,
    at: &str,
    properties: &[spec::Property],
    required: &[String],
) -> Result<Vec<Field>, Error> {
    let props_at = pointer_child(at, "properties");
    let fields = properties
        .iter()
        .map(|p| {
            let rust_name = naming::field_name(&p.name)
                .map_err(|e| name_error(file, &pointer_child(&props_at, &p.name), e))?;
            Ok(Field {
                json_name: p.name.clone(),
                rust_name,
                ty: Ty::from(&p.shape),
                required: required.contains(&p.name),
                default: p.default.clone(),
                merge: p.merge.clone(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    naming::check_unique(
        fields
            .iter()
            .map(|f| (f.json_name.as_str(), f.rust_name.as_str())),
        &[naming::UNKNOWN_FIELDS],
    )
    .map_err(|e| match &e {
        NameError::Collision { second, .. } => name_error(file, &pointer_child(&props_at, second), e),
        NameError::Invalid(_) => name_error(file, &props_at, e),
    })?;
    Ok(fields)
}

/// Checks that the Rust type names of each home (a group/version's module, or apimachinery) are unique.
fn check_modules(spec: &Spec, definitions: &BTreeMap<String, Definition>) -> Result<(), Error> {
    let mut homes: BTreeMap<&Home, Vec<&Definition>> = BTreeMap::new();
    for def in definitions.values() {
        homes.entry(&def.home).or_default().push(def);
    }
    for defs in homes.values() {
        naming::check_unique(defs.iter().map(|d| (d.name.as_str(), d.rust_name.as_str())), &[]).map_err(
            |e| {
                let second = match &e {
                    NameError::Collision { second, .. } => second.as_str(),
                    NameError::Invalid(name) => name.as_str(),
                };
                let def = &spec.definitions[second];
                name_error(&def.files[0], &def.pointer(), e)
            },
        )?;
    }
    Ok(())
}

fn name_error(file: &str, pointer: &str, e: NameError) -> Error {
    let problem = match e {
        NameError::Invalid(name) => Problem::BadName(name),
        NameError::Collision { rust, first, second } => Problem::NameCollision { rust, first, second },
    };
    Error::new(file, pointer, problem)
}
