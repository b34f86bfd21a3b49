//! One struct definition to one file: the struct, its `wire_struct!`, and for a kind its `resource!` and the
//! alias of its list (docs/api-generation.md, sections 3 and 4).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::enums::Enums;
use super::types::{Imports, Resolver};
use super::writer::{doc, use_line, wrap_doc};
use super::{docs, header};
use crate::error::{pointer_child, Error, Problem};
use crate::ir::{Definition, DefinitionKind, Field, Home, Ir, Resource, Scope, Ty};
use crate::naming;
use crate::overrides::Overrides;
use crate::spec::definition_pointer;

/// A generated file of one definition.
pub struct File {
    /// The module (file stem), `cluster_role`.
    pub module: String,
    /// The names it exports, sorted as rustfmt sorts them.
    pub exports: Vec<String>,
    /// The source text.
    pub text: String,
}

/// How a field is decoded and written: the `wire_struct!` modes (apimachinery's `wire::mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `T`, always written.
    Req,
    /// `T`, left out when it equals the default (Go's `omitempty` on a value).
    Omit,
    /// `Option<T>`, left out when `None`.
    Opt,
    /// `Vec<T>`, left out when empty.
    List,
    /// A map, left out when empty.
    Map,
    /// An `Option` or `Vec` always written, `null` when unset (the overrides' `null_when_unset`).
    Null,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Req => "req",
            Mode::Omit => "omit",
            Mode::Opt => "opt",
            Mode::List => "list",
            Mode::Map => "map",
            Mode::Null => "null",
        }
    }
}

/// A field as it is emitted.
pub struct Plan<'a> {
    /// The field of the model.
    pub field: &'a Field,
    /// Its Rust type.
    pub rust: String,
    /// Its mode.
    pub mode: Mode,
}

/// The presence rules of section 3: a required field or one Go always writes is a plain value; an optional one
/// with a zero default is a plain value left out when zero; lists and maps are left out when empty; everything
/// else is an `Option`. A kind's `apiVersion` and `kind` are plain strings left out when empty, as the hand-written
/// kinds have them (so `resource!`'s constructor can fill them). A field of the overrides' `null_when_unset` is an
/// `Option` (a `Vec` for a list) written as `null` when unset.
fn mode(field: &Field, own_kind: bool, null_when_unset: bool) -> Mode {
    let zero_scalar = |v: &serde_json::Value| {
        matches!(v, serde_json::Value::String(s) if s.is_empty())
            || v.as_i64() == Some(0)
            || v.as_f64() == Some(0.0)
            || v.as_bool() == Some(false)
    };
    let empty_object = |v: &serde_json::Value| v.as_object().is_some_and(serde_json::Map::is_empty);
    if own_kind && matches!(field.json_name.as_str(), "apiVersion" | "kind") && field.ty == Ty::String {
        return Mode::Omit;
    }
    match (&field.ty, &field.default) {
        _ if null_when_unset => Mode::Null,
        _ if field.required => Mode::Req,
        (Ty::List(_), _) => Mode::List,
        (Ty::Map(_), _) => Mode::Map,
        (Ty::Def(_), Some(d)) if empty_object(d) => Mode::Req,
        (_, Some(d)) if zero_scalar(d) => Mode::Omit,
        _ => Mode::Opt,
    }
}

/// The item kind of a `XxxList` definition (`apiVersion`, `items` of one kind, `kind`, `metadata` of `ListMeta`),
/// which becomes `pub type XxxList = List<Xxx>;` in the item's file instead of a struct.
pub fn list_item<'a>(ir: &'a Ir, def: &Definition) -> Option<&'a Definition> {
    let names: Vec<&str> = def.fields().iter().map(|f| f.json_name.as_str()).collect();
    if def.gvks.is_empty()
        || !def.gvks.iter().all(|g| g.kind.ends_with("List"))
        || names != ["apiVersion", "items", "kind", "metadata"]
    {
        return None;
    }
    let fields = def.fields();
    if fields[3].ty != Ty::Def("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta".to_owned()) {
        return None;
    }
    match &fields[1].ty {
        Ty::List(item) => match &**item {
            Ty::Def(name) => ir.definitions.get(name).filter(|item| item.home == def.home),
            _ => None,
        },
        _ => None,
    }
}

/// The file of `def`, or `None` for a definition that has no file of its own (a list, which is an alias in its
/// item's file, or a free-form JSON definition, which is `RawJson` where it is used).
///
/// # Errors
/// A time or one-of definition in a group/version, a reference the resolver cannot place, a kind whose
/// `apiVersion`, `kind` and `metadata` are not the usual ones, or two resources serving one kind.
pub fn emit(
    ir: &Ir,
    overrides: &Overrides,
    def: &Definition,
    resolver: &Resolver<'_>,
    enums: &Enums,
) -> Result<Option<File>, Error> {
    let Home::Api(gv) = &def.home else {
        return Ok(None);
    };
    let file = &def.files[0];
    let at = definition_pointer(&def.name);
    let fields = match &def.kind {
        DefinitionKind::Struct(fields) => fields,
        DefinitionKind::FreeForm | DefinitionKind::Any => return Ok(None),
        DefinitionKind::DateTime | DefinitionKind::OneOf(_) => {
            return Err(Error::new(
                file,
                &at,
                Problem::UnsupportedShape("a time or one-of scalar outside apimachinery"),
            ))
        }
    };
    if list_item(ir, def).is_some() {
        return Ok(None);
    }
    let own_kind = def
        .gvks
        .iter()
        .any(|g| g.group == gv.group && g.version == gv.version);
    let resources: Vec<&Resource> = ir
        .resources
        .iter()
        .filter(|r| r.definition == def.name && &r.gv == gv)
        .collect();
    let resource = match resources.as_slice() {
        [] => None,
        [one] => Some(*one),
        [first, second, ..] => {
            return Err(Error::new(
                file,
                &at,
                Problem::Inconsistent(format!(
                    "served by {} and {}; the emitter writes one resource! per kind",
                    first.plural, second.plural
                )),
            ))
        }
    };
    let list = ir
        .definitions
        .values()
        .find(|other| list_item(ir, other).is_some_and(|item| item.name == def.name));

    let mut imports = Imports::default();
    imports.apimachinery.insert("wire_struct".to_owned());
    imports.apimachinery.insert("UnknownFields".to_owned());
    // A kind writes `apiVersion`, `kind` and `metadata` first, as Go does; the rest in the spec's (JSON name) order.
    let mut ordered: Vec<&Field> = fields.iter().collect();
    if own_kind {
        ordered.sort_by_key(|f| match f.json_name.as_str() {
            "apiVersion" => 0,
            "kind" => 1,
            "metadata" => 2,
            _ => 3,
        });
    }
    let mut plans = Vec::new();
    for field in ordered {
        let field_at = pointer_child(&pointer_child(&at, "properties"), &field.json_name);
        let base = resolver.rust(
            &field.ty,
            (&def.name, &field.json_name),
            enums,
            &mut imports,
            (file, &field_at),
        )?;
        let null = overrides
            .null_when_unset
            .contains(&(def.name.clone(), field.json_name.clone()));
        let mode = mode(field, own_kind, null);
        let base = if resolver.needs_box(&def.name, &field.ty) {
            format!("Box<{base}>")
        } else {
            base
        };
        let rust = if mode == Mode::Opt || (mode == Mode::Null && !matches!(field.ty, Ty::List(_))) {
            format!("Option<{base}>")
        } else {
            base
        };
        plans.push(Plan { field, rust, mode });
    }
    if let Some(r) = resource {
        check_kind_fields(&plans, file, &at, r)?;
    }
    if list.is_some() {
        imports.apimachinery.insert("List".to_owned());
    }
    imports.siblings.remove(&def.rust_name);
    let eq = fields.iter().all(|f| resolver.is_eq(&f.ty));

    let mut out = header(&format!("{},\n// definition {}", super::document(gv), def.name));
    out.push('\n');
    use_line(&mut out, "", "clientgo_apimachinery", &imports.apimachinery);
    let mut local = String::new();
    use_line(&mut local, "", "super", &imports.siblings);
    if imports.byte_string {
        local.push_str("use crate::ByteString;\n");
    }
    if resource.is_some() {
        local.push_str("use crate::macros::resource;\n");
    }
    if !local.is_empty() {
        out.push('\n');
        out.push_str(&local);
    }
    out.push('\n');
    let list_name = list.map(|l| l.rust_name.clone());
    let paragraphs = docs::definition(gv, def, resource, list_name.as_deref());
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            doc(&mut out, "", "");
        }
        wrap_doc(&mut out, "", paragraph);
    }
    let alias = def.go_package.rsplit('/').next().unwrap_or(&def.go_package);
    let _ = writeln!(out, "#[doc(alias = \"{alias}.{}\")]", def.go_name);
    let derives = if eq {
        "Debug, Clone, Default, PartialEq, Eq"
    } else {
        "Debug, Clone, Default, PartialEq"
    };
    let _ = writeln!(out, "#[derive({derives})]");
    let _ = writeln!(out, "pub struct {} {{", def.rust_name);
    for plan in &plans {
        wrap_doc(&mut out, "    ", &docs::field(ir, gv, plan));
        let _ = writeln!(out, "    pub {}: {},", plan.field.rust_name, plan.rust);
    }
    wrap_doc(
        &mut out,
        "    ",
        "Fields v1.36.2 does not define for this object, kept verbatim and written back after the known ones.",
    );
    let _ = writeln!(out, "    pub {}: UnknownFields,", naming::UNKNOWN_FIELDS);
    out.push_str("}\n\n");
    let article = if def.go_name.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    let _ = writeln!(
        out,
        "wire_struct!({}, \"{article} {}\" {{",
        def.rust_name, def.go_name
    );
    for plan in &plans {
        let _ = writeln!(
            out,
            "    {:?} => {}: {},",
            plan.field.json_name,
            plan.field.rust_name,
            plan.mode.as_str()
        );
    }
    out.push_str("});\n");
    if let Some(r) = resource {
        let args = [
            def.rust_name.clone(),
            format!("group = {:?}", r.gv.group),
            format!("version = {:?}", r.gv.version),
            format!("kind = {:?}", r.kind),
            format!("plural = {:?}", r.plural),
            format!("namespaced = {}", r.scope == Scope::Namespaced),
        ];
        // Always longer than rustfmt's call width (60% of 110), so one argument per line.
        out.push_str("\nresource!(\n");
        let _ = writeln!(out, "    {}", args.join(",\n    "));
        out.push_str(");\n");
    }
    let mut exports = vec![def.rust_name.clone()];
    if let Some(list) = list {
        out.push('\n');
        wrap_doc(
            &mut out,
            "",
            &format!(
                "A list of [`{}`]s, as a list request returns it. Mirrors Go `{}.{}`.",
                def.rust_name, list.go_package, list.go_name
            ),
        );
        let _ = writeln!(out, "#[doc(alias = \"{alias}.{}\")]", list.go_name);
        let _ = writeln!(out, "pub type {} = List<{}>;", list.rust_name, def.rust_name);
        exports.push(list.rust_name.clone());
    }
    exports.sort();
    let module = naming::field_name(&def.go_name).map_err(|e| super::name_error(file, &at, e))?;
    Ok(Some(File {
        module,
        exports,
        text: out,
    }))
}

/// Checks that a kind has what `resource!` needs: `apiVersion` and `kind` strings and `metadata` of `ObjectMeta`.
fn check_kind_fields(plans: &[Plan<'_>], file: &str, at: &str, r: &Resource) -> Result<(), Error> {
    let want: BTreeSet<(&str, &str)> = [
        ("apiVersion", "SharedStr"),
        ("kind", "SharedStr"),
        ("metadata", "ObjectMeta"),
    ]
    .into_iter()
    .collect();
    let have: BTreeSet<(&str, &str)> = plans
        .iter()
        .map(|p| (p.field.json_name.as_str(), p.rust.as_str()))
        .collect();
    if want.is_subset(&have) {
        return Ok(());
    }
    Err(Error::new(
        file,
        at,
        Problem::Inconsistent(format!(
            "kind of resource {} without plain `apiVersion`, `kind` and `metadata: ObjectMeta` fields",
            r.plural
        )),
    ))
}
