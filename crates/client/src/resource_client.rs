//! One generic client per resource: the verbs of client-go's generated typed clients, written once.
//!
//! Mirrors client-go `kubernetes/typed/<group>/<version>/<resource>.go` (for instance `pod.go`'s
//! `pods` type) and `dynamic/simple.go`'s `dynamicResourceClient`: both are the same request shapes
//! over [`RestClient`], so here one generic type serves typed resources (`K: Resource`), users' custom
//! resources, and [`DynamicObject`](clientgo_apimachinery::DynamicObject)s described at run time.

use std::fmt;
use std::marker::PhantomData;

use clientgo_apimachinery::{ApiResource, List, Resource, WatchEvent};
use clientgo_rest::{Error, Request, RestClient};
use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, UpdateOptions,
};

/// The verbs for one resource in one namespace (or cluster-wide).
///
/// Mirrors a client-go typed client such as `PodInterface`, e.g.
/// `clientset.core_v1().pods("kube-system").list(&ListOptions::default())`. Cheap to clone.
pub struct ResourceClient<K> {
    rest: RestClient,
    plural: String,
    namespace: Option<String>,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for ResourceClient<K> {
    fn clone(&self) -> Self {
        ResourceClient {
            rest: self.rest.clone(),
            plural: self.plural.clone(),
            namespace: self.namespace.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for ResourceClient<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceClient")
            .field("rest", &self.rest)
            .field("resource", &self.plural)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl<K: Resource> ResourceClient<K> {
    /// A typed client over `rest`, which must address `K`'s group and version. `namespace` is ignored
    /// for cluster-scoped kinds; `""` or `None` on a namespaced kind means all namespaces (list/watch).
    pub fn for_resource(rest: RestClient, namespace: Option<&str>) -> Self {
        Self::with_plural(rest, K::PLURAL, K::NAMESPACED, namespace)
    }
}

impl<K> ResourceClient<K> {
    /// A client for a resource described at run time (dynamic client, discovery results).
    pub fn for_api_resource(rest: RestClient, resource: &ApiResource, namespace: Option<&str>) -> Self {
        Self::with_plural(rest, &resource.plural, resource.namespaced, namespace)
    }

    fn with_plural(rest: RestClient, plural: &str, namespaced: bool, namespace: Option<&str>) -> Self {
        ResourceClient {
            rest,
            plural: plural.to_owned(),
            namespace: if namespaced {
                namespace.filter(|n| !n.is_empty()).map(str::to_owned)
            } else {
                None
            },
            _kind: PhantomData,
        }
    }

    /// The underlying RESTClient. Mirrors `RESTClient()` on typed clients.
    pub fn rest_client(&self) -> &RestClient {
        &self.rest
    }

    /// The namespace, if scoped to one.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    fn request(&self, r: Request) -> Request {
        r.namespace(self.namespace.as_deref().unwrap_or(""))
            .resource(&self.plural)
    }
}

impl<K> ResourceClient<K>
where
    K: Serialize + DeserializeOwned + Send + 'static,
{
    /// Lists the objects (one page when `opts.limit` is set). Mirrors `List`.
    ///
    /// # Errors
    /// The request's [`Error`]; `is_gone()` when a continue token expired.
    pub async fn list(&self, opts: &ListOptions) -> Result<List<K>, Error> {
        opts.apply(self.request(self.rest.get())).do_().await
    }

    /// Reads one object. Mirrors `Get`.
    ///
    /// # Errors
    /// `is_not_found()` when it does not exist.
    pub async fn get(&self, name: &str, opts: &GetOptions) -> Result<K, Error> {
        opts.apply(self.request(self.rest.get()).name(name)).do_().await
    }

    /// Creates an object; returns it as stored. Mirrors `Create`.
    ///
    /// # Errors
    /// `is_already_exists()` when the name is taken, `is_invalid()` on validation errors.
    pub async fn create(&self, obj: &K, opts: &CreateOptions) -> Result<K, Error> {
        opts.apply(self.request(self.rest.post()).body_json(obj))
            .do_()
            .await
    }

    /// Replaces an object (PUT). Mirrors `Update`. A set resourceVersion makes it conditional.
    ///
    /// # Errors
    /// `is_conflict()` when the resourceVersion is stale.
    pub async fn update(&self, name: &str, obj: &K, opts: &UpdateOptions) -> Result<K, Error> {
        opts.apply(self.request(self.rest.put()).name(name).body_json(obj))
            .do_()
            .await
    }

    /// Replaces an object's status subresource. Mirrors `UpdateStatus`.
    ///
    /// # Errors
    /// As [`ResourceClient::update`].
    pub async fn update_status(&self, name: &str, obj: &K, opts: &UpdateOptions) -> Result<K, Error> {
        self.update_subresource(name, "status", obj, opts).await
    }

    /// Replaces `subresource` of the named object with `obj` (PUT), as `UpdateStatus` and the
    /// namespace `Finalize` expansion do.
    pub(crate) async fn update_subresource(
        &self,
        name: &str,
        subresource: &str,
        obj: &K,
        opts: &UpdateOptions,
    ) -> Result<K, Error> {
        opts.apply(
            self.request(self.rest.put())
                .name(name)
                .sub_resource(subresource)
                .body_json(obj),
        )
        .do_()
        .await
    }

    /// Patches an object by name, without reading it first. Mirrors `Patch` (and `Apply` with
    /// [`PatchType::Apply`]).
    ///
    /// # Errors
    /// `is_not_found()` for a missing object (except apply, which creates it).
    pub async fn patch<P: Serialize + ?Sized>(
        &self,
        name: &str,
        patch_type: &PatchType,
        body: &P,
        opts: &PatchOptions,
    ) -> Result<K, Error> {
        let mut r = self.request(self.rest.patch()).name(name);
        r = match patch_type {
            // The apply patch names its own field manager.
            PatchType::Apply { .. } => {
                let mut o = opts.clone();
                o.field_manager.clear();
                o.apply(r)
            }
            _ => opts.apply(r),
        };
        let bytes = match serde_json::to_vec(body) {
            Ok(b) => b,
            Err(e) => return Err(clientgo_rest::RequestError::EncodeBody(e).into()),
        };
        patch_type
            .apply_params(r)
            .body_raw(bytes, patch_type.content_type())
            .do_()
            .await
    }

    /// Deletes an object. Mirrors `Delete`.
    ///
    /// # Errors
    /// `is_not_found()` when it is already gone.
    pub async fn delete(&self, name: &str, opts: &DeleteOptions) -> Result<(), Error> {
        self.request(self.rest.delete())
            .name(name)
            .body_json(opts)
            .do_raw()
            .await
            .map(drop)
    }

    /// Deletes every object matching `list_opts`. Mirrors `DeleteCollection`.
    ///
    /// # Errors
    /// The request's [`Error`].
    pub async fn delete_collection(
        &self,
        opts: &DeleteOptions,
        list_opts: &ListOptions,
    ) -> Result<(), Error> {
        list_opts
            .apply(self.request(self.rest.delete()).body_json(opts))
            .do_raw()
            .await
            .map(drop)
    }

    /// Watches the objects; `opts.resource_version` says where to start. Mirrors `Watch`.
    ///
    /// The stream ends when the server closes the watch; dropping it stops the watch.
    ///
    /// # Errors
    /// A non-2xx reply (e.g. 410 for a compacted resourceVersion); later failures arrive in the
    /// stream.
    pub async fn watch(
        &self,
        opts: &ListOptions,
    ) -> Result<impl Stream<Item = Result<WatchEvent<K>, Error>> + Send + 'static, Error> {
        opts.apply(self.request(self.rest.get()).param("watch", "true"))
            .watch::<K>()
            .await
    }
}
