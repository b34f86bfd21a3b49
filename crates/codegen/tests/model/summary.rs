//! The `clientgo-codegen summary` table and the binary around it.

use std::process::Command;

use crate::support::ir;

#[test]
fn summary_rows_count_each_group_version_and_the_totals() {
    let text = clientgo_codegen::summary(ir());
    let row = |name: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name}\n{text}"));
        line[name.len()..].split_whitespace().map(str::to_owned).collect()
    };
    // definitions, fields, enum fields, resources, with status, with scale
    assert_eq!(row("total"), ["578", "2428", "98", "68", "27", "4"]);
    assert_eq!(row("apps/v1"), ["30", "145", "4", "5", "4", "3"]);
    assert_eq!(row("core/v1")[..4], ["222", "1022", "54", "17"]);
    assert_eq!(
        row("apimachinery (not generated)"),
        ["24", "91", "0", "0", "0", "0"]
    );
    assert_eq!(
        text.lines().count(),
        1 + 22 + 2,
        "header, 22 group/versions, apimachinery, total"
    );
}

#[test]
fn the_binary_prints_the_summary_and_reports_a_bad_spec_dir_in_words() {
    let bin = env!("CARGO_BIN_EXE_clientgo-codegen");
    let out = Command::new(bin)
        .arg("summary")
        .output()
        .expect("run clientgo-codegen");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        clientgo_codegen::summary(ir())
    );

    let missing = std::env::temp_dir().join("clientgo-codegen-no-such-dir");
    let out = Command::new(bin)
        .arg("summary")
        .arg("--spec")
        .arg(&missing)
        .output()
        .expect("run clientgo-codegen");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: reading {}: ", missing.display())),
        "{stderr}"
    );
}
