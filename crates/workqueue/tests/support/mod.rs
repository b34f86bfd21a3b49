//! Shared helpers for the workqueue integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use clientgo_workqueue::{Clock, FakeClock, QueueConfig};

/// A guard, not a timing assertion: only a broken queue takes this long.
pub const GUARD: Duration = Duration::from_secs(10);

/// Awaits `fut`, failing the test if it hangs.
pub async fn guarded<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(GUARD, fut).await {
        Ok(out) => out,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// Yields until `cond` holds (background tasks run meanwhile), failing the test if it never does.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    guarded(what, async {
        while !cond() {
            tokio::task::yield_now().await;
        }
    })
    .await;
}

/// A fake clock and a queue config using it.
pub fn fake_config() -> (FakeClock, QueueConfig) {
    let clock = FakeClock::new();
    let config = QueueConfig::new().clock(Arc::new(clock.clone()) as Arc<dyn Clock>);
    (clock, config)
}

/// Whether `fut` is still pending after one poll.
pub fn is_pending<F: Future>(fut: std::pin::Pin<&mut F>) -> bool {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    fut.poll(&mut cx).is_pending()
}
