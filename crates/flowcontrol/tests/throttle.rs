//! The token-bucket limiter, with the cases of client-go's `util/flowcontrol/throttle_test.go`
//! ported under their Go names. Go measures wall-clock time; these run on a `FakeClock` or on
//! tokio's paused clock, so the times they check are exact and cost nothing.
//!
//! Not here: `TestAlwaysFake` and `TestNeverFake`. The fake limiters are `FakeAlwaysRateLimiter`
//! and `FakeNeverRateLimiter` in clientgo-rest, the one user of the request-path limiter trait, and
//! `fake_always_and_never_rate_limiters` in `crates/rest/tests/rest_client.rs` covers them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo_flowcontrol::{Clock, FakeClock, TokenBucketRateLimiter};

fn on_fake_clock(qps: f64, burst: u32) -> (FakeClock, TokenBucketRateLimiter) {
    let clock = FakeClock::new();
    let limiter = TokenBucketRateLimiter::with_clock(qps, burst, Arc::new(clock.clone()) as Arc<dyn Clock>)
        .expect("valid limiter");
    (clock, limiter)
}

/// Mirrors `TestMultithreadedThrottling`: ten tasks hammering a 100 qps limiter with a burst of 1
/// cannot collect 100 refilled tokens in less than a second.
#[tokio::test(start_paused = true)]
async fn test_multithreaded_throttling() {
    let limiter = Arc::new(TokenBucketRateLimiter::new(100.0, 1).expect("valid limiter"));
    let taken = Arc::new(AtomicUsize::new(0));
    let start = tokio::time::Instant::now();
    // Take the initial token, so every counted token comes from the refill.
    limiter.accept().await;
    let mut hammers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (limiter, taken) = (limiter.clone(), taken.clone());
        hammers.spawn(async move {
            loop {
                limiter.accept().await;
                // Like Go's full channel of 100: the hammer taking one more ends the run.
                if taken.fetch_add(1, Ordering::SeqCst) >= 100 {
                    return;
                }
            }
        });
    }
    let first_done = hammers.join_next().await.expect("ten hammers");
    first_done.expect("the hammer did not panic");
    let elapsed = start.elapsed();
    hammers.abort_all();
    assert!(
        elapsed >= Duration::from_secs(1),
        "100 tokens took only {elapsed:?}"
    );
}

/// Mirrors `TestBasicThrottle`: the burst is admitted at once, the next is refused.
#[test]
fn test_basic_throttle() {
    let (_clock, r) = on_fake_clock(1.0, 3);
    for i in 0..3 {
        assert!(r.try_accept(), "token {i} of the burst");
    }
    assert!(!r.try_accept());
}

/// Mirrors `TestIncrementThrottle`: a used-up bucket admits again once it has refilled.
#[test]
fn test_increment_throttle() {
    let (clock, r) = on_fake_clock(1.0, 1);
    assert!(r.try_accept());
    assert!(!r.try_accept());
    clock.advance(Duration::from_secs(2));
    assert!(r.try_accept(), "refilled");
}

/// Mirrors `TestThrottle`: at 10 qps with a burst of 5, sixteen accepts take at least a second
/// (5 at once, then 11 a tenth of a second apart).
#[tokio::test(start_paused = true)]
async fn test_throttle() {
    let r = TokenBucketRateLimiter::new(10.0, 5).expect("valid limiter");
    let start = tokio::time::Instant::now();
    for _ in 0..16 {
        r.accept().await;
    }
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "finished after {:?}",
        start.elapsed()
    );
}

/// Mirrors `TestWait`: a wait whose token is available succeeds; at 0.0001 qps the next token is
/// hours away, so a wait with a one-second deadline is refused.
#[tokio::test]
async fn test_wait() {
    let (clock, r) = on_fake_clock(0.0001, 1);
    let deadline = clock.now() + Duration::from_secs(1);
    r.wait(Some(deadline)).await.expect("the burst token");
    let err = r
        .wait(Some(clock.now() + Duration::from_secs(1)))
        .await
        .expect_err("the next token comes after the deadline");
    assert!(err.is_timeout(), "{err}");
}

/// Mirrors `TestRatePrecisionBug`: at just under 1 qps with a burst of 1, a token taken every two
/// seconds is always there (`golang.org/x/time/rate` once lost it to float rounding after 14 s).
#[test]
fn test_rate_precision_bug() {
    let qps = 1.0 / 1.031_425;
    let (clock, r) = on_fake_clock(qps, 1);
    for i in 0..60 {
        assert!(r.try_accept(), "failed after {} seconds", i * 2);
        clock.advance(Duration::from_secs(2));
    }
}
