//! Listing in pages, following continue tokens.
//!
//! Mirrors client-go `tools/pager/pager.go` (`ListPager`): pages of `page_size` (500 by default, like
//! kubectl's `--chunk-size`), and when the continue token has expired (410 Gone/Expired) a fallback to
//! one full, unpaginated list, as `FullListIfExpired` does.

use clientgo_apimachinery::List;
use clientgo_rest::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::options::ListOptions;
use crate::resource_client::ResourceClient;

/// client-go's default page size.
pub const DEFAULT_PAGE_SIZE: i64 = 500;

/// Lists a collection page by page. Mirrors client-go `pager.ListPager`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPager {
    /// Items per page (`limit`).
    pub page_size: i64,
    /// On an expired continue token, list everything at once instead of failing.
    pub full_list_if_expired: bool,
}

impl Default for ListPager {
    fn default() -> Self {
        ListPager {
            page_size: DEFAULT_PAGE_SIZE,
            full_list_if_expired: true,
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

    /// Calls `on_page` with every page, in order; returns how many pages there were. Pages are
    /// handed over, not accumulated, so memory stays at one page.
    ///
    /// # Errors
    /// The first failing request's [`Error`], except an expired token when `full_list_if_expired`
    /// (then the full list is delivered as one last page).
    pub async fn each_page<K, F>(
        &self,
        client: &ResourceClient<K>,
        opts: &ListOptions,
        mut on_page: F,
    ) -> Result<usize, Error>
    where
        K: Serialize + DeserializeOwned + Send + 'static,
        F: FnMut(List<K>),
    {
        let mut opts = opts.clone();
        if opts.limit == 0 {
            opts.limit = self.page_size;
        }
        let mut pages = 0;
        loop {
            let page = match client.list(&opts).await {
                Ok(p) => p,
                Err(e) if e.is_gone() && self.full_list_if_expired && !opts.continue_.is_empty() => {
                    tracing::debug!(pages, "continue token expired; falling back to a full list");
                    opts.limit = 0;
                    opts.continue_.clear();
                    on_page(client.list(&opts).await?);
                    return Ok(pages + 1);
                }
                Err(e) => return Err(e),
            };
            pages += 1;
            let next = page.metadata.continue_.clone().unwrap_or_default();
            on_page(page);
            if next.is_empty() {
                return Ok(pages);
            }
            opts.continue_ = next;
        }
    }

    /// Every item of the collection in one list. Mirrors `ListPager.List`.
    ///
    /// # Errors
    /// As [`ListPager::each_page`].
    pub async fn list<K>(&self, client: &ResourceClient<K>, opts: &ListOptions) -> Result<List<K>, Error>
    where
        K: Serialize + DeserializeOwned + Send + 'static,
    {
        let mut all: Option<List<K>> = None;
        self.each_page(client, opts, |page| match &mut all {
            None => all = Some(page),
            Some(acc) => {
                acc.items.extend(page.items);
                acc.metadata.resource_version = page.metadata.resource_version;
            }
        })
        .await?;
        let mut all = all.unwrap_or_default();
        all.metadata.continue_ = None;
        Ok(all)
    }
}
