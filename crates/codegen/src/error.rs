//! What went wrong in the spec, and where: every error names the document and the JSON pointer of the
//! offending value, so a new spec version that the generator does not understand fails with a place to look.

use std::fmt;

/// An error found while reading or modelling the OpenAPI documents.
///
/// `Display` prints `FILE#POINTER: problem`, e.g.
/// `apps_v1.json#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec/properties/replicas: unexpected key "nullable"`.
#[derive(Debug)]
pub struct Error {
    file: String,
    pointer: String,
    problem: Problem,
}

/// The kind of [`Error`]: what the generator found that it does not accept.
#[derive(Debug)]
#[non_exhaustive]
pub enum Problem {
    /// The document is not JSON.
    Json(serde_json::Error),
    /// A key the generator does not know at this place (it would otherwise be silently ignored).
    UnexpectedKey(String),
    /// A key the generator needs is absent.
    MissingKey(&'static str),
    /// A value of the wrong JSON type; says what was expected.
    WrongType(&'static str),
    /// A value outside the set the generator knows (a `type`, a `format`, an extension's value...).
    UnknownValue(String),
    /// A schema whose combination of keys has no Rust mapping; says what the shape is.
    UnsupportedShape(&'static str),
    /// A `$ref` that does not name a schema of the same document.
    DanglingRef(String),
    /// A definition present in several documents whose copies differ beyond their group-version-kind list.
    DiffersFrom {
        /// The document holding the copy seen first.
        first_file: String,
    },
    /// A path this generator cannot place (not under the document's group/version, or of an unknown layout).
    UnexpectedPath(String),
    /// A name that cannot become a Rust identifier.
    BadName(String),
    /// Two names that become the same Rust name in one struct or module.
    NameCollision {
        /// The Rust name both convert to.
        rust: String,
        /// The name that took it first.
        first: String,
        /// The name that converts to it too.
        second: String,
    },
    /// Facts of one resource that disagree (two kinds for one path, a kind with no definition...).
    Inconsistent(String),
    /// A YAML input of the generator (the overrides file) that does not parse as expected.
    Yaml(serde_yaml::Error),
}

impl Error {
    /// An error at `pointer` (a JSON pointer, `""` for the whole document) of `file`.
    pub(crate) fn new(file: &str, pointer: &str, problem: Problem) -> Self {
        Self {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            problem,
        }
    }

    /// The document's file name, e.g. `api_v1.json`.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The JSON pointer (RFC 6901) of the offending value in [`file`](Self::file), e.g.
    /// `/components/schemas/io.k8s.api.core.v1.Pod/properties/spec`.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What was wrong.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}: {}", self.file, self.pointer, self.problem)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            Problem::Json(e) => Some(e),
            Problem::Yaml(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(_) => f.write_str("not a JSON document"),
            Self::UnexpectedKey(key) => write!(f, "unexpected key {key:?}"),
            Self::MissingKey(key) => write!(f, "missing key {key:?}"),
            Self::WrongType(expected) => write!(f, "expected {expected}"),
            Self::UnknownValue(value) => write!(f, "unknown value {value}"),
            Self::UnsupportedShape(shape) => write!(f, "unsupported schema shape: {shape}"),
            Self::DanglingRef(target) => write!(f, "$ref {target:?} names no schema of this document"),
            Self::DiffersFrom { first_file } => {
                write!(
                    f,
                    "differs from its copy in {first_file} (beyond the group-version-kind list)"
                )
            }
            Self::UnexpectedPath(why) => write!(f, "unexpected path: {why}"),
            Self::BadName(name) => write!(f, "{name:?} cannot become a Rust name"),
            Self::NameCollision { rust, first, second } => {
                write!(f, "{first:?} and {second:?} both become the Rust name `{rust}`")
            }
            Self::Inconsistent(what) => f.write_str(what),
            Self::Yaml(e) => write!(f, "not the expected YAML: {e}"),
        }
    }
}

/// The JSON pointer of `key` below `parent`, escaping `~` and `/` as RFC 6901 says
/// (`/paths` + `/api/v1/pods` is `/paths/~1api~1v1~1pods`).
pub(crate) fn pointer_child(parent: &str, key: &str) -> String {
    let mut out = String::with_capacity(parent.len() + key.len() + 1);
    out.push_str(parent);
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slash_and_tilde() {
        assert_eq!(pointer_child("/paths", "/api/v1/pods"), "/paths/~1api~1v1~1pods");
        assert_eq!(pointer_child("", "a~b"), "/a~0b");
    }

    #[test]
    fn display_names_file_pointer_and_problem() {
        let e = Error::new(
            "apps_v1.json",
            "/components/schemas/X",
            Problem::UnexpectedKey("nullable".into()),
        );
        assert_eq!(
            e.to_string(),
            "apps_v1.json#/components/schemas/X: unexpected key \"nullable\""
        );
    }
}
