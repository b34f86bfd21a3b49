//! Pod volumes: a name plus exactly one source (configMap, secret, emptyDir, persistentVolumeClaim...).

use std::fmt;

use clientgo_apimachinery::SharedStr;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::RawJson;

/// A named volume that containers of the pod can mount.
///
/// Mirrors core/v1 `Volume`. Go's `VolumeSource` is a struct of some thirty optional pointers of
/// which exactly one is set; here the one that is set is kept as its JSON key and verbatim JSON text
/// ([`VolumeSource`]), so every source kind, including ones newer than this crate, round-trips
/// exactly and costs one allocation. Typed accessors cover the references controllers follow.
/// Two known sources in one volume is a decode error (the API server rejects it too); other extra
/// fields are ignored.
#[doc(alias = "v1.Volume")]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Volume {
    /// Volume name, unique within the pod.
    pub name: SharedStr,
    /// The volume's source, `None` only for a malformed volume without one.
    pub source: Option<VolumeSource>,
}

/// The one source of a [`Volume`]: its JSON key and its content kept verbatim.
///
/// Mirrors the member that is set in core/v1 `VolumeSource`.
#[doc(alias = "v1.VolumeSource")]
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSource {
    /// The source's JSON key, e.g. `configMap`, `secret`, `emptyDir`, `persistentVolumeClaim`.
    pub kind: SharedStr,
    /// The source's content, verbatim.
    pub spec: RawJson,
}

impl Volume {
    /// The source's kind (`configMap`, `projected`...), if any.
    pub fn source_kind(&self) -> Option<&str> {
        self.source.as_ref().map(|s| s.kind.as_str())
    }

    /// Decodes the source into `T` when its kind is `kind`; `None` for another kind or bad content.
    pub fn source_as<T: DeserializeOwned>(&self, kind: &str) -> Option<T> {
        let s = self.source.as_ref().filter(|s| s.kind == kind)?;
        s.spec.parse().ok()
    }

    /// The ConfigMap name of a `configMap` volume.
    pub fn config_map_name(&self) -> Option<String> {
        self.source_as::<NameRef>("configMap")?.name
    }

    /// The Secret name of a `secret` volume.
    pub fn secret_name(&self) -> Option<String> {
        self.source_as::<NameRef>("secret")?.secret_name
    }

    /// The claim name of a `persistentVolumeClaim` volume.
    pub fn claim_name(&self) -> Option<String> {
        self.source_as::<NameRef>("persistentVolumeClaim")?.claim_name
    }
}

/// The members of Go's `VolumeSource`. A key outside this list is taken as the source only when no
/// known one is present (a source kind newer than this crate), and is otherwise an ignored field.
const KNOWN_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

fn is_known_source(kind: &str) -> bool {
    KNOWN_SOURCES.contains(&kind)
}

/// The name fields of the common reference sources.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameRef {
    name: Option<String>,
    secret_name: Option<String>,
    claim_name: Option<String>,
}

impl Serialize for Volume {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1 + usize::from(self.source.is_some())))?;
        map.serialize_entry("name", &self.name)?;
        if let Some(src) = &self.source {
            map.serialize_entry(&src.kind, &src.spec)?;
        }
        map.end()
    }
}

enum Key {
    Name,
    Source(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a volume field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(if v == "name" {
                    Key::Name
                } else {
                    Key::Source(v.to_owned())
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;
        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = Volume;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a volume object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Volume, A::Error> {
                let mut vol = Volume::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Name => vol.name = map.next_value::<Option<SharedStr>>()?.unwrap_or_default(),
                        Key::Source(kind) => {
                            // `"secret": null` is how some clients write an unset member.
                            let Some(spec) = map.next_value::<Option<RawJson>>()? else {
                                continue;
                            };
                            let known = is_known_source(&kind);
                            match &vol.source {
                                None => {
                                    vol.source = Some(VolumeSource {
                                        kind: kind.into(),
                                        spec,
                                    });
                                }
                                Some(first) if is_known_source(&first.kind) => {
                                    if known {
                                        return Err(de::Error::custom(format_args!(
                                            "volume {:?} has more than one source ({} and {kind})",
                                            vol.name, first.kind
                                        )));
                                    }
                                    // An unknown extra field next to a known source: ignored.
                                }
                                // A known source wins over an unknown key seen first.
                                Some(_) if known => {
                                    vol.source = Some(VolumeSource {
                                        kind: kind.into(),
                                        spec,
                                    });
                                }
                                Some(_) => {}
                            }
                        }
                    }
                }
                Ok(vol)
            }
        }
        d.deserialize_map(VolumeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_source_verbatim_and_answers_references() {
        let json = r#"{"name":"certs","secret":{"secretName":"web-tls","defaultMode":420}}"#;
        let v: Volume = serde_json::from_str(json).unwrap();
        assert_eq!(v.name, "certs");
        assert_eq!(v.source_kind(), Some("secret"));
        assert_eq!(v.secret_name().as_deref(), Some("web-tls"));
        assert_eq!(v.config_map_name(), None);
        assert_eq!(serde_json::to_string(&v).unwrap(), json);

        let pvc: Volume =
            serde_json::from_str(r#"{"persistentVolumeClaim":{"claimName":"data"},"name":"d"}"#).unwrap();
        assert_eq!(pvc.claim_name().as_deref(), Some("data"));
        let cm: Volume =
            serde_json::from_str(r#"{"name":"c","configMap":{"name":"cfg"},"secret":null}"#).unwrap();
        assert_eq!(cm.config_map_name().as_deref(), Some("cfg"));
    }

    #[test]
    fn unknown_fields_never_fail_and_new_source_kinds_survive() {
        let v: Volume =
            serde_json::from_str(r#"{"name":"x","zzExtra":{"a":1},"configMap":{"name":"c"},"zzMore":2}"#)
                .unwrap();
        assert_eq!(v.config_map_name().as_deref(), Some("c"));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"name":"x","configMap":{"name":"c"}}"#
        );
        let future: Volume = serde_json::from_str(r#"{"name":"f","quantumDisk":{"qubits":8}}"#).unwrap();
        assert_eq!(future.source_kind(), Some("quantumDisk"));
        assert_eq!(
            serde_json::to_string(&future).unwrap(),
            r#"{"name":"f","quantumDisk":{"qubits":8}}"#
        );
    }

    #[test]
    fn two_sources_is_an_error_naming_both() {
        let err = serde_json::from_str::<Volume>(r#"{"name":"x","emptyDir":{},"secret":{}}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("more than one source (emptyDir and secret)"),
            "{err}"
        );
    }
}
