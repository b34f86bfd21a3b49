//! Namespaces an example creates as cluster-scoped objects of its own: named after the example,
//! carrying the examples' label, registered with the session for deletion as soon as they exist, and
//! cleared first when an earlier, killed run left them behind, so the example can run again at once.
//!
//! A real cluster deletes a namespace in two steps: the DELETE only marks it `Terminating`, and the
//! namespace controller removes it a few seconds later. A second DELETE of a terminating namespace
//! is refused (409), and creating its name again fails with AlreadyExists until it is gone, so the
//! helpers here wait for that instead of racing it.

use std::time::Duration;

use clientgo_api::core::v1::Namespace;
use clientgo_apimachinery::{Object, Resource};
use clientgo_client::{DeleteOptions, ListOptions, ResourceClient, WriteOptions};
use clientgo_rest::Error;
use tokio::time::Instant;

use crate::{outln, BoxError, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};

/// How long a namespace may take to finish terminating (a real cluster's namespace controller
/// deletes its contents first: a few seconds, longer when objects carry finalizers).
const GONE_TIMEOUT: Duration = Duration::from_secs(120);
/// How often terminating namespaces are looked at.
const GONE_POLL: Duration = Duration::from_millis(250);

/// A namespace called `name` carrying the examples' label (`app.kubernetes.io/managed-by`).
pub fn labelled(name: &str) -> Namespace {
    let mut ns = Namespace::new(name);
    ns.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
    ns
}

/// Creates `ns` through `api` and, when that worked, registers it with the session at once, so
/// it is deleted when the example ends, fails or is interrupted.
///
/// # Errors
/// The create's own error, for the example to tell apart (`is_already_exists()` ...).
pub async fn create(
    session: &Session,
    api: &ResourceClient<Namespace>,
    ns: &Namespace,
) -> Result<Namespace, Error> {
    let created = api.create(ns, &WriteOptions::default()).await?;
    session.delete_on_exit(Namespace::api_resource(), created.name());
    Ok(created)
}

/// The examples' namespaces (by label) for which `ours` is true.
async fn list_ours(session: &Session, ours: &dyn Fn(&str) -> bool) -> Result<Vec<Namespace>, Error> {
    let selector = format!("{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}");
    let list = session
        .clientset()
        .core_v1()
        .namespaces()
        .list(&ListOptions::default().labels(selector))
        .await?;
    Ok(list.items.into_iter().filter(|n| ours(n.name())).collect())
}

/// Deletes the namespaces an earlier run of the example left (the examples' namespaces whose name
/// satisfies `ours`) and waits until they are gone. A namespace of such a name without the
/// examples' label is never touched.
///
/// # Errors
/// When listing or deleting fails, or a namespace is still terminating after two minutes.
pub async fn clear_leftovers(session: &Session, ours: impl Fn(&str) -> bool) -> Result<(), BoxError> {
    let left = list_ours(session, &ours).await?;
    match left.as_slice() {
        [] => return Ok(()),
        [one] => outln!(
            session.out(),
            "namespace {}: left by an earlier run, deleting it first",
            one.name()
        ),
        many => outln!(
            session.out(),
            "{} namespaces left by an earlier run, deleting them first",
            many.len()
        ),
    }
    let api = session.clientset().core_v1().namespaces();
    for ns in left.iter().filter(|n| n.metadata.deletion_timestamp.is_none()) {
        match api.delete(ns.name(), &DeleteOptions::default()).await {
            Err(e) if !e.is_not_found() => return Err(e.into()),
            _ => {}
        }
    }
    wait_gone(session, ours).await
}

/// Waits until none of the examples' namespaces whose name satisfies `ours` exists any more,
/// saying so once when it has to wait.
///
/// # Errors
/// When listing fails, or one is still there after two minutes.
pub async fn wait_gone(session: &Session, ours: impl Fn(&str) -> bool) -> Result<(), BoxError> {
    let deadline = Instant::now() + GONE_TIMEOUT;
    let mut announced = false;
    loop {
        let left = list_ours(session, &ours).await?;
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{} namespaces (first {}) still terminating after {}s",
                left.len(),
                left[0].name(),
                GONE_TIMEOUT.as_secs()
            )
            .into());
        }
        if !announced {
            announced = true;
            outln!(
                session.out(),
                "waiting for {} namespaces to finish terminating",
                left.len()
            );
        }
        tokio::time::sleep(GONE_POLL).await;
    }
}
