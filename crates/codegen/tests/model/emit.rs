//! The emitter on small documents: the presence rules of section 3, enum naming, and its errors (a reference
//! nothing generates, names that collide), each naming the document and JSON pointer.

use clientgo_codegen::emit;
use clientgo_codegen::ir::{GroupVersion, Ir};
use clientgo_codegen::{Overrides, Problem, OVERRIDES_FILE};
use serde_json::{json, Value};

use crate::support::{build, document, widget_schema};

const FILE: &str = "widgets.example.com_v1.json";

fn widgets() -> GroupVersion {
    GroupVersion {
        group: "widgets.example.com".into(),
        version: "v1".into(),
    }
}

fn model(schemas: Value) -> Ir {
    build(&[(FILE, document(schemas, json!({})))]).unwrap_or_else(|e| panic!("{e}"))
}

fn generated_file(schemas: Value, file: &str) -> String {
    let files = emit::generate(&model(schemas), &Overrides::default(), &[widgets()])
        .unwrap_or_else(|e| panic!("{e}"));
    let path = format!("crates/api/src/widgets/v1/{file}");
    files
        .get(&path)
        .unwrap_or_else(|| panic!("no {path} in {:?}", files.keys()))
        .clone()
}

/// Section 3's table: required is a plain value always written; a zero default a plain value left out when
/// zero; `default: {}` on a struct always written; lists and maps left out when empty; the rest `Option`.
#[test]
fn presence_follows_required_and_default() {
    let text = generated_file(
        json!({
            "io.k8s.api.widgets.v1.Widget": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "default": ""},
                    "count": {"type": "integer", "format": "int32", "default": 0},
                    "part": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.widgets.v1.Part"}], "default": {}},
                    "spare": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.widgets.v1.Part"}]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "sizes": {"type": "object", "additionalProperties": {"type": "integer", "format": "int64"}},
                    "ratio": {"type": "number", "format": "double"},
                    "port": {"type": "string", "default": "TCP"},
                },
            },
            "io.k8s.api.widgets.v1.Part": widget_schema(json!({"size": {"type": "string"}})),
        }),
        "widget.rs",
    );
    for line in [
        "    pub name: SharedStr,",
        "    pub count: i32,",
        "    pub part: Part,",
        "    pub spare: Option<Part>,",
        "    pub tags: Vec<SharedStr>,",
        "    pub labels: StringMap,",
        "    pub sizes: SortedMap<i64>,",
        "    pub ratio: Option<f64>,",
        "    pub port: Option<SharedStr>,",
        "    \"name\" => name: req,",
        "    \"count\" => count: omit,",
        "    \"part\" => part: req,",
        "    \"spare\" => spare: opt,",
        "    \"tags\" => tags: list,",
        "    \"labels\" => labels: map,",
        "    /// `port`: optional string; the server sets `\"TCP\"` when it is unset.",
        "#[derive(Debug, Clone, Default, PartialEq)]",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
}

/// One type per value set: the field name when it is the only set under that name, the struct's name before it
/// otherwise; a set used twice is one type.
#[test]
fn enums_are_named_after_their_field() {
    let size = |values: &[&str]| json!({"type": "string", "enum": values});
    let text = generated_file(
        json!({
            "io.k8s.api.widgets.v1.Widget": widget_schema(json!({
                "phase": size(&["Done", "Running"]), "size": size(&["L", "S"]), "other": size(&["S", "L"]),
            })),
            "io.k8s.api.widgets.v1.Gadget": widget_schema(json!({"phase": size(&["Broken"])})),
        }),
        "enums.rs",
    );
    let types: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub struct "))
        .collect();
    // `other` comes before `size` in JSON name order, so the shared set is named after it.
    assert_eq!(types, ["GadgetPhase {", "Other {", "WidgetPhase {"], "{text}");
    assert!(
        text.contains("`Gadget.phase`") && text.contains("`Widget.other` and `Widget.size`"),
        "{text}"
    );
}

/// A reference to a type of a group/version that is not generated names the field and what to do.
#[test]
fn a_reference_to_a_type_not_generated_is_an_error() {
    let ir = build(&[
        (
            FILE,
            document(
                json!({
                    "io.k8s.api.widgets.v1.Widget": widget_schema(json!({
                        "gear": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.gears.v1.Gear"}]},
                    })),
                    "io.k8s.api.gears.v1.Gear": widget_schema(json!({"teeth": {"type": "integer", "format": "int32"}})),
                }),
                json!({}),
            ),
        ),
        ("gears_v1.json", document(json!({"io.k8s.api.gears.v1.Gear": widget_schema(json!({"teeth": {"type": "integer", "format": "int32"}}))}), json!({}))),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let e = emit::generate(&ir, &Overrides::default(), &[widgets()]).unwrap_err();
    assert_eq!(
        (e.file(), e.pointer()),
        (
            FILE,
            "/components/schemas/io.k8s.api.widgets.v1.Widget/properties/gear"
        )
    );
    assert!(e.to_string().contains("gears/v1, which is not generated"), "{e}");
}

/// An enum whose name is taken by a definition is a collision naming both.
#[test]
fn an_enum_named_like_a_type_is_a_collision() {
    let ir = model(json!({
        "io.k8s.api.widgets.v1.Widget": widget_schema(json!({"size": {"type": "string", "enum": ["L"]}})),
        "io.k8s.api.widgets.v1.Size": widget_schema(json!({"value": {"type": "string"}})),
    }));
    let e = emit::generate(&ir, &Overrides::default(), &[widgets()]).unwrap_err();
    assert!(
        matches!(e.problem(), Problem::NameCollision { rust, .. } if rust == "Size"),
        "{e}"
    );
}

/// `null_when_unset` makes a list always written, `null` when empty; an entry naming no field, or a section the
/// generator does not know, is an error naming the file and the entry.
#[test]
fn overrides_name_real_fields_and_make_null_fields() {
    let ir = model(json!({
        "io.k8s.api.widgets.v1.Widget": widget_schema(json!({"conditions": {"type": "array", "items": {"type": "string"}}})),
    }));
    let overrides = Overrides::parse("null_when_unset:\n  - widgets/v1.Widget.conditions\n", &ir).unwrap();
    let files = emit::generate(&ir, &overrides, &[widgets()]).unwrap();
    let text = &files["crates/api/src/widgets/v1/widget.rs"];
    assert!(text.contains("    pub conditions: Vec<SharedStr>,\n"), "{text}");
    assert!(
        text.contains("    \"conditions\" => conditions: null,\n"),
        "{text}"
    );

    let e = Overrides::parse(
        "null_when_unset:\n  - widgets/v1.Widget.conditions\n  - widgets/v1.Widget.nope\n",
        &ir,
    )
    .unwrap_err();
    assert_eq!((e.file(), e.pointer()), (OVERRIDES_FILE, "/null_when_unset/1"));
    assert!(e.to_string().contains("Widget has no field \"nope\""), "{e}");
    let e = Overrides::parse("null_when_unsett: []\n", &ir).unwrap_err();
    assert!(matches!(e.problem(), Problem::Yaml(_)), "{e}");
}

/// `enum_names` gives a value set Go's name (and a doc alias), whichever of its fields carries the entry; an
/// entry on a field without listed values, or a name that is not a Rust type name, is an error.
#[test]
fn enum_names_give_value_sets_their_go_names() {
    let ir = model(json!({
        "io.k8s.api.widgets.v1.Widget": widget_schema(json!({
            "size": {"type": "string", "enum": ["L", "S"]},
            "tags": {"type": "array", "items": {"type": "string"}},
        })),
        "io.k8s.api.widgets.v1.Gadget": widget_schema(json!({"size": {"type": "string", "enum": ["S", "L"]}})),
    }));
    let overrides = Overrides::parse("enum_names:\n  widgets/v1.Widget.size: SizeClass\n", &ir).unwrap();
    let files = emit::generate(&ir, &overrides, &[widgets()]).unwrap();
    let enums = &files["crates/api/src/widgets/v1/enums.rs"];
    assert!(
        enums.contains("    #[doc(alias = \"v1.SizeClass\")]\n    pub struct SizeClass {\n"),
        "{enums}"
    );
    assert!(files["crates/api/src/widgets/v1/gadget.rs"].contains("    pub size: Option<SizeClass>,\n"));

    let e = Overrides::parse("enum_names:\n  widgets/v1.Widget.tags: Tag\n", &ir).unwrap_err();
    assert_eq!(
        (e.file(), e.pointer()),
        (OVERRIDES_FILE, "/enum_names/widgets~1v1.Widget.tags")
    );
    assert!(e.to_string().contains("not a field with listed values"), "{e}");
    let e = Overrides::parse("enum_names:\n  widgets/v1.Widget.size: size_class\n", &ir).unwrap_err();
    assert!(e.to_string().contains("not an UpperCamel type name"), "{e}");
}
