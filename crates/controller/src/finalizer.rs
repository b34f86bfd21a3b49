//! Finalizers: run cleanup before an object may disappear.

use std::future::Future;
use std::sync::Arc;

use clientgo_apimachinery::Object;
use clientgo_client::{PatchOptions, PatchType, ResourceClient};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::action::Action;

/// What the [`finalizer`] helper asks the reconcile to do.
#[derive(Debug)]
pub enum FinalizerEvent<K> {
    /// The object is live and carries our finalizer: bring the world in line with it.
    Apply(Arc<K>),
    /// The object is being deleted and still carries our finalizer: release what it holds.
    /// On success the finalizer is removed and the object may disappear.
    Cleanup(Arc<K>),
}

/// Why [`finalizer`] failed. The controller logs it and requeues the key with backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FinalizerError<E: std::error::Error + 'static> {
    /// The `Apply` reconcile failed.
    #[error("apply failed: {0}")]
    ApplyFailed(#[source] E),
    /// The `Cleanup` reconcile failed; the finalizer stays on the object.
    #[error("cleanup failed: {0}")]
    CleanupFailed(#[source] E),
    /// Adding the finalizer failed (a concurrent change makes the patch's `test` fail: retry).
    #[error("adding finalizer {finalizer:?} failed: {source}")]
    AddFinalizer {
        /// The finalizer's name.
        finalizer: String,
        /// The API error.
        #[source]
        source: clientgo_rest::Error,
    },
    /// Removing the finalizer failed (a concurrent change makes the patch's `test` fail: retry).
    #[error("removing finalizer {finalizer:?} failed: {source}")]
    RemoveFinalizer {
        /// The finalizer's name.
        finalizer: String,
        /// The API error.
        #[source]
        source: clientgo_rest::Error,
    },
    /// The object has no name, so it cannot be patched.
    #[error("the object has no metadata.name")]
    UnnamedObject,
}

/// Runs `reconcile` under the finalizer `name` (e.g. `example.com/cleanup`) of `obj`:
///
/// - live without the finalizer: adds it (JSON patch testing `resourceVersion`, so a
///   concurrent change fails the patch and the key is retried instead of losing an update),
///   then runs [`FinalizerEvent::Apply`] on the patched object the server returned, so a new
///   object is applied in its first reconcile, not only after its own patch comes back;
/// - live with the finalizer: runs [`FinalizerEvent::Apply`];
/// - being deleted with the finalizer: runs [`FinalizerEvent::Cleanup`], then removes only
///   our finalizer (JSON patch testing its list entry); a cleanup error keeps the finalizer;
/// - being deleted without it: nothing to do.
///
/// Works for any object type the `api` client serves. Mirrors controller-runtime's
/// `controllerutil.AddFinalizer`/`RemoveFinalizer` pattern (and kube-rs's `finalizer`).
///
/// # Errors
/// [`FinalizerError`] naming the failed step.
pub async fn finalizer<K, E, F, Fut>(
    api: &ResourceClient<K>,
    name: &str,
    obj: Arc<K>,
    reconcile: F,
) -> Result<Action, FinalizerError<E>>
where
    K: Object + Serialize + DeserializeOwned + Send + 'static,
    E: std::error::Error + 'static,
    F: FnOnce(FinalizerEvent<K>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
{
    let meta = obj.metadata();
    let object_name = obj.name().to_owned();
    if object_name.is_empty() {
        return Err(FinalizerError::UnnamedObject);
    }
    let position = meta.finalizers.iter().position(|f| f == name);
    let deleting = meta.deletion_timestamp.is_some();
    match (deleting, position) {
        (false, Some(_)) => reconcile(FinalizerEvent::Apply(obj))
            .await
            .map_err(FinalizerError::ApplyFailed),
        (false, None) => {
            let mut finalizers = meta.finalizers.clone();
            finalizers.push(name.into());
            let rv = meta.resource_version.clone().unwrap_or_default();
            let patch = json!([
                {"op": "test", "path": "/metadata/resourceVersion", "value": rv},
                {"op": "add", "path": "/metadata/finalizers", "value": finalizers},
            ]);
            let patched = api
                .patch(&object_name, &PatchType::Json, &patch, &PatchOptions::default())
                .await
                .map_err(|source| FinalizerError::AddFinalizer {
                    finalizer: name.to_owned(),
                    source,
                })?;
            reconcile(FinalizerEvent::Apply(Arc::new(patched)))
                .await
                .map_err(FinalizerError::ApplyFailed)
        }
        (true, Some(index)) => {
            let action = reconcile(FinalizerEvent::Cleanup(Arc::clone(&obj)))
                .await
                .map_err(FinalizerError::CleanupFailed)?;
            let path = format!("/metadata/finalizers/{index}");
            let patch = json!([
                {"op": "test", "path": path, "value": name},
                {"op": "remove", "path": path},
            ]);
            api.patch(&object_name, &PatchType::Json, &patch, &PatchOptions::default())
                .await
                .map_err(|source| FinalizerError::RemoveFinalizer {
                    finalizer: name.to_owned(),
                    source,
                })?;
            Ok(action)
        }
        (true, None) => Ok(Action::done()),
    }
}
