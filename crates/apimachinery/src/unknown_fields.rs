//! [`UnknownFields`]: the fields of a decoded object that its Rust type does not model.
//!
//! A typed client that decodes an object from a newer API server, changes one field and writes it
//! back must not drop the fields the server added since this crate was written: Go's client-go and
//! kube-rs both do, and the update then erases them. Every struct written with
//! [`wire_struct!`](crate::wire_struct) therefore keeps the keys it does not know, with their values
//! verbatim, and writes them back after its known fields.
//!
//! The slot costs one word and no allocation when there is nothing in it, which is nearly always:
//! `Option<Box<..>>` is null until the first unknown key arrives. The values are [`RawJson`], so
//! they are interned like any other raw sub-object: a field a newer server adds to 50,000 pods is
//! stored once.

use std::fmt;

use serde::ser::SerializeMap;

use crate::raw_json::RawJson;
use crate::shared_str::SharedStr;

/// Fields a type does not model, by JSON name, values verbatim, in arrival order.
///
/// Unlike Go's structs (and serde's derived decoders), the structs of this crate and of the api crate
/// keep what they do not know here instead of dropping it, so a decode/modify/encode round trip
/// against a newer server loses nothing. One word wide; nothing is allocated while it is empty.
/// Decoding never puts the name of a modelled field here, and neither should callers: it would be
/// written twice.
///
/// ```
/// use clientgo_apimachinery::ObjectMeta;
///
/// let meta: ObjectMeta = serde_json::from_str(r#"{"name":"web","shinyNewField":{"a":1}}"#)?;
/// assert_eq!(meta.unknown_fields.get("shinyNewField").map(|v| v.as_str()), Some(r#"{"a":1}"#));
/// assert_eq!(serde_json::to_string(&meta)?, r#"{"name":"web","shinyNewField":{"a":1}}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
// A boxed `Vec` on purpose: one word in every struct (a bare `Vec` is three), paid for with a second
// allocation only when an unknown field actually arrives.
#[allow(clippy::box_collection)]
pub struct UnknownFields(Option<Box<Vec<(SharedStr, RawJson)>>>);

impl UnknownFields {
    /// No fields; does not allocate.
    pub const fn new() -> Self {
        UnknownFields(None)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|fields| fields.is_empty())
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |fields| fields.len())
    }

    /// The value of field `name`, verbatim.
    pub fn get(&self, name: &str) -> Option<&RawJson> {
        self.iter().find_map(|(n, v)| (n == name).then_some(v))
    }

    /// The fields in the order they arrived (or were inserted).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &RawJson)> + ExactSizeIterator + '_ {
        self.0
            .as_deref()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|(n, v)| (n.as_str(), v))
    }

    /// Sets field `name`, returning the value it replaced; a new name goes last. Like a map, the
    /// last value of a repeated name wins, in the place of its first.
    pub fn insert(&mut self, name: impl Into<SharedStr>, value: RawJson) -> Option<RawJson> {
        let name = name.into();
        let fields = self.0.get_or_insert_with(Box::default);
        match fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                fields.push((name, value));
                None
            }
        }
    }

    /// Removes field `name`, returning its value; the slot is freed when the last one goes.
    pub fn remove(&mut self, name: &str) -> Option<RawJson> {
        let fields = self.0.as_mut()?;
        let at = fields.iter().position(|(n, _)| n == name)?;
        let (_, value) = fields.remove(at);
        if fields.is_empty() {
            self.0 = None;
        }
        Some(value)
    }

    /// Removes every field and frees the slot.
    pub fn clear(&mut self) {
        self.0 = None;
    }

    /// Writes the fields as entries of `map`, in order: what a struct's `Serialize` calls after its
    /// known fields.
    ///
    /// # Errors
    /// The serializer's error, e.g. for a value whose text is not valid JSON (only possible through
    /// a `RawJson` built unchecked, which the constructors do not allow).
    pub fn write_to<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        Ok(())
    }

    /// Appends a field read by a decoder; [`UnknownFields::finish_decoding`] settles repeats once
    /// the object is read, so a hostile object with many keys costs linear time, not quadratic.
    #[doc(hidden)]
    pub fn push_decoded(&mut self, name: SharedStr, value: RawJson) {
        self.0.get_or_insert_with(Box::default).push((name, value));
    }

    /// Ends decoding: a repeated name keeps its last value in the place of its first (what
    /// [`UnknownFields::insert`] would have given), and the list keeps no spare room.
    #[doc(hidden)]
    pub fn finish_decoding(&mut self) {
        let Some(fields) = self.0.as_mut() else {
            return;
        };
        if fields.len() > 1 {
            let mut first_at = std::collections::HashMap::with_capacity(fields.len());
            let mut kept: Vec<(SharedStr, RawJson)> = Vec::with_capacity(fields.len());
            for (name, value) in fields.drain(..) {
                match first_at.get(&name) {
                    Some(&at) => {
                        let slot: &mut (SharedStr, RawJson) = &mut kept[at];
                        slot.1 = value;
                    }
                    None => {
                        first_at.insert(name.clone(), kept.len());
                        kept.push((name, value));
                    }
                }
            }
            **fields = kept;
        }
        fields.shrink_to_fit();
    }
}

/// Equal when both hold the same names with the same texts, in any order: JSON objects are
/// unordered, and an object that went through a `serde_json::Value` (which sorts keys) is still the
/// same object.
impl PartialEq for UnknownFields {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(name, value)| other.get(name) == Some(value))
    }
}

impl Eq for UnknownFields {}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<N: Into<SharedStr>> FromIterator<(N, RawJson)> for UnknownFields {
    /// Collects fields; a repeated name keeps its last value, as with [`UnknownFields::insert`].
    fn from_iter<I: IntoIterator<Item = (N, RawJson)>>(iter: I) -> Self {
        let mut fields = UnknownFields::new();
        for (name, value) in iter {
            fields.push_decoded(name.into(), value);
        }
        fields.finish_decoding();
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawJson {
        RawJson::from_string(text.to_owned()).expect("valid JSON")
    }

    #[test]
    fn one_word_and_no_allocation_while_empty() {
        assert_eq!(size_of::<UnknownFields>(), size_of::<usize>());
        let empty = UnknownFields::new();
        assert!(empty.0.is_none());
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        assert_eq!(empty.get("x"), None);
    }

    #[test]
    fn insert_replaces_in_place_and_remove_frees_the_slot() {
        let mut f = UnknownFields::new();
        assert_eq!(f.insert("b", raw("1")), None);
        assert_eq!(f.insert("a", raw("2")), None);
        assert_eq!(f.insert("b", raw("3")), Some(raw("1")));
        assert_eq!(
            f.iter().map(|(n, v)| (n, v.as_str())).collect::<Vec<_>>(),
            [("b", "3"), ("a", "2")]
        );
        assert_eq!(f.remove("b"), Some(raw("3")));
        assert_eq!(f.remove("b"), None);
        assert_eq!(f.remove("a"), Some(raw("2")));
        assert!(f.0.is_none(), "the box is freed with the last field");
        f.insert("c", raw("null"));
        f.clear();
        assert!(f.is_empty());
    }

    #[test]
    fn collecting_keeps_the_last_repeat_in_the_first_place() {
        let f: UnknownFields = [
            ("x", raw("1")),
            ("y", raw("2")),
            ("x", raw("3")),
            ("z", raw("4")),
            ("y", raw("5")),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            f.iter().map(|(n, v)| (n, v.as_str())).collect::<Vec<_>>(),
            [("x", "3"), ("y", "5"), ("z", "4")]
        );
        assert_eq!(format!("{f:?}"), r#"{"x": 3, "y": 5, "z": 4}"#);
    }

    #[test]
    fn equality_ignores_order_but_not_text() {
        let a: UnknownFields = [("x", raw("1")), ("y", raw("[2]"))].into_iter().collect();
        let b: UnknownFields = [("y", raw("[2]")), ("x", raw("1"))].into_iter().collect();
        let c: UnknownFields = [("y", raw("[2]")), ("x", raw("1.0"))].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, UnknownFields::new());
        assert_eq!(
            UnknownFields::new(),
            [("x", raw("1"))].into_iter().skip(1).collect()
        );
    }
}
