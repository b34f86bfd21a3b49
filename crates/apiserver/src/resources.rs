//! The resource registry: which resources the server serves, their kinds, scopes, short names and
//! subresources.
//!
//! Mirrors the apiserver's `APIGroupInfo`/`VersionedResourcesStorageMap`: built-in resources are fixed at
//! start, custom resources are added and removed as CustomResourceDefinitions come and go.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

/// The verbs a normal resource supports, in discovery order.
pub const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// One served resource.
///
/// Mirrors `metav1.APIResource` plus what the registry's strategy needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceInfo {
    /// API group, `""` for core.
    pub group: String,
    /// Version, e.g. `v1`.
    pub version: String,
    /// Plural name used in paths.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Kind.
    pub kind: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// kubectl short names.
    pub short_names: Vec<String>,
    /// Whether a `/status` subresource exists (spec and status written separately).
    pub has_status: bool,
    /// Categories (e.g. `all`).
    pub categories: Vec<String>,
}

impl ResourceInfo {
    fn builtin(
        group: &str,
        version: &str,
        plural: &str,
        kind: &str,
        namespaced: bool,
        short: &[&str],
        has_status: bool,
    ) -> Self {
        ResourceInfo {
            group: group.to_owned(),
            version: version.to_owned(),
            plural: plural.to_owned(),
            singular: kind.to_ascii_lowercase(),
            kind: kind.to_owned(),
            namespaced,
            short_names: short.iter().map(|s| (*s).to_owned()).collect(),
            has_status,
            categories: Vec::new(),
        }
    }

    /// `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural` or `plural.group`, as in messages and storage keys.
    pub fn qualified(&self) -> String {
        crate::status::qualified(&self.plural, &self.group)
    }

    /// Whether this is a custom resource served from a CRD (list items then keep kind/apiVersion).
    pub fn is_custom(&self) -> bool {
        !matches!(
            self.group.as_str(),
            "" | "apps" | "coordination.k8s.io" | "events.k8s.io" | "apiextensions.k8s.io"
        )
    }

    /// The field labels a field selector may use for this resource, beyond metadata.name/namespace.
    pub fn extra_field_labels(&self) -> &'static [&'static str] {
        match (self.group.as_str(), self.plural.as_str()) {
            ("", "pods") => &[
                "spec.nodeName",
                "status.phase",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "status.podIP",
                "status.nominatedNodeName",
            ],
            ("", "namespaces") => &["status.phase"],
            ("", "secrets") => &["type"],
            ("", "nodes") => &["spec.unschedulable"],
            ("", "events") => &[
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ],
            _ => &[],
        }
    }
}

/// The built-in resource set.
pub fn builtin_resources() -> Vec<ResourceInfo> {
    let mut v = vec![
        ResourceInfo::builtin("", "v1", "namespaces", "Namespace", false, &["ns"], true),
        ResourceInfo::builtin("", "v1", "pods", "Pod", true, &["po"], true),
        ResourceInfo::builtin("", "v1", "services", "Service", true, &["svc"], true),
        ResourceInfo::builtin("", "v1", "configmaps", "ConfigMap", true, &["cm"], false),
        ResourceInfo::builtin("", "v1", "secrets", "Secret", true, &[], false),
        ResourceInfo::builtin("", "v1", "events", "Event", true, &["ev"], false),
        ResourceInfo::builtin("", "v1", "nodes", "Node", false, &["no"], true),
        ResourceInfo::builtin(
            "",
            "v1",
            "serviceaccounts",
            "ServiceAccount",
            true,
            &["sa"],
            false,
        ),
        ResourceInfo::builtin("apps", "v1", "deployments", "Deployment", true, &["deploy"], true),
        ResourceInfo::builtin("coordination.k8s.io", "v1", "leases", "Lease", true, &[], false),
        ResourceInfo::builtin("events.k8s.io", "v1", "events", "Event", true, &["ev"], false),
        ResourceInfo::builtin(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "CustomResourceDefinition",
            false,
            &["crd", "crds"],
            true,
        ),
    ];
    for r in &mut v {
        if matches!(r.plural.as_str(), "pods" | "services" | "deployments") {
            r.categories = vec!["all".to_owned()];
        }
    }
    v
}

/// Identifies a served resource: `(group, version, plural)`.
pub type ResourceKey = (String, String, String);

/// The live set of served resources, shared by the router and discovery.
///
/// Reads take a short read lock and get `Arc`s; CRD changes replace entries.
#[derive(Debug, Default)]
pub struct Registry {
    inner: RwLock<BTreeMap<ResourceKey, Arc<ResourceInfo>>>,
}

impl Registry {
    /// A registry holding the built-in resources.
    pub fn with_builtins() -> Self {
        let r = Registry::default();
        for info in builtin_resources() {
            r.insert(info);
        }
        r
    }

    /// Adds or replaces a resource.
    pub fn insert(&self, info: ResourceInfo) {
        let key = (info.group.clone(), info.version.clone(), info.plural.clone());
        let mut g = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        g.insert(key, Arc::new(info));
    }

    /// Removes a resource (its CRD was deleted).
    pub fn remove(&self, group: &str, version: &str, plural: &str) {
        let mut g = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        g.remove(&(group.to_owned(), version.to_owned(), plural.to_owned()));
    }

    /// Looks up a resource by group, version and plural.
    pub fn get(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceInfo>> {
        let g = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        g.get(&(group.to_owned(), version.to_owned(), plural.to_owned()))
            .cloned()
    }

    /// All resources, sorted by group, version and plural.
    pub fn all(&self) -> Vec<Arc<ResourceInfo>> {
        let g = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        g.values().cloned().collect()
    }

    /// Whether a group/version has any resource.
    pub fn has_group_version(&self, group: &str, version: &str) -> bool {
        let g = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        g.keys().any(|(gr, v, _)| gr == group && v == version)
    }
}
