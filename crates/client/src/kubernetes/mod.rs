//! The typed clientset: one client per API group version, one typed client per resource.
//!
//! Mirrors client-go `kubernetes/clientset.go` (`Clientset`, `NewForConfig`) and the generated
//! `typed/<group>/<version>/<group>_client.go` files. All group clients share one transport and one
//! client-side rate limiter (QPS/Burst), as in client-go. Building a clientset performs no network I/O.

use clientgo_api::apps::v1::Deployment;
use clientgo_api::coordination::v1::Lease;
use clientgo_api::core::v1::{ConfigMap, Event, Namespace, Node, Pod, Secret, Service, ServiceAccount};
use clientgo_apimachinery::{GroupVersion, Resource};
use clientgo_rest::{Config, ConfigError, Error, RestClient};

use crate::discovery::{DiscoveryClient, Info};

mod namespace;
pub use crate::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, Preconditions,
    UpdateOptions, WriteOptions,
};
pub use crate::resource_client::ResourceClient;

/// Typed clients for the built-in API groups, plus discovery.
///
/// Mirrors client-go `kubernetes.Clientset`: `clientset.core_v1().pods("ns").list(&opts)`. Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct Clientset {
    root: RestClient,
    core_v1: CoreV1Client,
    apps_v1: AppsV1Client,
    coordination_v1: CoordinationV1Client,
    discovery: DiscoveryClient,
}

impl Clientset {
    /// Builds every group client from `config`, sharing one transport and one rate limiter.
    /// Mirrors `kubernetes.NewForConfig`.
    ///
    /// # Errors
    /// [`ConfigError`] for an invalid host, unreadable certificates or conflicting credentials.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Ok(Self::from_rest_client(RestClient::new_unversioned(config)?))
    }

    /// Builds the clientset over an existing (unversioned) RESTClient's transport and limiter.
    pub fn from_rest_client(root: RestClient) -> Self {
        let gv = |g: &str, v: &str| {
            let api_path = if g.is_empty() { "/api" } else { "/apis" };
            root.for_group_version(api_path, GroupVersion::new(g, v))
        };
        Clientset {
            core_v1: CoreV1Client { rest: gv("", "v1") },
            apps_v1: AppsV1Client {
                rest: gv("apps", "v1"),
            },
            coordination_v1: CoordinationV1Client {
                rest: gv("coordination.k8s.io", "v1"),
            },
            discovery: DiscoveryClient::from_rest_client(root.clone()),
            root,
        }
    }

    /// The core (`v1`) group. Mirrors `CoreV1()`.
    pub fn core_v1(&self) -> &CoreV1Client {
        &self.core_v1
    }

    /// The `apps/v1` group. Mirrors `AppsV1()`.
    pub fn apps_v1(&self) -> &AppsV1Client {
        &self.apps_v1
    }

    /// The `coordination.k8s.io/v1` group. Mirrors `CoordinationV1()`.
    pub fn coordination_v1(&self) -> &CoordinationV1Client {
        &self.coordination_v1
    }

    /// The discovery client. Mirrors `Discovery()`.
    pub fn discovery(&self) -> &DiscoveryClient {
        &self.discovery
    }

    /// `GET /version`. Mirrors `Discovery().ServerVersion()` (`clientset.ServerVersion()` in Go).
    ///
    /// # Errors
    /// The request's [`Error`]; a body that is not version JSON is [`Error::Decode`] ("unable to parse
    /// the server version").
    pub async fn server_version(&self) -> Result<Info, Error> {
        self.discovery.server_version().await
    }

    /// A typed client for any [`Resource`], including users' custom resources: adding a type to the
    /// clientset is implementing `Resource` for it. `namespace` is ignored for cluster-scoped kinds.
    pub fn resource<K: Resource>(&self, namespace: Option<&str>) -> ResourceClient<K> {
        let api_path = if K::GROUP.is_empty() { "/api" } else { "/apis" };
        let rest = self
            .root
            .for_group_version(api_path, GroupVersion::new(K::GROUP, K::VERSION));
        ResourceClient::for_resource(rest, namespace)
    }

    /// The unversioned RESTClient underneath (for `abs_path` requests such as `/version`).
    pub fn rest_client(&self) -> &RestClient {
        &self.root
    }
}

macro_rules! group_client {
    ($(#[$doc:meta])* $name:ident, $go:literal, {
        $($(#[$mdoc:meta])* $method:ident => $ty:ty, $scope:ident;)*
    }) => {
        $(#[$doc])*
        #[doc = concat!("\n\nMirrors client-go `", $go, "`.")]
        #[derive(Debug, Clone)]
        pub struct $name {
            rest: RestClient,
        }

        impl $name {
            /// The RESTClient of this group version. Mirrors `RESTClient()`.
            pub fn rest_client(&self) -> &RestClient {
                &self.rest
            }

            $(group_client!(@method $(#[$mdoc])* $method, $ty, $scope);)*
        }
    };
    (@method $(#[$mdoc:meta])* $method:ident, $ty:ty, namespaced) => {
        $(#[$mdoc])*
        /// `namespace` `""` means all namespaces (for list and watch).
        pub fn $method(&self, namespace: &str) -> ResourceClient<$ty> {
            ResourceClient::for_resource(self.rest.clone(), Some(namespace))
        }
    };
    (@method $(#[$mdoc:meta])* $method:ident, $ty:ty, cluster) => {
        $(#[$mdoc])*
        pub fn $method(&self) -> ResourceClient<$ty> {
            ResourceClient::for_resource(self.rest.clone(), None)
        }
    };
}

group_client!(
    /// Clients for the core `v1` resources.
    CoreV1Client, "typed/core/v1.CoreV1Client", {
    /// Pods in a namespace.
    pods => Pod, namespaced;
    /// Namespaces.
    namespaces => Namespace, cluster;
    /// Services in a namespace.
    services => Service, namespaced;
    /// ConfigMaps in a namespace.
    config_maps => ConfigMap, namespaced;
    /// Secrets in a namespace.
    secrets => Secret, namespaced;
    /// core/v1 Events in a namespace.
    events => Event, namespaced;
    /// Nodes.
    nodes => Node, cluster;
    /// ServiceAccounts in a namespace.
    service_accounts => ServiceAccount, namespaced;
});

group_client!(
    /// Clients for the `apps/v1` resources.
    AppsV1Client, "typed/apps/v1.AppsV1Client", {
    /// Deployments in a namespace.
    deployments => Deployment, namespaced;
});

group_client!(
    /// Clients for the `coordination.k8s.io/v1` resources.
    CoordinationV1Client, "typed/coordination/v1.CoordinationV1Client", {
    /// Leases in a namespace.
    leases => Lease, namespaced;
});
