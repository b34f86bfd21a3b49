//! Go and JSON names to Rust names.
//!
//! A name is cut into words at case changes, with a run of capitals kept as one word (an acronym): `HTTPGetAction`
//! is `HTTP Get Action`, `podIPs` is `pod IPs` (a plural acronym keeps its `s`), `openAPIV3Schema` is
//! `open API V3 Schema` (a capital followed by a digit starts a version word), `x-kubernetes-list-type` is cut at
//! the dashes. Types join the words capitalised (`HttpGetAction`, `PodIp`, `CsiDriver`, `JsonSchemaProps`), fields
//! join them in snake case (`pod_ips`, `image_id`, `set_hostname_as_fqdn`), a Rust keyword gets a trailing `_`
//! (`type_`, `continue_`), and the JSON Schema keywords of `JSONSchemaProps` have fixed names (`$ref` is
//! `ref_path`, `$schema` is `schema`). The generator checks that the results are unique where they must be.

use std::collections::BTreeMap;

/// Why a name cannot become a Rust name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name holds a character other than ASCII letters, digits, `-` and `_`, or does not start with a letter
    /// (after any `-`/`_`).
    Invalid(String),
    /// Two names become the same Rust name.
    Collision {
        /// The Rust name.
        rust: String,
        /// The name that took it first.
        first: String,
        /// The other name.
        second: String,
    },
}

/// JSON names that are not identifiers, with their fixed field names.
const FIXED_FIELDS: &[(&str, &str)] = &[("$ref", "ref_path"), ("$schema", "schema")];

/// Rust's strict and reserved keywords (2021 edition and `gen`, reserved in 2024): a field with one of these
/// names gets a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual",
    "where", "while", "yield",
];

/// The name of the field every generated struct keeps unknown JSON fields in; no property may take it.
pub const UNKNOWN_FIELDS: &str = "unknown_fields";

/// The Rust field name of a JSON property: `podIPs` -> `pod_ips`, `type` -> `type_`, `$ref` -> `ref_path`.
///
/// # Errors
/// [`NameError::Invalid`] for a name with characters other than ASCII letters, digits, `-` and `_`, or whose
/// first letter or digit is not a letter.
pub fn field_name(json: &str) -> Result<String, NameError> {
    if let Some((_, rust)) = FIXED_FIELDS.iter().find(|(name, _)| *name == json) {
        return Ok((*rust).to_owned());
    }
    let snake = words(json)?
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    Ok(if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    })
}

/// The Rust type name of a Go type: `HTTPGetAction` -> `HttpGetAction`, `CSIDriver` -> `CsiDriver`.
///
/// # Errors
/// [`NameError::Invalid`] as for [`field_name`].
pub fn type_name(go: &str) -> Result<String, NameError> {
    Ok(words(go)?.iter().map(|w| capitalise(w)).collect())
}

/// The Rust constant name of an enum value: `PreemptLowerPriority` -> `PREEMPT_LOWER_PRIORITY`,
/// `IPv4` -> `IPV4`, `client auth` -> `CLIENT_AUTH`, `s/mime` -> `S_MIME`, `SIGRTMIN+1` -> `SIGRTMIN_1`; the two
/// values with no letters get Go's words for them: `*` -> `ALL` (admission's `OperationAll`), `""` -> `EMPTY`.
///
/// # Errors
/// [`NameError::Invalid`] for any other value that does not start with an ASCII letter or holds non-ASCII text.
pub fn const_name(value: &str) -> Result<String, NameError> {
    match value {
        "*" => return Ok("ALL".to_owned()),
        "" => return Ok("EMPTY".to_owned()),
        _ => {}
    }
    let invalid = || NameError::Invalid(value.to_owned());
    if !value.starts_with(|c: char| c.is_ascii_alphabetic()) || !value.is_ascii() {
        return Err(invalid());
    }
    let mut out: Vec<String> = Vec::new();
    for part in value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        if part.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(part.to_owned());
        } else {
            out.extend(words(part)?.iter().map(|w| w.to_ascii_uppercase()));
        }
    }
    Ok(out.join("_"))
}

/// The Rust module of an API group: its first DNS label, `core` for the core group (`""`):
/// `rbac.authorization.k8s.io` -> `rbac`, as Go's `k8s.io/api/rbac/v1`.
pub fn module_name(group: &str) -> &str {
    if group.is_empty() {
        "core"
    } else {
        group.split('.').next().unwrap_or(group)
    }
}

/// Checks that `(source name, Rust name)` pairs give distinct Rust names (and that none is `reserved`).
///
/// # Errors
/// [`NameError::Collision`] naming the first pair of source names that meet.
pub fn check_unique<'a>(
    names: impl IntoIterator<Item = (&'a str, &'a str)>,
    reserved: &[&'a str],
) -> Result<(), NameError> {
    let mut seen: BTreeMap<&str, &str> = reserved.iter().map(|r| (*r, *r)).collect();
    for (source, rust) in names {
        if let Some(first) = seen.insert(rust, source) {
            return Err(NameError::Collision {
                rust: rust.to_owned(),
                first: first.to_owned(),
                second: source.to_owned(),
            });
        }
    }
    Ok(())
}

fn capitalise(word: &str) -> String {
    let mut out = word.to_ascii_lowercase();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// Cuts a Go or JSON name into words (see the module doc).
fn words(name: &str) -> Result<Vec<&str>, NameError> {
    let valid = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let bytes = name.as_bytes();
    let letter_first = bytes
        .iter()
        .find(|b| b.is_ascii_alphanumeric())
        .is_some_and(u8::is_ascii_alphabetic);
    if !letter_first || !bytes.iter().copied().all(valid) {
        return Err(NameError::Invalid(name.to_owned()));
    }
    let mut out = Vec::new();
    for part in name.split(['-', '_']).filter(|p| !p.is_empty()) {
        let b = part.as_bytes();
        let mut start = 0;
        for i in 1..b.len() {
            if starts_word(b, i) {
                out.push(&part[start..i]);
                start = i;
            }
        }
        out.push(&part[start..]);
    }
    Ok(out)
}

/// Whether a new word starts at `b[i]` (`i > 0`).
fn starts_word(b: &[u8], i: usize) -> bool {
    let (prev, cur) = (b[i - 1], b[i]);
    if !cur.is_ascii_uppercase() {
        return false;
    }
    if !prev.is_ascii_uppercase() {
        // `podIP`, `v1Beta`: a capital after a small letter or digit.
        return true;
    }
    // Inside a run of capitals: the last capital before a small letter starts the next word (`HTTPGet`), unless
    // that letter is a plural `s` ending the word (`IPs`, `CIDRs`) or a `v` and a digit (`IPv4`); a capital before a
    // digit starts a version word (`APIV3`).
    match b.get(i + 1) {
        Some(b's') => b.get(i + 2).is_some_and(u8::is_ascii_lowercase),
        // `IPv4`: a version after an acronym belongs to it.
        Some(b'v') if b.get(i + 2).is_some_and(u8::is_ascii_digit) => false,
        Some(next) => next.is_ascii_lowercase() || next.is_ascii_digit(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_acronyms_plurals_and_versions() {
        assert_eq!(words("HTTPGetAction").unwrap(), ["HTTP", "Get", "Action"]);
        assert_eq!(words("podIPs").unwrap(), ["pod", "IPs"]);
        assert_eq!(words("openAPIV3Schema").unwrap(), ["open", "API", "V3", "Schema"]);
        assert_eq!(
            words("x-kubernetes-list-type").unwrap(),
            ["x", "kubernetes", "list", "type"]
        );
        assert_eq!(words("Status").unwrap(), ["Status"]);
    }

    #[test]
    fn invalid_names_are_errors() {
        for bad in ["", "a b", "$ref2", "é", "--", "12", "3d"] {
            assert_eq!(
                field_name(bad),
                Err(NameError::Invalid(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn enum_values_become_screaming_snake_constants() {
        assert_eq!(
            const_name("PreemptLowerPriority").unwrap(),
            "PREEMPT_LOWER_PRIORITY"
        );
        assert_eq!(const_name("IPv4").unwrap(), "IPV4");
        assert_eq!(const_name("Never").unwrap(), "NEVER");
        assert_eq!(const_name("type").unwrap(), "TYPE");
        assert_eq!(const_name("client auth").unwrap(), "CLIENT_AUTH");
        assert_eq!(const_name("s/mime").unwrap(), "S_MIME");
        assert_eq!(const_name("SIGRTMIN+1").unwrap(), "SIGRTMIN_1");
        assert_eq!(const_name("*").unwrap(), "ALL");
        assert_eq!(const_name("").unwrap(), "EMPTY");
        assert_eq!(const_name("1x"), Err(NameError::Invalid("1x".into())));
    }

    #[test]
    fn module_is_first_label_or_core() {
        assert_eq!(module_name(""), "core");
        assert_eq!(module_name("rbac.authorization.k8s.io"), "rbac");
        assert_eq!(module_name("apps"), "apps");
    }

    #[test]
    fn collisions_name_both_sources_and_reserved_names() {
        let err = check_unique([("fooBar", "foo_bar"), ("foo_bar", "foo_bar")], &[]).unwrap_err();
        assert_eq!(
            err,
            NameError::Collision {
                rust: "foo_bar".into(),
                first: "fooBar".into(),
                second: "foo_bar".into()
            }
        );
        let err = check_unique([("unknownFields", "unknown_fields")], &[UNKNOWN_FIELDS]).unwrap_err();
        assert!(matches!(err, NameError::Collision { first, .. } if first == UNKNOWN_FIELDS));
        assert_eq!(check_unique([("a", "a"), ("b", "b")], &[UNKNOWN_FIELDS]), Ok(()));
    }
}
