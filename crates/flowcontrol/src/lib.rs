//! Flow control for clientgo: an injectable [`Clock`], a token-bucket rate limiter and per-key
//! exponential [`Backoff`], and one loop's retry delays ([`BackoffManager`]).
//!
//! Mirrors client-go `util/flowcontrol` (`throttle.go`, `backoff.go`) and the token-bucket arithmetic of
//! `golang.org/x/time/rate`, which client-go's limiter wraps.
//!
//! The arithmetic is sans-IO: [`TokenBucket`] takes `now` and returns reservations and deadlines, so
//! it is tested with plain unit and property tests. [`TokenBucketRateLimiter`] is the thin shared
//! wrapper that reads a [`Clock`] and sleeps on it. Time always comes in through a [`Clock`]:
//! [`RealClock`] in production and [`FakeClock`] in tests, whose sleeps complete when the test
//! advances it, so delay tests are deterministic and fast.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod backoff;
mod backoff_manager;
mod clock;
mod error;
mod fake_clock;
mod rate;
mod throttle;

pub use backoff::Backoff;
pub use backoff_manager::BackoffManager;
pub use clock::{saturating_add, Clock, RealClock, Sleep};
pub use error::Error;
pub use fake_clock::FakeClock;
pub use rate::{Reservation, TokenBucket};
pub use throttle::TokenBucketRateLimiter;
