//! The flowcontrol error type.

use std::time::Duration;

/// Errors from building or waiting on a rate limiter.
///
/// Mirrors the errors of client-go `flowcontrol.NewTokenBucketRateLimiter` (which panics or silently
/// misbehaves on bad input in Go) and of `rate.Limiter.Wait` ("would exceed context deadline").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configured queries-per-second is not a finite number greater than zero.
    #[error("invalid rate limiter qps {qps}: must be a finite number greater than zero")]
    InvalidQps {
        /// The rejected value.
        qps: f64,
    },
    /// The configured burst is zero, so no request could ever be admitted.
    #[error("invalid rate limiter burst 0: must be at least 1")]
    InvalidBurst,
    /// Waiting for a token would take longer than the caller's deadline allows; no token was taken.
    #[error("rate limiter wait of {wait:?} would exceed the deadline")]
    WouldExceedDeadline {
        /// How long the caller would have had to wait.
        wait: Duration,
    },
}

impl Error {
    /// True when a wait was refused because it would pass the caller's deadline
    /// (client-go's `Wait(ctx)` returning a deadline error).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::WouldExceedDeadline { .. })
    }

    /// True when the limiter configuration (qps or burst) was rejected.
    pub fn is_invalid_config(&self) -> bool {
        matches!(self, Error::InvalidQps { .. } | Error::InvalidBurst)
    }
}
