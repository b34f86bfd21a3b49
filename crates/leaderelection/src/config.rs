//! What an elector is told: the lock, the timings, the callbacks, and their validation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_flowcontrol::{Clock, RealClock};
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::healthz_adaptor::LeaderHealthzAdaptor;
use crate::resource_lock::LeaseLock;

/// How much the renew deadline must exceed the retry period. Mirrors client-go `JitterFactor`.
pub const JITTER_FACTOR: f64 = 1.2;

/// Why a [`LeaderElectionConfig`] was refused. Mirrors `NewLeaderElector`'s validation, checked
/// in the same order.
///
/// client-go also refuses a missing lock or callback; here both are required by the types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `lease_duration` is not greater than `renew_deadline`.
    #[error("leaseDuration ({lease_duration:?}) must be greater than renewDeadline ({renew_deadline:?})")]
    LeaseNotLongerThanDeadline {
        /// The lease duration given.
        lease_duration: Duration,
        /// The renew deadline given.
        renew_deadline: Duration,
    },
    /// `renew_deadline` is not greater than `JITTER_FACTOR * retry_period`.
    #[error("renewDeadline ({renew_deadline:?}) must be greater than retryPeriod*JitterFactor ({retry_period:?} * 1.2)")]
    DeadlineNotLongerThanRetry {
        /// The renew deadline given.
        renew_deadline: Duration,
        /// The retry period given.
        retry_period: Duration,
    },
    /// A duration is zero (`leaseDuration`, `renewDeadline` or `retryPeriod`).
    #[error("{0} must be greater than zero")]
    NotPositive(&'static str),
    /// The lock's identity is empty.
    #[error("lock identity is empty")]
    EmptyIdentity,
}

type Started = Arc<dyn Fn(CancellationToken) -> BoxFuture<'static, ()> + Send + Sync>;
type Stopped = Arc<dyn Fn() + Send + Sync>;
type NewLeader = Arc<dyn Fn(&str) + Send + Sync>;

/// What the elector calls. Mirrors client-go `LeaderCallbacks`.
#[derive(Clone)]
pub struct Callbacks {
    pub(crate) started: Started,
    pub(crate) stopped: Stopped,
    pub(crate) new_leader: Option<NewLeader>,
}

impl fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("on_new_leader", &self.new_leader.is_some())
            .finish_non_exhaustive()
    }
}

impl Callbacks {
    /// `on_started_leading(token)` runs as its own task once the lock is acquired; the token is
    /// cancelled when leadership is lost or the elector is cancelled. `on_stopped_leading()`
    /// runs when [`crate::LeaderElector::run`] ends (also when it never led), as in client-go.
    pub fn new<F, Fut>(on_started_leading: F, on_stopped_leading: impl Fn() + Send + Sync + 'static) -> Self
    where
        F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        Callbacks {
            started: Arc::new(move |t| Box::pin(on_started_leading(t))),
            stopped: Arc::new(on_stopped_leading),
            new_leader: None,
        }
    }

    /// Called with the new holder's identity whenever the observed leader changes
    /// (including to ourselves). Mirrors `OnNewLeader`.
    #[must_use]
    pub fn on_new_leader(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.new_leader = Some(Arc::new(f));
        self
    }
}

/// An elector's configuration. Mirrors client-go `LeaderElectionConfig`; the defaults are the
/// usual 15 s lease, 10 s renew deadline and 2 s retry period.
#[derive(Debug)]
pub struct LeaderElectionConfig {
    pub(crate) lock: LeaseLock,
    pub(crate) callbacks: Callbacks,
    pub(crate) lease_duration: Duration,
    pub(crate) renew_deadline: Duration,
    pub(crate) retry_period: Duration,
    pub(crate) release_on_cancel: bool,
    pub(crate) name: String,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) watch_dog: Option<LeaderHealthzAdaptor>,
}

impl LeaderElectionConfig {
    /// A configuration with the defaults.
    pub fn new(lock: LeaseLock, callbacks: Callbacks) -> Self {
        LeaderElectionConfig {
            lock,
            callbacks,
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
            release_on_cancel: false,
            name: String::new(),
            clock: Arc::new(RealClock),
            watch_dog: None,
        }
    }

    /// How long non-leaders wait after the last observed change before taking over. The
    /// Lease records it in whole seconds, as client-go does.
    #[must_use]
    pub fn lease_duration(mut self, d: Duration) -> Self {
        self.lease_duration = d;
        self
    }

    /// How long the leader keeps retrying a failed renewal before it stops leading; a renewal
    /// request still in flight at the deadline is abandoned.
    #[must_use]
    pub fn renew_deadline(mut self, d: Duration) -> Self {
        self.renew_deadline = d;
        self
    }

    /// The period between attempts to acquire or renew (any positive duration, as in
    /// client-go).
    #[must_use]
    pub fn retry_period(mut self, d: Duration) -> Self {
        self.retry_period = d;
        self
    }

    /// On cancellation the leader clears the lock (empty holder, lease duration 1 s) so another
    /// candidate takes over at once instead of after a lease duration. Mirrors
    /// `ReleaseOnCancel`; the callbacks' token is cancelled before the release.
    ///
    /// Unlike client-go 1.36, which reads the Lease before every release (two requests), the
    /// release writes over the record it holds (one request) and reads the Lease only when that
    /// write conflicts, then writes again if the Lease still names this candidate (at most five
    /// writes, client-go's `retry.DefaultRetry` count), all within the renew deadline. The
    /// outcome is client-go's: the Lease is free at once.
    #[must_use]
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// A name for logs and the health check's error. Mirrors `Name`.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The clock deciding expiry and pacing (a fake one in tests).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The health check to tie to the elector once it is built. Mirrors `WatchDog`, which
    /// client-go's `RunOrDie` ties; here [`crate::LeaderElector::new`] does.
    #[must_use]
    pub fn watch_dog(mut self, adaptor: LeaderHealthzAdaptor) -> Self {
        self.watch_dog = Some(adaptor);
        self
    }

    /// Checks the timings and the identity as `NewLeaderElector` does.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let (lease, deadline, retry) = (self.lease_duration, self.renew_deadline, self.retry_period);
        if lease <= deadline {
            return Err(ConfigError::LeaseNotLongerThanDeadline {
                lease_duration: lease,
                renew_deadline: deadline,
            });
        }
        if within_jitter(deadline, retry) {
            return Err(ConfigError::DeadlineNotLongerThanRetry {
                renew_deadline: deadline,
                retry_period: retry,
            });
        }
        for (name, d) in [
            ("leaseDuration", lease),
            ("renewDeadline", deadline),
            ("retryPeriod", retry),
        ] {
            if d.is_zero() {
                return Err(ConfigError::NotPositive(name));
            }
        }
        if self.lock.identity().is_empty() {
            return Err(ConfigError::EmptyIdentity);
        }
        Ok(())
    }
}

/// Whether `deadline <= JITTER_FACTOR * retry`, with the product computed as Go's
/// `time.Duration(JitterFactor*float64(retry))`: nanoseconds as a float, truncated. Compared as
/// floats, exact for durations under 2^53 ns (104 days).
fn within_jitter(deadline: Duration, retry: Duration) -> bool {
    let jittered = (JITTER_FACTOR * nanos(retry)).trunc();
    nanos(deadline) <= jittered
}

fn nanos(d: Duration) -> f64 {
    f64::from(d.subsec_nanos()) + 1e9 * d.as_secs_f64().trunc()
}
