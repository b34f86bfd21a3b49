//! Per-key exponential backoff with a cap and optional jitter.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::clock::{Clock, RealClock};

/// Per-key exponential backoff: each [`next`](Self::next) doubles the key's delay up to `max`, and a
/// key left alone for twice `max` starts over from `initial` (or when
/// [`has_expired_func`](Self::has_expired_func) says so).
///
/// Mirrors client-go `flowcontrol.Backoff` (`backoff.go`): `NewBackOff`, `NewBackOffWithJitter`,
/// `Get`, `Next`, `Reset`, `IsInBackOffSince`, `IsInBackOffSinceUpdate`, `GC`, `DeleteEntry`. Keys are
/// generic instead of Go's `string`. Jitter adds up to `max_jitter_factor * delay` on each step,
/// drawn from the backoff's own `fastrand` generator (randomly seeded, no global lock); a stepped
/// delay is still capped at `max`.
pub struct Backoff<K = String> {
    clock: Arc<dyn Clock>,
    initial: Duration,
    max: Duration,
    max_jitter_factor: f64,
    has_expired: Option<HasExpired>,
    state: Mutex<State<K>>,
}

/// Decides from `(event_time, last_update, max)` whether a key's backoff has expired.
type HasExpired = Box<dyn Fn(Instant, Instant, Duration) -> bool + Send + Sync>;

struct State<K> {
    entries: HashMap<K, Entry>,
    rng: fastrand::Rng,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    backoff: Duration,
    last_update: Instant,
}

impl<K> fmt::Debug for Backoff<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backoff")
            .field("initial", &self.initial)
            .field("max", &self.max)
            .field("max_jitter_factor", &self.max_jitter_factor)
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone> Backoff<K> {
    /// Backoff from `initial` doubling up to `max`, no jitter, on the real clock. Mirrors `NewBackOff`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self::with_jitter(initial, max, 0.0)
    }

    /// Like [`new`](Self::new) with up to `max_jitter_factor * delay` extra per step. A factor that is
    /// not a positive finite number means no jitter. Mirrors `NewBackOffWithJitter`.
    pub fn with_jitter(initial: Duration, max: Duration, max_jitter_factor: f64) -> Self {
        let factor = if max_jitter_factor.is_finite() && max_jitter_factor > 0.0 {
            max_jitter_factor
        } else {
            0.0
        };
        Backoff {
            clock: Arc::new(RealClock),
            initial,
            max,
            max_jitter_factor: factor,
            has_expired: None,
            state: Mutex::new(State {
                entries: HashMap::new(),
                rng: fastrand::Rng::new(),
            }),
        }
    }

    /// Replaces the clock (a [`crate::FakeClock`] in tests). Mirrors `NewFakeBackOff`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the rule that decides when a key's backoff has expired (so its next step starts
    /// from `initial` again and [`gc`](Self::gc) drops it): `f(event_time, last_update, max)`
    /// returns true when expired. The default is "more than `2 * max` after the last update".
    /// Mirrors `Backoff.HasExpiredFunc`.
    pub fn has_expired_func(
        mut self,
        f: impl Fn(Instant, Instant, Duration) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.has_expired = Some(Box::new(f));
        self
    }

    fn lock(&self) -> MutexGuard<'_, State<K>> {
        // Entries are replaced whole; a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key's current backoff, zero if it has none. Mirrors `Get`.
    pub fn get(&self, id: &K) -> Duration {
        self.lock().entries.get(id).map_or(Duration::ZERO, |e| e.backoff)
    }

    /// Moves the key's backoff to the next step: `initial` (plus jitter) for a new or expired key,
    /// otherwise double (plus jitter) capped at `max`. Mirrors `Next(id, eventTime)`.
    pub fn next(&self, id: &K, event_time: Instant) {
        let now = self.clock.now();
        let mut state = self.lock();
        let current = state
            .entries
            .get(id)
            .filter(|e| !self.has_expired(event_time, e.last_update))
            .map(|e| e.backoff);
        let backoff = match current {
            None => {
                let jitter = self.jitter(&mut state.rng, self.initial);
                self.initial.saturating_add(jitter)
            }
            Some(prev) => {
                let jitter = self.jitter(&mut state.rng, prev);
                prev.saturating_mul(2).saturating_add(jitter).min(self.max)
            }
        };
        let entry = Entry {
            backoff,
            last_update: now,
        };
        match state.entries.get_mut(id) {
            Some(e) => *e = entry,
            None => {
                state.entries.insert(id.clone(), entry);
            }
        }
    }

    /// Forgets the key, so its next step starts from `initial`. Mirrors `Reset` and `DeleteEntry`.
    pub fn reset(&self, id: &K) {
        self.lock().entries.remove(id);
    }

    /// True if less than the key's backoff has passed since `event_time`. Mirrors `IsInBackOffSince`.
    pub fn is_in_backoff_since(&self, id: &K, event_time: Instant) -> bool {
        let now = self.clock.now();
        let state = self.lock();
        match state.entries.get(id) {
            Some(e) if !self.has_expired(event_time, e.last_update) => {
                now.saturating_duration_since(event_time) < e.backoff
            }
            _ => false,
        }
    }

    /// True if `event_time` falls within the key's backoff window counted from its last update.
    /// Mirrors `IsInBackOffSinceUpdate`.
    pub fn is_in_backoff_since_update(&self, id: &K, event_time: Instant) -> bool {
        let state = self.lock();
        match state.entries.get(id) {
            Some(e) if !self.has_expired(event_time, e.last_update) => {
                event_time.saturating_duration_since(e.last_update) < e.backoff
            }
            _ => false,
        }
    }

    /// Drops every key not updated for more than twice `max`. Call it periodically. Mirrors `GC`.
    pub fn gc(&self) {
        let now = self.clock.now();
        let mut state = self.lock();
        state.entries.retain(|_, e| !self.has_expired(now, e.last_update));
    }

    /// Number of keys currently tracked.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A key is considered stable again once `2 * max` passed since its last update, unless a
    /// [`has_expired_func`](Self::has_expired_func) decides.
    fn has_expired(&self, event_time: Instant, last_update: Instant) -> bool {
        if let Some(f) = &self.has_expired {
            return f(event_time, last_update, self.max);
        }
        event_time.saturating_duration_since(last_update) > self.max.saturating_mul(2)
    }

    fn jitter(&self, rng: &mut fastrand::Rng, delay: Duration) -> Duration {
        if self.max_jitter_factor == 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(rng.f64() * self.max_jitter_factor * delay.as_secs_f64())
            .unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    //! Cases beyond client-go's `backoff_test.go`, whose cases are ported in `tests/backoff.rs`.
    use super::*;
    use crate::FakeClock;

    fn fake(initial: u64, max: u64) -> (FakeClock, Backoff<String>) {
        let clock = FakeClock::new();
        let b = Backoff::new(Duration::from_secs(initial), Duration::from_secs(max))
            .clock(Arc::new(clock.clone()));
        (clock, b)
    }

    #[test]
    fn backoff_restarts_after_twice_max_without_updates() {
        let (clock, b) = fake(1, 4);
        let id = "pod".to_string();
        b.next(&id, clock.now());
        b.next(&id, clock.now());
        assert_eq!(b.get(&id), Duration::from_secs(2));
        clock.advance(Duration::from_secs(9));
        b.next(&id, clock.now());
        assert_eq!(b.get(&id), Duration::from_secs(1));
    }

    /// A custom expiry (client-go's `HasExpiredFunc`) replaces the `2 * max` rule, for stepping
    /// and for `gc`.
    #[test]
    fn a_custom_expiry_replaces_the_twice_max_rule() {
        let (clock, b) = fake(1, 4);
        let b = b.has_expired_func(|event_time, last_update, max| {
            event_time.saturating_duration_since(last_update) > max.saturating_mul(10)
        });
        let id = "pod".to_string();
        b.next(&id, clock.now());
        b.next(&id, clock.now());
        clock.advance(Duration::from_secs(9));
        b.next(&id, clock.now());
        assert_eq!(
            b.get(&id),
            Duration::from_secs(4),
            "9 s is not past 10 * max: it keeps doubling"
        );
        b.gc();
        assert_eq!(b.len(), 1);
        clock.advance(Duration::from_secs(41));
        b.gc();
        assert!(b.is_empty(), "past 10 * max the entry is collected");
        b.next(&id, clock.now());
        assert_eq!(b.get(&id), Duration::from_secs(1));
    }

    #[test]
    fn is_in_backoff_since_tracks_the_window() {
        let (clock, b) = fake(2, 10);
        let id = "pod".to_string();
        let t = clock.now();
        assert!(!b.is_in_backoff_since(&id, t));
        b.next(&id, t);
        assert!(b.is_in_backoff_since(&id, t));
        assert!(b.is_in_backoff_since_update(&id, t + Duration::from_secs(1)));
        clock.advance(Duration::from_secs(2));
        assert!(!b.is_in_backoff_since(&id, t));
        assert!(!b.is_in_backoff_since_update(&id, t + Duration::from_secs(2)));
    }

    #[test]
    fn gc_drops_stale_entries_and_reset_forgets() {
        let (clock, b) = fake(1, 2);
        b.next(&"a".to_string(), clock.now());
        clock.advance(Duration::from_secs(3));
        b.next(&"b".to_string(), clock.now());
        clock.advance(Duration::from_secs(2));
        b.gc();
        assert_eq!(b.len(), 1);
        assert_eq!(b.get(&"a".to_string()), Duration::ZERO);
        b.reset(&"b".to_string());
        assert!(b.is_empty());
    }
}
