//! Group, version, kind and resource names.
//!
//! Mirrors apimachinery `pkg/runtime/schema` (`group_version.go`).

use std::fmt;

/// An API group and version, e.g. `apps/v1`; the core group has an empty group (`v1`).
///
/// Mirrors apimachinery `schema.GroupVersion`.
#[doc(alias = "schema.GroupVersion")]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GroupVersion {
    /// The group; empty for the core (legacy) group.
    pub group: String,
    /// The version, e.g. `v1`.
    pub version: String,
}

/// A group, version and kind: identifies a type, e.g. `apps/v1, Kind=Deployment`.
///
/// Mirrors apimachinery `schema.GroupVersionKind`.
#[doc(alias = "schema.GroupVersionKind")]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GroupVersionKind {
    /// The group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind, e.g. `Deployment`.
    pub kind: String,
}

/// A group, version and resource: identifies an HTTP collection, e.g. `apps/v1/deployments`.
///
/// Mirrors apimachinery `schema.GroupVersionResource`.
#[doc(alias = "schema.GroupVersionResource")]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GroupVersionResource {
    /// The group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The plural resource name, e.g. `deployments`.
    pub resource: String,
}

impl GroupVersion {
    /// A group and version.
    pub fn new(group: impl Into<String>, version: impl Into<String>) -> Self {
        GroupVersion {
            group: group.into(),
            version: version.into(),
        }
    }

    /// Parses an `apiVersion` string: `v1` (core group) or `group/version`.
    /// Mirrors `schema.ParseGroupVersion`; returns `None` for more than one `/` or an empty part.
    pub fn parse(api_version: &str) -> Option<Self> {
        match api_version.split_once('/') {
            None if !api_version.is_empty() => Some(GroupVersion::new("", api_version)),
            Some((g, v)) if !g.is_empty() && !v.is_empty() && !v.contains('/') => {
                Some(GroupVersion::new(g, v))
            }
            _ => None,
        }
    }

    /// The `apiVersion` string: `version` for the core group, else `group/version`.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }
}

impl fmt::Display for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.api_version())
    }
}

impl GroupVersionKind {
    /// A group, version and kind.
    pub fn new(group: impl Into<String>, version: impl Into<String>, kind: impl Into<String>) -> Self {
        GroupVersionKind {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// The kind named by an object's `apiVersion` and `kind`, if `apiVersion` parses.
    pub fn from_api_version_and_kind(api_version: &str, kind: &str) -> Option<Self> {
        let gv = GroupVersion::parse(api_version)?;
        Some(GroupVersionKind::new(gv.group, gv.version, kind))
    }

    /// The `apiVersion` string of this kind.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }
}

impl fmt::Display for GroupVersionKind {
    /// Formats like Go: `apps/v1, Kind=Deployment`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, Kind={}", self.api_version(), self.kind)
    }
}

impl GroupVersionResource {
    /// A group, version and resource.
    pub fn new(group: impl Into<String>, version: impl Into<String>, resource: impl Into<String>) -> Self {
        GroupVersionResource {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
        }
    }

    /// The `apiVersion` string of this resource's group and version.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }
}

impl fmt::Display for GroupVersionResource {
    /// Formats like Go: `apps/v1, Resource=deployments`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, Resource={}", self.api_version(), self.resource)
    }
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_api_versions() {
        assert_eq!(GroupVersion::parse("v1").unwrap(), GroupVersion::new("", "v1"));
        assert_eq!(GroupVersion::parse("apps/v1").unwrap().to_string(), "apps/v1");
        assert!(GroupVersion::parse("a/b/c").is_none());
        assert!(GroupVersion::parse("").is_none());
        assert!(GroupVersion::parse("/v1").is_none());
        let gvk = GroupVersionKind::from_api_version_and_kind("apps/v1", "Deployment").unwrap();
        assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
        assert_eq!(
            GroupVersionResource::new("", "v1", "pods").to_string(),
            "v1, Resource=pods"
        );
    }
}
