//! The write verbs on the store: create, update, delete, with the registry strategies, namespace
//! lifecycle and CustomResourceDefinition registration.
//!
//! Mirrors the apiserver's generic registry `Store` (`k8s.io/apiserver/pkg/registry/generic/registry/
//! store.go`): `Create`, `Update`, `Delete` with graceful deletion and finalizers.

use std::sync::Arc;

use clientgo_apimachinery::{Status, StatusDetails, StatusReason, Time};
use serde_json::{json, Value};

use super::ServerState;
use crate::object::{finalizers, meta_mut, meta_str};
use crate::resources::ResourceInfo;
use crate::status::{
    already_exists, bad_request, conflict, not_found, path_not_found, precondition_conflict,
};
use crate::store::{EventKind, Outcome, Written};
use crate::strategy::{
    check_namespace, check_type, prepare_create, prepare_update, ready_to_delete, resolve_name, same_content,
    Part,
};

impl ServerState {
    /// The storage id of a resource.
    pub(crate) fn storage_key(info: &ResourceInfo) -> Arc<str> {
        Arc::from(info.qualified())
    }

    /// The store key of an object.
    pub(crate) fn object_key(info: &ResourceInfo, ns: Option<&str>, name: &str) -> String {
        match ns {
            Some(ns) if info.namespaced => format!("{ns}/{name}"),
            _ => name.to_owned(),
        }
    }

    /// Looks up a served resource.
    pub(crate) fn lookup(
        &self,
        group: &str,
        version: &str,
        plural: &str,
    ) -> Result<Arc<ResourceInfo>, Status> {
        self.registry
            .get(group, version, plural)
            .ok_or_else(path_not_found)
    }

    /// Create by group/version/plural (seeding and the Rust API).
    pub(crate) fn create_object(
        &self,
        group: &str,
        version: &str,
        plural: &str,
        ns: Option<&str>,
        obj: Value,
    ) -> Result<Written, Status> {
        let info = self.lookup(group, version, plural)?;
        let ns = ns
            .map(str::to_owned)
            .or_else(|| meta_str(&obj, "namespace").map(str::to_owned));
        self.create(&info, ns.as_deref(), obj, "clientgo-apiserver")
    }

    pub(crate) fn check_namespace_open(
        &self,
        info: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
    ) -> Result<(), Status> {
        if !info.namespaced {
            return Ok(());
        }
        let Some(ns) = ns else {
            return Err(bad_request("the namespace of the object must be set"));
        };
        let ns_info = self.lookup("", "v1", "namespaces")?;
        match self.store.get(&Self::storage_key(&ns_info), ns) {
            None => Err(not_found("namespaces", "", ns)),
            Some(n) if n.to_value().get("metadata").and_then(|m| m.get("deletionTimestamp")).is_some() => {
                Err(Status::failure(
                    403,
                    StatusReason::FORBIDDEN,
                    format!(
                        "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                        info.qualified()
                    ),
                )
                .with_details(StatusDetails {
                    name: Some(name.to_owned()),
                    group: (!info.group.is_empty()).then(|| info.group.clone()),
                    kind: Some(info.plural.clone()),
                    ..StatusDetails::default()
                }))
            }
            Some(_) => Ok(()),
        }
    }

    /// POST.
    pub(crate) fn create(
        &self,
        info: &ResourceInfo,
        ns: Option<&str>,
        mut obj: Value,
        manager: &str,
    ) -> Result<Written, Status> {
        check_type(info, &mut obj)?;
        check_namespace(info, &mut obj, ns)?;
        let name = resolve_name(info, &mut obj)?;
        self.validate(info, &obj, None)?;
        self.check_namespace_open(info, ns, &name)?;
        let now = Time::now();
        crate::apply::update_managed_fields(None, &mut obj, manager, crate::apply::UPDATE, now);
        prepare_create(info, &mut obj, now);
        if info.group == "apiextensions.k8s.io" {
            crd_set_status(&mut obj);
        }
        let key = Self::object_key(info, ns, &name);
        let res = Self::storage_key(info);
        let written = self
            .store
            .guaranteed_update(&res, &key, info.extra_field_labels(), |cur| {
                if cur.is_some() {
                    return Err(already_exists(&info.plural, &info.group, &name));
                }
                Ok(Outcome::Put(obj.clone()))
            })?;
        if info.group == "apiextensions.k8s.io" {
            self.register_crd(&written.object.to_value());
        }
        Ok(written)
    }

    /// Runs the resource's validation.
    pub(crate) fn validate(
        &self,
        info: &ResourceInfo,
        obj: &Value,
        old: Option<&Value>,
    ) -> Result<(), Status> {
        crate::validation::validate(&info.plural, obj, old)
    }

    /// A read-modify-write of one object: `f` maps the current object to the desired one; the strategy
    /// for `part` then applies. Used by PUT (f ignores the current object) and PATCH.
    pub(crate) fn modify<F>(
        &self,
        info: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        part: Part,
        manager: Option<&str>,
        mut f: F,
    ) -> Result<Written, Status>
    where
        F: FnMut(&Value) -> Result<Value, Status>,
    {
        let key = Self::object_key(info, ns, name);
        let res = Self::storage_key(info);
        let written = self
            .store
            .guaranteed_update(&res, &key, info.extra_field_labels(), |cur| {
                let Some(cur) = cur else {
                    return Err(not_found(&info.plural, &info.group, name));
                };
                let old = cur.to_value();
                let mut new = f(&old)?;
                check_type(info, &mut new)?;
                check_namespace(info, &mut new, ns)?;
                match meta_str(&new, "name") {
                    Some(n) if n != name => {
                        return Err(bad_request(format!(
                            "the name of the object ({n}) does not match the name on the URL ({name})"
                        )))
                    }
                    Some(_) => {}
                    None => {
                        if let Some(m) = meta_mut(&mut new) {
                            m.insert("name".into(), Value::String(name.to_owned()));
                        }
                    }
                }
                match meta_str(&new, "resourceVersion") {
                    Some(rv) if !rv.is_empty() && rv != cur.rv().to_string() => {
                        return Err(conflict(&info.plural, &info.group, name));
                    }
                    _ => {}
                }
                prepare_update(info, &mut new, &old, part)?;
                if let Some(manager) = manager {
                    let now = Time::now();
                    if part == Part::Status {
                        crate::apply::update_subresource_managed_fields(
                            Some(&old),
                            &mut new,
                            manager,
                            "status",
                            now,
                        );
                    } else {
                        crate::apply::update_managed_fields(
                            Some(&old),
                            &mut new,
                            manager,
                            crate::apply::UPDATE,
                            now,
                        );
                    }
                }
                self.validate(info, &new, Some(&old))?;
                if ready_to_delete(&new) {
                    return Ok(Outcome::Delete(new));
                }
                if same_content(&new, &old) {
                    return Ok(Outcome::Unchanged);
                }
                Ok(Outcome::Put(new))
            })?;
        self.after_write(info, ns, &written);
        Ok(written)
    }

    /// DELETE of one object: graceful when it has finalizers.
    pub(crate) fn delete(
        &self,
        info: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        precondition_rv: Option<&str>,
    ) -> Result<Written, Status> {
        let key = Self::object_key(info, ns, name);
        let res = Self::storage_key(info);
        let is_namespace = info.group.is_empty() && info.plural == "namespaces";
        let written = self
            .store
            .guaranteed_update(&res, &key, info.extra_field_labels(), |cur| {
                let Some(cur) = cur else {
                    return Err(not_found(&info.plural, &info.group, name));
                };
                if let Some(want) = precondition_rv.filter(|s| !s.is_empty()) {
                    if want != cur.rv().to_string() {
                        return Err(precondition_conflict(&info.kind, name, want, cur.rv()));
                    }
                }
                let mut obj = cur.to_value();
                let deleting = obj
                    .get("metadata")
                    .and_then(|m| m.get("deletionTimestamp"))
                    .is_some();
                let has_spec_fins = is_namespace
                    && obj
                        .get("spec")
                        .and_then(|s| s.get("finalizers"))
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty());
                if finalizers(&obj).is_empty() && !has_spec_fins {
                    return Ok(Outcome::Delete(obj));
                }
                if deleting {
                    return Ok(Outcome::Unchanged);
                }
                if let Some(m) = meta_mut(&mut obj) {
                    m.insert("deletionTimestamp".into(), json!(Time::now()));
                    if !is_namespace {
                        m.insert("deletionGracePeriodSeconds".into(), json!(0));
                    }
                }
                if is_namespace {
                    if let Some(map) = obj.as_object_mut() {
                        map.insert("status".into(), json!({"phase": "Terminating"}));
                    }
                }
                Ok(Outcome::Put(obj))
            })?;
        if is_namespace && written.kind != Some(EventKind::Deleted) {
            self.terminate_namespace(name);
        }
        self.after_write(info, ns, &written);
        Ok(written)
    }

    /// Follow-ups of a write: CRD registration changes, namespace finalization.
    pub(crate) fn after_write(&self, info: &ResourceInfo, ns: Option<&str>, written: &Written) {
        if written.kind == Some(EventKind::Deleted) {
            if info.group == "apiextensions.k8s.io" {
                self.unregister_crd(&written.object.to_value());
            }
            if let Some(ns) = ns.filter(|_| info.namespaced) {
                self.finish_namespace_if_empty(ns);
            }
        }
    }

    /// The namespace controller's work, done at once: delete everything in the namespace, then drop
    /// the `kubernetes` finalizer so the namespace goes when nothing is left.
    fn terminate_namespace(&self, ns: &str) {
        let prefix = format!("{ns}/");
        for (res, key) in self.store.keys_with_prefix(&prefix) {
            let Some(info) = self
                .registry
                .all()
                .into_iter()
                .find(|i| *Self::storage_key(i) == *res)
            else {
                continue;
            };
            let name = key.strip_prefix(&prefix).unwrap_or(&key).to_owned();
            let _ = self.delete(&info, Some(ns), &name, None);
        }
        self.finish_namespace_if_empty(ns);
    }

    fn finish_namespace_if_empty(&self, ns: &str) {
        let Ok(ns_info) = self.lookup("", "v1", "namespaces") else {
            return;
        };
        let Some(cur) = self.store.get(&Self::storage_key(&ns_info), ns) else {
            return;
        };
        let v = cur.to_value();
        if v.get("metadata")
            .and_then(|m| m.get("deletionTimestamp"))
            .is_none()
        {
            return;
        }
        if !self.store.keys_with_prefix(&format!("{ns}/")).is_empty() {
            return;
        }
        let _ = self.modify(&ns_info, None, ns, Part::Finalize, None, |old| {
            let mut new = old.clone();
            if let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("finalizers".into(), json!([]));
            }
            Ok(new)
        });
    }

    pub(crate) fn register_crd(&self, crd: &Value) {
        for info in crd_resources(crd) {
            self.registry.insert(info);
        }
    }

    fn unregister_crd(&self, crd: &Value) {
        for info in crd_resources(crd) {
            let res = Self::storage_key(&info);
            for (r, key) in self.store.keys_with_prefix("") {
                if r == res {
                    let (ns, name) = match key.split_once('/') {
                        Some((ns, name)) => (Some(ns.to_owned()), name.to_owned()),
                        None => (None, key.to_string()),
                    };
                    let _ = self.store.guaranteed_update(&res, &key, &[], |cur| match cur {
                        Some(c) => Ok(Outcome::Delete(c.to_value())),
                        None => Err(not_found(&info.plural, &info.group, &name)),
                    });
                    let _ = ns;
                }
            }
            self.registry.remove(&info.group, &info.version, &info.plural);
        }
    }
}

/// The served resources a CRD defines (one per served version).
pub(crate) fn crd_resources(crd: &Value) -> Vec<ResourceInfo> {
    let spec = crd.get("spec").cloned().unwrap_or(Value::Null);
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let names = spec.get("names").cloned().unwrap_or(Value::Null);
    let group = s(&spec, "group");
    let plural = s(&names, "plural");
    let kind = s(&names, "kind");
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return Vec::new();
    }
    let list = |v: &Value, k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let namespaced = s(&spec, "scope") != "Cluster";
    let singular = match s(&names, "singular") {
        x if x.is_empty() => kind.to_ascii_lowercase(),
        x => x,
    };
    spec.get("versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.get("served").and_then(Value::as_bool).unwrap_or(true))
                .map(|v| ResourceInfo {
                    group: group.clone(),
                    version: s(v, "name"),
                    plural: plural.clone(),
                    singular: singular.clone(),
                    kind: kind.clone(),
                    namespaced,
                    short_names: list(&names, "shortNames"),
                    categories: list(&names, "categories"),
                    has_status: v.get("subresources").and_then(|s| s.get("status")).is_some(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Marks a CRD's names accepted and the CRD established, as the apiextensions controllers would.
pub(crate) fn crd_set_status(crd: &mut Value) {
    let names = crd
        .get("spec")
        .and_then(|s| s.get("names"))
        .cloned()
        .unwrap_or(json!({}));
    let now = Time::now();
    let versions: Vec<Value> = crd
        .get("spec")
        .and_then(|s| s.get("versions"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|v| v.get("storage").and_then(Value::as_bool).unwrap_or(false))
                .filter_map(|v| v.get("name").cloned())
                .collect()
        })
        .unwrap_or_default();
    if let Some(map) = crd.as_object_mut() {
        map.insert(
            "status".into(),
            json!({
                "acceptedNames": names,
                "conditions": [
                    {"type":"NamesAccepted","status":"True","lastTransitionTime":now,"reason":"NoConflicts","message":"no conflicts found"},
                    {"type":"Established","status":"True","lastTransitionTime":now,"reason":"InitialNamesAccepted","message":"the initial names have been accepted"}
                ],
                "storedVersions": versions,
            }),
        );
    }
}
