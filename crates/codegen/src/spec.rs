//! Loading the OpenAPI v3 documents (one per group/version) and merging them into one [`Spec`].
//!
//! Sans-IO: [`load`] takes file names and bytes. Each document is self-contained, so definitions shared by several
//! group/versions (`ObjectMeta`, core/v1 types referenced by apps/v1...) appear in several documents; the copies
//! must be identical, except for the `x-kubernetes-group-version-kind` list, which names the document's own group
//! for the options types every group serves (`DeleteOptions`, `WatchEvent`) and is merged. Every `$ref` anywhere
//! in a document must name a schema of that document.

mod node;
mod paths;
mod schema;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{pointer_child, Error, Problem};
use node::Node;

pub use paths::{Action, Method, Operation, PathItem};
pub use schema::{
    Body, Gvk, ListType, MapType, MergeFacts, PatchStrategy, Property, Scalar, Schema, Shape, Union,
};

const GVK_KEY: &str = "x-kubernetes-group-version-kind";

/// Every document, merged.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The documents, in the order given.
    pub documents: Vec<Document>,
    /// Every definition by its `components.schemas` name (`io.k8s.api.core.v1.Pod`).
    pub definitions: BTreeMap<String, Definition>,
    /// Every path of every document, document by document.
    pub paths: Vec<PathItem>,
}

/// One document: the group/version it serves, from its file name (`apps_v1.json`, `api_v1.json` for core).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The file name.
    pub file: String,
    /// The API group, `""` for core.
    pub group: String,
    /// The version.
    pub version: String,
}

/// A definition after merging its copies.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The `components.schemas` name.
    pub name: String,
    /// The schema (with the merged group-version-kind list).
    pub schema: Schema,
    /// The documents holding a copy, in load order; errors about the definition point into the first.
    pub files: Vec<String>,
    /// Whether the copies' group-version-kind lists differed (and were merged).
    pub gvks_merged: bool,
}

impl Definition {
    /// The JSON pointer of this definition in its first document.
    pub fn pointer(&self) -> String {
        definition_pointer(&self.name)
    }
}

/// The JSON pointer of definition `name` in a document.
pub(crate) fn definition_pointer(name: &str) -> String {
    pointer_child("/components/schemas", name)
}

/// Parses and merges documents given as (file name, bytes).
///
/// # Errors
/// The first problem found, with its file and JSON pointer: a document that is not JSON, a key or shape the
/// generator does not know, a dangling `$ref`, copies of a definition that differ, two documents for one
/// group/version.
pub fn load<'a>(documents: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<Spec, Error> {
    let mut spec = Spec {
        documents: Vec::new(),
        definitions: BTreeMap::new(),
        paths: Vec::new(),
    };
    let mut raw: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for (file, bytes) in documents {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| Error::new(file, "", Problem::Json(e)))?;
        let root = Node::root(file, &value);
        let document = read_document(root)?;
        if let Some(other) = spec
            .documents
            .iter()
            .find(|d| d.group == document.group && d.version == document.version)
        {
            return Err(root.error(Problem::Inconsistent(format!(
                "serves the group/version of {}",
                other.file
            ))));
        }
        spec.documents.push(document);
        check_refs(root)?;
        root.with_required("components", |components| {
            components.object(&["schemas", "securitySchemes"])?;
            components.with_required("schemas", |schemas| {
                schemas.each_member(|name, node| merge(&mut spec.definitions, &mut raw, name, node))
            })
        })?;
        spec.paths
            .extend(root.with_required("paths", paths::parse_paths)?);
    }
    Ok(spec)
}

/// Checks the document's top level and reads its group/version from the file name.
fn read_document(root: Node<'_>) -> Result<Document, Error> {
    root.object(&["openapi", "info", "paths", "components"])?;
    root.with_required("openapi", |n| match n.str()? {
        v if v.starts_with("3.") => Ok(()),
        other => Err(n.error(Problem::UnknownValue(format!("OpenAPI version {other:?}")))),
    })?;
    let file = root.file;
    let (group, version) = file
        .strip_suffix(".json")
        .and_then(|stem| stem.rsplit_once('_'))
        .filter(|(group, version)| !group.is_empty() && !version.is_empty())
        .ok_or_else(|| {
            root.error(Problem::UnknownValue(format!(
                "file name {file:?} (expected <group>_<version>.json)"
            )))
        })?;
    let group = if group == "api" { "" } else { group };
    Ok(Document {
        file: file.to_owned(),
        group: group.to_owned(),
        version: version.to_owned(),
    })
}

/// Adds one copy of a definition, or checks it against the copy already read.
fn merge(
    definitions: &mut BTreeMap<String, Definition>,
    raw: &mut BTreeMap<String, (String, Value)>,
    name: &str,
    node: Node<'_>,
) -> Result<(), Error> {
    let schema = schema::parse_definition(node)?;
    let Some(existing) = definitions.get_mut(name) else {
        raw.insert(name.to_owned(), (node.file.to_owned(), without_gvks(node.value)));
        definitions.insert(
            name.to_owned(),
            Definition {
                name: name.to_owned(),
                schema,
                files: vec![node.file.to_owned()],
                gvks_merged: false,
            },
        );
        return Ok(());
    };
    let (first_file, first) = &raw[name];
    if *first != without_gvks(node.value) {
        return Err(node.error(Problem::DiffersFrom {
            first_file: first_file.clone(),
        }));
    }
    existing.files.push(node.file.to_owned());
    let ours = &mut existing.schema.gvks;
    if ours.len() != schema.gvks.len() || schema.gvks.iter().any(|g| !ours.contains(g)) {
        existing.gvks_merged = true;
    }
    for gvk in schema.gvks {
        if !ours.contains(&gvk) {
            ours.push(gvk);
        }
    }
    Ok(())
}

fn without_gvks(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(map) = value.as_object_mut() {
        map.remove(GVK_KEY);
    }
    value
}

/// Checks that every `$ref` in the document names one of its `components.schemas`.
///
/// The members of `properties` and `schemas` maps are names, not keywords (`JSONSchemaProps` has a property
/// called `$ref`), so a `$ref` key counts only where a schema's keywords are.
fn check_refs(root: Node<'_>) -> Result<(), Error> {
    let schemas = root
        .value
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let exists = |target: &str| {
        target
            .strip_prefix("#/components/schemas/")
            .is_some_and(|name| schemas.is_some_and(|s| s.contains_key(name)))
    };
    walk_refs(root.value, root.pointer(), root.file, false, &exists)
}

fn walk_refs(
    value: &Value,
    pointer: &str,
    file: &str,
    names: bool,
    exists: &dyn Fn(&str) -> bool,
) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let at = pointer_child(pointer, key);
                if key == "$ref" && !names {
                    let target = child
                        .as_str()
                        .ok_or_else(|| Error::new(file, &at, Problem::WrongType("a string")))?;
                    if !exists(target) {
                        return Err(Error::new(file, &at, Problem::DanglingRef(target.to_owned())));
                    }
                } else {
                    let child_names = !names && (key == "properties" || key == "schemas");
                    walk_refs(child, &at, file, child_names, exists)?;
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk_refs(
                    child,
                    &pointer_child(pointer, &i.to_string()),
                    file,
                    false,
                    exists,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}
