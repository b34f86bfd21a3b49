//! Syntax checks for label keys and values.
//!
//! Mirrors apimachinery `util/validation` `IsQualifiedName` and `IsValidLabelValue`, which
//! `labels.NewRequirement` runs on every key and value. The problem types print Go's messages word for
//! word, because users search for them.

use std::fmt;

/// Longest name part of a label key, and longest label value, in bytes.
///
/// Mirrors apimachinery `validation.qualifiedNameMaxLength` and `validation.LabelValueMaxLength`.
pub const MAX_LABEL_NAME_LEN: usize = 63;

/// Longest DNS-subdomain prefix of a label key (`example.com/` in `example.com/name`), in bytes.
///
/// Mirrors apimachinery `validation.DNS1123SubdomainMaxLength`.
pub const MAX_LABEL_PREFIX_LEN: usize = 253;

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

// Bits of `KeyProblem`, in the order Go reports them.
const TOO_MANY_SLASHES: u8 = 1 << 0;
const PREFIX_EMPTY: u8 = 1 << 1;
const PREFIX_TOO_LONG: u8 = 1 << 2;
const PREFIX_INVALID: u8 = 1 << 3;
const NAME_EMPTY: u8 = 1 << 4;
const NAME_TOO_LONG: u8 = 1 << 5;
const NAME_INVALID: u8 = 1 << 6;

/// What is wrong with a label key; `Display` prints Go's messages joined by `"; "`.
///
/// Mirrors the messages of apimachinery `validation.IsQualifiedName`. A key may have several problems
/// at once (an empty name is both empty and not matching the pattern), as in Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyProblem(u8);

impl KeyProblem {
    /// Whether the key has more than one `/`.
    pub fn has_too_many_slashes(&self) -> bool {
        self.0 & TOO_MANY_SLASHES != 0
    }

    /// Whether the part before `/` is not a valid DNS subdomain (empty, too long, or bad characters).
    pub fn has_bad_prefix(&self) -> bool {
        self.0 & (PREFIX_EMPTY | PREFIX_TOO_LONG | PREFIX_INVALID) != 0
    }

    /// Whether the name part is empty, longer than [`MAX_LABEL_NAME_LEN`], or has bad characters.
    pub fn has_bad_name(&self) -> bool {
        self.0 & (NAME_EMPTY | NAME_TOO_LONG | NAME_INVALID) != 0
    }
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: [(u8, &str, &str); 7] = [
            (TOO_MANY_SLASHES, "a qualified name ", QUALIFIED_NAME_MSG),
            (PREFIX_EMPTY, "prefix part ", "must be non-empty"),
            (
                PREFIX_TOO_LONG,
                "prefix part ",
                "must be no more than 253 characters",
            ),
            (PREFIX_INVALID, "prefix part ", SUBDOMAIN_MSG),
            (NAME_EMPTY, "name part ", "must be non-empty"),
            (NAME_TOO_LONG, "name part ", "must be no more than 63 characters"),
            (NAME_INVALID, "name part ", QUALIFIED_NAME_MSG),
        ];
        let mut first = true;
        for (bit, prefix, message) in messages {
            if self.0 & bit == 0 {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            f.write_str(prefix)?;
            f.write_str(message)?;
            if bit == TOO_MANY_SLASHES {
                f.write_str(" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")?;
            }
        }
        Ok(())
    }
}

/// What is wrong with a label value; `Display` prints Go's messages joined by `"; "`.
///
/// Mirrors the messages of apimachinery `validation.IsValidLabelValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueProblem {
    too_long: bool,
    invalid: bool,
}

impl ValueProblem {
    /// Whether the value is longer than [`MAX_LABEL_NAME_LEN`] bytes.
    pub fn is_too_long(&self) -> bool {
        self.too_long
    }

    /// Whether the value has characters other than `[A-Za-z0-9._-]` or does not start and end with
    /// an alphanumeric character.
    pub fn has_bad_characters(&self) -> bool {
        self.invalid
    }
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.too_long {
            f.write_str("must be no more than 63 characters")?;
            if self.invalid {
                f.write_str("; ")?;
            }
        }
        if self.invalid {
            f.write_str(LABEL_VALUE_MSG)?;
        }
        Ok(())
    }
}

/// Checks a label key: `[prefix/]name` where prefix is a lowercase DNS subdomain of at most 253 bytes
/// and name is at most 63 bytes of `[A-Za-z0-9._-]` starting and ending alphanumeric.
pub fn check_key(key: &str) -> Result<(), KeyProblem> {
    let mut problems = 0u8;
    let mut parts = key.split('/');
    let first = parts.next().unwrap_or("");
    let (prefix, name) = match (parts.next(), parts.next()) {
        (None, _) => (None, first),
        (Some(name), None) => (Some(first), name),
        (Some(_), Some(_)) => return Err(KeyProblem(TOO_MANY_SLASHES)),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            problems |= PREFIX_EMPTY;
        } else {
            if prefix.len() > MAX_LABEL_PREFIX_LEN {
                problems |= PREFIX_TOO_LONG;
            }
            if !is_dns1123_subdomain(prefix) {
                problems |= PREFIX_INVALID;
            }
        }
    }
    if name.is_empty() {
        problems |= NAME_EMPTY;
    } else if name.len() > MAX_LABEL_NAME_LEN {
        problems |= NAME_TOO_LONG;
    }
    if !is_qualified_name(name) {
        problems |= NAME_INVALID;
    }
    if problems == 0 {
        Ok(())
    } else {
        Err(KeyProblem(problems))
    }
}

/// Checks a label value: empty, or at most 63 bytes of `[A-Za-z0-9._-]` starting and ending
/// alphanumeric.
pub fn check_value(value: &str) -> Result<(), ValueProblem> {
    let problem = ValueProblem {
        too_long: value.len() > MAX_LABEL_NAME_LEN,
        invalid: !value.is_empty() && !is_qualified_name(value),
    };
    if problem.too_long || problem.invalid {
        Err(problem)
    } else {
        Ok(())
    }
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, without a regex engine.
fn is_qualified_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`, without a regex engine.
fn is_dns1123_subdomain(s: &str) -> bool {
    let lower_alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    s.split('.').all(|label| {
        let bytes = label.as_bytes();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                lower_alnum(first) && lower_alnum(last) && bytes.iter().all(|b| lower_alnum(b) || *b == b'-')
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in [
            "a",
            "A",
            "a.b-c_d",
            "example.com/a",
            "a-b.c/X_y",
            "1",
            &"x".repeat(63),
        ] {
            assert_eq!(check_key(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a/b/c",
            "/a",
            "a/",
            "Example.com/a",
            "a..b/c",
            "a b",
            "ä",
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
        assert!(check_key(&"x".repeat(64)).is_err());
        let long_prefix = format!("{}/a", "a".repeat(254));
        assert!(check_key(&long_prefix).unwrap_err().has_bad_prefix());
    }

    #[test]
    fn key_messages_follow_go() {
        assert_eq!(
            check_key("").unwrap_err().to_string(),
            format!("name part must be non-empty; name part {QUALIFIED_NAME_MSG}")
        );
        assert_eq!(
            check_key("-a").unwrap_err().to_string(),
            format!("name part {QUALIFIED_NAME_MSG}")
        );
        assert_eq!(
            check_key("/a").unwrap_err().to_string(),
            "prefix part must be non-empty"
        );
        assert_eq!(
            check_key("A/a").unwrap_err().to_string(),
            format!("prefix part {SUBDOMAIN_MSG}")
        );
        assert!(check_key("a/b/c")
            .unwrap_err()
            .to_string()
            .starts_with("a qualified name must consist of"));
        let too_long = check_key(&"x".repeat(64)).unwrap_err();
        assert!(too_long.has_bad_name());
        assert_eq!(
            too_long.to_string(),
            "name part must be no more than 63 characters"
        );
    }

    #[test]
    fn values() {
        for ok in ["", "a", "a.b-c_D", "0", &"v".repeat(63)] {
            assert_eq!(check_value(ok), Ok(()), "{ok:?}");
        }
        for bad in ["-", "a-", ".a", "a b", "a/b", "é"] {
            assert!(check_value(bad).unwrap_err().has_bad_characters(), "{bad}");
        }
        let long = check_value(&"v".repeat(64)).unwrap_err();
        assert!(long.is_too_long() && !long.has_bad_characters());
        assert_eq!(long.to_string(), "must be no more than 63 characters");
        assert_eq!(check_value("-").unwrap_err().to_string(), LABEL_VALUE_MSG);
    }
}
