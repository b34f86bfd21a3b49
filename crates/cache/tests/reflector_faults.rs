//! The reflector against a misbehaving embedded server, on a fake clock: a server that closes
//! every watch at once, and one that answers every watch with a 429 ERROR event. client-go backs
//! off in both cases (`wait.BackoffUntil` with the reflector's 800 ms..30 s manager; the 429
//! branch of `Reflector.watch`); the number of requests in 30 virtual seconds shows it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo_api::core::v1::Pod;
use clientgo_apimachinery::List;
use clientgo_apiserver::{ApiServer, InjectedError};
use clientgo_cache::{Indexers, ListWatch, ListerWatcher, SharedIndexInformer, WatchStream};
use clientgo_client::{Clientset, ListOptions};
use clientgo_flowcontrol::{Clock, FakeClock};
use futures_util::future::BoxFuture;

/// Virtual time the faults last.
const SPAN: Duration = Duration::from_secs(30);

/// The most `ListAndWatch` cycles client-go starts in [`SPAN`]: the first at once, then one after
/// each backoff, whose shortest values (no jitter) are 0.8, 1.6, 3.2, 6.4 and 12.8 s (24.8 s in
/// all; the next, 25.6 s, ends past 30 s).
const MAX_CYCLES: usize = 6;

/// Counts the requests a [`ListWatch`] makes.
struct Counting {
    inner: ListWatch<Pod>,
    lists: Arc<AtomicUsize>,
    watches: Arc<AtomicUsize>,
}

impl ListerWatcher<Pod> for Counting {
    fn list(&self, opts: ListOptions) -> BoxFuture<'static, Result<List<Pod>, clientgo_rest::Error>> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list(opts)
    }

    fn watch(&self, opts: ListOptions) -> BoxFuture<'static, Result<WatchStream<Pod>, clientgo_rest::Error>> {
        self.watches.fetch_add(1, Ordering::SeqCst);
        self.inner.watch(opts)
    }
}

struct Run {
    lists: Arc<AtomicUsize>,
    watches: Arc<AtomicUsize>,
    relists: u64,
    rewatches: u64,
}

/// Runs an informer over `server` on a fake clock for [`SPAN`] of virtual time. The clock jumps to
/// the reflector's next deadline each time the reflector is quiet (no request for a while of real
/// time: it is waiting on the clock).
async fn run_for_span(server: &ApiServer, watch_list: bool) -> Run {
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config).unwrap();
    let (lists, watches) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let lw = Counting {
        inner: ListWatch::new(cs.core_v1().pods("")),
        lists: Arc::clone(&lists),
        watches: Arc::clone(&watches),
    };
    let clock = FakeClock::new();
    let start = clock.now();
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let informer = SharedIndexInformer::builder(lw)
        .indexers(Indexers::namespace())
        .reflector_options(|o| o.clock(shared).use_watch_list(watch_list))
        .build();
    let task = tokio::spawn(informer.clone().run());
    loop {
        // Quiet: the request counts and the next deadline hold still for a while.
        let mut seen = (usize::MAX, usize::MAX, None);
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now = (
                lists.load(Ordering::SeqCst),
                watches.load(Ordering::SeqCst),
                clock.next_deadline(),
            );
            if now == seen && now.2.is_some() {
                break;
            }
            seen = now;
        }
        let next = seen.2.expect("the reflector waits on the clock");
        if next.saturating_duration_since(start) > SPAN {
            break;
        }
        clock.set(next);
    }
    let status = informer.status();
    let run = Run {
        lists,
        watches,
        relists: status.stats().relists(),
        rewatches: status.stats().rewatches(),
    };
    informer.stop();
    task.await.unwrap();
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_watch_closed_at_once_is_retried_only_after_backoff() {
    let server = ApiServer::start().await.unwrap();
    server.faults().close_watches_at_once(true);
    let run = run_for_span(&server, false).await;
    let (lists, watches) = (
        run.lists.load(Ordering::SeqCst),
        run.watches.load(Ordering::SeqCst),
    );
    println!(
        "watches closed at once for {SPAN:?} (fake clock): {watches} watch requests, {lists} lists \
         (client-go's bound: {MAX_CYCLES} of each)"
    );
    assert!(watches >= 3, "the reflector kept trying: {watches}");
    assert!(
        watches <= MAX_CYCLES,
        "{watches} watch requests in {SPAN:?}: no backoff"
    );
    assert_eq!(
        lists, watches,
        "each very short watch ends the cycle: list, then watch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_streaming_list_closed_at_once_falls_back_and_backs_off() {
    let server = ApiServer::start().await.unwrap();
    server.faults().close_watches_at_once(true);
    let run = run_for_span(&server, true).await;
    let (lists, watches) = (
        run.lists.load(Ordering::SeqCst),
        run.watches.load(Ordering::SeqCst),
    );
    println!(
        "streaming lists and watches closed at once for {SPAN:?} (fake clock): {watches} watch \
         requests, {lists} lists (client-go's bound: {MAX_CYCLES} cycles of a streaming list, a list \
         and a watch)"
    );
    assert!((3..=MAX_CYCLES).contains(&lists), "{lists} lists");
    assert_eq!(
        watches,
        2 * lists,
        "each cycle streams again first, then lists and watches"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_inside_watches_backs_off_without_relisting() {
    let server = ApiServer::start().await.unwrap();
    server
        .faults()
        .fail_watches_with_error_event(Some(InjectedError::TooManyRequests { retry_after: 1 }));
    let run = run_for_span(&server, false).await;
    let (lists, watches) = (
        run.lists.load(Ordering::SeqCst),
        run.watches.load(Ordering::SeqCst),
    );
    println!(
        "429 ERROR events in every watch for {SPAN:?} (fake clock): {watches} watch requests, \
         {lists} list, {} relists, {} rewatches",
        run.relists, run.rewatches
    );
    assert_eq!(lists, 1, "a 429 backs off and watches again; it never relists");
    assert_eq!(run.relists, 0);
    assert!(watches >= 3, "watched again after each backoff: {watches}");
    assert!(
        watches <= MAX_CYCLES,
        "{watches} watch requests in {SPAN:?}: no backoff"
    );
    assert_eq!(run.rewatches + 1, watches as u64);
}
