//! Object metadata common to every persisted resource.
//!
//! Mirrors apimachinery `metav1.TypeMeta`, `metav1.ObjectMeta`, `metav1.OwnerReference` and
//! `metav1.ManagedFieldsEntry` (`apimachinery/pkg/apis/meta/v1/types.go`). Every field of the Go
//! `ObjectMeta` is modelled, and the fields these types do not know (added by a newer API server, say)
//! are kept verbatim in an `extra` map, so metadata round-trips without loss. Empty strings, maps and
//! lists are omitted on output, like Go's `omitempty`, and `null` decodes like an absent field.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::raw_json::RawJson;
use crate::serde_util::{deserialize_keeping_unknown, null_as_default};
use crate::shared_str::SharedStr;
use crate::string_map::StringMap;
use crate::time::Time;

/// The `apiVersion` and `kind` every serialized object carries.
///
/// Mirrors apimachinery `metav1.TypeMeta`.
#[doc(alias = "metav1.TypeMeta")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeMeta {
    /// `group/version`, or just `version` for the core group (`v1`).
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: SharedStr,
    /// The object's kind, e.g. `Pod`.
    #[serde(
        default,
        skip_serializing_if = "str::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: SharedStr,
}

/// Metadata every persisted object has: identity, versioning, labels, ownership and lifecycle.
///
/// Mirrors apimachinery `metav1.ObjectMeta`. Unlike Go's struct, fields it does not model are not
/// dropped but kept in [`ObjectMeta::extra`].
#[doc(alias = "metav1.ObjectMeta")]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Unique name within the namespace (or cluster, for cluster-scoped kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<SharedStr>,
    /// Prefix the server completes with a random suffix when `name` is empty on create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<SharedStr>,
    /// Namespace of a namespaced object; absent for cluster-scoped ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<SharedStr>,
    /// Deprecated link to the object; servers since 1.20 leave it empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<SharedStr>,
    /// Server-assigned unique id, stable for the object's lifetime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<SharedStr>,
    /// Opaque version of this object, used for optimistic concurrency and watch resumption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<SharedStr>,
    /// Sequence number of spec changes, set by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// When the server created the object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    /// When deletion was requested; set while finalizers are still pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// Grace period granted before the object is removed, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Identifying key/value pairs that selectors match against.
    #[serde(skip_serializing_if = "StringMap::is_empty")]
    pub labels: StringMap,
    /// Non-identifying key/value pairs for tools and humans.
    #[serde(skip_serializing_if = "StringMap::is_empty")]
    pub annotations: StringMap,
    /// Objects this one depends on; the garbage collector deletes it when they are gone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
    /// Keys that must be removed before the object is deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<SharedStr>,
    /// Server-side apply field ownership.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_fields: Vec<ManagedFieldsEntry>,
    /// Fields this type does not model, by JSON name, with their values verbatim; written back after
    /// the modelled ones. Decoding never puts a modelled field's name here; do not insert one.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_keeping_unknown! {
    ObjectMeta, "object metadata",
    required {},
    optional {
        generate_name: "generateName",
        namespace: "namespace",
        generation: "generation",
        creation_timestamp: "creationTimestamp",
        deletion_timestamp: "deletionTimestamp",
        deletion_grace_period_seconds: "deletionGracePeriodSeconds",
        labels: "labels",
        annotations: "annotations",
    },
    unique {
        name: "name",
        self_link: "selfLink",
        uid: "uid",
        resource_version: "resourceVersion",
    },
    lists {
        owner_references: "ownerReferences",
        finalizers: "finalizers",
        managed_fields: "managedFields",
    },
}

/// A reference from an object to its owner.
///
/// Mirrors apimachinery `metav1.OwnerReference`; fields it does not model are kept in
/// [`OwnerReference::extra`].
#[doc(alias = "metav1.OwnerReference")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// API version of the owner.
    pub api_version: SharedStr,
    /// Kind of the owner.
    pub kind: SharedStr,
    /// Name of the owner.
    pub name: SharedStr,
    /// UID of the owner.
    pub uid: SharedStr,
    /// True when the owner is the managing controller; at most one reference may say so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// True when foreground deletion of the owner must wait for this object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
    /// Fields this type does not model, kept verbatim (see [`ObjectMeta::extra`]).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_keeping_unknown! {
    OwnerReference, "an owner reference",
    required {
        api_version: "apiVersion",
        kind: "kind",
        name: "name",
        uid: "uid",
    },
    optional {
        controller: "controller",
        block_owner_deletion: "blockOwnerDeletion",
    },
}

/// One field manager's ownership record, kept by server-side apply.
///
/// Mirrors apimachinery `metav1.ManagedFieldsEntry`. The field set is kept as raw JSON text
/// ([`FieldsV1`]), interned, instead of a tree of maps: clients rarely read it, it is a large share
/// of every object's bytes, and the objects of one template mostly carry the same text, which a
/// cache then holds once. Fields it does not model are kept in
/// [`ManagedFieldsEntry::extra`].
#[doc(alias = "metav1.ManagedFieldsEntry")]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// Name of the workflow managing these fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<SharedStr>,
    /// `Apply` or `Update`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<SharedStr>,
    /// API version the field set is expressed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<SharedStr>,
    /// When the entry last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// Format of `fields_v1`; always `FieldsV1` today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields_type: Option<SharedStr>,
    /// The owned field set.
    #[serde(rename = "fieldsV1", skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<FieldsV1>,
    /// Subresource the fields were written through, e.g. `status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<SharedStr>,
    /// Fields this type does not model, kept verbatim (see [`ObjectMeta::extra`]).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

deserialize_keeping_unknown! {
    ManagedFieldsEntry, "a managed fields entry",
    required {},
    optional {
        manager: "manager",
        operation: "operation",
        api_version: "apiVersion",
        time: "time",
        fields_type: "fieldsType",
        fields_v1: "fieldsV1",
        subresource: "subresource",
    },
}

/// A server-side apply field set, kept verbatim as JSON text.
///
/// Mirrors apimachinery `metav1.FieldsV1`, whose Go type also holds the raw bytes.
#[doc(alias = "metav1.FieldsV1")]
///
/// Decoding interns the text (see [`RawJson`]): the pods of one template mostly carry the same field
/// sets, so a cache keeps one copy of each.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldsV1(pub RawJson);

impl FieldsV1 {
    /// The field set's JSON text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for FieldsV1 {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Default for FieldsV1 {
    fn default() -> Self {
        FieldsV1(RawJson::from_string("{}".to_owned()).expect("`{}` is valid JSON"))
    }
}

impl fmt::Debug for FieldsV1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ObjectMeta {
    /// The object's controlling owner: the owner reference with `controller: true`, if any.
    ///
    /// Mirrors apimachinery `metav1.GetControllerOf`.
    pub fn controller_of(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|r| r.controller == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_field() {
        let json = r#"{"name":"n","generateName":"n-","namespace":"ns","selfLink":"/x","uid":"u","resourceVersion":"7","generation":2,"creationTimestamp":"2026-11-23T06:48:34Z","deletionTimestamp":"2026-11-23T06:49:34Z","deletionGracePeriodSeconds":0,"labels":{"a":"b"},"annotations":{"c":"d"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","uid":"ru","controller":true,"blockOwnerDeletion":true}],"finalizers":["f"],"managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","time":"2026-11-23T06:48:34Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}}},"subresource":"status"}]}"#;
        let meta: ObjectMeta = serde_json::from_str(json).unwrap();
        assert_eq!(meta.controller_of().unwrap().name, "r");
        assert_eq!(serde_json::to_string(&meta).unwrap(), json);
    }

    #[test]
    fn unknown_fields_are_kept_at_every_level() {
        let json = r#"{"name":"n","ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"u","x-owner":[1]}],"managedFields":[{"manager":"m","x-entry":{"deep":true}}],"x-meta":"kept","x-null":null}"#;
        let meta: ObjectMeta = serde_json::from_str(json).unwrap();
        assert_eq!(meta.extra.len(), 2);
        assert_eq!(meta.extra["x-meta"], "kept");
        assert_eq!(meta.owner_references[0].extra["x-owner"][0], 1);
        assert_eq!(meta.managed_fields[0].extra["x-entry"]["deep"], true);
        assert_eq!(serde_json::to_string(&meta).unwrap(), json);
    }

    #[test]
    fn owner_reference_fields_that_go_requires_are_still_required() {
        let e = serde_json::from_str::<OwnerReference>(r#"{"apiVersion":"v1","kind":"K","name":"o"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("missing field `uid`"), "{e}");
        let e = serde_json::from_str::<ObjectMeta>(r#"{"generation":"two"}"#).unwrap_err();
        assert!(e.to_string().contains("invalid type: string \"two\""), "{e}");
    }

    #[test]
    fn empty_and_null_collections_are_omitted() {
        let meta: ObjectMeta = serde_json::from_str(r#"{"name":"x","labels":null,"finalizers":[]}"#).unwrap();
        assert!(meta.labels.is_empty());
        assert_eq!(serde_json::to_string(&meta).unwrap(), r#"{"name":"x"}"#);
    }
}
