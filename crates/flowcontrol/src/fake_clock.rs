//! A clock that only moves when a test advances it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::clock::{saturating_add, Clock, Sleep};

/// A manually driven clock for tests.
///
/// Mirrors `k8s.io/utils/clock/testing.FakeClock` (`Step`, `SetTime`, `HasWaiters`). Sleeps started on
/// it complete, from any executor, when [`FakeClock::advance`] or [`FakeClock::set`] moves time past
/// their deadline; nothing happens on its own, so delay and rate tests are exact and instant.
///
/// Cloning gives another handle to the same clock.
#[derive(Debug, Clone)]
pub struct FakeClock {
    shared: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    now: Instant,
    next_id: u64,
    sleepers: Vec<Sleeper>,
}

#[derive(Debug)]
struct Sleeper {
    id: u64,
    deadline: Instant,
    waker: Waker,
}

impl FakeClock {
    /// A fake clock starting at the current real instant (only the starting point is real).
    pub fn new() -> Self {
        Self::starting_at(Instant::now())
    }

    /// A fake clock starting at `now`.
    pub fn starting_at(now: Instant) -> Self {
        FakeClock {
            shared: Arc::new(Mutex::new(State {
                now,
                next_id: 0,
                sleepers: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock can only come from a test assertion elsewhere; the state
        // (an instant and a list of wakers) stays consistent, so keep going.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves time forward by `by` and wakes every sleep whose deadline has been reached.
    /// Mirrors `FakeClock.Step`.
    pub fn advance(&self, by: Duration) {
        let to = saturating_add(self.now(), by);
        self.set(to);
    }

    /// Sets the time to `to` (ignored if it lies in the past: the clock is monotonic) and wakes every
    /// sleep whose deadline has been reached. Mirrors `FakeClock.SetTime`.
    pub fn set(&self, to: Instant) {
        let ready: Vec<Waker> = {
            let mut state = self.lock();
            if to > state.now {
                state.now = to;
            }
            let now = state.now;
            let mut ready = Vec::new();
            state.sleepers.retain(|s| {
                if s.deadline <= now {
                    ready.push(s.waker.clone());
                    false
                } else {
                    true
                }
            });
            ready
        };
        for waker in ready {
            waker.wake();
        }
    }

    /// Number of sleeps currently pending on this clock. Mirrors `FakeClock.HasWaiters`; tests use it
    /// to check, for example, that a delaying queue keeps one timer however many items wait.
    pub fn sleepers(&self) -> usize {
        self.lock().sleepers.len()
    }

    /// The earliest deadline any pending sleep waits for.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.lock().sleepers.iter().map(|s| s.deadline).min()
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.lock().now
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep {
        Box::pin(FakeSleep {
            clock: self.clone(),
            deadline,
            id: None,
        })
    }
}

/// The future behind [`FakeClock::sleep_until`].
struct FakeSleep {
    clock: FakeClock,
    deadline: Instant,
    id: Option<u64>,
}

impl Future for FakeSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.clock.lock();
        if state.now >= this.deadline {
            if let Some(id) = this.id.take() {
                state.sleepers.retain(|s| s.id != id);
            }
            return Poll::Ready(());
        }
        match this.id {
            Some(id) => {
                if let Some(s) = state.sleepers.iter_mut().find(|s| s.id == id) {
                    if !s.waker.will_wake(cx.waker()) {
                        s.waker = cx.waker().clone();
                    }
                } else {
                    // Woken by `set` (which removed us) but time has not reached us: cannot happen
                    // because `set` only removes reached deadlines; re-register to stay correct.
                    state.sleepers.push(Sleeper {
                        id,
                        deadline: this.deadline,
                        waker: cx.waker().clone(),
                    });
                }
            }
            None => {
                let id = state.next_id;
                state.next_id += 1;
                state.sleepers.push(Sleeper {
                    id,
                    deadline: this.deadline,
                    waker: cx.waker().clone(),
                });
                this.id = Some(id);
            }
        }
        Poll::Pending
    }
}

impl Drop for FakeSleep {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.clock.lock().sleepers.retain(|s| s.id != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn fake_sleep_completes_only_when_advanced_past_deadline() {
        let clock = FakeClock::new();
        let done = Arc::new(AtomicBool::new(false));
        let task = {
            let (clock, done) = (clock.clone(), done.clone());
            tokio::spawn(async move {
                clock.sleep(Duration::from_secs(10)).await;
                done.store(true, Ordering::SeqCst);
            })
        };
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
        clock.advance(Duration::from_secs(9));
        tokio::task::yield_now().await;
        assert!(!done.load(Ordering::SeqCst));
        assert_eq!(clock.sleepers(), 1);
        clock.advance(Duration::from_secs(1));
        task.await.expect("sleeper task");
        assert!(done.load(Ordering::SeqCst));
        assert_eq!(clock.sleepers(), 0);
    }

    #[test]
    fn fake_clock_is_monotonic_and_set_ignores_the_past() {
        let start = Instant::now();
        let clock = FakeClock::starting_at(start);
        clock.advance(Duration::from_secs(3));
        clock.set(start);
        assert_eq!(clock.now(), start + Duration::from_secs(3));
        assert_eq!(clock.since(start), Duration::from_secs(3));
    }

    #[tokio::test]
    async fn dropped_fake_sleep_unregisters() {
        let clock = FakeClock::new();
        let mut sleep = clock.sleep(Duration::from_secs(1));
        assert!(futures_poll_once(&mut sleep).is_pending());
        assert_eq!(clock.sleepers(), 1);
        assert_eq!(clock.next_deadline(), Some(clock.now() + Duration::from_secs(1)));
        drop(sleep);
        assert_eq!(clock.sleepers(), 0);
    }

    fn futures_poll_once(sleep: &mut Sleep) -> Poll<()> {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        sleep.as_mut().poll(&mut cx)
    }
}
