//! The module files: a group/version's `mod.rs`, a group's `mod.rs`, and the api crate's test table.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::writer::use_line;
use super::{document, header};
use crate::ir::GroupVersion;

/// `<group>/<version>/mod.rs`: the private file modules and what each exports.
pub fn version_mod(gv: &GroupVersion, exports: &[(String, Vec<String>)]) -> String {
    let mut out = header(&document(gv));
    let _ = writeln!(
        out,
        "\n//! The {} API group, version {}.",
        group_name(gv),
        gv.version
    );
    out.push_str("//!\n");
    let go = if gv.group.is_empty() {
        "core".to_owned()
    } else {
        gv.module().to_owned()
    };
    let _ = writeln!(out, "//! Mirrors Go `k8s.io/api/{go}/{}`.\n", gv.version);
    for (module, _) in exports {
        let _ = writeln!(out, "mod {module};");
    }
    out.push('\n');
    for (module, names) in exports {
        let names: BTreeSet<String> = names.iter().cloned().collect();
        use_line(&mut out, "pub ", module, &names);
    }
    out
}

/// `<group>/mod.rs`: the versions of a group.
pub fn group_mod(versions: &[&GroupVersion]) -> String {
    let Some(first) = versions.first() else {
        return String::new();
    };
    let sources: Vec<String> = versions.iter().map(|gv| document(gv)).collect();
    let mut out = header(&sources.join(", "));
    let _ = writeln!(out, "\n//! The {} API group.", group_name(first));
    out.push_str("//!\n");
    let _ = writeln!(out, "//! Mirrors Go `k8s.io/api/{}`.\n", first.module());
    for gv in versions {
        let _ = writeln!(out, "pub mod {};", gv.version);
    }
    out
}

/// `crates/api/tests/generated/mod.rs`: every generated definition, given to the test's `round_trips!` macro (a
/// braced macro body, which rustfmt leaves as written).
pub fn test_table(entries: &[(String, String)]) -> String {
    let mut out = header("crates/api/openapi/v1.36.2");
    out.push_str(
        "\n//! Every generated definition, by spec name, with its type: `round_trips!` (in `generated_roundtrip.rs`) \
         makes\n//! the table of round trips from it.\n\nround_trips! {\n",
    );
    for (name, path) in entries {
        let _ = writeln!(out, "    {name:?} => clientgo_api::{path},");
    }
    out.push_str("}\n");
    out
}

fn group_name(gv: &GroupVersion) -> &str {
    if gv.group.is_empty() {
        "core"
    } else {
        &gv.group
    }
}
