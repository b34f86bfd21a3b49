//! What the server serves: its version, API groups and resources.
//!
//! Mirrors client-go `discovery/discovery_client.go` (`DiscoveryClient`: `ServerVersion`,
//! `ServerGroups`, `ServerResourcesForGroupVersion`, `ServerGroupsAndResources`) and the wire types
//! `version.Info`, `metav1.APIVersions`, `APIGroupList`, `APIGroup`, `APIResourceList`, `APIResource`.
//! Enough to print `kubectl version`, `api-versions` and `api-resources`.

use clientgo_apimachinery::{ApiResource, GroupVersion};
use clientgo_rest::{Config, ConfigError, Error, RestClient};
use serde::{Deserialize, Serialize};

/// The server's build: what `GET /version` returns. Mirrors apimachinery `version.Info`; field order
/// matches Go's, so printing it with serde gives the same JSON as client-go.
#[doc(alias = "version.Info")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Info {
    /// Major version, e.g. `1`.
    pub major: String,
    /// Minor version, e.g. `25`.
    pub minor: String,
    /// e.g. `v1.25.4`.
    pub git_version: String,
    /// Commit hash.
    pub git_commit: String,
    /// `clean` or `dirty`.
    pub git_tree_state: String,
    /// RFC 3339 build time.
    pub build_date: String,
    /// Go version of the server build.
    pub go_version: String,
    /// Compiler, `gc`.
    pub compiler: String,
    /// `os/arch`.
    pub platform: String,
}

/// `GET /api`: the legacy core group's versions. Mirrors `metav1.APIVersions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiVersions {
    /// e.g. `["v1"]`.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// `GET /apis`. Mirrors `metav1.APIGroupList`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiGroupList {
    /// The groups.
    #[serde(default)]
    pub groups: Vec<ApiGroup>,
}

/// One API group. Mirrors `metav1.APIGroup`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiGroup {
    /// Group name; `""` for the core group.
    #[serde(default)]
    pub name: String,
    /// Served versions.
    #[serde(default)]
    pub versions: Vec<GroupVersionForDiscovery>,
    /// The version clients should prefer.
    #[serde(default)]
    pub preferred_version: Option<GroupVersionForDiscovery>,
}

/// A version of a group. Mirrors `metav1.GroupVersionForDiscovery`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupVersionForDiscovery {
    /// `group/version` (or `v1`).
    pub group_version: String,
    /// `version`.
    pub version: String,
}

/// `GET /api/v1` or `/apis/<group>/<version>`. Mirrors `metav1.APIResourceList`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiResourceList {
    /// `group/version` (or `v1`).
    pub group_version: String,
    /// Resources, including subresources (`pods/status`).
    #[serde(default)]
    pub resources: Vec<DiscoveredResource>,
}

/// One resource as discovery describes it. Mirrors `metav1.APIResource`.
#[doc(alias = "APIResource")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscoveredResource {
    /// Plural name, or `plural/subresource`.
    pub name: String,
    /// Singular name.
    #[serde(default)]
    pub singular_name: String,
    /// Whether objects live in namespaces.
    #[serde(default)]
    pub namespaced: bool,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Supported verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Short names, e.g. `ns`.
    #[serde(default)]
    pub short_names: Vec<String>,
}

impl DiscoveredResource {
    /// True for `pods/status`-style entries.
    pub fn is_subresource(&self) -> bool {
        self.name.contains('/')
    }

    /// The [`ApiResource`] for the dynamic client, given the list's group version.
    pub fn to_api_resource(&self, group_version: &str) -> Option<ApiResource> {
        let gv = GroupVersion::parse(group_version)?;
        Some(ApiResource {
            group: gv.group,
            version: gv.version,
            kind: self.kind.clone(),
            plural: self.name.clone(),
            namespaced: self.namespaced,
        })
    }
}

/// Asks the server what it serves. Mirrors client-go `discovery.DiscoveryClient`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DiscoveryClient {
    rest: RestClient,
}

impl DiscoveryClient {
    /// A discovery client for `config`. Mirrors `discovery.NewDiscoveryClientForConfig`. No I/O.
    ///
    /// # Errors
    /// See [`RestClient::new_unversioned`].
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Ok(DiscoveryClient {
            rest: RestClient::new_unversioned(config)?,
        })
    }

    /// Over an existing RESTClient's transport.
    pub fn from_rest_client(rest: RestClient) -> Self {
        DiscoveryClient { rest }
    }

    /// The RESTClient underneath.
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// `GET /version`. Mirrors `ServerVersion`.
    ///
    /// # Errors
    /// The request's [`Error`]; [`Error::Decode`] when the body is not version JSON (an empty body
    /// included: Go's "unable to parse the server version: unexpected end of JSON input").
    pub async fn server_version(&self) -> Result<Info, Error> {
        self.rest.get().abs_path("/version").do_().await
    }

    /// The core group (from `/api`) followed by the named groups (from `/apis`). Mirrors `ServerGroups`.
    ///
    /// # Errors
    /// The request's [`Error`].
    pub async fn server_groups(&self) -> Result<Vec<ApiGroup>, Error> {
        let core: ApiVersions = self.rest.get().abs_path("/api").do_().await?;
        let mut groups = Vec::with_capacity(16);
        if !core.versions.is_empty() {
            let versions: Vec<_> = core
                .versions
                .iter()
                .map(|v| GroupVersionForDiscovery {
                    group_version: v.clone(),
                    version: v.clone(),
                })
                .collect();
            groups.push(ApiGroup {
                name: String::new(),
                preferred_version: versions.first().cloned(),
                versions,
            });
        }
        let named: ApiGroupList = self.rest.get().abs_path("/apis").do_().await?;
        groups.extend(named.groups);
        Ok(groups)
    }

    /// The resources of one group version (`v1` or `apps/v1`). Mirrors `ServerResourcesForGroupVersion`.
    ///
    /// # Errors
    /// The request's [`Error`]; `is_not_found()` for an unknown group version.
    pub async fn server_resources_for_group_version(
        &self,
        group_version: &str,
    ) -> Result<ApiResourceList, Error> {
        let path = if group_version.contains('/') {
            format!("/apis/{group_version}")
        } else {
            format!("/api/{group_version}")
        };
        self.rest.get().abs_path(&path).do_().await
    }

    /// Every group and the resources of each group's preferred version, in server order.
    /// Mirrors `ServerGroupsAndResources` restricted to preferred versions (what `kubectl
    /// api-resources` prints).
    ///
    /// # Errors
    /// The first failing request's [`Error`].
    pub async fn server_preferred_resources(&self) -> Result<Vec<ApiResourceList>, Error> {
        let groups = self.server_groups().await?;
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            let Some(pv) = g.preferred_version.or_else(|| g.versions.first().cloned()) else {
                continue;
            };
            out.push(self.server_resources_for_group_version(&pv.group_version).await?);
        }
        Ok(out)
    }
}
