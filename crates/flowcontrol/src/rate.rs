//! Sans-IO token-bucket arithmetic.

use std::time::{Duration, Instant};

use crate::clock::saturating_add;
use crate::error::Error;

/// A token bucket: `burst` tokens of capacity, refilled at `qps` tokens per second, starting full.
///
/// Mirrors `golang.org/x/time/rate.Limiter` (the limiter behind client-go's
/// `flowcontrol.NewTokenBucketRateLimiter` and workqueue's `BucketRateLimiter`), restricted to one
/// token per event. It is sans-IO: every method takes `now`, nothing reads a clock or sleeps, so the
/// same value serves the REST client's limiter, the workqueue's bucket limiter and plain unit tests.
///
/// Tokens may go negative: [`TokenBucket::reserve`] always succeeds and returns when the caller may
/// act, so a burst of reservations is spread out at exactly `qps`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    qps: f64,
    burst: u32,
    tokens: f64,
    /// When `tokens` was last brought up to date.
    last: Instant,
    /// The latest `time_to_act` handed out, used to give tokens back on cancel.
    last_event: Instant,
}

/// One admitted event: when it may act.
///
/// Mirrors `rate.Reservation`. Hand it back to [`TokenBucket::cancel`] if the caller gives up
/// before acting, so the token is returned to the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reservation says when to act; drop it only after acting or cancelling"]
pub struct Reservation {
    time_to_act: Instant,
}

impl Reservation {
    /// The instant at which the reserved event may happen.
    pub fn time_to_act(&self) -> Instant {
        self.time_to_act
    }

    /// How long to wait from `now` before acting (zero if already due). Mirrors
    /// `Reservation.DelayFrom`.
    pub fn delay_from(&self, now: Instant) -> Duration {
        self.time_to_act.saturating_duration_since(now)
    }
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `qps` per second, as of `now`.
    ///
    /// # Errors
    /// [`Error::InvalidQps`] unless `qps` is finite and greater than zero; [`Error::InvalidBurst`] if
    /// `burst` is zero. (Go accepts both and then never admits anything or divides by zero.)
    pub fn new(qps: f64, burst: u32, now: Instant) -> Result<Self, Error> {
        if !qps.is_finite() || qps <= 0.0 {
            return Err(Error::InvalidQps { qps });
        }
        if burst == 0 {
            return Err(Error::InvalidBurst);
        }
        Ok(TokenBucket {
            qps,
            burst,
            tokens: f64::from(burst),
            last: now,
            last_event: now,
        })
    }

    /// Refill rate in tokens per second. Mirrors `Limiter.Limit` / client-go `QPS()`.
    pub fn qps(&self) -> f64 {
        self.qps
    }

    /// Bucket capacity. Mirrors `Limiter.Burst`.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Tokens available at `now` (negative when reservations are queued). Mirrors `Limiter.TokensAt`.
    pub fn tokens_at(&self, now: Instant) -> f64 {
        self.advance(now).1
    }

    /// Takes a token if one is available at `now`. Mirrors `Limiter.Allow` / client-go `TryAccept`.
    pub fn try_take(&mut self, now: Instant) -> bool {
        self.reserve_within(now, Duration::ZERO).is_some()
    }

    /// Reserves the next token, however far in the future it is. Mirrors `Limiter.Reserve`.
    pub fn reserve(&mut self, now: Instant) -> Reservation {
        let (now, tokens) = self.advance(now);
        let tokens = tokens - 1.0;
        let wait = self.duration_from_tokens(-tokens);
        self.commit(now, tokens, saturating_add(now, wait))
    }

    /// Reserves the next token only if it becomes available within `max_wait` of `now`; otherwise
    /// takes nothing and returns `None`. Mirrors `reserveN` with `maxFutureReserve`, which `Wait`
    /// uses to fail fast when the wait would pass the caller's deadline.
    pub fn reserve_within(&mut self, now: Instant, max_wait: Duration) -> Option<Reservation> {
        let (now, tokens) = self.advance(now);
        let tokens = tokens - 1.0;
        let wait = self.duration_from_tokens(-tokens);
        if wait > max_wait {
            return None;
        }
        Some(self.commit(now, tokens, saturating_add(now, wait)))
    }

    /// How long a reservation made at `now` would have to wait, without taking anything.
    pub fn wait_at(&self, now: Instant) -> Duration {
        let (_, tokens) = self.advance(now);
        self.duration_from_tokens(1.0 - tokens)
    }

    /// Gives back the token of a reservation that will not be used, as far as later reservations
    /// allow. Mirrors `Reservation.CancelAt`: a reservation already due at `now` is not refunded, and
    /// tokens that later reservations already counted on stay spent.
    pub fn cancel(&mut self, reservation: Reservation, now: Instant) {
        if reservation.time_to_act < now {
            return;
        }
        let later = self.last_event.saturating_duration_since(reservation.time_to_act);
        let restore = 1.0 - self.tokens_from_duration(later);
        if restore <= 0.0 {
            return;
        }
        let (now, tokens) = self.advance(now);
        self.last = now;
        self.tokens = (tokens + restore).min(f64::from(self.burst));
        if reservation.time_to_act == self.last_event {
            // This was the newest reservation: the previous one acted one token-interval earlier.
            let prev = reservation
                .time_to_act
                .checked_sub(self.duration_from_tokens(1.0))
                .unwrap_or(now);
            if prev >= now {
                self.last_event = prev;
            }
        }
    }

    fn commit(&mut self, now: Instant, tokens: f64, time_to_act: Instant) -> Reservation {
        self.last = now;
        self.tokens = tokens;
        self.last_event = time_to_act;
        Reservation { time_to_act }
    }

    /// Brings the token count up to `now` without mutating: returns (effective now, tokens).
    fn advance(&self, now: Instant) -> (Instant, f64) {
        // A `now` earlier than `last` (callers racing on the same bucket) counts as no time passed.
        let last = if now < self.last { now } else { self.last };
        let elapsed = now.saturating_duration_since(last);
        let tokens = (self.tokens + self.tokens_from_duration(elapsed)).min(f64::from(self.burst));
        (now, tokens)
    }

    fn tokens_from_duration(&self, d: Duration) -> f64 {
        d.as_secs_f64() * self.qps
    }

    fn duration_from_tokens(&self, tokens: f64) -> Duration {
        if tokens <= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(tokens / self.qps).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn bucket_starts_full_and_admits_burst_then_refuses() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(1.0, 10, t0).expect("valid");
        for i in 0..10 {
            assert!(b.try_take(t0), "token {i} of the burst");
        }
        assert!(!b.try_take(t0));
        assert!(!b.try_take(t0 + ms(999)));
        assert!(b.try_take(t0 + ms(1000)));
    }

    #[test]
    fn reservations_past_burst_are_spaced_at_qps() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(2.0, 10, t0).expect("valid");
        let delays: Vec<Duration> = (0..14).map(|_| b.reserve(t0).delay_from(t0)).collect();
        assert!(delays[..10].iter().all(Duration::is_zero));
        assert_eq!(&delays[10..], &[ms(500), ms(1000), ms(1500), ms(2000)]);
    }

    #[test]
    fn tokens_never_exceed_burst_after_long_idle() {
        let t0 = Instant::now();
        let b = TokenBucket::new(100.0, 5, t0).expect("valid");
        assert_eq!(b.tokens_at(t0 + Duration::from_secs(3600)), 5.0);
    }

    #[test]
    fn reserve_within_refuses_without_taking_a_token() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(1.0, 1, t0).expect("valid");
        assert!(b.reserve_within(t0, Duration::ZERO).is_some());
        assert!(b.reserve_within(t0, ms(999)).is_none());
        assert_eq!(b.tokens_at(t0), 0.0);
        let r = b.reserve_within(t0, ms(1000)).expect("fits in 1s");
        assert_eq!(r.delay_from(t0), ms(1000));
    }

    #[test]
    fn cancel_returns_the_newest_reservations_token() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(1.0, 1, t0).expect("valid");
        let _first = b.reserve(t0);
        let second = b.reserve(t0);
        assert_eq!(second.delay_from(t0), ms(1000));
        b.cancel(second, t0);
        // The next reservation gets the slot the cancelled one had.
        assert_eq!(b.reserve(t0).delay_from(t0), ms(1000));
    }

    #[test]
    fn invalid_qps_and_burst_are_rejected_with_clear_errors() {
        let t0 = Instant::now();
        for qps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = TokenBucket::new(qps, 1, t0).expect_err("rejected");
            assert!(err.is_invalid_config());
            assert!(err.to_string().contains("qps"), "{err}");
        }
        assert_eq!(TokenBucket::new(1.0, 0, t0).unwrap_err(), Error::InvalidBurst);
    }

    proptest! {
        /// Over any window, admitted events never exceed burst + qps * window.
        #[test]
        fn admitted_never_exceed_burst_plus_rate(
            qps in 0.5f64..1000.0,
            burst in 1u32..50,
            steps in proptest::collection::vec(0u64..50, 1..300),
        ) {
            let t0 = Instant::now();
            let mut b = TokenBucket::new(qps, burst, t0).expect("valid");
            let mut now = t0;
            let mut admitted = 0u64;
            for step in steps {
                now += Duration::from_millis(step);
                if b.try_take(now) {
                    admitted += 1;
                }
            }
            let window = now.duration_since(t0).as_secs_f64();
            prop_assert!(admitted as f64 <= f64::from(burst) + qps * window + 1e-6);
        }
    }
}
