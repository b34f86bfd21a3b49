//! Object metadata common to every persisted resource.
//!
//! Mirrors apimachinery `metav1.TypeMeta`, `metav1.ObjectMeta`, `metav1.OwnerReference` and
//! `metav1.ManagedFieldsEntry` (`apimachinery/pkg/apis/meta/v1/types.go`). Every field of the Go
//! `ObjectMeta` is modelled, and the fields these types do not know (added by a newer API server, say)
//! are kept verbatim in an [`UnknownFields`] slot, so metadata round-trips without loss. Empty strings, maps and
//! lists are omitted on output, like Go's `omitempty`, and `null` decodes like an absent field.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::raw_json::RawJson;
use crate::serde_util::null_as_default;
use crate::shared_str::SharedStr;
use crate::sorted_map::StringMap;
use crate::time::Time;
use crate::unknown_fields::UnknownFields;
use crate::wire_struct;

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
/// dropped but kept in [`ObjectMeta::unknown_fields`].
#[doc(alias = "metav1.ObjectMeta")]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectMeta {
    /// Unique name within the namespace (or cluster, for cluster-scoped kinds).
    pub name: Option<SharedStr>,
    /// Prefix the server completes with a random suffix when `name` is empty on create.
    pub generate_name: Option<SharedStr>,
    /// Namespace of a namespaced object; absent for cluster-scoped ones.
    pub namespace: Option<SharedStr>,
    /// Deprecated link to the object; servers since 1.20 leave it empty.
    pub self_link: Option<SharedStr>,
    /// Server-assigned unique id, stable for the object's lifetime.
    pub uid: Option<SharedStr>,
    /// Opaque version of this object, used for optimistic concurrency and watch resumption.
    pub resource_version: Option<SharedStr>,
    /// Sequence number of spec changes, set by the server.
    pub generation: Option<i64>,
    /// When the server created the object.
    pub creation_timestamp: Option<Time>,
    /// When deletion was requested; set while finalizers are still pending.
    pub deletion_timestamp: Option<Time>,
    /// Grace period granted before the object is removed, in seconds.
    pub deletion_grace_period_seconds: Option<i64>,
    /// Identifying key/value pairs that selectors match against.
    pub labels: StringMap,
    /// Non-identifying key/value pairs for tools and humans.
    pub annotations: StringMap,
    /// Objects this one depends on; the garbage collector deletes it when they are gone.
    pub owner_references: Vec<OwnerReference>,
    /// Keys that must be removed before the object is deleted.
    pub finalizers: Vec<SharedStr>,
    /// Server-side apply field ownership.
    pub managed_fields: Vec<ManagedFieldsEntry>,
    /// Fields this type does not model (added by a newer server, say), by JSON name, with their
    /// values verbatim; written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(ObjectMeta, "object metadata" {
    "name" => name: unique,
    "generateName" => generate_name: opt,
    "namespace" => namespace: opt,
    "selfLink" => self_link: unique,
    "uid" => uid: unique,
    "resourceVersion" => resource_version: unique,
    "generation" => generation: opt,
    "creationTimestamp" => creation_timestamp: opt,
    "deletionTimestamp" => deletion_timestamp: opt,
    "deletionGracePeriodSeconds" => deletion_grace_period_seconds: opt,
    "labels" => labels: map,
    "annotations" => annotations: map,
    "ownerReferences" => owner_references: list,
    "finalizers" => finalizers: list,
    "managedFields" => managed_fields: list,
});

/// A reference from an object to its owner.
///
/// Mirrors apimachinery `metav1.OwnerReference`; fields it does not model are kept in
/// [`OwnerReference::unknown_fields`].
#[doc(alias = "metav1.OwnerReference")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    pub controller: Option<bool>,
    /// True when foreground deletion of the owner must wait for this object.
    pub block_owner_deletion: Option<bool>,
    /// Fields this type does not model, kept verbatim (see [`ObjectMeta::unknown_fields`]).
    pub unknown_fields: UnknownFields,
}

wire_struct!(OwnerReference, "an owner reference" {
    "apiVersion" => api_version: req,
    "kind" => kind: req,
    "name" => name: req,
    "uid" => uid: req,
    "controller" => controller: opt,
    "blockOwnerDeletion" => block_owner_deletion: opt,
});

/// One field manager's ownership record, kept by server-side apply.
///
/// Mirrors apimachinery `metav1.ManagedFieldsEntry`. The field set is kept as raw JSON text
/// ([`FieldsV1`]), interned, instead of a tree of maps: clients rarely read it, it is a large share
/// of every object's bytes, and the objects of one template mostly carry the same text, which a
/// cache then holds once. Fields it does not model are kept in
/// [`ManagedFieldsEntry::unknown_fields`].
#[doc(alias = "metav1.ManagedFieldsEntry")]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManagedFieldsEntry {
    /// Name of the workflow managing these fields.
    pub manager: Option<SharedStr>,
    /// `Apply` or `Update`.
    pub operation: Option<SharedStr>,
    /// API version the field set is expressed in.
    pub api_version: Option<SharedStr>,
    /// When the entry last changed.
    pub time: Option<Time>,
    /// Format of `fields_v1`; always `FieldsV1` today.
    pub fields_type: Option<SharedStr>,
    /// The owned field set.
    pub fields_v1: Option<FieldsV1>,
    /// Subresource the fields were written through, e.g. `status`.
    pub subresource: Option<SharedStr>,
    /// Fields this type does not model, kept verbatim (see [`ObjectMeta::unknown_fields`]).
    pub unknown_fields: UnknownFields,
}

wire_struct!(ManagedFieldsEntry, "a managed fields entry" {
    "manager" => manager: opt,
    "operation" => operation: opt,
    "apiVersion" => api_version: opt,
    "time" => time: opt,
    "fieldsType" => fields_type: opt,
    "fieldsV1" => fields_v1: opt,
    "subresource" => subresource: opt,
});

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
    fn unknown_fields_are_kept_at_every_level_byte_for_byte() {
        let json = r#"{"name":"n","ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"u","x-owner":[1]}],"managedFields":[{"manager":"m","x-entry":{"deep":true}}],"x-meta":"kept","x-null":null}"#;
        let meta: ObjectMeta = serde_json::from_str(json).unwrap();
        assert_eq!(meta.unknown_fields.len(), 2);
        assert_eq!(meta.unknown_fields.get("x-meta").unwrap().as_str(), r#""kept""#);
        assert_eq!(meta.unknown_fields.get("x-null").unwrap().as_str(), "null");
        assert_eq!(
            meta.owner_references[0]
                .unknown_fields
                .get("x-owner")
                .unwrap()
                .as_str(),
            "[1]"
        );
        assert_eq!(
            meta.managed_fields[0]
                .unknown_fields
                .get("x-entry")
                .unwrap()
                .as_str(),
            r#"{"deep":true}"#
        );
        assert_eq!(serde_json::to_string(&meta).unwrap(), json);
    }

    #[test]
    fn unknown_values_are_interned_like_other_raw_json() {
        let json = r#"{"name":"n","x-new":{"a long enough value":[1,2,3]}}"#;
        let a: ObjectMeta = serde_json::from_str(json).unwrap();
        let b: ObjectMeta = serde_json::from_str(json).unwrap();
        let text = |m: &ObjectMeta| m.unknown_fields.get("x-new").unwrap().as_str().as_ptr();
        assert_eq!(
            text(&a),
            text(&b),
            "two objects share one copy of the same unknown value"
        );
    }

    #[test]
    fn absent_owner_reference_fields_decode_empty_as_in_go() {
        // Go's decoder does not enforce `required` (the API server's validation does), and neither
        // do we: a reference missing its uid decodes with an empty one and is written back with it.
        let owner: OwnerReference =
            serde_json::from_str(r#"{"apiVersion":"v1","kind":"K","name":"o"}"#).unwrap();
        assert_eq!(owner.uid, "");
        assert_eq!(
            serde_json::to_string(&owner).unwrap(),
            r#"{"apiVersion":"v1","kind":"K","name":"o","uid":""}"#
        );
        let e = serde_json::from_str::<ObjectMeta>(r#"{"generation":"two"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: string \"two\", expected i64 at line 1 column 19"
        );
    }

    #[test]
    fn empty_and_null_collections_are_omitted() {
        let meta: ObjectMeta = serde_json::from_str(r#"{"name":"x","labels":null,"finalizers":[]}"#).unwrap();
        assert!(meta.labels.is_empty());
        assert_eq!(serde_json::to_string(&meta).unwrap(), r#"{"name":"x"}"#);
    }
}
