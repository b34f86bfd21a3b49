//! What the tests share: the vendored spec loaded once, fixture transcripts, and small documents built in memory.

use std::path::Path;
use std::sync::OnceLock;

use clientgo_codegen::ir::{self, Ir};
use clientgo_codegen::spec::{self, Spec};
use clientgo_codegen::Error;
use serde_json::{json, Value};

/// The vendored documents, loaded and merged.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let files = clientgo_codegen::read_dir(&clientgo_codegen::vendored_spec_dir())
            .expect("vendored spec readable");
        assert_eq!(files.len(), 22, "the vendored spec has 22 documents");
        spec::load(files.iter().map(|(n, b)| (n.as_str(), b.as_slice()))).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The model of the vendored documents.
pub fn ir() -> &'static Ir {
    static IR: OnceLock<Ir> = OnceLock::new();
    IR.get_or_init(|| ir::build(spec()).unwrap_or_else(|e| panic!("{e}")))
}

/// A recorded exchange of `fixtures/real-apiserver/<file>`: the JSON body of the first response to `request`
/// (`GET /api/v1`), as the transcript's `################ TIME METHOD PATH` header names it.
pub fn recorded_response(file: &str, request: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/real-apiserver")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = format!(" {request}\n");
    let start = text
        .split_inclusive('\n')
        .scan(0, |offset, line| {
            let at = *offset;
            *offset += line.len();
            Some((at, line))
        })
        .find(|(_, line)| line.starts_with("################ ") && line.ends_with(&header))
        .map(|(at, line)| at + line.len())
        .unwrap_or_else(|| panic!("{file} records no {request}"));
    let section = &text[start..];
    let section = &section[..section
        .find("\n################ ")
        .map_or(section.len(), |end| end + 1)];
    let response = &section[section.find("---- response\n").expect("a response")..];
    let body = response
        .find("\r\n\r\n")
        .map(|i| &response[i + 4..])
        .unwrap_or_else(|| panic!("{file}: the response to {request} has no body"));
    serde_json::from_str(body.trim()).unwrap_or_else(|e| panic!("{file}: body of {request}: {e}"))
}

/// Loads documents given as JSON values and builds the model: for error tests.
pub fn build(documents: &[(&str, Value)]) -> Result<Ir, Error> {
    let bytes: Vec<(&str, Vec<u8>)> = documents
        .iter()
        .map(|(name, doc)| (*name, serde_json::to_vec(doc).expect("JSON")))
        .collect();
    let spec = spec::load(bytes.iter().map(|(n, b)| (*n, b.as_slice())))?;
    ir::build(&spec)
}

/// A minimal document of group/version `widgets.example.com/v1` (file `widgets.example.com_v1.json`) with the
/// given schemas and paths.
pub fn document(schemas: Value, paths: Value) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "1.36"},
        "components": {"schemas": schemas},
        "paths": paths,
    })
}

/// A `widgets.example.com/v1` struct definition with the given properties.
pub fn widget_schema(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}
