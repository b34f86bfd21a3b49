//! Small serde helpers shared by the API types.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` as the type's default, so `"labels": null` decodes like an absent field.
///
/// The API server omits empty fields instead of writing `null`, but hand-written manifests and other
/// clients do write it; Go's decoder accepts both, so we do too.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Implements `Deserialize` for a metadata struct that keeps the fields it does not model.
///
/// The struct must implement `Default` and have an `extra: serde_json::Map<String, Value>` field.
/// Each `required` field must be present; each `optional` field decodes `null` like an absent field
/// (its default), as [`null_as_default`] does; each `unique` field is an `Option<SharedStr>` decoded
/// the same way but not interned (values unique to one object, see
/// [`UniqueStr`](crate::shared_str::UniqueStr)); each `lists` field is an optional `Vec` decoded the
/// same way and then shrunk to its length (serde grows a `Vec` by doubling, so a one-entry list
/// would keep room for four: for owner references and managed fields that is most of a kilobyte
/// per cached object). Every other key goes into `extra` with its value
/// verbatim, so that fields added by a newer API server survive a decode/encode round trip (the
/// struct serializes `extra` with `#[serde(flatten)]`).
///
/// Why not `#[serde(flatten)]` on the decoding side as well: serde then buffers the whole object
/// into an intermediate tree before decoding each field from it, which costs every typed object
/// (every Pod in a watch) its metadata decoded twice. This visitor matches keys the way the derived
/// one does and touches `extra` only for keys it does not know.
macro_rules! deserialize_keeping_unknown {
    (
        $ty:ident, $expecting:literal,
        required { $($req:ident: $req_json:literal),* $(,)? },
        optional { $($opt:ident: $opt_json:literal),* $(,)? }
        $(, unique { $($uniq:ident: $uniq_json:literal),* $(,)? })?
        $(, lists { $($list:ident: $list_json:literal),* $(,)? })? $(,)?
    ) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[allow(non_camel_case_types)]
                enum Key {
                    $($req,)*
                    $($opt,)*
                    $($($uniq,)*)?
                    $($($list,)*)?
                    Unknown(String),
                }

                struct KeyVisitor;

                impl serde::de::Visitor<'_> for KeyVisitor {
                    type Value = Key;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a field name")
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                        Ok(match v {
                            $($req_json => Key::$req,)*
                            $($opt_json => Key::$opt,)*
                            $($($uniq_json => Key::$uniq,)*)?
                            $($($list_json => Key::$list,)*)?
                            other => Key::Unknown(other.to_owned()),
                        })
                    }
                }

                impl<'de> serde::Deserialize<'de> for Key {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        d.deserialize_identifier(KeyVisitor)
                    }
                }

                /// Which required fields were present.
                #[derive(Default)]
                struct Seen {
                    $($req: bool,)*
                }

                struct ValueVisitor;

                impl<'de> serde::de::Visitor<'de> for ValueVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        let mut out = <$ty>::default();
                        #[allow(unused_mut, unused_variables)]
                        let mut seen = Seen::default();
                        while let Some(key) = map.next_key::<Key>()? {
                            match key {
                                $(Key::$req => {
                                    out.$req = map.next_value()?;
                                    seen.$req = true;
                                })*
                                $(Key::$opt => {
                                    out.$opt = map.next_value::<Option<_>>()?.unwrap_or_default();
                                })*
                                $($(Key::$uniq => {
                                    out.$uniq = map
                                        .next_value::<Option<$crate::shared_str::UniqueStr>>()?
                                        .map(|u| u.0);
                                })*)?
                                $($(Key::$list => {
                                    let mut list: Vec<_> = map.next_value::<Option<_>>()?.unwrap_or_default();
                                    list.shrink_to_fit();
                                    out.$list = list;
                                })*)?
                                Key::Unknown(name) => {
                                    let value = map.next_value()?;
                                    out.extra.insert(name, value);
                                }
                            }
                        }
                        $(if !seen.$req {
                            return Err(serde::de::Error::missing_field($req_json));
                        })*
                        Ok(out)
                    }
                }

                d.deserialize_map(ValueVisitor)
            }
        }
    };
}

pub(crate) use deserialize_keeping_unknown;
