//! What a reconcile is given and what it returns.

use std::sync::Arc;
use std::time::Duration;

/// What a successful reconcile asks the controller to do next.
///
/// Mirrors controller-runtime `reconcile.Result` (`Requeue`/`RequeueAfter`); an error return
/// takes the place of `Requeue: true` (rate-limited requeue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Action {
    requeue_after: Option<Duration>,
}

impl Action {
    /// Nothing more to do until the object (or something mapped to it) changes again.
    pub fn done() -> Self {
        Action { requeue_after: None }
    }

    /// Reconcile the key again after `delay` (the queue's `add_after`); the key's failure
    /// backoff is reset (`forget`), as controller-runtime does for `RequeueAfter`.
    pub fn requeue_after(delay: Duration) -> Self {
        Action {
            requeue_after: Some(delay),
        }
    }

    /// The requested delay before the next reconcile, if any.
    pub fn requeue_delay(&self) -> Option<Duration> {
        self.requeue_after
    }
}

/// One reconcile request: the key and the primary object as the informer cache has it now.
///
/// `object` is `None` when the object is gone (deleted, or never seen by the cache): the
/// reconcile learns of deletions by the cache having no entry, like controller-runtime.
/// Mirrors controller-runtime `reconcile.Request` plus the cache read every reconciler does
/// first.
#[derive(Debug)]
pub struct Request<K> {
    /// The `namespace/name` key (`name` for cluster-scoped objects).
    pub key: String,
    /// The object from the cache, shared (no copy), or `None` when it is gone.
    pub object: Option<Arc<K>>,
}

impl<K> Request<K> {
    /// The namespace part of the key (`None` for cluster-scoped keys).
    pub fn namespace(&self) -> Option<&str> {
        self.key.split_once('/').map(|(ns, _)| ns)
    }

    /// The name part of the key.
    pub fn name(&self) -> &str {
        self.key.split_once('/').map_or(self.key.as_str(), |(_, n)| n)
    }

    /// True when the cache has no object under this key (it was deleted).
    pub fn is_gone(&self) -> bool {
        self.object.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_splits_namespaced_and_cluster_keys() {
        let r: Request<()> = Request {
            key: "default/web".into(),
            object: None,
        };
        assert_eq!(r.namespace(), Some("default"));
        assert_eq!(r.name(), "web");
        assert!(r.is_gone());
        let r: Request<()> = Request {
            key: "node-1".into(),
            object: Some(Arc::new(())),
        };
        assert_eq!(r.namespace(), None);
        assert_eq!(r.name(), "node-1");
        assert!(!r.is_gone());
    }

    #[test]
    fn actions_carry_their_delay() {
        assert_eq!(Action::done().requeue_delay(), None);
        assert_eq!(
            Action::requeue_after(Duration::from_secs(3)).requeue_delay(),
            Some(Duration::from_secs(3))
        );
    }
}
