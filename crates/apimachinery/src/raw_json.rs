//! Sub-objects kept verbatim as JSON text.
//!
//! Deep, rarely read parts of an object (probes, affinity, security contexts, volume sources,
//! server-side apply field sets) are not decoded into trees of structs: they are kept as the exact
//! JSON text the server sent, in a [`SharedStr`], so the pods of one template share one copy of
//! their probe or field set (decoding interns the text) and `{}` takes no allocation at all. That
//! keeps a cached object about as small as its JSON, keeps decoding fast, and makes update round
//! trips lossless even for fields this crate does not know. Read them on demand with
//! [`RawJson::parse`].
//!
//! # Decoding from something other than JSON
//! [`RawJson`] (like `serde_json::value::RawValue`, which it wraps) can only be deserialized by
//! `serde_json`: from text (`from_str`, `from_slice`, `from_reader`) or from a `serde_json::Value`
//! (`from_value`). Decoding a type that contains it straight from YAML or another format, or through
//! `#[serde(flatten)]`, fails with "invalid type: newtype struct". For YAML go through a `Value`:
//! `serde_json::from_value::<Pod>(serde_yaml::from_str::<serde_json::Value>(yaml)?)`.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::shared_str::SharedStr;

/// A JSON sub-object kept verbatim as text.
///
/// Plays the part Go's typed structs play for deep sub-objects (and of `runtime.RawExtension` for
/// embedded ones): the text is re-emitted unchanged on encode. Equality compares the text. The
/// text is always one valid JSON value: every constructor checks it.
#[derive(Clone)]
pub struct RawJson(SharedStr);

impl RawJson {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Wraps JSON text after checking that it is valid JSON.
    ///
    /// # Errors
    /// Returns the `serde_json` error when `json` is not a single valid JSON value.
    pub fn from_string(json: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(json).map(|raw| RawJson(raw.get().into()))
    }

    /// Serializes `value` (anything, e.g. a typed probe or a `serde_json::Value`) to compact JSON text.
    ///
    /// # Errors
    /// Returns the `serde_json` error when `value` cannot be serialized.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(|raw| RawJson(raw.get().into()))
    }

    /// Decodes the text into `T` (a struct of the fields you need, or `serde_json::Value`).
    ///
    /// # Errors
    /// Returns the `serde_json` error when the text does not match `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }
}

impl Serialize for RawJson {
    /// Writes the text verbatim (through `serde_json`'s raw value; other serializers see what they
    /// see of a `RawValue`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Checking the text again is the price of emitting it raw from a shared string: a scan at
        // parsing speed, paid only on encode, which a cache never does.
        let raw: &RawValue = serde_json::from_str(self.as_str()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    /// Takes the value's text verbatim and interns it (see [`SharedStr::interned`]).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Ok(RawJson(SharedStr::interned(raw.get())))
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

/// Text equality is an equivalence.
impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn keeps_text_verbatim_and_parses_on_demand() {
        #[derive(Deserialize, Serialize)]
        struct Holder {
            probe: RawJson,
        }
        let json = r#"{"probe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10}}"#;
        let h: Holder = serde_json::from_str(json).unwrap();
        assert_eq!(
            h.probe.as_str(),
            r#"{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10}"#
        );
        let v: Value = h.probe.parse().unwrap();
        assert_eq!(v["httpGet"]["port"], 8080);
        assert_eq!(serde_json::to_string(&h).unwrap(), json);
    }

    #[test]
    fn decodes_from_a_json_value() {
        #[derive(Deserialize, Debug)]
        struct Holder {
            probe: RawJson,
        }
        let v = serde_json::json!({"probe": {"exec": {"command": ["true"]}}});
        let h: Holder = serde_json::from_value(v).unwrap();
        assert_eq!(h.probe.as_str(), r#"{"exec":{"command":["true"]}}"#);
    }

    #[test]
    fn from_string_rejects_invalid_json() {
        assert!(RawJson::from_string("{".to_owned()).is_err());
        assert_eq!(RawJson::from_string("[1]".to_owned()).unwrap().as_str(), "[1]");
        assert_eq!(RawJson::from_serialize(&[1, 2]).unwrap().as_str(), "[1,2]");
    }
}
