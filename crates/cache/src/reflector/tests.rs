//! The reflector machine driven directly: scripted inputs at chosen instants, no I/O, no real
//! time. Each test names the client-go test (`tools/cache/reflector_test.go`,
//! `reflector_watchlist_test.go`) whose case it ports.

use std::time::{Duration, Instant};

use clientgo_api::core::v1::Pod;
use clientgo_apimachinery::{ApiError, List, Object, Status, WatchEvent};
use clientgo_client::ListOptions;
use clientgo_flowcontrol::BackoffManager;
use clientgo_rest::Error as RestError;
use serde_json::json;

use super::error::ReflectorError;
use super::machine::{Config, Input, Listed, Machine, Output, Report, Request, StoreOp, MIN_WATCH_TIMEOUT};

fn config() -> Config {
    Config {
        name: "test-reflector".to_owned(),
        page_size: None,
        min_watch_timeout: MIN_WATCH_TIMEOUT,
        watch_idle_grace: Duration::from_secs(30),
        list_timeout: Duration::from_secs(300),
        resync_period: None,
        max_internal_error_retry: Duration::ZERO,
        use_watch_list: false,
        backoff: BackoffManager::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            1.0,
        ),
    }
}

fn pod(name: &str, rv: &str) -> Pod {
    serde_json::from_value(json!({"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}))
        .unwrap()
}

fn list(rv: &str, continue_: &str, pods: &[(&str, &str)]) -> List<Pod> {
    let items: Vec<Pod> = pods.iter().map(|(n, r)| pod(n, r)).collect();
    serde_json::from_value(json!({
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": rv, "continue": continue_},
        "items": items,
    }))
    .unwrap()
}

fn bookmark(rv: &str, initial_end: bool) -> WatchEvent<Pod> {
    let mut meta = json!({"resourceVersion": rv});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    WatchEvent::Bookmark(
        serde_json::from_value(json!({"kind": "Pod", "apiVersion": "v1", "metadata": meta})).unwrap(),
    )
}

fn status_error(status: Status) -> ReflectorError {
    ReflectorError::Request(RestError::from(ApiError::from_status(status)))
}

fn too_many_requests() -> Status {
    Status::failure(429, "TooManyRequests", "too many requests")
}

fn expired() -> Status {
    Status::failure(
        410,
        "Expired",
        "The resourceVersion for the provided watch is too old.",
    )
}

fn internal_error() -> Status {
    Status::failure(500, "InternalError", "etcdserver: no leader")
}

/// A timeout Status as `apierrors.NewTimeoutError(message, 1)`, with `causes`.
fn timeout_with(message: &str, causes: serde_json::Value) -> Status {
    serde_json::from_value(json!({
        "status": "Failure", "code": 504, "reason": "Timeout", "message": message,
        "details": {"causes": causes, "retryAfterSeconds": 1}
    }))
    .unwrap()
}

/// One machine, the instant it lives at, and what it asked for.
struct Harness {
    m: Machine<Pod>,
    now: Instant,
}

impl Harness {
    fn new(config: Config) -> (Self, Vec<Output<Pod>>) {
        let now = Instant::now();
        let mut h = Harness {
            m: Machine::new(config, None, fastrand::Rng::with_seed(7), now),
            now,
        };
        let out = h.drain();
        (h, out)
    }

    fn drain(&mut self) -> Vec<Output<Pod>> {
        std::iter::from_fn(|| self.m.poll_output()).collect()
    }

    fn feed(&mut self, input: Input<Pod>) -> Vec<Output<Pod>> {
        self.m.handle(self.now, input);
        self.drain()
    }

    /// Jumps to the machine's deadline and reports it; returns how far time moved.
    fn wait(&mut self) -> (Duration, Vec<Output<Pod>>) {
        let t = self.m.poll_timeout().expect("a deadline");
        let waited = t.saturating_duration_since(self.now);
        self.now = t;
        (waited, self.feed(Input::Timeout))
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
    }
}

/// The one request among `out`.
fn request(out: &[Output<Pod>]) -> Request {
    let mut found = out.iter().filter_map(|o| match o {
        Output::Request(r) => Some(r.clone()),
        _ => None,
    });
    let r = found.next().expect("a request");
    assert!(found.next().is_none(), "one request at a time");
    r
}

fn no_request(out: &[Output<Pod>]) -> bool {
    !out.iter().any(|o| matches!(o, Output::Request(_)))
}

fn list_opts(out: &[Output<Pod>]) -> ListOptions {
    match request(out) {
        Request::List(o) => o,
        Request::Watch(o) => panic!("expected a list, got a watch with {o:?}"),
    }
}

fn watch_opts(out: &[Output<Pod>]) -> ListOptions {
    match request(out) {
        Request::Watch(o) => o,
        Request::List(o) => panic!("expected a watch, got a list with {o:?}"),
    }
}

/// The store writes among `out`, as short words.
fn writes(out: &[Output<Pod>]) -> Vec<String> {
    out.iter()
        .flat_map(|o| match o {
            Output::Store(op) => match op {
                StoreOp::Add(p) => vec![format!("add {} {}", p.name(), p.resource_version())],
                StoreOp::Update(p) => vec![format!("update {} {}", p.name(), p.resource_version())],
                StoreOp::Delete(p) => vec![format!("delete {} {}", p.name(), p.resource_version())],
                StoreOp::ReplaceStart => vec!["replace".to_owned()],
                StoreOp::ReplaceItems(items) => items
                    .iter()
                    .map(|i| match i {
                        Listed::Present(p) => format!("listed {} {}", p.name(), p.resource_version()),
                        Listed::Deleted(p) => format!("unlisted {}", p.name()),
                    })
                    .collect(),
                StoreOp::ReplaceFinish(rv) => vec![format!("replaced at {rv}")],
                StoreOp::ReplaceAbandon => vec!["abandon".to_owned()],
                StoreOp::Resync => vec!["resync".to_owned()],
                StoreOp::Bookmark(rv) => vec![format!("bookmark {rv}")],
            },
            _ => Vec::new(),
        })
        .collect()
}

fn failures(out: &[Output<Pod>]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Report(Report::Failed(e)) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

fn populated(out: &[Output<Pod>]) -> bool {
    out.iter()
        .any(|o| matches!(o, Output::Report(Report::CachesPopulated)))
}

/// Lists at "0" and opens the watch: the common start of most tests.
fn listed_and_watching(config: Config, rv: &str, pods: &[(&str, &str)]) -> Harness {
    let (mut h, out) = Harness::new(config);
    assert_eq!(list_opts(&out).resource_version, "0");
    let out = h.feed(Input::ListPage(list(rv, "", pods)));
    assert!(populated(&out));
    assert_eq!(watch_opts(&out).resource_version, rv);
    h.feed(Input::WatchStarted);
    h
}

#[test]
fn test_reflector_list_and_watch_use_watch_list_enabled() {
    let (mut h, out) = Harness::new(Config {
        use_watch_list: true,
        ..config()
    });
    let opts = watch_opts(&out);
    assert_eq!(opts.resource_version, "");
    assert_eq!(opts.resource_version_match, "NotOlderThan");
    assert_eq!(opts.send_initial_events, Some(true));
    assert!(opts.allow_watch_bookmarks);
    h.feed(Input::WatchStarted);
    let out = h.feed(Input::Event(WatchEvent::Added(pod("foo", "1"))));
    assert!(
        writes(&out).is_empty(),
        "nothing reaches the store before the bookmark"
    );
    let out = h.feed(Input::Event(bookmark("1", true)));
    assert_eq!(writes(&out), ["replace", "listed foo 1", "replaced at 1"]);
    assert!(populated(&out));
    assert!(no_request(&out), "the same stream goes on as the watch");
    let mut later = Vec::new();
    for (kind, name, rv) in [("m", "foo", "2"), ("a", "bar", "3"), ("a", "baz", "4")] {
        let ev = if kind == "m" {
            WatchEvent::Modified(pod(name, rv))
        } else {
            WatchEvent::Added(pod(name, rv))
        };
        later.extend(writes(&h.feed(Input::Event(ev))));
    }
    assert_eq!(later, ["update foo 2", "add bar 3", "add baz 4"]);
    assert_eq!(h.m.last_sync_resource_version(), "4");
}

#[test]
fn test_reflector_list_and_watch_use_watch_list_disabled() {
    let (mut h, out) = Harness::new(config());
    let opts = list_opts(&out);
    assert_eq!((opts.resource_version.as_str(), opts.limit), ("0", 500));
    assert_eq!(opts.send_initial_events, None);
    let out = h.feed(Input::ListPage(list("1", "", &[("foo", "1")])));
    assert_eq!(writes(&out), ["replace", "listed foo 1", "replaced at 1"]);
    let w = watch_opts(&out);
    assert_eq!(w.resource_version, "1");
    assert!(w.allow_watch_bookmarks);
    assert_eq!(w.send_initial_events, None);
    h.feed(Input::WatchStarted);
    let out = h.feed(Input::Event(WatchEvent::Modified(pod("foo", "2"))));
    assert_eq!(writes(&out), ["update foo 2"]);
}

#[test]
fn test_reflector_watch_handler() {
    let mut h = listed_and_watching(config(), "1", &[("foo", "1"), ("bar", "1")]);
    let mut seen = Vec::new();
    for ev in [
        WatchEvent::Deleted(pod("foo", "")),
        WatchEvent::Modified(pod("bar", "55")),
        WatchEvent::Added(pod("baz", "32")),
    ] {
        seen.extend(writes(&h.feed(Input::Event(ev))));
    }
    assert_eq!(seen, ["delete foo ", "update bar 55", "add baz 32"]);
    assert_eq!(h.m.last_sync_resource_version(), "32");
}

#[test]
fn test_reflector_resource_version_update() {
    let mut h = listed_and_watching(config(), "10", &[]);
    let mut rvs = Vec::new();
    let mut writes_seen = Vec::new();
    for ev in [
        WatchEvent::Added(pod("a", "10")),
        WatchEvent::Modified(pod("a", "20")),
        bookmark("30", false),
        WatchEvent::Deleted(pod("a", "40")),
    ] {
        let out = h.feed(Input::Event(ev));
        rvs.push(h.m.last_sync_resource_version().to_owned());
        writes_seen.extend(writes(&out));
    }
    assert_eq!(rvs, ["10", "20", "30", "40"]);
    // The bookmark reaches the store too (an atomic RealFifo queues it; client-go 1.36's
    // reflector hands it to the RealFIFO's Bookmark).
    assert_eq!(
        writes_seen,
        ["add a 10", "update a 20", "bookmark 30", "delete a 40"]
    );
}

#[test]
fn test_reflector_handle_watch_result_chan_closed_before() {
    // A watch closed at once with nothing in it is a failure: back off, then list and watch.
    let mut h = listed_and_watching(config(), "1", &[]);
    let out = h.feed(Input::WatchClosed);
    assert_eq!(
        failures(&out),
        ["very short watch: test-reflector: Unexpected watch close - watch lasted less than a second and no items received"]
    );
    assert!(no_request(&out), "not re-opened at once");
    let (waited, out) = h.wait();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_millis(1600),
        "{waited:?}"
    );
    assert_eq!(
        list_opts(&out).resource_version,
        "1",
        "relists at the last version"
    );
}

#[test]
fn test_reflector_handle_watch_result_chan_closed_after() {
    // Closed after 10 ms with no event: still a very short watch.
    let mut h = listed_and_watching(config(), "1", &[]);
    h.advance(Duration::from_millis(10));
    let out = h.feed(Input::WatchClosed);
    assert_eq!(failures(&out).len(), 1);
    assert!(no_request(&out));
}

#[test]
fn test_reflector_watch_closed_after_events_rewatches_at_once() {
    // handleAnyWatch's normal end: a watch that delivered events (or lasted a second) is
    // re-opened at once from the last resourceVersion, without a list.
    let mut h = listed_and_watching(config(), "1", &[]);
    h.feed(Input::Event(WatchEvent::Added(pod("a", "2"))));
    let out = h.feed(Input::WatchClosed);
    assert!(failures(&out).is_empty());
    assert_eq!(watch_opts(&out).resource_version, "2");
    h.feed(Input::WatchStarted);
    h.advance(Duration::from_secs(2));
    let out = h.feed(Input::WatchClosed);
    assert_eq!(watch_opts(&out).resource_version, "2");
}

#[test]
fn test_reflector_list_and_watch_init_conn_backoff() {
    // Watches refused at start (client-go: ECONNREFUSED; here 429, the other retriable refusal)
    // back off with growing delays and never list again.
    let (mut h, _) = Harness::new(config());
    h.feed(Input::ListPage(list("1", "", &[])));
    let mut total = Duration::ZERO;
    for i in 0..5u32 {
        let out = h.feed(Input::WatchFailed(status_error(too_many_requests())));
        assert!(no_request(&out), "attempt {i}: waits first");
        let (waited, out) = h.wait();
        let base = Duration::from_millis(800) * 2u32.pow(i);
        assert!(waited >= base && waited < base * 2, "attempt {i}: {waited:?}");
        total += waited;
        assert_eq!(watch_opts(&out).resource_version, "1", "a watch, not a list");
    }
    assert!(total >= Duration::from_millis(800 * 31));
}

#[test]
fn test_backoff_on_too_many_requests() {
    // A 429 when the watch starts, then a 429 as an ERROR event inside the next watch: two
    // backoffs, each followed by a watch, and a single list.
    let (mut h, _) = Harness::new(config());
    h.feed(Input::ListPage(list("1", "", &[])));
    let out = h.feed(Input::WatchFailed(status_error(too_many_requests())));
    assert!(no_request(&out));
    let (_, out) = h.wait();
    watch_opts(&out);
    h.feed(Input::WatchStarted);
    let out = h.feed(Input::Event(WatchEvent::Error(too_many_requests())));
    assert!(out.iter().any(|o| matches!(o, Output::Cancel)));
    assert!(no_request(&out), "backs off before watching again");
    assert!(writes(&out).is_empty(), "no relist");
    let (waited, out) = h.wait();
    assert!(
        waited >= Duration::from_millis(1600),
        "the second backoff is longer: {waited:?}"
    );
    assert_eq!(watch_opts(&out).resource_version, "1");
}

#[test]
fn test_no_relist_on_too_many_requests() {
    let (mut h, _) = Harness::new(config());
    let (mut lists, mut watches) = (1, 0);
    let mut out = h.feed(Input::ListPage(list("1", "", &[])));
    loop {
        match request(&out) {
            Request::List(_) => lists += 1,
            Request::Watch(_) => watches += 1,
        }
        if watches == 5 {
            break;
        }
        h.feed(Input::WatchFailed(status_error(too_many_requests())));
        out = h.wait().1;
    }
    assert_eq!((lists, watches), (1, 5));
}

#[test]
fn test_retry_internal_error_retries_off() {
    // MaxInternalErrorRetryDuration is 0 by default: an internal error ends the cycle.
    let mut h = listed_and_watching(config(), "1", &[]);
    let out = h.feed(Input::Event(WatchEvent::Error(internal_error())));
    assert_eq!(failures(&out).len(), 1);
    let (_, out) = h.wait();
    assert_eq!(list_opts(&out).resource_version, "1");
}

/// Mirrors `TestRetryInternalError` with retries on (`MaxInternalErrorRetryDuration` 30 s, the
/// fake clock one second on per failure): each internal-error watch failure within 30 s of the
/// cycle's first one opens the watch again at once at the last version, with no list and no
/// backoff; the first one past that ends the cycle, and the next cycle counts afresh.
#[test]
fn test_retry_internal_error_retries_on() {
    let config = Config {
        max_internal_error_retry: Duration::from_secs(30),
        ..config()
    };
    let mut h = listed_and_watching(config, "1", &[]);
    let mut rewatches = 0;
    loop {
        let out = h.feed(Input::Event(WatchEvent::Error(internal_error())));
        if !failures(&out).is_empty() {
            break;
        }
        assert_eq!(watch_opts(&out).resource_version, "1", "watched again at once");
        rewatches += 1;
        h.feed(Input::WatchStarted);
        h.advance(Duration::from_secs(1));
    }
    // Errors at 0 s, 1 s, ..., 30 s are retried; the one at 31 s is not.
    assert_eq!(rewatches, 31);
    let (waited, out) = h.wait();
    assert!(waited >= Duration::from_millis(800), "backed off: {waited:?}");
    assert_eq!(list_opts(&out).resource_version, "1");
    h.feed(Input::ListPage(list("2", "", &[])));
    h.feed(Input::WatchStarted);
    let out = h.feed(Input::Event(WatchEvent::Error(internal_error())));
    assert!(failures(&out).is_empty(), "a new cycle counts afresh");
    assert_eq!(watch_opts(&out).resource_version, "2");
}

#[test]
fn test_reflector_resync() {
    let mut h = listed_and_watching(
        Config {
            resync_period: Some(Duration::from_secs(1)),
            ..config()
        },
        "0",
        &[],
    );
    let (waited, out) = h.wait();
    assert_eq!(waited, Duration::from_secs(1));
    assert_eq!(writes(&out), ["resync"]);
    let (_, out) = h.wait();
    assert_eq!(writes(&out), ["resync"]);
    // The second resync fails: the cycle ends with that error, as the resync goroutine's error
    // ends ListAndWatch.
    let out = h.feed(Input::ResyncFailed(crate::Error::IndexNotFound {
        name: "x".to_owned(),
    }));
    assert_eq!(failures(&out), ["resync failed"]);
    assert!(out.iter().any(|o| matches!(o, Output::Cancel)));
    let (_, out) = h.wait();
    assert!(writes(&out).is_empty(), "no resync while listing");
    list_opts(&out);
}

#[test]
fn test_reflector_watch_list_page_size() {
    let (mut h, _) = Harness::new(Config {
        page_size: Some(4),
        ..config()
    });
    h.feed(Input::ListPage(list("10", "", &[])));
    h.feed(Input::WatchStarted);
    h.feed(Input::Event(WatchEvent::Error(expired())));
    let (_, out) = h.wait();
    let first = list_opts(&out);
    assert_eq!(
        (first.resource_version.as_str(), first.limit),
        ("10", 4),
        "paged even at a known version"
    );
    let out = h.feed(Input::ListPage(list("10", "C1", &[("pod-0", "0")])));
    let next = list_opts(&out);
    assert_eq!(
        (
            next.continue_.as_str(),
            next.resource_version.as_str(),
            next.limit
        ),
        ("C1", "", 4)
    );
    let out = h.feed(Input::ListPage(list("10", "", &[("pod-1", "1")])));
    assert_eq!(writes(&out), ["listed pod-1 1", "replaced at 10"]);
}

#[test]
fn test_reflector_not_paginating_not_consistent_reads() {
    let mut h = listed_and_watching(config(), "10", &[]);
    h.feed(Input::Event(WatchEvent::Error(expired())));
    let (_, out) = h.wait();
    let opts = list_opts(&out);
    assert_eq!(
        (opts.resource_version.as_str(), opts.limit),
        ("10", 0),
        "left to the watch cache"
    );
}

#[test]
fn test_reflector_paginating_non_consistent_reads_if_watch_cache_disabled() {
    let (mut h, _) = Harness::new(config());
    let out = h.feed(Input::ListPage(list("10", "C1", &[("pod-0", "0")])));
    assert_eq!(list_opts(&out).continue_, "C1");
    h.feed(Input::ListPage(list("10", "", &[("pod-1", "1")])));
    h.feed(Input::WatchStarted);
    h.feed(Input::Event(WatchEvent::Error(expired())));
    let (_, out) = h.wait();
    let opts = list_opts(&out);
    assert_eq!(
        (opts.resource_version.as_str(), opts.limit),
        ("10", 500),
        "the first list was paged"
    );
}

#[test]
fn test_reflector_resync_with_resource_version() {
    let mut h = listed_and_watching(config(), "10", &[("pod-0", "0")]);
    h.feed(Input::WatchClosed);
    let (_, out) = h.wait();
    assert_eq!(list_opts(&out).resource_version, "10");
}

#[test]
fn test_reflector_expired_exact_resource_version() {
    let mut h = listed_and_watching(config(), "10", &[]);
    h.feed(Input::WatchClosed);
    let (_, out) = h.wait();
    assert_eq!(list_opts(&out).resource_version, "10");
    // Expired: the retry at "" is made at once, with no backoff.
    let out = h.feed(Input::ListFailed(status_error(expired())));
    assert!(failures(&out).is_empty());
    assert_eq!(list_opts(&out).resource_version, "");
    let out = h.feed(Input::ListPage(list("11", "", &[("pod-0", "0")])));
    assert_eq!(writes(&out), ["replace", "listed pod-0 0", "replaced at 11"]);
}

#[test]
fn test_reflector_full_list_if_expired() {
    let (mut h, out) = Harness::new(Config {
        page_size: Some(4),
        ..config()
    });
    let mut rvs = vec![list_opts(&out).resource_version];
    h.feed(Input::ListPage(list("10", "", &[])));
    h.feed(Input::WatchStarted);
    h.feed(Input::WatchClosed);
    let (_, out) = h.wait();
    rvs.push(list_opts(&out).resource_version);
    let out = h.feed(Input::ListPage(list("11", "C1", &[("pod-0", "0")])));
    rvs.push(list_opts(&out).resource_version);
    // The continue token expired: one full list at the requested version, not at "".
    let out = h.feed(Input::ListFailed(status_error(expired())));
    assert_eq!(writes(&out), ["abandon"]);
    let full = list_opts(&out);
    assert_eq!((full.limit, full.continue_.as_str()), (0, ""));
    rvs.push(full.resource_version);
    assert_eq!(rvs, ["0", "10", "", "10"]);
    let out = h.feed(Input::ListPage(list("11", "", &[("pod-0", "0"), ("pod-1", "1")])));
    assert_eq!(
        writes(&out),
        ["replace", "listed pod-0 0", "listed pod-1 1", "replaced at 11"]
    );
}

#[test]
fn test_reflector_full_list_if_too_large() {
    let cases = [
        timeout_with(
            "too large resource version",
            json!([{"reason": "ResourceVersionTooLarge"}]),
        ),
        timeout_with(
            "too large resource version",
            json!([{"message": "Too large resource version"}]),
        ),
        timeout_with("Too large resource version", json!([])),
    ];
    let mut h = listed_and_watching(config(), "20", &[]);
    let mut rvs = vec!["0".to_owned()];
    let mut version = 30;
    for status in cases {
        h.feed(Input::WatchClosed);
        let (_, out) = h.wait();
        rvs.push(list_opts(&out).resource_version);
        let out = h.feed(Input::ListFailed(status_error(status)));
        rvs.push(list_opts(&out).resource_version);
        h.feed(Input::ListPage(list(&version.to_string(), "", &[])));
        h.feed(Input::WatchStarted);
        version += 10;
    }
    assert_eq!(rvs, ["0", "20", "", "30", "", "40", ""]);
}

#[test]
fn test_watch_timeout() {
    for (asked, floor) in [
        (None, 300),
        (Some(Duration::from_secs(1)), 300),
        (Some(Duration::from_secs(1800)), 1800),
    ] {
        let mut options = super::ReflectorOptions::<Pod>::default();
        if let Some(d) = asked {
            options = options.min_watch_timeout(d);
        }
        let mut h = listed_and_watching(
            Config {
                min_watch_timeout: options.effective_min_watch_timeout(),
                ..config()
            },
            "10",
            &[],
        );
        h.feed(Input::Event(WatchEvent::Added(pod("a", "11"))));
        let out = h.feed(Input::WatchClosed);
        let secs = watch_opts(&out).timeout_seconds.unwrap();
        assert!((floor..=2 * floor).contains(&secs), "{asked:?}: {secs}");
    }
    let short = super::ReflectorOptions::<Pod>::default().short_watch_timeouts(Duration::from_secs(2));
    assert_eq!(short.effective_min_watch_timeout(), Duration::from_secs(2));
}

#[test]
fn test_reflector_list_answered_as_table_is_rejected() {
    let (mut h, _) = Harness::new(config());
    let table: List<Pod> = serde_json::from_value(
        json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "5"}}),
    )
    .unwrap();
    let out = h.feed(Input::ListPage(table));
    let failed = failures(&out);
    assert_eq!(failed.len(), 1);
    assert!(failed[0].contains("Table (meta.k8s.io/v1)"), "{failed:?}");
    assert!(writes(&out).is_empty(), "nothing stored");
    assert!(!populated(&out));
}

#[test]
fn test_reflector_list_timeout_is_a_client_side_error() {
    let (mut h, _) = Harness::new(config());
    let (waited, out) = h.wait();
    assert_eq!(waited, Duration::from_secs(300));
    assert_eq!(failures(&out), ["the list did not finish within 300s"]);
    let Some(Output::Report(Report::Failed(e))) = out
        .iter()
        .find(|o| matches!(o, Output::Report(Report::Failed(_))))
    else {
        unreachable!()
    };
    assert!(e.api_error().is_none(), "no invented server Status");
}

// --- reflector_watchlist_test.go ---

fn watch_listing() -> Harness {
    let (mut h, out) = Harness::new(Config {
        use_watch_list: true,
        ..config()
    });
    assert_eq!(watch_opts(&out).send_initial_events, Some(true));
    h.feed(Input::WatchStarted);
    h
}

#[test]
fn test_watch_list_initial_events_wait_for_the_bookmark() {
    let mut h = watch_listing();
    let mut out = Vec::new();
    out.extend(h.feed(Input::Event(WatchEvent::Added(pod("p1", "1")))));
    out.extend(h.feed(Input::Event(WatchEvent::Added(pod("p2", "2")))));
    out.extend(h.feed(Input::Event(bookmark("2", false))));
    assert!(writes(&out).is_empty());
    let out = h.feed(Input::Event(bookmark("3", true)));
    assert_eq!(
        writes(&out),
        ["replace", "listed p1 1", "listed p2 2", "replaced at 3"]
    );
    assert_eq!(h.m.last_sync_resource_version(), "3");
}

/// Mirrors `TestWatchList`'s case "check if Updates and Deletes events are propagated during
/// streaming (until the bookmark is received)": the store gets each object's last state at the
/// bookmark (p1 as modified, p3 added then deleted not at all), as client-go's temporary store
/// leaves it.
#[test]
fn test_watch_list_updates_and_deletes_while_streaming_leave_the_final_states() {
    let mut h = watch_listing();
    let mut out = Vec::new();
    for ev in [
        WatchEvent::Added(pod("p1", "1")),
        WatchEvent::Added(pod("p2", "2")),
        WatchEvent::Modified(pod("p1", "3")),
        WatchEvent::Added(pod("p3", "4")),
        WatchEvent::Deleted(pod("p3", "5")),
    ] {
        out.extend(h.feed(Input::Event(ev)));
    }
    assert!(writes(&out).is_empty());
    let out = h.feed(Input::Event(bookmark("5", true)));
    assert_eq!(
        writes(&out),
        ["replace", "listed p1 3", "listed p2 2", "replaced at 5"]
    );
}

#[test]
fn test_watch_list_too_many_requests_backs_off_and_streams_again() {
    let mut h = watch_listing();
    h.feed(Input::Event(WatchEvent::Added(pod("p1", "1"))));
    let out = h.feed(Input::Event(WatchEvent::Error(too_many_requests())));
    assert!(no_request(&out));
    assert!(
        writes(&out).is_empty(),
        "the partial state never reaches the store"
    );
    let (waited, out) = h.wait();
    assert!(waited >= Duration::from_millis(800));
    assert_eq!(
        watch_opts(&out).send_initial_events,
        Some(true),
        "still streaming"
    );
}

#[test]
fn test_watch_list_closed_before_the_bookmark_streams_again() {
    let mut h = watch_listing();
    h.feed(Input::Event(WatchEvent::Added(pod("p1", "1"))));
    let out = h.feed(Input::WatchClosed);
    assert!(writes(&out).is_empty());
    assert_eq!(watch_opts(&out).send_initial_events, Some(true));
    h.feed(Input::WatchStarted);
    let out = h.feed(Input::Event(bookmark("1", true)));
    assert_eq!(
        writes(&out),
        ["replace", "replaced at 1"],
        "the first attempt's objects are gone"
    );
}

#[test]
fn test_reflector_watch_list_fallback() {
    // A streaming list the server ends at once falls back to list+watch for this cycle only: the
    // next cycle streams again.
    let mut h = watch_listing();
    let out = h.feed(Input::WatchClosed);
    let opts = list_opts(&out);
    assert_eq!((opts.resource_version.as_str(), opts.limit), ("0", 500));
    h.feed(Input::ListPage(list("5", "", &[("p1", "5")])));
    h.feed(Input::WatchStarted);
    h.feed(Input::Event(WatchEvent::Error(expired())));
    let (_, out) = h.wait();
    let again = watch_opts(&out);
    assert_eq!(again.send_initial_events, Some(true), "not disabled for good");
    assert_eq!(again.resource_version, "5");
}

#[test]
fn test_watch_list_expired_resource_version_streams_again_from_now() {
    let mut h = watch_listing();
    h.feed(Input::Event(bookmark("7", true)));
    h.feed(Input::Event(WatchEvent::Error(expired())));
    let (_, out) = h.wait();
    assert_eq!(watch_opts(&out).resource_version, "7");
    let out = h.feed(Input::WatchFailed(status_error(expired())));
    let opts = watch_opts(&out);
    assert_eq!(
        (opts.resource_version.as_str(), opts.send_initial_events),
        ("", Some(true)),
        "at once, from now"
    );
}

#[test]
fn test_watch_list_unsupported_error_falls_back_to_list() {
    let (mut h, _) = Harness::new(Config {
        use_watch_list: true,
        ..config()
    });
    let refused = Status::failure(
        400,
        "BadRequest",
        "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
    );
    let out = h.feed(Input::WatchFailed(status_error(refused)));
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Report(Report::WatchListFallback(_)))));
    list_opts(&out);
}

#[test]
fn test_watch_idle_guard_counts_from_the_last_event() {
    // Our guard (client-go has none): a watch silent past twice the minimum timeout plus the
    // grace is opened again; events push the limit back without moving the driver's timer.
    let mut h = listed_and_watching(config(), "1", &[]);
    let limit = MIN_WATCH_TIMEOUT * 2 + Duration::from_secs(30);
    let first = h.m.poll_timeout().unwrap();
    h.advance(Duration::from_secs(60));
    h.feed(Input::Event(WatchEvent::Added(pod("a", "2"))));
    assert_eq!(h.m.poll_timeout(), Some(first), "an event leaves the timer alone");
    let (waited, out) = h.wait();
    assert!(no_request(&out), "not idle yet: re-armed from the last event");
    assert_eq!(waited, limit - Duration::from_secs(60));
    let (waited, out) = h.wait();
    assert_eq!(waited, Duration::from_secs(60));
    assert_eq!(watch_opts(&out).resource_version, "2", "watched again, no list");
}
