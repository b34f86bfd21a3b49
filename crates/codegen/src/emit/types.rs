//! Schema types to Rust types (docs/api-generation.md, section 3): the extern table of apimachinery types,
//! references across group/versions, and which fields can derive `Eq`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::enums::Enums;
use crate::error::{Error, Problem};
use crate::ir::{DefinitionKind, GroupVersion, Home, Ir, Ty};

/// The apimachinery definitions generated code may reference: spec name, the name imported from
/// `clientgo_apimachinery`, and whether the type is `Eq`. Any other apimachinery reference is an error, so a new
/// one is mapped here on purpose (the types are hand-written, as Go's `k8s.io/apimachinery` is).
const EXTERN: &[(&str, &str, bool)] = &[
    ("io.k8s.apimachinery.pkg.api.resource.Quantity", "Quantity", true),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.Condition",
        "Condition",
        true,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "DeleteOptions",
        true,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement",
        "FieldSelectorRequirement",
        true,
    ),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "FieldsV1", false),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        "labels::LabelSelector",
        true,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
        "labels::LabelSelectorRequirement",
        true,
    ),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", "ListMeta", true),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
        "ManagedFieldsEntry",
        false,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
        "MicroTime",
        true,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "ObjectMeta",
        false,
    ),
    (
        "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
        "OwnerReference",
        true,
    ),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.Status", "Status", true),
    ("io.k8s.apimachinery.pkg.apis.meta.v1.Time", "Time", true),
    ("io.k8s.apimachinery.pkg.runtime.RawExtension", "RawJson", true),
    (
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        "IntOrString",
        true,
    ),
];

/// The names a generated file imports.
#[derive(Debug, Default)]
pub struct Imports {
    /// Names imported from `clientgo_apimachinery` (`ObjectMeta`, `labels::LabelSelector`).
    pub apimachinery: BTreeSet<String>,
    /// Names imported from the same group/version (`super::PolicyRule`).
    pub siblings: BTreeSet<String>,
    /// Whether the file uses `crate::ByteString`.
    pub byte_string: bool,
}

/// Turns the model's types into Rust type text for the files of one group/version.
pub struct Resolver<'a> {
    ir: &'a Ir,
    gv: &'a GroupVersion,
    generated: &'a [GroupVersion],
    eq: RefCell<BTreeMap<String, bool>>,
}

impl<'a> Resolver<'a> {
    /// A resolver for the files of `gv`, when `generated` are the group/versions generated alongside.
    pub fn new(ir: &'a Ir, gv: &'a GroupVersion, generated: &'a [GroupVersion]) -> Self {
        Resolver {
            ir,
            gv,
            generated,
            eq: RefCell::new(BTreeMap::new()),
        }
    }

    /// The Rust type of `ty` in a file of this group/version, adding what it needs to `imports`. `field` (the
    /// definition and JSON name) finds the enum type of an enum; `file`/`at` place an error.
    ///
    /// # Errors
    /// A reference to a definition that is neither generated nor mapped to apimachinery, or one whose shape has
    /// no Rust type here.
    pub fn rust(
        &self,
        ty: &Ty,
        field: (&str, &str),
        enums: &Enums,
        imports: &mut Imports,
        (file, at): (&str, &str),
    ) -> Result<String, Error> {
        Ok(match ty {
            Ty::String => shared_str(imports),
            Ty::Bytes => {
                imports.byte_string = true;
                "ByteString".to_owned()
            }
            Ty::Enum(_) => {
                let name = enums.name_of(field).ok_or_else(|| {
                    let why = format!(
                        "enum field {}.{} that no enum type was collected for",
                        field.0, field.1
                    );
                    Error::new(file, at, Problem::Inconsistent(why))
                })?;
                imports.siblings.insert(name.to_owned());
                name.to_owned()
            }
            Ty::I32 => "i32".to_owned(),
            Ty::I64 => "i64".to_owned(),
            Ty::F64 => "f64".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::List(item) => format!("Vec<{}>", self.rust(item, field, enums, imports, (file, at))?),
            Ty::Map(value) if **value == Ty::String => {
                imports.apimachinery.insert("StringMap".to_owned());
                "StringMap".to_owned()
            }
            Ty::Map(value) => {
                imports.apimachinery.insert("SortedMap".to_owned());
                format!(
                    "SortedMap<{}>",
                    self.rust(value, field, enums, imports, (file, at))?
                )
            }
            Ty::Def(name) => self.reference(name, imports, (file, at))?,
        })
    }

    fn reference(
        &self,
        name: &str,
        imports: &mut Imports,
        (file, at): (&str, &str),
    ) -> Result<String, Error> {
        let unmapped = |why: String| Error::new(file, at, Problem::UnknownValue(why));
        let def = self
            .ir
            .definitions
            .get(name)
            .ok_or_else(|| unmapped(format!("reference to {name}, which the model does not have")))?;
        match (&def.home, &def.kind) {
            (Home::Apimachinery, _) => {
                let (_, rust, _) = EXTERN.iter().find(|(spec, _, _)| *spec == name).ok_or_else(|| {
                    unmapped(format!("reference to {name}, which no apimachinery type stands for yet"))
                })?;
                imports.apimachinery.insert((*rust).to_owned());
                Ok(rust.rsplit("::").next().unwrap_or(rust).to_owned())
            }
            (Home::Api(_), DefinitionKind::FreeForm | DefinitionKind::Any) => {
                imports.apimachinery.insert("RawJson".to_owned());
                Ok("RawJson".to_owned())
            }
            (Home::Api(gv), DefinitionKind::Struct(_)) if gv == self.gv => {
                imports.siblings.insert(def.rust_name.clone());
                Ok(def.rust_name.clone())
            }
            (Home::Api(gv), DefinitionKind::Struct(_)) if self.generated.contains(gv) => {
                Ok(format!("crate::{}::{}::{}", gv.module(), gv.version, def.rust_name))
            }
            (Home::Api(gv), DefinitionKind::Struct(_)) => Err(unmapped(format!(
                "reference to {name} of {gv}, which is not generated (add {gv} to the generated group/versions)"
            ))),
            (Home::Api(_), DefinitionKind::DateTime | DefinitionKind::OneOf(_)) => Err(Error::new(
                file,
                at,
                Problem::UnsupportedShape("a time or one-of scalar outside apimachinery"),
            )),
        }
    }

    /// Whether field type `ty` of definition `from` must be boxed: a definition held by value (not in a list or
    /// map) that holds `from` by value again, directly or through others (JSONSchemaProps' `not`). Only those
    /// edges are boxed, so the other fields of a recursive type stay inline.
    pub fn needs_box(&self, from: &str, ty: &Ty) -> bool {
        let Ty::Def(to) = ty else {
            return false;
        };
        let mut seen = BTreeSet::new();
        let mut stack = vec![to.as_str()];
        while let Some(name) = stack.pop() {
            if name == from {
                return true;
            }
            if !seen.insert(name) {
                continue;
            }
            if let Some(def) = self.ir.definitions.get(name) {
                stack.extend(def.fields().iter().filter_map(|f| match &f.ty {
                    Ty::Def(next) => Some(next.as_str()),
                    _ => None,
                }));
            }
        }
        false
    }

    /// Whether a value of `ty` can derive `Eq` (everything but `f64` and the apimachinery types that are not).
    pub fn is_eq(&self, ty: &Ty) -> bool {
        match ty {
            Ty::F64 => false,
            Ty::List(inner) | Ty::Map(inner) => self.is_eq(inner),
            Ty::Def(name) => self.def_is_eq(name),
            _ => true,
        }
    }

    fn def_is_eq(&self, name: &str) -> bool {
        if let Some(known) = self.eq.borrow().get(name) {
            return *known;
        }
        let Some(def) = self.ir.definitions.get(name) else {
            return false;
        };
        let eq = match (&def.home, &def.kind) {
            (Home::Apimachinery, _) => EXTERN.iter().any(|(spec, _, eq)| *spec == name && *eq),
            (Home::Api(_), DefinitionKind::Struct(fields)) => {
                // A cycle (recursive types) assumes `Eq` until a member says otherwise.
                self.eq.borrow_mut().insert(name.to_owned(), true);
                fields.iter().all(|f| self.is_eq(&f.ty))
            }
            (Home::Api(_), _) => true,
        };
        self.eq.borrow_mut().insert(name.to_owned(), eq);
        eq
    }
}

fn shared_str(imports: &mut Imports) -> String {
    imports.apimachinery.insert("SharedStr".to_owned());
    "SharedStr".to_owned()
}
