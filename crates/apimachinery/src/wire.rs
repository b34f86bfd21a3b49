//! The JSON codec of API structs, written once: [`wire_struct!`](crate::wire_struct) and the field
//! modes it reads.
//!
//! Every API struct decodes and encodes the same way: a JSON object whose keys are matched against
//! the struct's fields, `null` read like an absent field, empty values left out on output as Go's
//! `omitempty` does, and the keys the struct does not know kept in its
//! [`UnknownFields`](crate::UnknownFields) and written back last. `wire_struct!` expands one line
//! per field into that `Deserialize` and `Serialize`; what differs between fields is only the
//! *mode*, a zero-sized type in [`mode`] that implements [`Decode`] and [`Encode`] for the field's
//! type. The api crate's generated structs (docs/api-generation.md, section 4) and this crate's
//! metadata types share this one engine. String types with listed values (Go's
//! `type PullPolicy string`) are declared by [`string_enum!`](crate::string_enum).
//!
//! Why not `#[derive(Deserialize)]`: serde's only way to keep unknown keys is `#[serde(flatten)]`
//! into a map, which buffers every key of the object into an intermediate tree and decodes each
//! field a second time from it (and [`RawJson`](crate::RawJson) cannot pass through that tree at
//! all). Here a known key costs a borrowed-string `match` and nothing else; only an unknown one
//! allocates.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserializer, Serialize};

use crate::shared_str::{SharedStr, UniqueStr};
use crate::sorted_map::SortedMap;

#[doc(hidden)]
pub use serde as __serde;

mod string_enum;

pub use string_enum::{decode as decode_string_enum, StringEnum};

/// How a field of mode `Self` decodes into a `T`: the value at the map's current key.
pub trait Decode<T> {
    /// Reads the value of the current key of `map`.
    ///
    /// # Errors
    /// The deserializer's error when the value does not have the field's type.
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error>;
}

/// How a field of mode `Self` holding a `T` is written: as entry `key` of `map`, or not at all.
pub trait Encode<T> {
    /// Writes `value` under `key`, unless the mode leaves it out.
    ///
    /// # Errors
    /// The serializer's error.
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &T) -> Result<(), M::Error>;
}

/// The field modes of [`wire_struct!`](crate::wire_struct), named as the macro line spells them.
///
/// | mode | Rust field | decode | encode |
/// | --- | --- | --- | --- |
/// | `req` | `T` | absent or `null`: `T::default()` (Go does not enforce `required` either) | always |
/// | `omit` | `T` | as `req` | left out when it equals `T::default()` (Go `omitempty` on a value) |
/// | `opt` | `Option<T>` | `null`: `None` | left out when `None` |
/// | `list` | `Vec<T>` | `null`: empty; no spare capacity kept | left out when empty |
/// | `map` | [`SortedMap`] (e.g. [`StringMap`](crate::StringMap)) | `null`: empty | left out when empty |
/// | `unique` | `Option<SharedStr>` | as `opt`, but not interned (see [`UniqueStr`]) | left out when `None` |
/// | `null` | `Option<T>` or `Vec<T>` | `null`: `None` or empty | always; `None` and empty as `null` (Go's non-omitempty pointer or slice) |
///
/// The names are lower case because they are the macro's vocabulary, not types anyone names.
#[allow(non_camel_case_types)]
pub mod mode {
    /// Always written; absent or `null` decodes as the default.
    pub struct req;
    /// Written unless it equals the default (Go's `omitempty` on a value field).
    pub struct omit;
    /// An `Option`, written unless `None`.
    pub struct opt;
    /// A `Vec`, written unless empty, decoded with no spare capacity.
    pub struct list;
    /// A map, written unless empty.
    pub struct map;
    /// An `Option<SharedStr>` whose value is unique per object, so not interned.
    pub struct unique;
    /// An `Option` or `Vec` Go always writes: unset is written as `null`, as the API server does.
    pub struct null;
}

impl<T: DeserializeOwned + Default> Decode<T> for mode::req {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        Ok(map.next_value::<Option<T>>()?.unwrap_or_default())
    }
}

impl<T: Serialize> Encode<T> for mode::req {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &T) -> Result<(), M::Error> {
        map.serialize_entry(key, value)
    }
}

impl<T: DeserializeOwned + Default> Decode<T> for mode::omit {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
        <mode::req as Decode<T>>::decode(map)
    }
}

impl<T: Serialize + Default + PartialEq> Encode<T> for mode::omit {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &T) -> Result<(), M::Error> {
        if *value == T::default() {
            return Ok(());
        }
        map.serialize_entry(key, value)
    }
}

impl<T: DeserializeOwned> Decode<Option<T>> for mode::opt {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<T>, A::Error> {
        map.next_value()
    }
}

impl<T: Serialize> Encode<Option<T>> for mode::opt {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &Option<T>) -> Result<(), M::Error> {
        match value {
            Some(value) => map.serialize_entry(key, value),
            None => Ok(()),
        }
    }
}

impl<T: DeserializeOwned> Decode<Vec<T>> for mode::list {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<T>, A::Error> {
        // serde grows a `Vec` by doubling (JSON gives no length up front), so a one-entry list
        // would keep room for four: for owner references and managed fields most of a kilobyte per
        // cached object. One `shrink_to_fit`, usually a `realloc` in place, gives it back.
        let mut list = map.next_value::<Option<Vec<T>>>()?.unwrap_or_default();
        list.shrink_to_fit();
        Ok(list)
    }
}

impl<T: Serialize> Encode<Vec<T>> for mode::list {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &Vec<T>) -> Result<(), M::Error> {
        if value.is_empty() {
            return Ok(());
        }
        map.serialize_entry(key, value)
    }
}

impl<V: DeserializeOwned> Decode<SortedMap<V>> for mode::map {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<SortedMap<V>, A::Error> {
        <mode::req as Decode<SortedMap<V>>>::decode(map)
    }
}

impl<V: Serialize> Encode<SortedMap<V>> for mode::map {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &SortedMap<V>) -> Result<(), M::Error> {
        if value.is_empty() {
            return Ok(());
        }
        map.serialize_entry(key, value)
    }
}

impl Decode<Option<SharedStr>> for mode::unique {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<SharedStr>, A::Error> {
        Ok(map.next_value::<Option<UniqueStr>>()?.map(|u| u.0))
    }
}

impl Encode<Option<SharedStr>> for mode::unique {
    fn encode<M: SerializeMap>(
        map: &mut M,
        key: &'static str,
        value: &Option<SharedStr>,
    ) -> Result<(), M::Error> {
        <mode::opt as Encode<Option<SharedStr>>>::encode(map, key, value)
    }
}

impl<T: DeserializeOwned> Decode<Option<T>> for mode::null {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<T>, A::Error> {
        map.next_value()
    }
}

impl<T: Serialize> Encode<Option<T>> for mode::null {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &Option<T>) -> Result<(), M::Error> {
        map.serialize_entry(key, value)
    }
}

impl<T: DeserializeOwned> Decode<Vec<T>> for mode::null {
    fn decode<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<T>, A::Error> {
        <mode::list as Decode<Vec<T>>>::decode(map)
    }
}

impl<T: Serialize> Encode<Vec<T>> for mode::null {
    fn encode<M: SerializeMap>(map: &mut M, key: &'static str, value: &Vec<T>) -> Result<(), M::Error> {
        if value.is_empty() {
            return map.serialize_entry(key, &());
        }
        map.serialize_entry(key, value)
    }
}

/// The known fields of one struct, looked up by JSON name.
///
/// `wire_struct!` implements it on a field enum of its own per struct; the lookup is a plain
/// `match` on the name, compiled once per struct whatever deserializer decodes it.
pub trait FieldName: Sized {
    /// The field whose JSON name is `name`, if the struct has one.
    fn lookup(name: &str) -> Option<Self>;
}

/// A key of an object being decoded: one of the struct's fields, or a name it does not know.
#[derive(Debug)]
pub enum Key<F> {
    /// A field of the struct.
    Known(F),
    /// Any other name, interned (the same unknown field repeats across the objects of a newer
    /// server).
    Unknown(SharedStr),
}

/// Reads an object key as a [`Key`]: a known name costs no allocation.
pub struct KeySeed<F>(PhantomData<F>);

impl<F> KeySeed<F> {
    /// The seed for the next key.
    #[allow(clippy::new_without_default)] // A seed is made per key, never defaulted.
    pub fn new() -> Self {
        KeySeed(PhantomData)
    }
}

impl<'de, F: FieldName> DeserializeSeed<'de> for KeySeed<F> {
    type Value = Key<F>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<F>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<F: FieldName> Visitor<'_> for KeySeed<F> {
    type Value = Key<F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Key<F>, E> {
        Ok(match F::lookup(name) {
            Some(field) => Key::Known(field),
            None => Key::Unknown(SharedStr::interned(name)),
        })
    }
}

/// Implements `Deserialize` and `Serialize` for an API struct from one line per field, keeping the
/// keys it does not model in its `unknown_fields` ([`UnknownFields`](crate::UnknownFields)).
///
/// ```
/// use clientgo_apimachinery::{wire_struct, SharedStr, UnknownFields};
///
/// /// A port, as an API struct would declare it.
/// #[derive(Debug, Clone, Default, PartialEq)]
/// pub struct Port {
///     /// `containerPort`.
///     pub container_port: i32,
///     /// `name`.
///     pub name: Option<SharedStr>,
///     /// What this version does not model.
///     pub unknown_fields: UnknownFields,
/// }
///
/// wire_struct!(Port, "a port" {
///     "containerPort" => container_port: req,
///     "name" => name: opt,
/// });
///
/// let port: Port = serde_json::from_str(r#"{"containerPort":80,"name":null,"appProtocol":"h2c"}"#)?;
/// assert_eq!(port.container_port, 80);
/// assert_eq!(serde_json::to_string(&port)?, r#"{"containerPort":80,"appProtocol":"h2c"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// The struct must implement `Default` (decoding starts from it) and have a
/// `pub unknown_fields: UnknownFields` field. Each line is `"jsonName" => rust_field: mode`, the
/// modes being those of [`wire::mode`](crate::wire::mode); fields are written in the order of the
/// lines, then the unknown ones in the order they arrived. A generic struct names its type
/// parameters (`wire_struct!(List<T>, ...)`); they must be `DeserializeOwned` to decode and
/// `Serialize` to encode. A repeated key keeps its last value, as Go's decoder does. A value of the
/// wrong type fails with serde's message and the input's line and column; a JSON value other than
/// an object fails with "expected" and the description given here.
#[macro_export]
macro_rules! wire_struct {
    (
        $ty:ident $(< $($g:ident),+ >)?, $expecting:literal {
            $($json:literal => $field:ident : $mode:ident),* $(,)?
        }
    ) => {
        const _: () = {
            use $crate::wire::__serde as __serde;

            #[allow(non_camel_case_types)]
            enum __Field {
                $($field,)*
            }

            impl $crate::wire::FieldName for __Field {
                fn lookup(name: &str) -> Option<Self> {
                    match name {
                        $($json => Some(__Field::$field),)*
                        _ => None,
                    }
                }
            }

            struct __Visitor<$($($g),+)?>(::std::marker::PhantomData<fn() -> $ty<$($($g),+)?>>);

            impl<'de $($(, $g: __serde::de::DeserializeOwned)+)?> __serde::de::Visitor<'de>
                for __Visitor<$($($g),+)?>
            {
                type Value = $ty<$($($g),+)?>;

                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str($expecting)
                }

                fn visit_map<A: __serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut out = <Self::Value as ::std::default::Default>::default();
                    while let Some(key) = map.next_key_seed($crate::wire::KeySeed::<__Field>::new())? {
                        match key {
                            $($crate::wire::Key::Known(__Field::$field) => {
                                out.$field = <$crate::wire::mode::$mode as $crate::wire::Decode<_>>::decode(&mut map)?;
                            })*
                            $crate::wire::Key::Unknown(name) => {
                                out.unknown_fields.push_decoded(name, map.next_value()?);
                            }
                        }
                    }
                    out.unknown_fields.finish_decoding();
                    Ok(out)
                }
            }

            impl<'de $($(, $g: __serde::de::DeserializeOwned)+)?> __serde::Deserialize<'de> for $ty<$($($g),+)?> {
                fn deserialize<D: __serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_map(__Visitor(::std::marker::PhantomData))
                }
            }

            impl<$($($g: __serde::Serialize),+)?> __serde::Serialize for $ty<$($($g),+)?> {
                fn serialize<S: __serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use __serde::ser::SerializeMap as _;
                    let mut map = s.serialize_map(None)?;
                    $(<$crate::wire::mode::$mode as $crate::wire::Encode<_>>::encode(&mut map, $json, &self.$field)?;)*
                    self.unknown_fields.write_to(&mut map)?;
                    map.end()
                }
            }
        };
    };
}

#[cfg(test)]
mod tests;
