//! The elector: acquire, renew, release, and tell the callbacks.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clientgo_apimachinery::MicroTime;
use clientgo_flowcontrol::{Clock, RealClock};
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::resource_lock::{LeaderElectionRecord, LeaseLock};

/// How much the renew deadline must exceed the retry period. Mirrors client-go `JitterFactor`.
pub const JITTER_FACTOR: f64 = 1.2;

/// Why a [`LeaderElectionConfig`] was refused. Mirrors `NewLeaderElector`'s validation.
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
    /// A duration is shorter than one second (named).
    #[error("{0} must be at least 1s")]
    TooShort(&'static str),
    /// The lock's identity is empty.
    #[error("lock identity is empty")]
    EmptyIdentity,
}

/// Why [`LeaderElector::check`] reports unhealthy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "failed election to renew leadership on lease {lease}: last observed {since:?} ago, beyond {limit:?}"
)]
pub struct HealthError {
    /// `namespace/name` of the lease.
    pub lease: String,
    /// Time since the record was last observed.
    pub since: Duration,
    /// Lease duration plus the tolerated expiry.
    pub limit: Duration,
}

type Started = Arc<dyn Fn(CancellationToken) -> BoxFuture<'static, ()> + Send + Sync>;
type Stopped = Arc<dyn Fn() + Send + Sync>;
type NewLeader = Arc<dyn Fn(&str) + Send + Sync>;

/// What the elector calls. Mirrors client-go `LeaderCallbacks`.
#[derive(Clone)]
pub struct Callbacks {
    started: Started,
    stopped: Stopped,
    new_leader: Option<NewLeader>,
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
    /// runs when [`LeaderElector::run`] ends (also when it never led), as in client-go.
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
    pub fn on_new_leader(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.new_leader = Some(Arc::new(f));
        self
    }
}

/// An elector's configuration. Mirrors client-go `LeaderElectionConfig`; the defaults are the
/// usual 15 s lease, 10 s renew deadline and 2 s retry period.
#[derive(Debug)]
pub struct LeaderElectionConfig {
    lock: LeaseLock,
    callbacks: Callbacks,
    lease_duration: Duration,
    renew_deadline: Duration,
    retry_period: Duration,
    release_on_cancel: bool,
    name: String,
    clock: Arc<dyn Clock>,
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
        }
    }

    /// How long non-leaders wait after the last observed change before taking over.
    pub fn lease_duration(mut self, d: Duration) -> Self {
        self.lease_duration = d;
        self
    }

    /// How long the leader keeps retrying a failed renewal before it stops leading.
    pub fn renew_deadline(mut self, d: Duration) -> Self {
        self.renew_deadline = d;
        self
    }

    /// The period between attempts to acquire or renew.
    pub fn retry_period(mut self, d: Duration) -> Self {
        self.retry_period = d;
        self
    }

    /// On cancellation the leader clears the lock so another candidate takes over at once
    /// (instead of after a lease duration). Mirrors `ReleaseOnCancel`.
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// A name for logs. Mirrors `Name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The clock deciding expiry and pacing (a fake one in tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

struct Observed {
    record: LeaderElectionRecord,
    /// When we (by our clock) last saw the record change: expiry counts from here, never from
    /// the timestamps in the record, so other replicas' clocks do not matter.
    time: Instant,
    reported_leader: String,
}

struct Inner {
    config: LeaderElectionConfig,
    observed: Mutex<Observed>,
}

/// A candidate for leadership. Cheap to clone (shared).
///
/// Mirrors client-go `LeaderElector` (`NewLeaderElector`, `Run`, `IsLeader`, `GetLeader`,
/// `Check`).
#[derive(Clone)]
pub struct LeaderElector {
    inner: Arc<Inner>,
}

impl fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderElector")
            .field("lock", &self.inner.config.lock.describe())
            .field("identity", &self.inner.config.lock.identity())
            .field("leader", &self.get_leader())
            .finish_non_exhaustive()
    }
}

impl LeaderElector {
    /// Validates `config` as client-go does.
    ///
    /// # Errors
    /// [`ConfigError`] naming the offending setting.
    pub fn new(config: LeaderElectionConfig) -> Result<Self, ConfigError> {
        let (lease, deadline, retry) = (config.lease_duration, config.renew_deadline, config.retry_period);
        if lease <= deadline {
            return Err(ConfigError::LeaseNotLongerThanDeadline {
                lease_duration: lease,
                renew_deadline: deadline,
            });
        }
        if deadline.as_secs_f64() <= JITTER_FACTOR * retry.as_secs_f64() {
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
            if d < Duration::from_secs(1) {
                return Err(ConfigError::TooShort(name));
            }
        }
        if config.lock.identity().is_empty() {
            return Err(ConfigError::EmptyIdentity);
        }
        let now = config.clock.now();
        Ok(LeaderElector {
            inner: Arc::new(Inner {
                config,
                observed: Mutex::new(Observed {
                    record: LeaderElectionRecord::default(),
                    time: now,
                    reported_leader: String::new(),
                }),
            }),
        })
    }

    fn config(&self) -> &LeaderElectionConfig {
        &self.inner.config
    }

    fn with_observed<R>(&self, f: impl FnOnce(&mut Observed) -> R) -> R {
        let mut g = self.inner.observed.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut g)
    }

    /// The identity of the last observed holder (`""`: none). Mirrors `GetLeader`.
    pub fn get_leader(&self) -> String {
        self.with_observed(|o| o.record.holder_identity.clone())
    }

    /// True when the last observed record names us. Mirrors `IsLeader`.
    pub fn is_leader(&self) -> bool {
        let me = self.config().lock.identity();
        self.with_observed(|o| o.record.holder_identity == me)
    }

    /// Health check: fails when we lead but have not renewed for longer than the lease
    /// duration plus `max_tolerable_expired_lease` (a stuck leader). Mirrors `Check`.
    ///
    /// # Errors
    /// [`HealthError`] with the overdue time.
    pub fn check(&self, max_tolerable_expired_lease: Duration) -> Result<(), HealthError> {
        if !self.is_leader() {
            return Ok(());
        }
        let since = self.config().clock.since(self.with_observed(|o| o.time));
        let limit = self.config().lease_duration + max_tolerable_expired_lease;
        if since > limit {
            return Err(HealthError {
                lease: self.config().lock.describe(),
                since,
                limit,
            });
        }
        Ok(())
    }

    /// Campaigns until `cancel` fires: acquires the lock (retrying every retry period), runs
    /// `on_started_leading`, renews until a renewal fails for the renew deadline or `cancel`
    /// fires, then (with `release_on_cancel`) releases the lock and calls
    /// `on_stopped_leading`. Mirrors `Run`.
    pub async fn run(&self, cancel: CancellationToken) {
        if self.acquire(&cancel).await {
            let leading = cancel.child_token();
            tokio::spawn((self.config().callbacks.started)(leading.clone()));
            self.renew(&cancel).await;
            leading.cancel();
            if self.config().release_on_cancel {
                self.release().await;
            }
        }
        (self.config().callbacks.stopped)();
    }

    async fn sleep_or_cancel(&self, d: Duration, cancel: &CancellationToken) -> bool {
        tokio::select! {
            () = self.config().clock.sleep(d) => true,
            () = cancel.cancelled() => false,
        }
    }

    async fn acquire(&self, cancel: &CancellationToken) -> bool {
        let desc = self.config().lock.describe();
        tracing::info!(lease = %desc, identity = self.config().lock.identity(), "attempting to acquire leader lease");
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let ok = self.try_acquire_or_renew().await;
            self.maybe_report_transition();
            if ok {
                tracing::info!(lease = %desc, "successfully acquired lease");
                return true;
            }
            if !self.sleep_or_cancel(self.config().retry_period, cancel).await {
                return false;
            }
        }
    }

    async fn renew(&self, cancel: &CancellationToken) {
        let clock = &self.config().clock;
        loop {
            let deadline = clock.now() + self.config().renew_deadline;
            let renewed = loop {
                if cancel.is_cancelled() {
                    break false;
                }
                if self.try_acquire_or_renew().await {
                    break true;
                }
                if clock.now() >= deadline || !self.sleep_or_cancel(self.config().retry_period, cancel).await
                {
                    break false;
                }
                if clock.now() >= deadline {
                    break false;
                }
            };
            self.maybe_report_transition();
            if !renewed {
                if !cancel.is_cancelled() {
                    tracing::warn!(lease = %self.config().lock.describe(), "failed to renew lease: stopping leading");
                }
                return;
            }
            if !self.sleep_or_cancel(self.config().retry_period, cancel).await {
                return;
            }
        }
    }

    /// Clears the lock if we hold it. Mirrors `release`.
    async fn release(&self) -> bool {
        if !self.is_leader() {
            return true;
        }
        let now = MicroTime::now();
        let record = LeaderElectionRecord {
            holder_identity: String::new(),
            lease_duration_seconds: 1,
            acquire_time: Some(now),
            renew_time: Some(now),
            leader_transitions: self.with_observed(|o| o.record.leader_transitions),
        };
        match self.config().lock.update(&record).await {
            Ok(()) => {
                let t = self.config().clock.now();
                self.with_observed(|o| {
                    o.record = record;
                    o.time = t;
                });
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "failed to release lock");
                false
            }
        }
    }

    /// One attempt. Mirrors `tryAcquireOrRenew`.
    async fn try_acquire_or_renew(&self) -> bool {
        let lock = &self.config().lock;
        let clock = &self.config().clock;
        let now = MicroTime::now();
        let duration_secs = i32::try_from(self.config().lease_duration.as_secs()).unwrap_or(i32::MAX);
        let mut record = LeaderElectionRecord {
            holder_identity: lock.identity().to_owned(),
            lease_duration_seconds: duration_secs,
            acquire_time: Some(now),
            renew_time: Some(now),
            leader_transitions: 0,
        };
        let old = match lock.get().await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => {
                if let Err(e) = lock.create(&record).await {
                    tracing::error!(error = %e, "error initially creating leader election record");
                    return false;
                }
                let t = clock.now();
                self.with_observed(|o| {
                    o.record = record;
                    o.time = t;
                });
                return true;
            }
            Err(e) => {
                tracing::error!(error = %e, lease = %lock.describe(), "error retrieving resource lock");
                return false;
            }
        };
        let t = clock.now();
        let (held_by_other, leader) = self.with_observed(|o| {
            if o.record != old {
                o.record = old.clone();
                o.time = t;
            }
            let valid =
                o.time + Duration::from_secs(u64::try_from(o.record.lease_duration_seconds).unwrap_or(0)) > t;
            let leader = o.record.holder_identity == lock.identity();
            (!o.record.holder_identity.is_empty() && valid && !leader, leader)
        });
        if held_by_other {
            tracing::debug!(holder = %old.holder_identity, "lock is held and has not yet expired");
            return false;
        }
        if leader {
            record.acquire_time = old.acquire_time;
            record.leader_transitions = old.leader_transitions;
        } else {
            record.leader_transitions = old.leader_transitions.saturating_add(1);
        }
        if let Err(e) = lock.update(&record).await {
            // 409 when someone else wrote first: optimistic concurrency, we simply lost.
            tracing::error!(error = %e, "failed to update lock");
            return false;
        }
        let t = clock.now();
        self.with_observed(|o| {
            o.record = record;
            o.time = t;
        });
        true
    }

    fn maybe_report_transition(&self) {
        let changed = self.with_observed(|o| {
            if o.record.holder_identity == o.reported_leader {
                None
            } else {
                o.reported_leader = o.record.holder_identity.clone();
                Some(o.reported_leader.clone())
            }
        });
        if let (Some(leader), Some(cb)) = (changed, &self.config().callbacks.new_leader) {
            cb(&leader);
        }
    }
}
