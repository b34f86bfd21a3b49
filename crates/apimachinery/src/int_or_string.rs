//! Values that are either an integer or a string, such as a Service's `targetPort`.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::shared_str::SharedStr;

/// An integer or a string: a port number or a port name, a count or a percentage like `25%`.
///
/// Mirrors apimachinery `intstr.IntOrString` (`apimachinery/pkg/util/intstr`). Serialized as a bare
/// JSON number or string, as Go does. The string is a [`SharedStr`], interned on decode (port names
/// repeat across objects), so the whole value is 16 bytes.
#[doc(alias = "intstr.IntOrString")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntOrString {
    /// A number, e.g. port `8080`.
    Int(i32),
    /// A string, e.g. port name `http` or `25%`.
    String(SharedStr),
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i32(*i),
            IntOrString::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 32-bit integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(SharedStr::interned(v)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_round_trip() {
        let v: Vec<IntOrString> = serde_json::from_str(r#"[80,"http","25%"]"#).unwrap();
        assert_eq!(
            v,
            [
                IntOrString::Int(80),
                IntOrString::String("http".into()),
                IntOrString::String("25%".into())
            ]
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"[80,"http","25%"]"#);
    }

    #[test]
    fn out_of_range_and_wrong_types_are_errors() {
        let err = serde_json::from_str::<IntOrString>("4294967296").unwrap_err();
        assert!(err.to_string().contains("32-bit integer or a string"), "{err}");
        assert!(serde_json::from_str::<IntOrString>("1.5").is_err());
        assert!(serde_json::from_str::<IntOrString>("{}").is_err());
    }

    #[test]
    fn one_word_plus_the_tag() {
        assert_eq!(size_of::<IntOrString>(), 16);
        let a: IntOrString = serde_json::from_str(r#""metrics-port""#).unwrap();
        let b: IntOrString = serde_json::from_str(r#""metrics-port""#).unwrap();
        match (a, b) {
            (IntOrString::String(a), IntOrString::String(b)) => assert!(a.shares_with(&b)),
            other => panic!("two strings expected, got {other:?}"),
        }
    }
}
