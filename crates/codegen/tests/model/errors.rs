//! Malformed input gets an error naming the document and the JSON pointer of what is wrong, never a panic or a
//! silent fallthrough. Each case changes one thing in a small valid document.

use clientgo_codegen::{Error, Problem};
use serde_json::{json, Value};

use crate::support::{build, document, widget_schema};

const FILE: &str = "widgets.example.com_v1.json";
const WIDGET: &str = "/components/schemas/io.k8s.api.widgets.v1.Widget";

/// A valid document: a namespaced `widgets` resource with a `Widget` kind.
fn valid() -> Value {
    let op = |action: &str| {
        json!({
            "operationId": "op",
            "responses": {"200": {"content": {"application/json": {"schema":
                {"$ref": "#/components/schemas/io.k8s.api.widgets.v1.Widget"}}}}},
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {"group": "widgets.example.com", "kind": "Widget", "version": "v1"},
        })
    };
    let mut widget = widget_schema(json!({
        "apiVersion": {"type": "string"},
        "count": {"type": "integer", "format": "int32", "default": 0},
        "part": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.widgets.v1.Part"}], "default": {}},
        "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
    }));
    widget["x-kubernetes-group-version-kind"] =
        json!([{"group": "widgets.example.com", "kind": "Widget", "version": "v1"}]);
    document(
        json!({
            "io.k8s.api.widgets.v1.Widget": widget,
            "io.k8s.api.widgets.v1.Part": widget_schema(json!({"size": {"type": "string", "enum": ["L", "S"]}})),
        }),
        json!({
            "/apis/widgets.example.com/v1/": {"get": {"operationId": "resources", "responses": {}}},
            "/apis/widgets.example.com/v1/namespaces/{namespace}/widgets": {"get": op("list"), "post": op("post")},
            "/apis/widgets.example.com/v1/namespaces/{namespace}/widgets/{name}": {"get": op("get")},
        }),
    )
}

fn error_of(doc: Value) -> Error {
    let Err(e) = build(&[(FILE, doc)]) else {
        panic!("the document was accepted");
    };
    e
}

/// Checks the error's file and pointer, and that its text names both.
fn assert_at(e: &Error, file: &str, pointer: &str) {
    assert_eq!((e.file(), e.pointer()), (file, pointer), "{e}");
    assert!(e.to_string().starts_with(&format!("{file}#{pointer}: ")), "{e}");
}

#[test]
fn the_valid_document_builds() {
    let ir = build(&[(FILE, valid())]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ir.definitions.len(), 2);
    let widgets = &ir.resources[..];
    assert_eq!(widgets.len(), 1);
    assert_eq!(widgets[0].plural, "widgets");
    assert_eq!(
        widgets[0].verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        ["create", "get", "list"]
    );
}

/// A property schema, where below the property the error points, and the problem expected.
type Case = (Value, &'static str, fn(&Problem) -> bool);

#[test]
fn a_property_of_unknown_shape_is_an_error_at_its_pointer() {
    let cases: [Case; 6] = [
        (json!({"type": "object"}), "", |p| {
            matches!(p, Problem::UnsupportedShape(_))
        }),
        (
            json!({"type": "string", "nullable": true}),
            "/nullable",
            |p| matches!(p, Problem::UnexpectedKey(k) if k == "nullable"),
        ),
        (json!({"type": "integer"}), "", |p| {
            matches!(p, Problem::MissingKey("format"))
        }),
        (json!({"type": "uuid"}), "/type", |p| {
            matches!(p, Problem::UnknownValue(_))
        }),
        (json!({"items": {"type": "string"}}), "", |p| {
            matches!(p, Problem::UnsupportedShape(_))
        }),
        (
            json!({"allOf": [{"$ref": "#/components/schemas/io.k8s.api.widgets.v1.Part"},
                             {"$ref": "#/components/schemas/io.k8s.api.widgets.v1.Part"}]}),
            "/allOf",
            |p| matches!(p, Problem::UnsupportedShape(_)),
        ),
    ];
    for (shape, below, is_expected) in cases {
        let mut doc = valid();
        doc["components"]["schemas"]["io.k8s.api.widgets.v1.Widget"]["properties"]["odd"] = shape.clone();
        let e = error_of(doc);
        assert_at(&e, FILE, &format!("{WIDGET}/properties/odd{below}"));
        assert!(is_expected(e.problem()), "{shape}: {e}");
    }
}

#[test]
fn an_unknown_key_on_a_definition_or_operation_is_an_error() {
    let mut doc = valid();
    doc["components"]["schemas"]["io.k8s.api.widgets.v1.Part"]["additionalProperties"] = json!(false);
    assert_at(
        &error_of(doc),
        FILE,
        "/components/schemas/io.k8s.api.widgets.v1.Part/additionalProperties",
    );

    let mut doc = valid();
    doc["paths"]["/apis/widgets.example.com/v1/namespaces/{namespace}/widgets"]["get"]["deprecated"] =
        json!(true);
    assert_at(
        &error_of(doc),
        FILE,
        "/paths/~1apis~1widgets.example.com~1v1~1namespaces~1{namespace}~1widgets/get/deprecated",
    );
}

#[test]
fn a_dangling_ref_is_an_error_at_the_ref() {
    let mut doc = valid();
    doc["components"]["schemas"]["io.k8s.api.widgets.v1.Widget"]["properties"]["part"]["allOf"][0]["$ref"] =
        json!("#/components/schemas/io.k8s.api.widgets.v1.Missing");
    let e = error_of(doc);
    assert_at(&e, FILE, &format!("{WIDGET}/properties/part/allOf/0/$ref"));
    assert!(
        matches!(e.problem(), Problem::DanglingRef(t) if t.ends_with("widgets.v1.Missing")),
        "{e}"
    );
    assert!(e.to_string().contains("names no schema of this document"), "{e}");

    // In a response schema too, not only in definitions.
    let mut doc = valid();
    doc["paths"]["/apis/widgets.example.com/v1/namespaces/{namespace}/widgets/{name}"]["get"]["responses"]
        ["200"]["content"]["application/json"]["schema"]["$ref"] = json!("#/components/schemas/Nope");
    assert_at(
        &error_of(doc),
        FILE,
        "/paths/~1apis~1widgets.example.com~1v1~1namespaces~1{namespace}~1widgets~1{name}/get/responses/200/content/application~1json/schema/$ref",
    );
}

#[test]
fn a_file_that_is_not_json_is_an_error_naming_it() {
    let files: [(&str, &[u8]); 1] = [(FILE, b"{\"openapi\": ")];
    let e = clientgo_codegen::spec::load(files).expect_err("not JSON");
    assert_at(&e, FILE, "");
    assert!(matches!(e.problem(), Problem::Json(_)));
    assert!(
        std::error::Error::source(&e).is_some(),
        "the JSON error is the source"
    );
}

#[test]
fn copies_of_a_definition_that_differ_are_an_error_naming_both_files() {
    let mut other = valid();
    other["paths"] = json!({});
    other["components"]["schemas"]["io.k8s.api.widgets.v1.Part"]["properties"]["size"]["enum"] =
        json!(["L", "M", "S"]);
    let Err(e) = build(&[(FILE, valid()), ("gadgets.example.com_v1.json", other)]) else {
        panic!("accepted");
    };
    assert_at(
        &e,
        "gadgets.example.com_v1.json",
        "/components/schemas/io.k8s.api.widgets.v1.Part",
    );
    assert!(
        matches!(e.problem(), Problem::DiffersFrom { first_file } if first_file == FILE),
        "{e}"
    );
}

#[test]
fn names_that_collide_after_conversion_are_an_error() {
    let mut doc = valid();
    doc["components"]["schemas"]["io.k8s.api.widgets.v1.Part"]["properties"]["size_"] =
        json!({"type": "string"});
    doc["components"]["schemas"]["io.k8s.api.widgets.v1.Part"]["properties"]["sIZE"] =
        json!({"type": "string"});
    let e = error_of(doc);
    // `sIZE` (s IZE) is `s_ize`; `size_` is `size`, as is `size`: the second in key order is named.
    assert_at(
        &e,
        FILE,
        "/components/schemas/io.k8s.api.widgets.v1.Part/properties/size_",
    );
    assert!(
        matches!(e.problem(), Problem::NameCollision { rust, .. } if rust == "size"),
        "{e}"
    );

    let mut doc = valid();
    doc["components"]["schemas"]["io.k8s.api.widgets.v1.Part"]["properties"]["unknownFields"] =
        json!({"type": "string"});
    let e = error_of(doc);
    assert!(
        matches!(e.problem(), Problem::NameCollision { first, .. } if first == "unknown_fields"),
        "{e}"
    );

    let mut doc = valid();
    let part = doc["components"]["schemas"]["io.k8s.api.widgets.v1.Part"].clone();
    doc["components"]["schemas"]["io.k8s.api.widgets.v1.PART"] = part;
    let e = error_of(doc);
    assert_at(&e, FILE, "/components/schemas/io.k8s.api.widgets.v1.Part");
    assert!(
        matches!(e.problem(), Problem::NameCollision { rust, .. } if rust == "Part"),
        "{e}"
    );
}

#[test]
fn definitions_and_paths_that_cannot_be_placed_are_errors() {
    let mut doc = valid();
    doc["components"]["schemas"]["com.example.Gizmo"] = widget_schema(json!({}));
    let e = error_of(doc);
    assert_at(&e, FILE, "/components/schemas/com.example.Gizmo");
    assert!(matches!(e.problem(), Problem::UnknownValue(_)), "{e}");

    let mut doc = valid();
    doc["paths"]["/apis/widgets.example.com/v1/widgets/{name}/status/extra/deep"] = json!({});
    let e = error_of(doc);
    assert_at(
        &e,
        FILE,
        "/paths/~1apis~1widgets.example.com~1v1~1widgets~1{name}~1status~1extra~1deep",
    );
    assert!(matches!(e.problem(), Problem::UnexpectedPath(_)), "{e}");

    let mut doc = valid();
    doc["paths"]["/apis/gadgets.example.com/v1/gadgets"] = json!({});
    let e = error_of(doc);
    assert!(
        e.to_string().contains("not under /apis/widgets.example.com/v1/"),
        "{e}"
    );
}

#[test]
fn a_resource_whose_operations_name_two_kinds_is_an_error() {
    let mut doc = valid();
    doc["paths"]["/apis/widgets.example.com/v1/namespaces/{namespace}/widgets/{name}"]["get"]
        ["x-kubernetes-group-version-kind"]["kind"] = json!("Part");
    let e = error_of(doc);
    assert_at(
        &e,
        FILE,
        "/paths/~1apis~1widgets.example.com~1v1~1namespaces~1{namespace}~1widgets~1{name}/get",
    );
    assert!(matches!(e.problem(), Problem::Inconsistent(_)), "{e}");
}
