//! The dynamic client: any resource as [`DynamicObject`], named by group, version and resource.
//!
//! Mirrors client-go `dynamic/simple.go` (`DynamicClient`, `NewForConfig`, `Resource(gvr)`,
//! `Namespace(ns)`): the same verbs as the typed clients, on untyped JSON objects, for custom
//! resources and anything without a Rust type.

use clientgo_apimachinery::{ApiResource, DynamicObject, GroupVersion};
use clientgo_rest::{Config, ConfigError, RestClient};

use crate::resource_client::ResourceClient;

/// Untyped access to any resource. Mirrors client-go `dynamic.DynamicClient`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DynamicClient {
    root: RestClient,
}

impl DynamicClient {
    /// A dynamic client for `config`. Mirrors `dynamic.NewForConfig`. No I/O.
    ///
    /// # Errors
    /// See [`RestClient::new_unversioned`].
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Ok(DynamicClient {
            root: RestClient::new_unversioned(config)?,
        })
    }

    /// Over an existing RESTClient's transport and rate limiter.
    pub fn from_rest_client(root: RestClient) -> Self {
        DynamicClient { root }
    }

    /// A client for `resource` (from discovery, or [`Resource::api_resource`](clientgo_apimachinery::Resource::api_resource)),
    /// in `namespace` when the resource is namespaced. Mirrors `Resource(gvr).Namespace(ns)`.
    pub fn resource(&self, resource: &ApiResource, namespace: Option<&str>) -> ResourceClient<DynamicObject> {
        let api_path = if resource.group.is_empty() {
            "/api"
        } else {
            "/apis"
        };
        let rest = self
            .root
            .for_group_version(api_path, GroupVersion::new(&resource.group, &resource.version));
        ResourceClient::for_api_resource(rest, resource, namespace)
    }
}
