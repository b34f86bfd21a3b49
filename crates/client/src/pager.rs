//! Listing in pages, following continue tokens.
//!
//! Mirrors client-go `tools/pager/pager.go` (`ListPager`): pages of `page_size` (500 by default, like
//! kubectl's `--chunk-size`) fetched through a [`ListPageFunc`] (a [`ResourceClient`] or any async
//! closure), with client-go's rules:
//! - the caller's `resourceVersion` and `resourceVersionMatch` go with the first page only: a
//!   continue token carries the list's version, and the API server refuses either beside it;
//! - [`ListPager::list`] falls back to one full, unpaginated list at the caller's
//!   `resourceVersion` when a later page's token has expired (`FullListIfExpired`), and that list
//!   *replaces* the pages already gathered;
//! - [`ListPager::each_page`] and [`ListPager::each_list_item`] hand pages over as they arrive and
//!   return an expired token as the error (what was handed over cannot be taken back);
//!   `each_list_item` fetches up to `page_buffer_size` pages ahead while the caller works
//!   (`PageBufferSize`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;

use clientgo_apimachinery::{ApiError, List};
use clientgo_rest::Error;
use futures_util::future::{self, Either};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{mpsc, Semaphore};

use crate::options::ListOptions;
use crate::resource_client::ResourceClient;

/// client-go's default page size.
pub const DEFAULT_PAGE_SIZE: i64 = 500;

/// client-go's default number of pages [`ListPager::each_list_item`] fetches ahead.
pub const DEFAULT_PAGE_BUFFER_SIZE: usize = 10;

/// Fetches one page of a list. Mirrors client-go `pager.ListPageFunc`.
///
/// Implemented by [`ResourceClient`] and by every `Fn(ListOptions) -> impl Future<Output =
/// Result<List<K>, Error>>`, so a test or a wrapper (counting, logging) can stand in for the
/// server.
pub trait ListPageFunc<K>: Sync {
    /// The page `opts` asks for.
    fn list_page(&self, opts: &ListOptions) -> impl Future<Output = Result<List<K>, Error>> + Send;
}

impl<K> ListPageFunc<K> for ResourceClient<K>
where
    K: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn list_page(&self, opts: &ListOptions) -> impl Future<Output = Result<List<K>, Error>> + Send {
        self.list(opts)
    }
}

impl<K, F, Fut> ListPageFunc<K> for F
where
    F: Fn(ListOptions) -> Fut + Sync,
    Fut: Future<Output = Result<List<K>, Error>> + Send,
{
    fn list_page(&self, opts: &ListOptions) -> impl Future<Output = Result<List<K>, Error>> + Send {
        self(opts.clone())
    }
}

/// Lists a collection page by page. Mirrors client-go `pager.ListPager` as `pager.New` sets it up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPager {
    /// Items per page (`limit`) when the caller's options set none.
    pub page_size: i64,
    /// In [`ListPager::list`], on an expired continue token, list everything at once instead of
    /// failing. Mirrors `FullListIfExpired`.
    pub full_list_if_expired: bool,
    /// Pages [`ListPager::each_list_item`] fetches ahead of the caller. Mirrors `PageBufferSize`.
    pub page_buffer_size: usize,
}

impl Default for ListPager {
    fn default() -> Self {
        ListPager {
            page_size: DEFAULT_PAGE_SIZE,
            full_list_if_expired: true,
            page_buffer_size: DEFAULT_PAGE_BUFFER_SIZE,
        }
    }
}

/// Whether a failed page is the "continue token expired" that the full-list fallback handles.
/// Mirrors `errors.IsResourceExpired`.
fn is_resource_expired(e: &Error) -> bool {
    e.api_error().is_some_and(ApiError::is_resource_expired)
}

/// The options of each page of one paged list: the caller's options with the page size filled
/// in, then the continue token of the page before, without the caller's resourceVersion.
struct Pages {
    opts: ListOptions,
    done: bool,
}

impl Pages {
    fn new(opts: &ListOptions, page_size: i64) -> Self {
        let mut opts = opts.clone();
        if opts.limit == 0 {
            opts.limit = page_size;
        }
        Pages { opts, done: false }
    }

    /// The options of the next page; `None` once a page came without a continue token.
    fn next(&self) -> Option<&ListOptions> {
        (!self.done).then_some(&self.opts)
    }

    /// Moves past `page`. A continue token carries the list's resourceVersion, and the server
    /// refuses `resourceVersion`/`resourceVersionMatch` beside it, so both are cleared.
    fn advance<K>(&mut self, page: &List<K>) {
        match page.metadata.continue_.as_deref() {
            Some(next) if !next.is_empty() => {
                next.clone_into(&mut self.opts.continue_);
                self.opts.resource_version.clear();
                self.opts.resource_version_match.clear();
            }
            _ => self.done = true,
        }
    }
}

impl ListPager {
    /// A pager with `page_size` items per page.
    pub fn new(page_size: i64) -> Self {
        ListPager {
            page_size,
            ..ListPager::default()
        }
    }

    /// Calls `on_page` with every page, in order, as it arrives; returns how many pages there
    /// were. Pages are handed over, not accumulated, so memory stays at one page. Mirrors
    /// `EachListChunk` with no pages fetched ahead.
    ///
    /// # Errors
    /// The first failing request's [`Error`] (an expired continue token included: the pages
    /// already handed over cannot be taken back, so there is no full-list fallback here), or the
    /// first error `on_page` returns, which stops the listing.
    pub async fn each_page<K, P, F, E>(
        &self,
        page_fn: &P,
        opts: &ListOptions,
        mut on_page: F,
    ) -> Result<usize, E>
    where
        P: ListPageFunc<K>,
        F: FnMut(List<K>) -> Result<(), E>,
        E: From<Error>,
    {
        let mut pages = Pages::new(opts, self.page_size);
        let mut count = 0;
        while let Some(opts) = pages.next() {
            let page = page_fn.list_page(opts).await?;
            pages.advance(&page);
            count += 1;
            on_page(page)?;
        }
        Ok(count)
    }

    /// Calls `on_item` with every item of the collection, in order, while up to
    /// `page_buffer_size` further pages are fetched in the background of the same task. Mirrors
    /// `EachListItem`.
    ///
    /// # Errors
    /// As [`ListPager::each_page`]; an error from `on_item` stops the listing at that item.
    pub async fn each_list_item<K, P, F, E>(
        &self,
        page_fn: &P,
        opts: &ListOptions,
        mut on_item: F,
    ) -> Result<(), E>
    where
        P: ListPageFunc<K>,
        F: FnMut(K) -> Result<(), E>,
        E: From<Error>,
    {
        // A slot is reserved before each fetch, so with `page_buffer_size` slots free beside the
        // page being handled the fetcher is at most that many pages ahead (client-go's unbuffered
        // channel plus one page in flight gives the same count).
        let slots = self
            .page_buffer_size
            .saturating_add(1)
            .min(Semaphore::MAX_PERMITS);
        let (tx, mut rx) = mpsc::channel::<Result<List<K>, Error>>(slots);
        let fetch = async move {
            let mut pages = Pages::new(opts, self.page_size);
            while let Some(opts) = pages.next() {
                let Ok(slot) = tx.reserve().await else {
                    return;
                };
                let page = page_fn.list_page(opts).await;
                if let Ok(page) = &page {
                    pages.advance(page);
                }
                let failed = page.is_err();
                slot.send(page);
                if failed {
                    return;
                }
            }
        };
        let handle = async move {
            while let Some(page) = rx.recv().await {
                for item in page?.items {
                    on_item(item)?;
                }
            }
            Ok(())
        };
        // The fetcher ends first when the list is complete (its sender dropped, the handler then
        // drains what is buffered); the handler ends first on an error, dropping the fetcher.
        let fetch = async move {
            fetch.await;
            future::pending::<Infallible>().await
        };
        match future::select(pin!(handle), pin!(fetch)).await {
            Either::Left((result, _)) => result,
            Either::Right((never, _)) => match never {},
        }
    }

    /// Every item of the collection in one list. Mirrors `ListPager.List`.
    ///
    /// # Errors
    /// As [`ListPager::list_paginated`].
    pub async fn list<K, P>(&self, page_fn: &P, opts: &ListOptions) -> Result<List<K>, Error>
    where
        P: ListPageFunc<K>,
    {
        Ok(self.list_paginated(page_fn, opts).await?.0)
    }

    /// Every item of the collection in one list, and whether it took more than one page (a
    /// reflector uses that to decide how to relist). Mirrors `ListPager.List`'s three results.
    ///
    /// # Errors
    /// The first failing request's [`Error`]. An expired continue token on a later page leads,
    /// when `full_list_if_expired`, to one unpaginated list at the caller's `resourceVersion`
    /// and `resourceVersionMatch`, which replaces the pages gathered so far; its error, if any,
    /// is returned.
    pub async fn list_paginated<K, P>(
        &self,
        page_fn: &P,
        opts: &ListOptions,
    ) -> Result<(List<K>, bool), Error>
    where
        P: ListPageFunc<K>,
    {
        let mut pages = Pages::new(opts, self.page_size);
        let mut all: Option<List<K>> = None;
        while let Some(page_opts) = pages.next() {
            let page = match page_fn.list_page(page_opts).await {
                Ok(page) => page,
                Err(e)
                    if self.full_list_if_expired
                        && !page_opts.continue_.is_empty()
                        && is_resource_expired(&e) =>
                {
                    tracing::debug!("continue token expired; falling back to a full list");
                    let mut full = opts.clone();
                    full.limit = 0;
                    full.continue_.clear();
                    return Ok((page_fn.list_page(&full).await?, all.is_some()));
                }
                Err(e) => return Err(e),
            };
            pages.advance(&page);
            match &mut all {
                None => all = Some(page),
                Some(acc) => acc.items.extend(page.items),
            }
        }
        let paginated = !pages.opts.continue_.is_empty();
        let mut all = all.unwrap_or_default();
        all.metadata.continue_ = None;
        Ok((all, paginated))
    }
}

#[cfg(test)]
mod tests;
