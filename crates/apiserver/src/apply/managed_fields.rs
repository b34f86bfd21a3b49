//! `metadata.managedFields`: decoding, encoding, and the bookkeeping of non-apply writes.
//!
//! Mirrors apiserver `fieldmanager/internal/managedfields.go` (decode, encode, sort),
//! `managedfieldsupdater.go` and structured-merge-diff `merge.Updater.Update`.

use clientgo_apimachinery::Time;
use serde_json::{Map, Value};

use super::fieldpath::{FieldSet, PathElement};
use super::walk::compare;

/// `Apply`, the operation of server-side apply entries.
pub const APPLY: &str = "Apply";
/// `Update`, the operation of every other write.
pub const UPDATE: &str = "Update";

/// One decoded `managedFields` entry.
///
/// Mirrors apimachinery `metav1.ManagedFieldsEntry` with its `FieldsV1` decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: Option<String>,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl Entry {
    /// Whether `self` and `other` are the same manager identity: the same name, operation and
    /// subresource, and for `Update` the same apiVersion (appliers keep one entry across versions).
    ///
    /// Mirrors apiserver `BuildManagerIdentifier`.
    pub fn same_identity(&self, other: &Entry) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && self.subresource == other.subresource
            && (self.operation == APPLY || self.api_version == other.api_version)
    }

    /// The manager as conflict messages print it: `"name"`, or `"name" using v1` for an updater.
    ///
    /// Mirrors apiserver `fieldmanager/internal/conflict.go` `printManager`.
    pub fn describe(&self) -> String {
        let quoted = Value::String(self.manager.clone()).to_string();
        if self.operation == UPDATE {
            format!("{quoted} using {}", self.api_version)
        } else {
            quoted
        }
    }

    fn decode(v: &Value) -> Option<Entry> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        if s("fieldsType").is_some_and(|t| t != "FieldsV1") {
            return None;
        }
        Some(Entry {
            manager: s("manager").unwrap_or_default(),
            operation: s("operation")?,
            api_version: s("apiVersion").unwrap_or_default(),
            time: s("time"),
            subresource: s("subresource"),
            fields: match v.get("fieldsV1") {
                Some(f) => FieldSet::from_fields_v1(f)?,
                None => FieldSet::new(),
            },
        })
    }

    fn encode(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), Value::String(self.manager.clone()));
        m.insert("operation".into(), Value::String(self.operation.clone()));
        m.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(t) = &self.time {
            m.insert("time".into(), Value::String(t.clone()));
        }
        m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        m.insert("fieldsV1".into(), self.fields.to_fields_v1());
        if let Some(sub) = &self.subresource {
            m.insert("subresource".into(), Value::String(sub.clone()));
        }
        Value::Object(m)
    }
}

/// Decodes an object's `metadata.managedFields`; anything malformed yields no entries, as the real
/// server then starts afresh.
pub(crate) fn decode(obj: &Value) -> Vec<Entry> {
    let Some(items) = managed_fields(obj).and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .map(Entry::decode)
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
}

fn managed_fields(obj: &Value) -> Option<&Value> {
    obj.get("metadata")?.get("managedFields")
}

/// The entries a write starts from: the request's own `managedFields` when it sets them (`[]` or
/// `[{}]` reset them), otherwise the live object's.
///
/// Mirrors apiserver `fieldmanager/internal/fieldmanager.go` `decodeLiveOrNew`.
pub(crate) fn decode_live_or_new(live: Option<&Value>, new: &Value) -> Vec<Entry> {
    let live_entries = || live.map(decode).unwrap_or_default();
    match managed_fields(new) {
        None | Some(Value::Null) => live_entries(),
        Some(Value::Array(items)) if items.is_empty() => Vec::new(),
        Some(Value::Array(items)) if items.len() == 1 && items[0] == Value::Object(Map::new()) => Vec::new(),
        Some(requested) if Some(requested) == live.and_then(managed_fields) => live_entries(),
        Some(_) => {
            let mine = decode(new);
            if mine.is_empty() {
                live_entries()
            } else {
                mine
            }
        }
    }
}

/// For a write that changes no field: when the request does not set managedFields of its own, puts
/// the live ones back unchanged (no decoding, no re-encoding) and returns true.
fn keep_live_entries(live: Option<&Value>, new: &mut Value) -> bool {
    let Some(live) = live else {
        return false;
    };
    let requested = managed_fields(new);
    if !matches!(requested, None | Some(Value::Null)) && requested != managed_fields(live) {
        return false;
    }
    let live_entries = managed_fields(live).cloned();
    let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) else {
        return live_entries.is_none();
    };
    match live_entries {
        Some(v) => meta.insert("managedFields".into(), v),
        None => meta.remove("managedFields"),
    };
    true
}

/// Writes `entries` (sorted as the real server sorts them, empty ones dropped) into `obj`.
///
/// Mirrors apiserver `sortEncodedManagedFields`: by operation, then time, manager, apiVersion and
/// subresource.
pub(crate) fn encode_into(obj: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(|a, b| {
        let secs = |e: &Entry| {
            e.time
                .as_deref()
                .and_then(|t| Time::parse(t).ok())
                .map_or(0, Time::unix_seconds)
        };
        (&a.operation, secs(a), &a.manager, &a.api_version, &a.subresource).cmp(&(
            &b.operation,
            secs(b),
            &b.manager,
            &b.api_version,
            &b.subresource,
        ))
    });
    let Some(meta) = obj
        .as_object_mut()
        .map(|o| o.entry("metadata").or_insert_with(|| Value::Object(Map::new())))
    else {
        return;
    };
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    if entries.is_empty() {
        meta.remove("managedFields");
    } else {
        let encoded = entries.iter().map(Entry::encode).collect();
        meta.insert("managedFields".into(), Value::Array(encoded));
    }
}

/// Records a non-apply write (create, update, patch) by `manager` in `new`'s `managedFields`.
///
/// The manager takes every field the write added or changed (from everyone else too), fields the
/// write removed leave every manager's set, and the manager's entry time moves to `now` only when it
/// took something. On create (`old` is `None`) the object is compared with the kind's zero value as
/// the real server's Go structs have it, so e.g. `f:spec` carries no `"."`.
///
/// Call it after the write's own changes (defaults, status reset) are in `new`.
///
/// Mirrors apiserver `FieldManager.UpdateNoErrors` with `managedFieldsUpdater` and structured-merge-diff
/// `Updater.Update`.
pub(crate) fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    operation: &str,
    subresource: Option<&str>,
    now: Time,
) {
    let zero;
    let old_obj = match old {
        Some(o) => o,
        None => {
            zero = zero_object(new);
            &zero
        }
    };
    let cmp = compare(old_obj, new);
    let changed = reset_fields(new, subresource, &cmp.changed());
    let removed = reset_fields(new, subresource, &cmp.removed);
    if changed.is_empty() && removed.is_empty() && keep_live_entries(old, new) {
        return;
    }
    let mut entries = decode_live_or_new(old, new);
    for e in &mut entries {
        e.fields = e.fields.difference(&changed).difference(&removed);
    }
    let me = Entry {
        manager: manager.to_owned(),
        operation: operation.to_owned(),
        api_version: api_version_of(new),
        time: Some(now.to_string()),
        subresource: subresource.map(str::to_owned),
        fields: changed.clone(),
    };
    match entries.iter_mut().find(|e| e.same_identity(&me)) {
        Some(existing) if !changed.is_empty() => {
            existing.fields = existing.fields.union(&changed);
            existing.time = me.time;
        }
        Some(_) => {}
        None if !changed.is_empty() => entries.push(me),
        None => {}
    }
    encode_into(new, entries);
}

/// The part of `set` a write may own: a `status` write owns only status, and a main-resource write
/// to a built-in kind with a status subresource owns nothing under status (the server sets or
/// keeps it, e.g. a new Namespace's `status.phase`).
///
/// Mirrors the `ResetFieldsStrategy` fields the real field manager ignores.
pub(crate) fn reset_fields(obj: &Value, subresource: Option<&str>, set: &FieldSet) -> FieldSet {
    let status = [PathElement::Field("status".to_owned())];
    match subresource {
        Some("status") => set.only_subtree(&status),
        Some(_) => set.clone(),
        None if has_status_subresource(obj) => set.without_subtree(&status),
        None => set.clone(),
    }
}

/// Built-in kinds served with a `status` subresource.
pub(crate) fn has_status_subresource(obj: &Value) -> bool {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let api_version = api_version_of(obj);
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    matches!(
        (group, kind),
        (
            "",
            "Pod" | "Service" | "Namespace" | "Node" | "PersistentVolumeClaim" | "ReplicationController"
        ) | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("batch", "Job" | "CronJob")
    )
}

pub(crate) fn api_version_of(obj: &Value) -> String {
    obj.get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The zero value of a kind as Go's `runtime.DefaultUnstructuredConverter` renders it: non-pointer
/// structs are `{}`, non-omitempty times are `null`, non-omitempty strings are `""`.
fn zero_object(obj: &Value) -> Value {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let group = api_version_of(obj)
        .rsplit_once('/')
        .map(|(g, _)| g.to_owned())
        .unwrap_or_default();
    let z = match (group.as_str(), kind) {
        ("", "Pod") => r#"{"spec":{"containers":null},"status":{}}"#,
        ("", "Service") => r#"{"spec":{},"status":{"loadBalancer":{}}}"#,
        ("", "Namespace" | "Node" | "PersistentVolumeClaim") => r#"{"spec":{},"status":{}}"#,
        ("", "Event") => {
            r#"{"involvedObject":{},"source":{},"firstTimestamp":null,"lastTimestamp":null,"eventTime":null,"reportingComponent":"","reportingInstance":""}"#
        }
        ("events.k8s.io", "Event") => {
            r#"{"eventTime":null,"regarding":{},"deprecatedSource":{},"deprecatedFirstTimestamp":null,"deprecatedLastTimestamp":null}"#
        }
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => {
            r#"{"spec":{"template":{"metadata":{},"spec":{"containers":null}},"strategy":{}},"status":{}}"#
        }
        ("coordination.k8s.io", "Lease") => r#"{"spec":{}}"#,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            r#"{"spec":{"group":"","names":{"plural":"","kind":""},"scope":"","versions":null},"status":{}}"#
        }
        _ => "{}",
    };
    serde_json::from_str(z).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> Time {
        Time::parse(s).unwrap()
    }

    fn entries_of(obj: &Value) -> Value {
        obj["metadata"]["managedFields"].clone()
    }

    #[test]
    fn create_of_configmap_with_finalizer_matches_transcript_11() {
        let mut cm = json!({"apiVersion":"v1","kind":"ConfigMap",
            "metadata":{"name":"cm-fin","namespace":"demo","finalizers":["example.com/cleanup"]},"data":{"k":"v"}});
        record_update(None, &mut cm, "curl", UPDATE, None, t("2026-11-23T18:18:42Z"));
        assert_eq!(
            entries_of(&cm),
            json!([{
                "manager": "curl", "operation": "Update", "apiVersion": "v1", "time": "2026-11-23T18:18:42Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {".": {}, "f:k": {}},
                             "f:metadata": {"f:finalizers": {".": {}, "v:\"example.com/cleanup\"": {}}}}
            }])
        );

        // Removing the finalizer by JSON patch: curl loses f:metadata, its time does not move.
        let old = cm.clone();
        let mut new = cm;
        if let Some(m) = new["metadata"].as_object_mut() {
            m.remove("finalizers");
        }
        record_update(
            Some(&old),
            &mut new,
            "curl",
            UPDATE,
            None,
            t("2026-11-23T18:18:47Z"),
        );
        assert_eq!(
            entries_of(&new),
            json!([{
                "manager": "curl", "operation": "Update", "apiVersion": "v1", "time": "2026-11-23T18:18:42Z",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {".": {}, "f:k": {}}}
            }])
        );
    }

    #[test]
    fn core_event_create_and_count_patch_match_transcript_13() {
        let mut ev = json!({"apiVersion":"v1","kind":"Event","metadata":{"name":"web-0.1","namespace":"demo"},
            "involvedObject":{"kind":"Pod","namespace":"demo","name":"web-0"},"reason":"Scheduled","message":"m",
            "source":{"component":"example-scheduler"},"firstTimestamp":"2026-11-23T18:19:42Z",
            "lastTimestamp":"2026-11-23T18:19:42Z","count":1,"type":"Normal","eventTime":null,
            "reportingComponent":"example-scheduler","reportingInstance":""});
        record_update(None, &mut ev, "curl", UPDATE, None, t("2026-11-23T18:19:42Z"));
        let want_fields = json!({"f:count": {}, "f:firstTimestamp": {}, "f:involvedObject": {},
            "f:lastTimestamp": {}, "f:message": {}, "f:reason": {}, "f:reportingComponent": {},
            "f:source": {"f:component": {}}, "f:type": {}});
        assert_eq!(entries_of(&ev)[0]["fieldsV1"], want_fields);

        let old = ev.clone();
        ev["count"] = json!(2);
        ev["lastTimestamp"] = json!("2026-11-23T18:19:43Z");
        record_update(
            Some(&old),
            &mut ev,
            "curl",
            UPDATE,
            None,
            t("2026-11-23T18:19:43Z"),
        );
        assert_eq!(entries_of(&ev)[0]["fieldsV1"], want_fields);
        assert_eq!(entries_of(&ev)[0]["time"], "2026-11-23T18:19:43Z");
    }

    #[test]
    fn events_k8s_io_series_patch_matches_transcript_13() {
        let mut ev = json!({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"demo"},
            "eventTime":"2026-11-23T18:19:38.424796Z","reportingController":"c","reportingInstance":"i",
            "action":"Pulling","reason":"Pulling","regarding":{"kind":"Pod"},"note":"n","type":"Normal"});
        record_update(None, &mut ev, "curl", UPDATE, None, t("2026-11-23T18:19:38Z"));
        let old = ev.clone();
        ev["series"] = json!({"count": 2, "lastObservedTime": "2026-11-23T18:19:39.996324Z"});
        record_update(
            Some(&old),
            &mut ev,
            "curl",
            UPDATE,
            None,
            t("2026-11-23T18:19:40Z"),
        );
        assert_eq!(
            entries_of(&ev),
            json!([{
                "manager": "curl", "operation": "Update", "apiVersion": "events.k8s.io/v1",
                "time": "2026-11-23T18:19:40Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:action": {}, "f:eventTime": {}, "f:note": {}, "f:reason": {}, "f:regarding": {},
                    "f:reportingController": {}, "f:reportingInstance": {},
                    "f:series": {".": {}, "f:count": {}, "f:lastObservedTime": {}}, "f:type": {}}
            }])
        );
    }

    #[test]
    fn status_subresource_entries_are_separate_like_transcript_16() {
        let mut w = json!({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":3,"color":"blue"}});
        record_update(None, &mut w, "curl", UPDATE, None, t("2026-11-23T18:21:33Z"));
        let old = w.clone();
        w["status"] = json!({"phase": "Pending", "ready": false});
        record_update(
            Some(&old),
            &mut w,
            "curl",
            UPDATE,
            Some("status"),
            t("2026-11-23T18:21:33Z"),
        );
        assert_eq!(
            entries_of(&w),
            json!([
                {"manager":"curl","operation":"Update","apiVersion":"example.com/v1","time":"2026-11-23T18:21:33Z",
                 "fieldsType":"FieldsV1","fieldsV1":{"f:spec":{".":{},"f:color":{},"f:size":{}}}},
                {"manager":"curl","operation":"Update","apiVersion":"example.com/v1","time":"2026-11-23T18:21:33Z",
                 "fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{},"f:phase":{},"f:ready":{}}},"subresource":"status"}
            ])
        );
    }

    #[test]
    fn request_managed_fields_reset_and_fallback() {
        let live = json!({"metadata": {"managedFields": [{"manager":"a","operation":"Update","apiVersion":"v1",
            "fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}]}});
        assert_eq!(decode_live_or_new(Some(&live), &json!({"metadata": {}})).len(), 1);
        assert!(decode_live_or_new(Some(&live), &json!({"metadata": {"managedFields": []}})).is_empty());
        assert!(decode_live_or_new(Some(&live), &json!({"metadata": {"managedFields": [{}]}})).is_empty());
        assert_eq!(
            decode_live_or_new(Some(&live), &json!({"metadata": {"managedFields": "junk"}})).len(),
            1
        );
    }
}
