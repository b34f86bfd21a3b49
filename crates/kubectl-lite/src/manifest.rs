//! Reading `-f` arguments into documents: files, directories and stdin, multi-document YAML or JSON.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// One decoded document and where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The `-f` source as kubectl names it in messages (`demo.yaml`, `STDIN`).
    pub source: String,
    /// The object.
    pub object: Value,
}

/// Reads every `-f` argument in order. A directory contributes its `.yaml`, `.yml` and `.json`
/// files in name order; `-` reads stdin. Empty documents are skipped.
///
/// # Errors
/// kubectl-style text naming the file, and for YAML errors the document index and line.
pub fn read_all(args: &[String], stdin: &mut dyn Read) -> Result<Vec<Document>, String> {
    let mut docs = Vec::new();
    for arg in args {
        if arg == "-" {
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| format!("error: reading STDIN: {e}"))?;
            parse("STDIN", &text, &mut docs)?;
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| format!("error: {arg}: {e}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .and_then(|x| x.to_str())
                        .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
                })
                .collect();
            files.sort();
            for f in files {
                read_file(&f.to_string_lossy(), &mut docs)?;
            }
        } else {
            read_file(arg, &mut docs)?;
        }
    }
    Ok(docs)
}

fn read_file(name: &str, docs: &mut Vec<Document>) -> Result<(), String> {
    let text = std::fs::read_to_string(name).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("error: the path \"{name}\" does not exist")
        }
        _ => format!("error: {name}: {e}"),
    })?;
    parse(name, &text, docs)
}

/// Splits `text` into documents. A `List` contributes its items.
///
/// # Errors
/// `error: error parsing FILE: document N: line L: MESSAGE` (1-based document and line).
pub fn parse(source: &str, text: &str, docs: &mut Vec<Document>) -> Result<(), String> {
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(de).map_err(|e| {
            let text = e.to_string();
            let n = i + 1;
            match e.location() {
                // serde_yaml's text ends its first clause with " at line L column C": move it first.
                Some(l) => {
                    let at = format!(" at line {} column {}", l.line(), l.column());
                    let msg = text.replacen(&at, "", 1);
                    format!(
                        "error: error parsing {source}: document {n}: line {} column {}: {msg}",
                        l.line(),
                        l.column()
                    )
                }
                None => format!("error: error parsing {source}: document {n}: {text}"),
            }
        })?;
        match value {
            Value::Null => {}
            Value::Object(ref m)
                if m.get("kind").and_then(Value::as_str) == Some("List")
                    || m.get("kind")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k.ends_with("List") && m.contains_key("items")) =>
            {
                for item in m.get("items").and_then(Value::as_array).into_iter().flatten() {
                    docs.push(Document {
                        source: source.to_owned(),
                        object: item.clone(),
                    });
                }
            }
            Value::Object(_) => docs.push(Document {
                source: source.to_owned(),
                object: value,
            }),
            _ => {
                return Err(format!(
                    "error: error parsing {source}: document {}: not an object",
                    i + 1
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn multi_document_yaml_lists_and_empty_documents() {
        let mut docs = Vec::new();
        let text =
            "---\nkind: A\n---\n\n---\nkind: BList\nitems:\n- kind: B\n- kind: C\n---\n{\"kind\":\"D\"}";
        parse("f.yaml", text, &mut docs).unwrap();
        let kinds: Vec<_> = docs.iter().map(|d| d.object["kind"].clone()).collect();
        assert_eq!(kinds, ["A", "B", "C", "D"]);
        assert!(docs.iter().all(|d| d.source == "f.yaml"));
    }

    #[test]
    fn syntax_errors_name_the_file_document_and_line() {
        let mut docs = Vec::new();
        let err = parse("demo.yaml", "kind: A\n---\nkind: B\nspec:\n  a: [1\n", &mut docs).unwrap_err();
        assert!(
            err.starts_with("error: error parsing demo.yaml: document 2: line "),
            "{err}"
        );
        let err = parse("s.yaml", "- 1\n", &mut docs).unwrap_err();
        assert_eq!(err, "error: error parsing s.yaml: document 1: not an object");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_source(text in ".{0,200}") {
            let mut docs = Vec::new();
            if let Err(e) = parse("p.yaml", &text, &mut docs) {
                prop_assert!(e.starts_with("error: error parsing p.yaml: document "), "{}", e);
            }
        }
    }
}
