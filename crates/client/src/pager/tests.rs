//! client-go's `tools/pager/pager_test.go`, ported: a scripted page function that checks the
//! requests it gets (page size, continue token, no resourceVersion beside a continue token) and
//! answers with numbered items.

use std::future::{self, Ready};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clientgo_apimachinery::{ApiError, List, ListMeta, Status, StatusReason};
use clientgo_rest::Error;
use futures_util::FutureExt as _;

use super::ListPager;
use crate::options::ListOptions;

/// `count` items named `0`, `1`, ... at resourceVersion `rv`. Mirrors the Go test's `list`.
fn list(count: usize, rv: &str) -> List<String> {
    List {
        metadata: ListMeta {
            resource_version: Some(rv.to_owned()),
            ..ListMeta::default()
        },
        items: (0..count).map(|i| i.to_string()).collect(),
        ..List::default()
    }
}

/// Why an `each_list_item` run ended: a list request or the processor.
#[derive(Debug)]
enum Failure {
    List(Error),
    Processor,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::List(e)
    }
}

fn expired() -> Error {
    ApiError::from_status(Status::failure(
        410,
        StatusReason::EXPIRED,
        "this list has expired",
    ))
    .into()
}

/// How the scripted server answers a continue request.
#[derive(Clone, Copy)]
enum Mode {
    /// Serves every page. Mirrors `PagedList`.
    Paged,
    /// Fails the second page as expired. Mirrors `ExpiresOnSecondPage`.
    ExpiresOnSecondPage,
    /// Fails the second page as expired, then serves a full list. Mirrors
    /// `ExpiresOnSecondPageThenFullList`.
    ExpiresOnSecondPageThenFullList,
}

/// The Go test's `testPager`: `remaining` items to serve, pages of `expect_page`.
struct TestPager {
    rv: &'static str,
    index: usize,
    remaining: usize,
    last: usize,
    continuing: bool,
    done: bool,
    expect_page: i64,
    mode: Mode,
    violations: Vec<String>,
}

impl TestPager {
    fn new(mode: Mode, expect_page: i64, remaining: usize) -> Mutex<Self> {
        Mutex::new(TestPager {
            rv: "rv:20",
            index: 0,
            remaining,
            last: 0,
            continuing: false,
            done: false,
            expect_page,
            mode,
            violations: Vec::new(),
        })
    }

    fn reset(&mut self) {
        self.continuing = false;
        self.remaining += self.index;
        self.index = 0;
        self.last = 0;
        self.done = false;
    }

    fn answer(&mut self, opts: &ListOptions) -> Result<List<String>, Error> {
        if self.continuing {
            match self.mode {
                Mode::Paged => {}
                Mode::ExpiresOnSecondPage => {
                    self.done = true;
                    return Err(expired());
                }
                Mode::ExpiresOnSecondPageThenFullList => {
                    self.reset();
                    self.expect_page = 0;
                    return Err(expired());
                }
            }
        }
        self.paged_list(opts)
    }

    fn paged_list(&mut self, opts: &ListOptions) -> Result<List<String>, Error> {
        if self.done {
            self.violations
                .push("did not expect additional call to paged list".into());
            return Err(
                ApiError::from_status(Status::failure(500, "InternalError", "unexpected list call")).into(),
            );
        }
        let expected_continue = format!("{}:{}", self.rv, self.last);
        if opts.limit != self.expect_page || (self.continuing && opts.continue_ != expected_continue) {
            self.violations.push(format!(
                "expected limit {} and continue {expected_continue}, got limit {} and continue {:?}",
                self.expect_page, opts.limit, opts.continue_
            ));
        }
        if !opts.continue_.is_empty() && !opts.resource_version.is_empty() {
            self.violations.push(format!(
                "resourceVersion {:?} sent with continue {:?}",
                opts.resource_version, opts.continue_
            ));
        }
        if !opts.continue_.is_empty() && !opts.resource_version_match.is_empty() {
            self.violations.push(format!(
                "resourceVersionMatch {:?} sent with continue {:?}",
                opts.resource_version_match, opts.continue_
            ));
        }
        let total = if opts.limit == 0 {
            self.remaining
        } else {
            usize::try_from(opts.limit).unwrap_or(usize::MAX)
        };
        let mut page = list(0, self.rv);
        for _ in 0..total {
            if self.remaining == 0 {
                break;
            }
            page.items.push(self.index.to_string());
            self.remaining -= 1;
            self.index += 1;
        }
        self.last = self.index;
        if self.remaining > 0 {
            page.metadata.continue_ = Some(format!("{}:{}", self.rv, self.last));
            self.continuing = true;
        } else {
            self.done = true;
        }
        Ok(page)
    }
}

/// The scripted server as a page function.
fn page_fn(
    pager: &Mutex<TestPager>,
) -> impl Fn(ListOptions) -> Ready<Result<List<String>, Error>> + Sync + '_ {
    move |opts| future::ready(pager.lock().unwrap().answer(&opts))
}

fn assert_no_violations(pager: &Mutex<TestPager>) {
    let violations = &pager.lock().unwrap().violations;
    assert!(violations.is_empty(), "{violations:#?}");
}

struct ListCase {
    name: &'static str,
    mode: Mode,
    remaining: usize,
    full_list_if_expired: bool,
    options: ListOptions,
    /// The items and resourceVersion expected, or `None` for an expired error.
    want: Option<List<String>>,
    want_paged: bool,
}

fn list_case(name: &'static str, mode: Mode, remaining: usize) -> ListCase {
    ListCase {
        name,
        mode,
        remaining,
        full_list_if_expired: false,
        options: ListOptions::default(),
        want: Some(list(remaining, "rv:20")),
        want_paged: remaining > 10,
    }
}

#[tokio::test]
async fn test_list_pager_list() {
    let cases = [
        list_case("empty page", Mode::Paged, 0),
        list_case("one page", Mode::Paged, 9),
        list_case("one full page", Mode::Paged, 10),
        list_case("two pages", Mode::Paged, 11),
        list_case("three pages", Mode::Paged, 21),
        ListCase {
            want: None,
            ..list_case("expires on second page", Mode::ExpiresOnSecondPage, 21)
        },
        ListCase {
            full_list_if_expired: true,
            ..list_case(
                "expires on second page and then lists",
                Mode::ExpiresOnSecondPageThenFullList,
                21,
            )
        },
        ListCase {
            options: ListOptions {
                resource_version: "rv:10".into(),
                ..ListOptions::default()
            },
            ..list_case("two pages with resourceVersion", Mode::Paged, 11)
        },
        ListCase {
            options: ListOptions {
                resource_version: "rv:10".into(),
                resource_version_match: "NotOlderThan".into(),
                ..ListOptions::default()
            },
            ..list_case(
                "two pages with resourceVersion and resourceVersionMatch",
                Mode::Paged,
                11,
            )
        },
    ];
    for case in cases {
        let pager = TestPager::new(case.mode, 10, case.remaining);
        let mut p = ListPager::new(10);
        p.full_list_if_expired = case.full_list_if_expired;
        let got = p.list_paginated(&page_fn(&pager), &case.options).await;
        assert_no_violations(&pager);
        match (got, case.want) {
            (Ok((got, paged)), Some(want)) => {
                assert_eq!(got.items, want.items, "{}", case.name);
                assert_eq!(
                    got.metadata.resource_version, want.metadata.resource_version,
                    "{}",
                    case.name
                );
                assert_eq!(got.metadata.continue_, None, "{}", case.name);
                assert_eq!(paged, case.want_paged, "{}", case.name);
            }
            (Err(e), None) => assert!(super::is_resource_expired(&e), "{}: {e}", case.name),
            (got, want) => panic!("{}: got {:?}, want {:?}", case.name, got.map(|l| l.0.items), want),
        }
    }
}

/// What `each_list_item` should visit and how it should end.
struct EachCase {
    name: &'static str,
    mode: Mode,
    remaining: usize,
    want_items: usize,
    want_expired: bool,
    processor_error_on_item: Option<usize>,
}

fn each_case(name: &'static str, remaining: usize) -> EachCase {
    EachCase {
        name,
        mode: Mode::Paged,
        remaining,
        want_items: remaining,
        want_expired: false,
        processor_error_on_item: None,
    }
}

#[tokio::test]
async fn test_list_pager_each_list_item() {
    let cases = [
        each_case("empty page", 0),
        each_case("one page", 9),
        each_case("one full page", 10),
        each_case("two pages", 11),
        each_case("three pages", 21),
        EachCase {
            mode: Mode::ExpiresOnSecondPage,
            // Every item of the first page is visited before the error.
            want_items: 10,
            want_expired: true,
            ..each_case("expires on second page", 21)
        },
        EachCase {
            // The items up to the one the processor failed on are visited.
            want_items: 3,
            processor_error_on_item: Some(3),
            ..each_case("error processing item", 51)
        },
    ];
    for case in cases {
        let pager = TestPager::new(case.mode, 10, case.remaining);
        let mut items = Vec::new();
        let result = ListPager::new(10)
            .each_list_item(&page_fn(&pager), &ListOptions::default(), |item| {
                items.push(item);
                if case.processor_error_on_item == Some(items.len()) {
                    return Err(Failure::Processor);
                }
                Ok(())
            })
            .await;
        assert_no_violations(&pager);
        assert_eq!(items, list(case.want_items, "").items, "{}", case.name);
        match result {
            Ok(()) => assert!(
                !case.want_expired && case.processor_error_on_item.is_none(),
                "{}",
                case.name
            ),
            Err(Failure::List(e)) => assert!(
                case.want_expired && super::is_resource_expired(&e),
                "{}: {e}",
                case.name
            ),
            Err(Failure::Processor) => assert!(case.processor_error_on_item.is_some(), "{}", case.name),
        }
    }
}

/// A panicking processor: the panic reaches the caller and nothing is listed after it. Mirrors
/// the `processorPanicOnItem` case of `TestListPager_EachListItem`.
#[tokio::test]
async fn test_list_pager_each_list_item_processor_panic() {
    let pager = TestPager::new(Mode::Paged, 10, 51);
    let mut seen = 0;
    let outcome = std::panic::AssertUnwindSafe(ListPager::new(10).each_list_item(
        &page_fn(&pager),
        &ListOptions::default(),
        |_| {
            seen += 1;
            assert!(seen < 3, "processor error");
            Ok::<(), Error>(())
        },
    ))
    .catch_unwind()
    .await;
    assert!(outcome.is_err());
    assert_eq!(seen, 3);
}

/// Cancelling while items are handled: the future is dropped at its next await, so the page in
/// hand is finished first. Mirrors the "cancel context while processing" case of
/// `TestListPager_EachListItem` (Go cancels a context; Rust drops the future). Each page takes a
/// turn of the runtime to arrive, as over a network.
#[tokio::test]
async fn test_list_pager_each_list_item_cancel_while_processing() {
    let pager = TestPager::new(Mode::Paged, 10, 51);
    let cancel = tokio::sync::Notify::new();
    let mut items = 0;
    let pager_fn = |opts: ListOptions| {
        let pager = &pager;
        async move {
            tokio::task::yield_now().await;
            pager.lock().unwrap().answer(&opts)
        }
    };
    let (opts, lister) = (ListOptions::default(), ListPager::new(10));
    // Biased: the cancellation is looked at first whenever the runtime comes back, so the listing
    // never gets a second page in after the cancellation was signalled.
    tokio::select! {
        biased;
        () = cancel.notified() => {}
        _ = lister.each_list_item(&pager_fn, &opts, |_| {
            items += 1;
            if items == 3 {
                cancel.notify_one();
            }
            Ok::<(), Error>(())
        }) => panic!("the listing ended before the cancellation"),
    }
    assert_eq!(items, 10, "the whole page in hand is handled");
}

/// How far ahead `each_list_item` fetches. Mirrors `TestListPager_eachListPageBuffered`, which
/// counts the page lists made while the processor holds page N. Go's fetcher lists one page more
/// than its buffer holds and then blocks sending it; ours reserves a buffer slot before listing,
/// so with a buffer of `b` at most `b` pages wait beyond the one in hand, and with no buffer none
/// is fetched while a page is handled.
#[tokio::test]
async fn test_list_pager_each_list_page_buffered() {
    const PAGE: usize = 10;
    const TOTAL_PAGES: usize = 5;
    for buffer in [0, 1, 2, 10] {
        let pager = TestPager::new(Mode::Paged, 10, PAGE * TOTAL_PAGES);
        let lists = AtomicUsize::new(0);
        let counted = |opts: ListOptions| {
            lists.fetch_add(1, Ordering::SeqCst);
            future::ready(pager.lock().unwrap().answer(&opts))
        };
        let mut p = ListPager::new(10);
        p.page_buffer_size = buffer;
        let mut seen = 0;
        let mut lists_at_page = Vec::new();
        p.each_list_item(&counted, &ListOptions::default(), |_| {
            if seen % PAGE == 0 {
                lists_at_page.push(lists.load(Ordering::SeqCst));
            }
            seen += 1;
            Ok::<(), Error>(())
        })
        .await
        .unwrap();
        assert_no_violations(&pager);
        assert_eq!(seen, PAGE * TOTAL_PAGES);
        assert_eq!(lists.load(Ordering::SeqCst), TOTAL_PAGES, "buffer {buffer}");
        for (n, &made) in lists_at_page.iter().enumerate() {
            let page = n + 1;
            assert!(
                made >= page && made <= (page + buffer).min(TOTAL_PAGES),
                "buffer {buffer}: {made} lists made while page {page} was handled"
            );
        }
        if buffer >= TOTAL_PAGES {
            assert_eq!(
                lists_at_page[0], TOTAL_PAGES,
                "a buffer larger than the list fetches it all ahead"
            );
        }
    }
}

/// `each_page` hands each page over as it comes and returns an expired token as the error.
#[tokio::test]
async fn each_page_returns_an_expired_token_without_replaying_pages() {
    let pager = TestPager::new(Mode::ExpiresOnSecondPageThenFullList, 10, 21);
    let mut sizes = Vec::new();
    let err = ListPager::new(10)
        .each_page(&page_fn(&pager), &ListOptions::default(), |page| {
            sizes.push(page.items.len());
            Ok::<(), Error>(())
        })
        .await
        .unwrap_err();
    assert!(super::is_resource_expired(&err), "{err}");
    assert_eq!(sizes, [10]);
}
