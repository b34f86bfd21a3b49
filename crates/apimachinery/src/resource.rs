//! What makes a type a Kubernetes object, and where it is served.

use std::borrow::Cow;

use crate::meta::ObjectMeta;
use crate::schema::{GroupVersionKind, GroupVersionResource};

/// Anything with [`ObjectMeta`]: typed resources and [`DynamicObject`](crate::DynamicObject) alike.
///
/// Mirrors apimachinery `metav1.Object` (the accessor interface). Key functions, selectors, stores and
/// informers are written against this trait, so they work for typed and untyped objects.
#[doc(alias = "metav1.Object")]
pub trait Object {
    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;

    /// The object's metadata, mutably.
    fn metadata_mut(&mut self) -> &mut ObjectMeta;

    /// The value of a field-selector path such as `status.phase`, or `None` when the object does not
    /// support selecting on it.
    ///
    /// The default answers `metadata.name` and `metadata.namespace`, which every resource supports;
    /// types override it to add their own (Pods add `spec.nodeName` and `status.phase`).
    fn field(&self, path: &str) -> Option<Cow<'_, str>> {
        let meta = self.metadata();
        match path {
            "metadata.name" => Some(Cow::Borrowed(meta.name.as_deref().unwrap_or(""))),
            "metadata.namespace" => Some(Cow::Borrowed(meta.namespace.as_deref().unwrap_or(""))),
            _ => None,
        }
    }

    /// The object's name, or `""`.
    fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    /// The object's namespace, `None` when cluster-scoped or unset.
    fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref().filter(|n| !n.is_empty())
    }

    /// The object's resourceVersion, or `""`.
    fn resource_version(&self) -> &str {
        self.metadata().resource_version.as_deref().unwrap_or("")
    }
}

/// A statically typed resource: its group, version, kind, plural and scope are known at compile time.
///
/// Mirrors what client-go's generated typed clients know about each type. Implementing it for a user
/// type (a custom resource) is enough to get a typed client, informer and lister for it.
pub trait Resource: Object {
    /// API group; `""` for the core group.
    const GROUP: &'static str;
    /// API version, e.g. `v1`.
    const VERSION: &'static str;
    /// Kind, e.g. `Pod`.
    const KIND: &'static str;
    /// Plural resource name used in URLs, e.g. `pods`.
    const PLURAL: &'static str;
    /// Whether objects live in namespaces.
    const NAMESPACED: bool;

    /// The `apiVersion` string: `v1` or `group/version`.
    fn api_version() -> Cow<'static, str> {
        if Self::GROUP.is_empty() {
            Cow::Borrowed(Self::VERSION)
        } else {
            Cow::Owned(format!("{}/{}", Self::GROUP, Self::VERSION))
        }
    }

    /// The runtime description of this resource.
    fn api_resource() -> ApiResource {
        ApiResource {
            group: Self::GROUP.to_owned(),
            version: Self::VERSION.to_owned(),
            kind: Self::KIND.to_owned(),
            plural: Self::PLURAL.to_owned(),
            namespaced: Self::NAMESPACED,
        }
    }
}

/// A resource described at run time: what the dynamic client and discovery work with.
///
/// Mirrors the fields of client-go's `metav1.APIResource` that a client needs to build URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiResource {
    /// API group; `""` for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Plural resource name used in URLs.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

impl ApiResource {
    /// The group, version and kind.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    /// The group, version and resource.
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        self.gvk().api_version()
    }
}
