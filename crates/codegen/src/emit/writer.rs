//! Small text helpers: doc comments wrapped to the repository's line width, and `use` lines ordered as rustfmt
//! orders them, so the output is already formatted.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The repository's `rustfmt.toml` `max_width`.
pub const MAX_WIDTH: usize = 110;

/// Writes one doc comment line (`///` alone for an empty one).
pub fn doc(out: &mut String, indent: &str, line: &str) {
    if line.is_empty() {
        let _ = writeln!(out, "{indent}///");
    } else {
        let _ = writeln!(out, "{indent}/// {line}");
    }
}

/// Writes `text` as doc comment lines of at most [`MAX_WIDTH`] columns, breaking at spaces outside backticks
/// (a word longer than a line stays whole).
pub fn wrap_doc(out: &mut String, indent: &str, text: &str) {
    let room = MAX_WIDTH - indent.len() - 4;
    let mut line = String::new();
    for word in words_outside_code(text) {
        if !line.is_empty() && line.len() + 1 + word.len() > room {
            doc(out, indent, &line);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    doc(out, indent, &line);
}

/// Splits at spaces, keeping a backticked span with spaces in it as one word.
fn words_outside_code(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The `use` line of `names` under `path` (with visibility `vis`, `""` or `"pub "`), as rustfmt writes it: one name bare, several in braces, sorted with
/// lower-case names (modules, macros) before capitalised ones (types), broken over lines when too long.
pub fn use_line(out: &mut String, vis: &str, path: &str, names: &BTreeSet<String>) {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort_by_key(|n| (n.starts_with(|c: char| c.is_ascii_uppercase()), *n));
    match names.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(out, "{vis}use {path}::{one};");
        }
        many => {
            let line = format!("{vis}use {path}::{{{}}};", many.join(", "));
            // rustfmt keeps a braced import on one line only below the width (one column stays free).
            if line.len() < MAX_WIDTH - 1 {
                let _ = writeln!(out, "{line}");
                return;
            }
            // rustfmt's "mixed" layout: as many names per indented line as fit, each line ending in a comma.
            let _ = writeln!(out, "{vis}use {path}::{{");
            let mut row = String::from("   ");
            for name in many {
                if row.len() + 1 + name.len() + 1 > MAX_WIDTH {
                    let _ = writeln!(out, "{row}");
                    row = String::from("   ");
                }
                row.push(' ');
                row.push_str(name);
                row.push(',');
            }
            let _ = writeln!(out, "{row}");
            out.push_str("};\n");
        }
    }
}
