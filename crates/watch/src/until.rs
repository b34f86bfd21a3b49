//! Wait until a condition holds on a watched collection, surviving 410 Gone by listing again.
//!
//! Mirrors client-go `tools/watch/until.go` (`UntilWithSync`). client-go runs an informer for this;
//! here the same contract is met with a list, a [`RetryWatcher`] from the list's resourceVersion, and,
//! when the watch ends with 410 Gone, a new list whose differences from what was seen are delivered
//! to the condition as ADDED/MODIFIED/DELETED events (what the informer's relist would report).

use std::collections::HashMap;

use clientgo_apimachinery::{Object, WatchEvent};
use clientgo_cache::{meta_namespace_key_func, ListerWatcher};
use clientgo_client::ListOptions;
use futures_util::StreamExt as _;

use crate::error::Error;
use crate::retry_watcher::RetryWatcher;

/// Page size of the lists (client-go's default).
const PAGE_SIZE: i64 = 500;

/// The objects of the first list, as the precondition of [`until_with_sync`] sees them.
pub type ListSnapshot<K> = HashMap<String, K>;

/// Lists the collection, checks `precondition` against it, then feeds every event (the list's
/// objects first, as ADDED) to `condition` until it returns true, and returns that event.
/// A 410 Gone is survived by relisting. Mirrors client-go `watch.UntilWithSync`.
///
/// `precondition` returning true ends at once with `Ok(None)` (client-go's "done before
/// watching"). Bound the wait with `tokio::time::timeout` (client-go's context deadline); dropping
/// the future stops the watch.
///
/// # Errors
/// [`Error::List`] when a list fails; [`Error::Stopped`] when the watch ends otherwise.
pub async fn until_with_sync<K, L, P, C>(
    lister_watcher: L,
    precondition: P,
    mut condition: C,
) -> Result<Option<WatchEvent<K>>, Error>
where
    K: Object + Clone + Send + Sync + 'static,
    L: ListerWatcher<K>,
    P: FnOnce(&ListSnapshot<K>) -> bool,
    C: FnMut(&WatchEvent<K>) -> bool,
{
    let lw = std::sync::Arc::new(lister_watcher);
    let mut seen: ListSnapshot<K> = HashMap::new();
    let (items, mut rv) = list_all(&*lw).await?;
    for item in items {
        if let Ok(key) = meta_namespace_key_func(&item) {
            seen.insert(key, item);
        }
    }
    if precondition(&seen) {
        return Ok(None);
    }
    for obj in seen.values() {
        let ev = WatchEvent::Added(obj.clone());
        if condition(&ev) {
            return Ok(Some(ev));
        }
    }
    loop {
        let Ok(mut watcher) = RetryWatcher::new(&rv, std::sync::Arc::clone(&lw)) else {
            // The server gave no usable resourceVersion: list again for one.
            let (items, new_rv) = list_all(&*lw).await?;
            if let Some(ev) = relist_diff(&mut seen, items, &mut condition) {
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
                    if let Some(ev) = relist_diff(&mut seen, items, &mut condition) {
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
                    if condition(&ev) {
                        return Ok(Some(ev));
                    }
                }
            }
        }
    }
}

/// Applies a fresh list to `seen`, handing each difference to `condition`.
fn relist_diff<K, C>(seen: &mut ListSnapshot<K>, items: Vec<K>, condition: &mut C) -> Option<WatchEvent<K>>
where
    K: Object + Clone,
    C: FnMut(&WatchEvent<K>) -> bool,
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
    events.into_iter().find(|ev| condition(ev))
}

/// Lists everything, page by page; returns the items and the list's resourceVersion.
async fn list_all<K, L>(lw: &L) -> Result<(Vec<K>, String), Error>
where
    L: ListerWatcher<K> + ?Sized,
{
    let mut opts = ListOptions::default().limit(PAGE_SIZE);
    let mut items = Vec::new();
    loop {
        let page = match lw.list(opts.clone()).await {
            Ok(p) => p,
            Err(e) if e.is_gone() && !opts.continue_.is_empty() => {
                // The continue token expired: one full list instead (client-go's pager fallback).
                items.clear();
                opts.continue_.clear();
                opts.limit = 0;
                lw.list(opts.clone()).await.map_err(Error::List)?
            }
            Err(e) => return Err(Error::List(e)),
        };
        items.extend(page.items);
        let next = page.metadata.continue_.unwrap_or_default();
        if next.is_empty() || opts.limit == 0 {
            return Ok((items, page.metadata.resource_version.unwrap_or_default()));
        }
        opts.continue_ = next;
    }
}
