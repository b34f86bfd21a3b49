//! The namespaces client's expansion: `Finalize`.

use clientgo_api::core::v1::Namespace;
use clientgo_rest::Error;

use crate::options::UpdateOptions;
use crate::resource_client::ResourceClient;

impl ResourceClient<Namespace> {
    /// Replaces the namespace's `spec.finalizers` through the `/finalize` subresource (only that
    /// field is written). Mirrors client-go's `NamespaceInterface.Finalize`.
    ///
    /// This is the last resort for a namespace stuck in `Terminating`: with `spec.finalizers`
    /// emptied the server removes the namespace even though objects in it still wait on their
    /// own finalizers, and those objects are left behind, unreachable through the API until a
    /// namespace of that name exists again. Fix or run the controller that owns those finalizers
    /// first whenever possible.
    ///
    /// # Errors
    /// `is_not_found()` for a missing namespace; `is_conflict()` when `namespace` carries a stale
    /// resourceVersion.
    pub async fn finalize(&self, namespace: &Namespace, opts: &UpdateOptions) -> Result<Namespace, Error> {
        let name = namespace.metadata.name.as_deref().unwrap_or_default();
        self.update_subresource(name, "finalize", namespace, opts).await
    }
}
