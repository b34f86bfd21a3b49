//! Rate limiters deciding how long an item waits before it is retried.

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use clientgo_flowcontrol::{Error as FlowcontrolError, TokenBucketRateLimiter};
use foldhash::quality::RandomState;
use hashbrown::hash_table::Entry;
use hashbrown::HashTable;

/// Decides how long an item must wait before it is (re)added, and tracks per-item failures.
///
/// Mirrors client-go `workqueue.RateLimiter` (`default_rate_limiters.go`). Implementations are
/// shared between workers, hence `&self` and `Send + Sync`.
pub trait RateLimiter<T>: Send + Sync {
    /// How long `item` should wait now. For failure-counting limiters this also records a failure.
    fn when(&self, item: &T) -> Duration;
    /// Stops tracking `item` (it succeeded, or was given up on). Does not replace the queue's `done`.
    fn forget(&self, item: &T);
    /// How many failures `item` has had.
    fn num_requeues(&self, item: &T) -> usize;
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Arc<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Box<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}

/// Per-item failure counts, hashing each item once per operation and cloning it only on first
/// failure.
struct FailureCounts<T> {
    hasher: RandomState,
    table: Mutex<HashTable<(T, u32)>>,
}

impl<T: Hash + Eq + Clone> FailureCounts<T> {
    fn new() -> Self {
        FailureCounts {
            hasher: RandomState::default(),
            table: Mutex::new(HashTable::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashTable<(T, u32)>> {
        // Counts are updated in one step; a poisoned lock still holds valid counts.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns the failure count before this call and increments it.
    fn bump(&self, item: &T) -> u32 {
        let hash = self.hasher.hash_one(item);
        let hasher = &self.hasher;
        match self
            .lock()
            .entry(hash, |(k, _)| k == item, |(k, _)| hasher.hash_one(k))
        {
            Entry::Occupied(mut e) => {
                let n = e.get().1;
                e.get_mut().1 = n.saturating_add(1);
                n
            }
            Entry::Vacant(e) => {
                e.insert((item.clone(), 1));
                0
            }
        }
    }

    fn get(&self, item: &T) -> u32 {
        let hash = self.hasher.hash_one(item);
        self.lock().find(hash, |(k, _)| k == item).map_or(0, |&(_, n)| n)
    }

    fn forget(&self, item: &T) {
        let hash = self.hasher.hash_one(item);
        if let Ok(e) = self.lock().find_entry(hash, |(k, _)| k == item) {
            e.remove();
        }
    }
}

/// `base * 2^failures`, capped at `max`: 5 ms, 10 ms, 20 ms, ... for client-go's controller default.
///
/// Mirrors client-go `ItemExponentialFailureRateLimiter`. The exponent is computed in floating point
/// and any overflow returns `max`, so even billions of failures cannot wrap.
pub struct ItemExponentialFailureRateLimiter<T> {
    base: Duration,
    max: Duration,
    failures: FailureCounts<T>,
}

impl<T> fmt::Debug for ItemExponentialFailureRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemExponentialFailureRateLimiter")
            .field("base", &self.base)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl<T: Hash + Eq + Clone> ItemExponentialFailureRateLimiter<T> {
    /// Delays from `base`, doubling per failure, capped at `max`. Mirrors
    /// `NewItemExponentialFailureRateLimiter`.
    pub fn new(base: Duration, max: Duration) -> Self {
        ItemExponentialFailureRateLimiter {
            base,
            max,
            failures: FailureCounts::new(),
        }
    }
}

impl<T: Hash + Eq + Clone + Send> RateLimiter<T> for ItemExponentialFailureRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let exp = self.failures.bump(item);
        // Exact integer arithmetic in nanoseconds; any overflow means "at least max".
        let max_ns = self.max.as_nanos();
        let backoff_ns = 1u128
            .checked_shl(exp)
            .and_then(|factor| self.base.as_nanos().checked_mul(factor));
        match backoff_ns {
            Some(ns) if ns < max_ns => {
                // ns < max_ns, and max is a valid Duration, so the seconds fit in a u64.
                let secs = u64::try_from(ns / 1_000_000_000).unwrap_or(u64::MAX);
                let nanos = u32::try_from(ns % 1_000_000_000).unwrap_or(0);
                Duration::new(secs, nanos)
            }
            _ => self.max,
        }
    }

    fn forget(&self, item: &T) {
        self.failures.forget(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures.get(item) as usize
    }
}

/// `fast` for the first `max_fast_attempts` failures of an item, `slow` after that.
///
/// Mirrors client-go `ItemFastSlowRateLimiter`.
pub struct ItemFastSlowRateLimiter<T> {
    fast: Duration,
    slow: Duration,
    max_fast_attempts: u32,
    failures: FailureCounts<T>,
}

impl<T> fmt::Debug for ItemFastSlowRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemFastSlowRateLimiter")
            .field("fast", &self.fast)
            .field("slow", &self.slow)
            .field("max_fast_attempts", &self.max_fast_attempts)
            .finish_non_exhaustive()
    }
}

impl<T: Hash + Eq + Clone> ItemFastSlowRateLimiter<T> {
    /// Mirrors `NewItemFastSlowRateLimiter(fastDelay, slowDelay, maxFastAttempts)`.
    pub fn new(fast: Duration, slow: Duration, max_fast_attempts: u32) -> Self {
        ItemFastSlowRateLimiter {
            fast,
            slow,
            max_fast_attempts,
            failures: FailureCounts::new(),
        }
    }
}

impl<T: Hash + Eq + Clone + Send> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let failures = self.failures.bump(item).saturating_add(1);
        if failures <= self.max_fast_attempts {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&self, item: &T) {
        self.failures.forget(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures.get(item) as usize
    }
}

/// An overall token bucket shared by all items: `when` reserves the next token and returns its
/// wait. `forget` does nothing and `num_requeues` is always 0.
///
/// Mirrors client-go `BucketRateLimiter{Limiter: rate.NewLimiter(qps, burst)}`.
#[derive(Debug, Clone)]
pub struct BucketRateLimiter {
    limiter: Arc<TokenBucketRateLimiter>,
}

impl BucketRateLimiter {
    /// A bucket of `burst` tokens refilled at `qps` per second, on the real clock.
    ///
    /// # Errors
    /// If `qps` is not finite and positive or `burst` is zero.
    pub fn new(qps: f64, burst: u32) -> Result<Self, FlowcontrolError> {
        Ok(Self::from_limiter(Arc::new(TokenBucketRateLimiter::new(
            qps, burst,
        )?)))
    }

    /// Wraps an existing limiter (for example one on a fake clock, or one shared with other users).
    pub fn from_limiter(limiter: Arc<TokenBucketRateLimiter>) -> Self {
        BucketRateLimiter { limiter }
    }

    /// The underlying token bucket.
    pub fn limiter(&self) -> &Arc<TokenBucketRateLimiter> {
        &self.limiter
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        self.limiter.reserve()
    }
    fn forget(&self, _item: &T) {}
    fn num_requeues(&self, _item: &T) -> usize {
        0
    }
}

/// The longest wait of several limiters; `num_requeues` is their maximum, `forget` forgets in all.
///
/// Mirrors client-go `MaxOfRateLimiter`. Every limiter's `when` is called each time (so each counts
/// the failure), as in Go.
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> fmt::Debug for MaxOfRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxOfRateLimiter")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> MaxOfRateLimiter<T> {
    /// Mirrors `NewMaxOfRateLimiter(limiters...)`.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        MaxOfRateLimiter { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiters
            .iter()
            .map(|l| l.when(item))
            .max()
            .unwrap_or(Duration::ZERO)
    }
    fn forget(&self, item: &T) {
        for l in &self.limiters {
            l.forget(item);
        }
    }
    fn num_requeues(&self, item: &T) -> usize {
        self.limiters
            .iter()
            .map(|l| l.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

/// Caps another limiter's wait at `max_wait`. Mirrors client-go `WithMaxWaitRateLimiter`.
pub struct WithMaxWaitRateLimiter<T> {
    limiter: Box<dyn RateLimiter<T>>,
    max_wait: Duration,
}

impl<T> fmt::Debug for WithMaxWaitRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithMaxWaitRateLimiter")
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl<T> WithMaxWaitRateLimiter<T> {
    /// Mirrors `NewWithMaxWaitRateLimiter(limiter, maxDelay)`.
    pub fn new(limiter: Box<dyn RateLimiter<T>>, max_wait: Duration) -> Self {
        WithMaxWaitRateLimiter { limiter, max_wait }
    }
}

impl<T> RateLimiter<T> for WithMaxWaitRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiter.when(item).min(self.max_wait)
    }
    fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        self.limiter.num_requeues(item)
    }
}

/// client-go's default for controllers: the maximum of per-item exponential backoff (5 ms doubling
/// to 1000 s) and an overall bucket of 10 qps with burst 100. Mirrors `DefaultControllerRateLimiter`.
pub fn default_controller_rate_limiter<T: Hash + Eq + Clone + Send + 'static>() -> MaxOfRateLimiter<T> {
    let bucket =
        BucketRateLimiter::new(10.0, 100).expect("invariant: 10 qps with burst 100 is a valid token bucket");
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        )),
        Box::new(bucket),
    ])
}

/// Per-item exponential backoff from 1 ms to 1000 s. Mirrors `DefaultItemBasedRateLimiter`.
pub fn default_item_based_rate_limiter<T: Hash + Eq + Clone>() -> ItemExponentialFailureRateLimiter<T> {
    ItemExponentialFailureRateLimiter::new(Duration::from_millis(1), Duration::from_secs(1000))
}

#[cfg(test)]
mod tests {
    //! Edge cases beyond client-go's `default_rate_limiters_test.go`, whose cases are ported in
    //! `tests/default_rate_limiters.rs`.
    use super::*;
    use clientgo_flowcontrol::{Clock, FakeClock};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn fake_bucket(qps: f64, burst: u32) -> (FakeClock, BucketRateLimiter) {
        let clock = FakeClock::new();
        let limiter =
            TokenBucketRateLimiter::with_clock(qps, burst, Arc::new(clock.clone()) as Arc<dyn Clock>)
                .expect("valid bucket");
        (clock, BucketRateLimiter::from_limiter(Arc::new(limiter)))
    }

    #[test]
    fn exponential_is_overflow_safe() {
        let (base, max) = (
            Duration::from_secs(u64::MAX / 3),
            Duration::from_secs(u64::MAX / 2),
        );
        let l = ItemExponentialFailureRateLimiter::new(base, max);
        assert_eq!(l.when(&0), base);
        assert_eq!(l.when(&0), max, "2 * base overflows past max");
        for _ in 0..300 {
            assert_eq!(l.when(&0), max, "shifts past 128 bits stay at max");
        }
        let small = ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000));
        for _ in 0..5000 {
            assert!(small.when(&0) <= Duration::from_secs(1000));
        }
        assert_eq!(small.when(&0), Duration::from_secs(1000));
    }

    #[test]
    fn default_item_based_rate_limiter_starts_at_one_millisecond() {
        let l = default_item_based_rate_limiter();
        assert_eq!(l.when(&"x"), ms(1));
        assert_eq!(l.when(&"x"), ms(2));
    }

    #[test]
    fn bucket_forget_is_a_noop_and_num_requeues_is_zero() {
        let (clock, l) = fake_bucket(1.0, 10);
        let delays: Vec<Duration> = (0..12).map(|i| RateLimiter::<u32>::when(&l, &i)).collect();
        assert!(delays[..10].iter().all(Duration::is_zero));
        assert_eq!(&delays[10..], &[ms(1000), ms(2000)]);
        RateLimiter::<u32>::forget(&l, &11);
        assert_eq!(RateLimiter::<u32>::num_requeues(&l, &11), 0);
        clock.advance(Duration::from_secs(3));
        assert_eq!(RateLimiter::<u32>::when(&l, &0), ms(0), "one token refilled");
    }

    #[test]
    fn with_max_wait_caps_the_wait() {
        let l: WithMaxWaitRateLimiter<u8> = WithMaxWaitRateLimiter::new(
            Box::new(ItemExponentialFailureRateLimiter::new(ms(10), ms(10_000))),
            ms(25),
        );
        let delays: Vec<Duration> = (0..3).map(|_| l.when(&1)).collect();
        assert_eq!(delays, vec![ms(10), ms(20), ms(25)]);
        assert_eq!(l.num_requeues(&1), 3);
    }

    #[test]
    fn default_controller_rate_limiter_is_the_max_of_exponential_and_bucket() {
        let l = default_controller_rate_limiter::<u32>();
        assert_eq!(l.when(&0), ms(5));
        assert_eq!(l.when(&0), ms(10));
        assert_eq!(l.num_requeues(&0), 2);
        // 98 more distinct items use up the burst of 100 (with at most a token or two refilled
        // meanwhile); after that the 10 qps bucket dominates the 5 ms exponential.
        for i in 1..=98 {
            assert_eq!(l.when(&i), ms(5));
        }
        let mut waits = Vec::new();
        for i in 99..=110 {
            waits.push(l.when(&i));
        }
        assert!(waits.last().is_some_and(|w| *w >= ms(500)), "{waits:?}");
        l.forget(&0);
        assert_eq!(l.num_requeues(&0), 0);
    }
}
