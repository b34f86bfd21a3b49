//! [`string_enum!`](crate::string_enum): the string types of the API with listed values (Go's
//! `type PullPolicy string` and its constants), as one-word newtypes over [`SharedStr`].
//!
//! Why not a Rust `enum` with an `Other(SharedStr)` arm: [`SharedStr`] has a single niche, so that
//! enum and its `Option` take 16 bytes where the newtype takes 8 (about 200 bytes per cached pod),
//! and Go's own shape is a string with named values. Values a type does not list are kept as sent,
//! so a newer server's value is never a decode error (docs/api-generation.md, section 7).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Error, Visitor};
use serde::Deserializer;

use crate::shared_str::SharedStr;

/// What [`string_enum!`](crate::string_enum) implements, so that one generic decoder serves every
/// such type.
pub trait StringEnum: Sized + Clone + 'static {
    /// The values the type lists, in the order the spec lists them.
    const KNOWN: &'static [Self];

    /// The value as text.
    fn as_str(&self) -> &str;

    /// A value from its text, listed or not.
    fn from_shared(value: SharedStr) -> Self;
}

/// Decodes a [`StringEnum`]: a listed value is a clone of its constant (no interner lookup, no
/// allocation), any other text is interned and kept.
///
/// # Errors
/// The deserializer's error when the value is not a string.
pub fn decode<'de, T: StringEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_str(EnumVisitor(PhantomData))
}

struct EnumVisitor<T>(PhantomData<T>);

impl<T: StringEnum> Visitor<'_> for EnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
        Ok(match T::KNOWN.iter().find(|known| known.as_str() == text) {
            Some(known) => known.clone(),
            None => T::from_shared(SharedStr::interned(text)),
        })
    }
}

/// Declares a string type with listed values: a newtype over [`SharedStr`] with one constant per
/// value, which keeps values it does not list.
///
/// ```
/// use clientgo_apimachinery::string_enum;
///
/// string_enum! {
///     /// When a container's image is pulled.
///     pub struct PullPolicy {
///         /// `Always`.
///         ALWAYS = "Always",
///         /// `IfNotPresent`.
///         IF_NOT_PRESENT = "IfNotPresent",
///     }
/// }
///
/// let policy: PullPolicy = serde_json::from_str(r#""IfNotPresent""#)?;
/// assert_eq!(policy, PullPolicy::IF_NOT_PRESENT);
/// assert!(policy.is_known());
/// let newer: PullPolicy = serde_json::from_str(r#""OnTuesdays""#)?;
/// assert_eq!(newer, "OnTuesdays");
/// assert!(!newer.is_known());
/// assert_eq!(serde_json::to_string(&newer)?, r#""OnTuesdays""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// The type gets `new`, `as_str`, `is_known` and `KNOWN` (the listed values), and implements
/// `Deref<Target = str>`, `Display` and `Debug` (as the text), `From<&str>`, comparison with `str`
/// and `&str`, `Serialize` and `Deserialize` (never an error for a string). The constants cannot be
/// `match` patterns (a [`SharedStr`] has no structural equality): compare with `==` or match on
/// `as_str()`.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident {
            $($(#[$doc:meta])* $name:ident = $value:literal),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty($crate::SharedStr);

        impl $ty {
            $($(#[$doc])* pub const $name: Self = Self($crate::SharedStr::from_static(&$value));)*

            /// The values this version of the API lists, in the order it lists them.
            pub const KNOWN: &'static [Self] = &[$(Self::$name),*];

            /// A value from its text, listed or not.
            pub fn new(value: impl Into<$crate::SharedStr>) -> Self {
                Self(value.into())
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// Whether the value is one this version of the API lists.
            pub fn is_known(&self) -> bool {
                Self::KNOWN.contains(self)
            }
        }

        impl $crate::wire::StringEnum for $ty {
            const KNOWN: &'static [Self] = Self::KNOWN;

            fn as_str(&self) -> &str {
                self.0.as_str()
            }

            fn from_shared(value: $crate::SharedStr) -> Self {
                Self(value)
            }
        }

        impl ::std::ops::Deref for $ty {
            type Target = str;

            fn deref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(self.0.as_str(), f)
            }
        }

        impl ::std::convert::From<&str> for $ty {
            fn from(value: &str) -> Self {
                Self($crate::SharedStr::from(value))
            }
        }

        impl ::std::cmp::PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0.as_str() == other
            }
        }

        impl ::std::cmp::PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0.as_str() == *other
            }
        }

        impl $crate::wire::__serde::Serialize for $ty {
            fn serialize<S: $crate::wire::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.0.as_str())
            }
        }

        impl<'de> $crate::wire::__serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::wire::__serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::wire::decode_string_enum(d)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::string_enum! {
        /// A test type with one short and one long value (past `SharedStr`'s inline length).
        pub struct Policy {
            /// `Never`.
            NEVER = "Never",
            /// `PreemptLowerPriority`.
            PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority",
        }
    }

    #[test]
    fn listed_values_decode_to_their_constants_and_others_are_kept() {
        let listed: Vec<Policy> = serde_json::from_str(r#"["PreemptLowerPriority","Never"]"#).unwrap();
        assert_eq!(listed, [Policy::PREEMPT_LOWER_PRIORITY, Policy::NEVER]);
        assert!(listed.iter().all(Policy::is_known));
        let other: Policy = serde_json::from_value(serde_json::json!("PreemptEveryone")).unwrap();
        assert_eq!(other.as_str(), "PreemptEveryone");
        assert!(!other.is_known());
        assert_eq!(
            format!("{other} {other:?}"),
            r#"PreemptEveryone "PreemptEveryone""#
        );
        assert_eq!(Policy::KNOWN, [Policy::NEVER, Policy::PREEMPT_LOWER_PRIORITY]);
        assert_eq!(Policy::default(), "");
        assert_eq!(Policy::new(String::from("Never")), Policy::NEVER);
    }

    #[test]
    fn a_value_other_than_a_string_is_an_error_naming_what_was_expected() {
        let err = serde_json::from_str::<Policy>("7").unwrap_err();
        assert!(err.to_string().contains("expected a string"), "{err}");
    }
}
