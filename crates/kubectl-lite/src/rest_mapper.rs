//! Kind to resource mapping through discovery, cached per group version.
//!
//! Mirrors client-go's `restmapper.DeferredDiscoveryRESTMapper` over a memory-cached discovery
//! client: each group version is fetched once, and fetched again only when asked to forget it (a kind
//! that a CRD just added).

use std::collections::HashMap;

use clientgo_apimachinery::ApiResource;
use clientgo_client::discovery::{DiscoveredResource, DiscoveryClient};
use clientgo_rest::Error;

/// Maps `apiVersion` + `kind` (or a resource name typed on the command line) to an [`ApiResource`].
#[derive(Debug)]
pub struct RestMapper {
    discovery: DiscoveryClient,
    cache: HashMap<String, Vec<DiscoveredResource>>,
}

impl RestMapper {
    /// A mapper with an empty cache.
    pub fn new(discovery: DiscoveryClient) -> Self {
        RestMapper {
            discovery,
            cache: HashMap::new(),
        }
    }

    /// Drops the cached resources of `api_version`, so the next lookup asks the server again.
    pub fn forget(&mut self, api_version: &str) {
        self.cache.remove(api_version);
    }

    /// The resource of `kind` in `api_version`, or `None` when the server does not serve it.
    ///
    /// # Errors
    /// Discovery failures other than an unknown group version.
    pub async fn kind_for(&mut self, api_version: &str, kind: &str) -> Result<Option<ApiResource>, Error> {
        if !self.cache.contains_key(api_version) {
            let list = match self
                .discovery
                .server_resources_for_group_version(api_version)
                .await
            {
                Ok(l) => l.resources,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => return Err(e),
            };
            self.cache.insert(api_version.to_owned(), list);
        }
        Ok(self.cache.get(api_version).and_then(|list| {
            list.iter()
                .find(|r| !r.is_subresource() && r.kind == kind)
                .and_then(|r| r.to_api_resource(api_version))
        }))
    }

    /// Resolves what a user typed after `get`: plural, singular, kind or short name, optionally
    /// qualified by group (`deployments.apps`), case-insensitively.
    ///
    /// # Errors
    /// Discovery failures.
    pub async fn resource_for(&self, typed: &str) -> Result<Option<ApiResource>, Error> {
        let typed = typed.to_ascii_lowercase();
        let (name, group) = match typed.split_once('.') {
            Some((n, g)) => (n.to_owned(), Some(g.to_owned())),
            None => (typed.clone(), None),
        };
        for list in self.discovery.server_preferred_resources().await? {
            let gv = list.group_version.as_str();
            let list_group = gv.rsplit_once('/').map_or("", |(g, _)| g);
            if group.as_deref().is_some_and(|g| g != list_group) {
                continue;
            }
            let hit = list.resources.iter().find(|r| {
                !r.is_subresource()
                    && (r.name == name
                        || r.singular_name == name
                        || r.kind.to_ascii_lowercase() == name
                        || r.short_names.contains(&name))
            });
            if let Some(r) = hit {
                return Ok(r.to_api_resource(gv));
            }
        }
        Ok(None)
    }
}
