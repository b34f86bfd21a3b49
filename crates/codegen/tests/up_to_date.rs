//! The committed generated files are what the generator writes today: regenerating in memory gives the same
//! bytes, generated directories hold nothing else, and the api crate declares every generated group. CI runs
//! this with the workspace tests, so a hand edit or a stale file fails and is named (the fix is
//! `cargo run -p clientgo-codegen -- regenerate`).

use clientgo_codegen::emit::{self, API_SRC};

#[test]
fn generated_files_are_up_to_date() {
    let files = clientgo_codegen::read_dir(&clientgo_codegen::vendored_spec_dir()).expect("vendored spec");
    let spec = clientgo_codegen::spec::load(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
        .unwrap_or_else(|e| panic!("{e}"));
    let ir = clientgo_codegen::ir::build(&spec).unwrap_or_else(|e| panic!("{e}"));
    let root = clientgo_codegen::repository_root();
    let text =
        std::fs::read_to_string(root.join(clientgo_codegen::OVERRIDES_FILE)).expect("the overrides file");
    let overrides = clientgo_codegen::Overrides::parse(&text, &ir).unwrap_or_else(|e| panic!("{e}"));
    let gvs = emit::generated_group_versions();
    let generated = emit::generate(&ir, &overrides, &gvs).unwrap_or_else(|e| panic!("{e}"));
    let stale = clientgo_codegen::differences(&root, &generated).expect("the tree is readable");
    assert!(
        stale.is_empty(),
        "generated files differ from the tree (run `cargo run -p clientgo-codegen -- regenerate`): {stale:#?}"
    );

    let lib = std::fs::read_to_string(root.join(API_SRC).join("lib.rs")).expect("crates/api/src/lib.rs");
    for gv in &gvs {
        let declaration = format!("pub mod {};", gv.module());
        assert!(
            lib.lines().any(|l| l.trim() == declaration),
            "crates/api/src/lib.rs lacks `{declaration}` for the generated {gv}"
        );
    }
}
