//! `clientgo-codegen summary`: what the spec holds, per group/version, as a table.

use std::fmt::Write as _;

use crate::ir::{Home, Ir, Ty};

/// One row of the summary.
#[derive(Default)]
struct Row {
    definitions: usize,
    fields: usize,
    enum_fields: usize,
    resources: usize,
    status: usize,
    scale: usize,
}

impl Row {
    fn add(&mut self, other: &Row) {
        self.definitions += other.definitions;
        self.fields += other.fields;
        self.enum_fields += other.enum_fields;
        self.resources += other.resources;
        self.status += other.status;
        self.scale += other.scale;
    }
}

/// A table of definitions, fields, enum fields, resources and resources with `status`/`scale` per group/version
/// (with the apimachinery definitions on a row of their own), and the totals.
pub fn summary(ir: &Ir) -> String {
    let mut rows: Vec<(String, Row)> = Vec::new();
    for gv in &ir.group_versions {
        let mut row = count(ir, &Home::Api(gv.clone()));
        for r in ir.resources.iter().filter(|r| &r.gv == gv) {
            row.resources += 1;
            row.status += usize::from(r.subresource("status").is_some());
            row.scale += usize::from(r.subresource("scale").is_some());
        }
        rows.push((gv.to_string(), row));
    }
    rows.push((
        "apimachinery (not generated)".to_owned(),
        count(ir, &Home::Apimachinery),
    ));
    let mut total = Row::default();
    for (_, row) in &rows {
        total.add(row);
    }
    rows.push(("total".to_owned(), total));
    let mut out = format!(
        "{:<36} {:>11} {:>6} {:>6} {:>9} {:>6} {:>5}\n",
        "group/version", "definitions", "fields", "enums", "resources", "status", "scale"
    );
    for (name, r) in &rows {
        let _ = writeln!(
            out,
            "{name:<36} {:>11} {:>6} {:>6} {:>9} {:>6} {:>5}",
            r.definitions, r.fields, r.enum_fields, r.resources, r.status, r.scale
        );
    }
    out
}

fn count(ir: &Ir, home: &Home) -> Row {
    let mut row = Row::default();
    for def in ir.definitions.values().filter(|d| &d.home == home) {
        row.definitions += 1;
        row.fields += def.fields().len();
        row.enum_fields += def.fields().iter().filter(|f| is_enum(&f.ty)).count();
    }
    row
}

fn is_enum(ty: &Ty) -> bool {
    match ty {
        Ty::Enum(_) => true,
        Ty::List(inner) | Ty::Map(inner) => is_enum(inner),
        _ => false,
    }
}
