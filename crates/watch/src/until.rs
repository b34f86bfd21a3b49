//! Wait until conditions hold on a watched collection.
//!
//! Mirrors client-go `tools/watch/until.go`:
//! - [`until_without_retry`] reads a watch until a chain of [`ConditionFunc`]s is met (client-go's
//!   `UntilWithoutRetry`); the watch ending first is an error;
//! - [`until`] does the same over a [`RetryWatcher`] from a resourceVersion, so closed watches are
//!   resumed (`Until`);
//! - [`until_with_sync`] lists first, checks a precondition on what it found, and survives 410 Gone
//!   by listing again (`UntilWithSync`). client-go runs an informer for this; here the same
//!   contract is met with a list, a [`RetryWatcher`] from the list's resourceVersion, and, when the
//!   watch ends with 410 Gone, a new list whose differences from what was seen are delivered to the
//!   conditions as ADDED/MODIFIED/DELETED events (what the informer's relist would report).
//!
//! A deadline is the caller's: wrap the future in `tokio::time::timeout` (client-go's context
//! deadline); dropping the future stops the watch.

use std::collections::HashMap;

use clientgo_apimachinery::{Object, WatchEvent};
use clientgo_cache::{meta_namespace_key_func, ListerWatcher};
use clientgo_client::{ListOptions, ListPager};
use futures_util::{Stream, StreamExt as _};

use crate::conditions::{Chain, ConditionFunc};
use crate::error::{BoxError, Error};
use crate::retry_watcher::RetryWatcher;

/// The objects of the first list, as the precondition of [`until_with_sync`] sees them.
pub type ListSnapshot<K> = HashMap<String, K>;

/// Reads `watch` until every condition has held, in order; returns the event that met the last
/// one (`None` for no conditions, which are met at once). ERROR events go to the conditions like
/// any other. Mirrors client-go `watch.UntilWithoutRetry`.
///
/// # Errors
/// [`Error::Stopped`] when the watch ends first (client-go's `ErrWatchClosed`);
/// [`Error::Condition`] when a condition gives up.
pub async fn until_without_retry<K, S>(
    watch: S,
    conditions: Vec<ConditionFunc<'_, K>>,
) -> Result<Option<WatchEvent<K>>, Error>
where
    S: Stream<Item = WatchEvent<K>>,
{
    let mut chain = Chain::new(conditions);
    if chain.is_met() {
        return Ok(None);
    }
    let mut watch = std::pin::pin!(watch);
    while let Some(event) = watch.next().await {
        if chain.check(&event)? {
            return Ok(Some(event));
        }
    }
    Err(Error::Stopped)
}

/// [`until_without_retry`] over a [`RetryWatcher`] from `initial_resource_version`, so a watch the
/// server closes is resumed where it ended. A 410 Gone reaches the conditions as an ERROR event
/// and then ends the watch. Mirrors client-go `watch.Until`.
///
/// # Errors
/// [`Error::UnsupportedResourceVersion`] for `""` and `"0"`; otherwise as
/// [`until_without_retry`].
pub async fn until<K, L>(
    initial_resource_version: &str,
    lister_watcher: L,
    conditions: Vec<ConditionFunc<'_, K>>,
) -> Result<Option<WatchEvent<K>>, Error>
where
    K: Object + Send + 'static,
    L: ListerWatcher<K>,
{
    let watcher = RetryWatcher::new(initial_resource_version, lister_watcher)?;
    until_without_retry(watcher, conditions).await
}

/// Lists the collection, checks `precondition` against it, then feeds every event (the list's
/// objects first, as ADDED) to the `conditions` until all have held, and returns the event that
/// met the last. A 410 Gone is survived by relisting. Mirrors client-go `watch.UntilWithSync`.
///
/// `precondition` returning `Ok(true)` ends at once with `Ok(None)` (client-go's "done before
/// watching"); pass `|_| Ok(false)` for none.
///
/// # Errors
/// [`Error::List`] when a list fails; [`Error::Condition`] when the precondition or a condition
/// gives up; [`Error::Stopped`] when the watch ends otherwise.
pub async fn until_with_sync<K, L, P>(
    lister_watcher: L,
    precondition: P,
    conditions: Vec<ConditionFunc<'_, K>>,
) -> Result<Option<WatchEvent<K>>, Error>
where
    K: Object + Clone + Send + Sync + 'static,
    L: ListerWatcher<K>,
    P: FnOnce(&ListSnapshot<K>) -> Result<bool, BoxError>,
{
    let lw = std::sync::Arc::new(lister_watcher);
    let mut chain = Chain::new(conditions);
    let mut seen: ListSnapshot<K> = HashMap::new();
    let (items, mut rv) = list_all(&*lw).await?;
    for item in items {
        if let Ok(key) = meta_namespace_key_func(&item) {
            seen.insert(key, item);
        }
    }
    if precondition(&seen).map_err(Error::Condition)? {
        return Ok(None);
    }
    if chain.is_met() {
        return Ok(None);
    }
    for obj in seen.values() {
        let ev = WatchEvent::Added(obj.clone());
        if chain.check(&ev)? {
            return Ok(Some(ev));
        }
    }
    loop {
        let Ok(mut watcher) = RetryWatcher::new(&rv, std::sync::Arc::clone(&lw)) else {
            // The server gave no usable resourceVersion: list again for one.
            let (items, new_rv) = list_all(&*lw).await?;
            if let Some(ev) = relist_diff(&mut seen, items, &mut chain)? {
                return Ok(Some(ev));
            }
            rv = new_rv;
            continue;
        };
        loop {
            match watcher.next().await {
                None => return Err(Error::Stopped),
                Some(WatchEvent::Error(status)) if status.code == Some(410) => {
                    tracing::debug!(rv = %rv, "watch expired; relisting");
                    let (items, new_rv) = list_all(&*lw).await?;
                    if let Some(ev) = relist_diff(&mut seen, items, &mut chain)? {
                        return Ok(Some(ev));
                    }
                    rv = new_rv;
                    break;
                }
                Some(WatchEvent::Error(status)) => {
                    tracing::warn!(message = status.message.as_deref().unwrap_or(""), "watch error");
                }
                Some(ev) => {
                    match &ev {
                        WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                            if let Ok(key) = meta_namespace_key_func(o) {
                                seen.insert(key, o.clone());
                            }
                        }
                        WatchEvent::Deleted(o) => {
                            if let Ok(key) = meta_namespace_key_func(o) {
                                seen.remove(&key);
                            }
                        }
                        _ => {}
                    }
                    if chain.check(&ev)? {
                        return Ok(Some(ev));
                    }
                }
            }
        }
    }
}

/// Applies a fresh list to `seen`, handing each difference to the conditions; returns the event
/// that met the last of them, if one did.
fn relist_diff<K>(
    seen: &mut ListSnapshot<K>,
    items: Vec<K>,
    chain: &mut Chain<'_, K>,
) -> Result<Option<WatchEvent<K>>, Error>
where
    K: Object + Clone,
{
    let mut fresh: ListSnapshot<K> = HashMap::with_capacity(items.len());
    for item in items {
        if let Ok(key) = meta_namespace_key_func(&item) {
            fresh.insert(key, item);
        }
    }
    let mut events = Vec::new();
    for (key, old) in seen.iter() {
        if !fresh.contains_key(key) {
            events.push(WatchEvent::Deleted(old.clone()));
        }
    }
    for (key, new) in &fresh {
        match seen.get(key) {
            None => events.push(WatchEvent::Added(new.clone())),
            Some(old) if old.resource_version() != new.resource_version() => {
                events.push(WatchEvent::Modified(new.clone()));
            }
            Some(_) => {}
        }
    }
    *seen = fresh;
    for ev in events {
        if chain.check(&ev)? {
            return Ok(Some(ev));
        }
    }
    Ok(None)
}

/// Lists everything with client-go's pager (pages of 500; an expired continue token gives one
/// full list instead); returns the items and the list's resourceVersion.
async fn list_all<K, L>(lw: &L) -> Result<(Vec<K>, String), Error>
where
    L: ListerWatcher<K> + ?Sized,
{
    let list = ListPager::default()
        .list(&|opts| lw.list(opts), &ListOptions::default())
        .await
        .map_err(Error::List)?;
    Ok((list.items, list.metadata.resource_version.unwrap_or_default()))
}
