//! Doc comments from schema facts (docs/api-generation.md, section 3): the vendored spec carries no prose, so
//! every generated item says, in our words, what the schema says about it.

use super::enums::list;
use crate::ir::{Definition, DefinitionKind, GroupVersion, Home, Ir, Resource, Scope, Ty};
use crate::spec::{ListType, MapType, PatchStrategy};

use super::structs::{Mode, Plan};

/// What a type is, in a few words: `string`, `list of `PolicyRule``, `` `ObjectMeta` of meta/v1 ``.
fn describe(ir: &Ir, gv: &GroupVersion, ty: &Ty) -> String {
    match ty {
        Ty::String | Ty::Enum(_) => "string".to_owned(),
        Ty::Bytes => "bytes (base64 in JSON)".to_owned(),
        Ty::I32 => "32-bit integer".to_owned(),
        Ty::I64 => "64-bit integer".to_owned(),
        Ty::F64 => "number".to_owned(),
        Ty::Bool => "boolean".to_owned(),
        Ty::List(item) => format!("list of {}", describe(ir, gv, item)),
        Ty::Map(value) => format!("map of string to {}", describe(ir, gv, value)),
        Ty::Def(name) => match ir.definitions.get(name) {
            Some(def) => match (&def.home, &def.kind) {
                (_, DefinitionKind::FreeForm | DefinitionKind::Any) => "JSON value, kept verbatim".to_owned(),
                (_, DefinitionKind::DateTime) if def.go_name == "MicroTime" => {
                    "time (RFC 3339 with microseconds)".to_owned()
                }
                (_, DefinitionKind::DateTime) => "time (RFC 3339)".to_owned(),
                (_, DefinitionKind::OneOf(_)) if def.go_name == "Quantity" => "quantity".to_owned(),
                (_, DefinitionKind::OneOf(_)) => "integer or string".to_owned(),
                (Home::Api(home), _) if home == gv => format!("`{}`", def.go_name),
                (Home::Api(home), _) => format!("`{}` of {home}", def.go_name),
                (Home::Apimachinery, _) => format!("`{}` of meta/v1", def.go_name),
            },
            None => format!("`{name}`"),
        },
    }
}

/// The doc sentence of one field: JSON name, presence, type, listed values, default, merge behaviour.
pub fn field(ir: &Ir, gv: &GroupVersion, plan: &Plan<'_>) -> String {
    let f = plan.field;
    let mut text = format!(
        "`{}`: {} {}",
        f.json_name,
        if f.required { "required" } else { "optional" },
        describe(ir, gv, &f.ty)
    );
    if let Some(values) = enum_values(&f.ty) {
        let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        let one_of = if matches!(f.ty, Ty::Enum(_)) {
            "one of"
        } else {
            "each one of"
        };
        text.push_str(&format!(
            ", {one_of} {} (other values are kept as sent)",
            list(&listed)
        ));
    }
    match (&f.default, plan.mode) {
        (Some(default), Mode::Opt) => {
            text.push_str(&format!("; the server sets `{default}` when it is unset"));
        }
        (Some(default), Mode::Omit) => text.push_str(&format!("; left out of the JSON when `{default}`")),
        (None, Mode::Omit) => text.push_str("; left out of the JSON when empty"),
        (_, Mode::Null) => text.push_str("; written as `null` when unset, as the API server does"),
        (Some(_), Mode::Req) if matches!(f.ty, Ty::Def(_)) && !f.required => {
            text.push_str("; always written, as `{}` when empty");
        }
        _ => {}
    }
    if plan.rust.contains("Box<") {
        text.push_str("; boxed, as the type holds itself through it");
    }
    let m = &f.merge;
    match m.list_type {
        Some(ListType::Map) => {
            let keys: Vec<String> = m.list_map_keys.iter().map(|k| format!("`{k}`")).collect();
            text.push_str(&format!(
                "; items are keyed by {} (merged item by item by server-side apply)",
                list(&keys)
            ));
        }
        Some(ListType::Set) => text.push_str("; a set (server-side apply merges items by value)"),
        Some(ListType::Atomic) => text.push_str("; server-side apply replaces it whole"),
        None => {}
    }
    if m.map_type == Some(MapType::Atomic) {
        text.push_str("; server-side apply replaces it whole");
    }
    if m.patch_strategy.contains(&PatchStrategy::Merge) {
        match &m.patch_merge_key {
            Some(key) => text.push_str(&format!("; strategic merge patch merges items by `{key}`")),
            None => text.push_str("; strategic merge patch merges it"),
        }
    }
    text.push('.');
    text
}

fn enum_values(ty: &Ty) -> Option<&Vec<String>> {
    match ty {
        Ty::Enum(values) => Some(values),
        Ty::List(inner) | Ty::Map(inner) => enum_values(inner),
        _ => None,
    }
}

/// The paragraphs of a struct's doc: what it is, its resource facts, how apply treats it, the Go type.
pub fn definition(
    gv: &GroupVersion,
    def: &Definition,
    resource: Option<&Resource>,
    list_alias: Option<&str>,
) -> Vec<String> {
    let fields = def.fields();
    let required: Vec<String> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!("`{}`", f.json_name))
        .collect();
    let mut first = format!(
        "`{}` of {gv}: {} field{}",
        def.go_name,
        fields.len(),
        if fields.len() == 1 { "" } else { "s" }
    );
    if !required.is_empty() {
        first.push_str(&format!(", {} required", list(&required)));
    }
    first.push('.');
    let mut paragraphs = vec![first];
    if let Some(r) = resource {
        let scope = match r.scope {
            Scope::Namespaced => "A namespaced",
            Scope::Cluster => "A cluster-scoped",
        };
        let verbs: Vec<&str> = r.verbs.iter().map(|v| v.as_str()).collect();
        let mut text = format!(
            "{scope} resource served as `{}` (verbs: {})",
            r.plural,
            verbs.join(", ")
        );
        if !r.subresources.is_empty() {
            let subs: Vec<String> = r.subresources.iter().map(|s| format!("`{}`", s.name)).collect();
            text.push_str(&format!("; subresources: {}", subs.join(", ")));
        }
        text.push('.');
        if let Some(alias) = list_alias {
            text.push_str(&format!(" A list of them is a [`{alias}`]."));
        }
        paragraphs.push(text);
    }
    if def.map_type == Some(MapType::Atomic) {
        paragraphs
            .push("Server-side apply replaces it as a whole (`x-kubernetes-map-type: atomic`).".to_owned());
    }
    paragraphs.push(format!("Mirrors Go `{}.{}`.", def.go_package, def.go_name));
    paragraphs
}
