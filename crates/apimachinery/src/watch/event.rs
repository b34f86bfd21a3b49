//! Watch events as the API server streams them: `{"type":"ADDED","object":{...}}`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::meta::ObjectMeta;
use crate::status::Status;

/// The annotation on the BOOKMARK that ends a streaming list's initial events.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// One change notification from a watch.
///
/// Mirrors apimachinery `watch.Event` with its five `watch.EventType`s. A BOOKMARK carries only a
/// resourceVersion (and annotations), not a full object, so it has its own payload type instead of
/// pretending to be a `T`; an ERROR carries the server's [`Status`].
#[doc(alias = "watch.Event")]
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent<T> {
    /// An object was created, or is listed at the start of a watch.
    Added(T),
    /// An object changed.
    Modified(T),
    /// An object was deleted; this is its last state.
    Deleted(T),
    /// Progress notification: every event up to this resourceVersion has been sent.
    Bookmark(Bookmark),
    /// The watch failed, e.g. with 410 Expired; the watch ends after it.
    Error(Status),
}

/// The payload of a BOOKMARK event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bookmark {
    /// `apiVersion` of the watched type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind` of the watched type.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Only `resourceVersion` (and, at the end of initial events, an annotation) is set.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl Bookmark {
    /// The resourceVersion this bookmark advances to.
    pub fn resource_version(&self) -> &str {
        self.metadata.resource_version.as_deref().unwrap_or("")
    }

    /// True for the bookmark annotated `k8s.io/initial-events-end: "true"` that ends a streaming list.
    pub fn is_initial_events_end(&self) -> bool {
        self.metadata
            .annotations
            .get(INITIAL_EVENTS_END_ANNOTATION)
            .is_some_and(|v| v == "true")
    }
}

/// The wire names of the event types.
#[doc(alias = "watch.EventType")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `ADDED`
    Added,
    /// `MODIFIED`
    Modified,
    /// `DELETED`
    Deleted,
    /// `BOOKMARK`
    Bookmark,
    /// `ERROR`
    Error,
}

impl EventType {
    /// Parses a wire name; `None` for anything but the five types.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ADDED" => EventType::Added,
            "MODIFIED" => EventType::Modified,
            "DELETED" => EventType::Deleted,
            "BOOKMARK" => EventType::Bookmark,
            "ERROR" => EventType::Error,
            _ => return None,
        })
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
            EventType::Bookmark => "BOOKMARK",
            EventType::Error => "ERROR",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T> WatchEvent<T> {
    /// The event's type.
    pub fn event_type(&self) -> EventType {
        match self {
            WatchEvent::Added(_) => EventType::Added,
            WatchEvent::Modified(_) => EventType::Modified,
            WatchEvent::Deleted(_) => EventType::Deleted,
            WatchEvent::Bookmark(_) => EventType::Bookmark,
            WatchEvent::Error(_) => EventType::Error,
        }
    }

    /// The object of an ADDED, MODIFIED or DELETED event.
    pub fn object(&self) -> Option<&T> {
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => Some(o),
            WatchEvent::Bookmark(_) | WatchEvent::Error(_) => None,
        }
    }

    /// Applies `f` to the object of an ADDED, MODIFIED or DELETED event.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> WatchEvent<U> {
        match self {
            WatchEvent::Added(o) => WatchEvent::Added(f(o)),
            WatchEvent::Modified(o) => WatchEvent::Modified(f(o)),
            WatchEvent::Deleted(o) => WatchEvent::Deleted(f(o)),
            WatchEvent::Bookmark(b) => WatchEvent::Bookmark(b),
            WatchEvent::Error(s) => WatchEvent::Error(s),
        }
    }
}

impl<T: Serialize> Serialize for WatchEvent<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("WatchEvent", 2)?;
        st.serialize_field("type", self.event_type().as_str())?;
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                st.serialize_field("object", o)?;
            }
            WatchEvent::Bookmark(b) => st.serialize_field("object", b)?,
            WatchEvent::Error(e) => st.serialize_field("object", e)?,
        }
        st.end()
    }
}

/// Decodes in one pass when `type` precedes `object` (the API server's order); otherwise the object
/// is captured as raw JSON and decoded once its type is known.
impl<'de, T: DeserializeOwned> Deserialize<'de> for WatchEvent<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor(PhantomData))
    }
}

struct EventVisitor<T>(PhantomData<T>);

enum Field {
    Type,
    Object,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "type" => Field::Type,
                    "object" => Field::Object,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(FieldVisitor)
    }
}

fn unknown_type<E: de::Error>(t: &str) -> E {
    E::custom(format_args!(
        "unknown watch event type {t:?}, expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR"
    ))
}

struct Typed<T>(EventType, PhantomData<T>);

impl<'de, T: DeserializeOwned> de::DeserializeSeed<'de> for Typed<T> {
    type Value = WatchEvent<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok(match self.0 {
            EventType::Added => WatchEvent::Added(T::deserialize(d)?),
            EventType::Modified => WatchEvent::Modified(T::deserialize(d)?),
            EventType::Deleted => WatchEvent::Deleted(T::deserialize(d)?),
            EventType::Bookmark => WatchEvent::Bookmark(Bookmark::deserialize(d)?),
            EventType::Error => WatchEvent::Error(Status::deserialize(d)?),
        })
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for EventVisitor<T> {
    type Value = WatchEvent<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a watch event object with `type` and `object`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ty: Option<EventType> = None;
        let mut event: Option<WatchEvent<T>> = None;
        let mut raw: Option<Box<RawValue>> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Type => {
                    let name: std::borrow::Cow<'de, str> = map.next_value()?;
                    ty = Some(EventType::parse(&name).ok_or_else(|| unknown_type(&name))?);
                }
                Field::Object => match ty {
                    Some(t) => event = Some(map.next_value_seed(Typed(t, PhantomData))?),
                    None => raw = Some(map.next_value()?),
                },
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(event) = event {
            return Ok(event);
        }
        let ty = ty.ok_or_else(|| de::Error::missing_field("type"))?;
        let raw = raw.ok_or_else(|| de::Error::missing_field("object"))?;
        let mut de = serde_json::Deserializer::from_str(raw.get());
        de::DeserializeSeed::deserialize(Typed(ty, PhantomData), &mut de).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic::DynamicObject;
    use crate::errors::ApiError;
    use crate::resource::Object;

    #[test]
    fn decodes_each_type_from_real_server_frames() {
        let added: WatchEvent<DynamicObject> = serde_json::from_str(r#"{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-6","namespace":"demo","resourceVersion":"218"},"data":{"k":"v6"}}}"#).unwrap();
        assert_eq!(added.event_type(), EventType::Added);
        assert_eq!(added.object().unwrap().name(), "cm-6");

        let bm: WatchEvent<DynamicObject> = serde_json::from_str(r#"{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"222","annotations":{"k8s.io/initial-events-end":"true"}}}}"#).unwrap();
        match bm {
            WatchEvent::Bookmark(b) => {
                assert_eq!(b.resource_version(), "222");
                assert!(b.is_initial_events_end());
            }
            other => panic!("expected a bookmark, got {other:?}"),
        }

        let err: WatchEvent<DynamicObject> = serde_json::from_str(r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 215 (853)","reason":"Expired","code":410}}"#).unwrap();
        match err {
            WatchEvent::Error(s) => assert!(ApiError::from_status(s).is_gone()),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn object_before_type_still_decodes() {
        let ev: WatchEvent<DynamicObject> =
            serde_json::from_str(r#"{"object":{"metadata":{"name":"x"}},"extra":1,"type":"DELETED"}"#)
                .unwrap();
        assert_eq!(ev.event_type(), EventType::Deleted);
        assert_eq!(ev.object().unwrap().name(), "x");
    }

    #[test]
    fn bad_events_say_what_is_wrong() {
        let e = serde_json::from_str::<WatchEvent<DynamicObject>>(r#"{"type":"CHANGED","object":{}}"#)
            .unwrap_err();
        assert!(
            e.to_string().contains("unknown watch event type \"CHANGED\""),
            "{e}"
        );
        let e = serde_json::from_str::<WatchEvent<DynamicObject>>(r#"{"type":"ADDED"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `object`"), "{e}");
        let e = serde_json::from_str::<WatchEvent<DynamicObject>>(r#"{"object":{}}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `type`"), "{e}");
    }

    #[test]
    fn serializes_in_wire_shape() {
        let ev: WatchEvent<DynamicObject> = WatchEvent::Modified(DynamicObject::default());
        assert_eq!(
            serde_json::to_string(&ev).unwrap(),
            r#"{"type":"MODIFIED","object":{"metadata":{}}}"#
        );
    }
}
