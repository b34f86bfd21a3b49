//! The elector: acquire, renew, release, and tell the callbacks.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use clientgo_apimachinery::MicroTime;
use clientgo_rest::ErrorReport;
use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, LeaderElectionConfig};
use crate::resource_lock::LeaderElectionRecord;

/// How many times a release writes the Lease when its writes conflict. client-go's
/// `retry.DefaultRetry` steps.
const RELEASE_ATTEMPTS: usize = 5;

/// Why [`LeaderElector::check`] reports unhealthy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed election to renew leadership on lease {lease}: last renewed {since:?} ago, beyond {limit:?}")]
pub struct HealthError {
    /// The configured name, or `namespace/name` of the lease when none was given.
    pub lease: String,
    /// Time since the record was last observed.
    pub since: Duration,
    /// Lease duration plus the tolerated expiry.
    pub limit: Duration,
}

struct Observed {
    record: LeaderElectionRecord,
    /// When we (by our clock) last saw the record change: expiry counts from here, never from
    /// the timestamps in the record, so other replicas' clocks do not matter.
    time: Instant,
    reported_leader: String,
}

pub(crate) struct Inner {
    config: LeaderElectionConfig,
    observed: Mutex<Observed>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("lock", &self.config.lock.describe())
            .finish_non_exhaustive()
    }
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

fn seconds(secs: i32) -> Duration {
    Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

impl LeaderElector {
    /// Validates `config` as client-go's `NewLeaderElector` does, and ties its watch dog (if
    /// any) to the new elector.
    ///
    /// # Errors
    /// [`ConfigError`] naming the offending setting.
    pub fn new(config: LeaderElectionConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let now = config.clock.now();
        let elector = LeaderElector {
            inner: Arc::new(Inner {
                config,
                observed: Mutex::new(Observed {
                    record: LeaderElectionRecord::default(),
                    time: now,
                    reported_leader: String::new(),
                }),
            }),
        };
        if let Some(adaptor) = &elector.config().watch_dog {
            adaptor.set_leader_election(&elector);
        }
        Ok(elector)
    }

    pub(crate) fn downgrade(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(|inner| LeaderElector { inner })
    }

    fn config(&self) -> &LeaderElectionConfig {
        &self.inner.config
    }

    fn with_observed<R>(&self, f: impl FnOnce(&mut Observed) -> R) -> R {
        let mut g = self.inner.observed.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut g)
    }

    /// Takes `record` as the latest, observed now. Mirrors `setObservedRecord`.
    fn set_observed(&self, record: LeaderElectionRecord) {
        let now = self.config().clock.now();
        self.with_observed(|o| {
            o.record = record;
            o.time = now;
        });
    }

    /// Sets what the elector last observed, and when (tests start from a given observation).
    #[cfg(test)]
    pub(crate) fn observe_at(&self, record: LeaderElectionRecord, time: Instant) {
        self.with_observed(|o| {
            o.record = record;
            o.time = time;
        });
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
            let name = &self.config().name;
            return Err(HealthError {
                lease: if name.is_empty() {
                    self.config().lock.describe()
                } else {
                    name.clone()
                },
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
    ///
    /// Cancelling interrupts a request in flight (as client-go's context does), so `run`
    /// returns promptly even while the API server hangs; only the release, bounded by the
    /// renew deadline, may still talk to it.
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

    /// One attempt, abandoned when `cancel` fires.
    async fn try_or_cancel(&self, cancel: &CancellationToken) -> Option<bool> {
        tokio::select! {
            ok = self.try_acquire_or_renew() => Some(ok),
            () = cancel.cancelled() => None,
        }
    }

    async fn acquire(&self, cancel: &CancellationToken) -> bool {
        let desc = self.config().lock.describe();
        tracing::info!(lease = %desc, identity = self.config().lock.identity(), "attempting to acquire leader lease");
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let Some(ok) = self.try_or_cancel(cancel).await else {
                return false;
            };
            self.maybe_report_transition();
            if ok {
                self.config().lock.record_event("became leader");
                tracing::info!(lease = %desc, "successfully acquired lease");
                return true;
            }
            tracing::debug!(lease = %desc, "failed to acquire lease");
            if !self.sleep_or_cancel(self.config().retry_period, cancel).await {
                return false;
            }
        }
    }

    async fn renew(&self, cancel: &CancellationToken) {
        let clock = &self.config().clock;
        loop {
            if cancel.is_cancelled() {
                break;
            }
            let deadline = clock.now() + self.config().renew_deadline;
            let renewed = self.renew_until(deadline, cancel).await;
            self.maybe_report_transition();
            if !renewed {
                if !cancel.is_cancelled() {
                    tracing::info!(lease = %self.config().lock.describe(), "failed to renew lease: stopping leading");
                }
                break;
            }
            if !self.sleep_or_cancel(self.config().retry_period, cancel).await {
                break;
            }
        }
        self.config().lock.record_event("stopped leading");
    }

    /// Tries to renew every retry period until a try succeeds (true), or the deadline passes
    /// or `cancel` fires (false). A try still in flight at the deadline is abandoned: a hung
    /// API server cannot keep a leader leading. Mirrors `renew`'s `PollUntilContextTimeout`.
    async fn renew_until(&self, deadline: Instant, cancel: &CancellationToken) -> bool {
        let clock = &self.config().clock;
        loop {
            let attempt = tokio::select! {
                ok = self.try_or_cancel(cancel) => ok,
                () = clock.sleep_until(deadline) => None,
            };
            match attempt {
                Some(true) => return true,
                None => return false,
                Some(false) => {}
            }
            let now = clock.now();
            if now >= deadline {
                return false;
            }
            let pause = self.config().retry_period.min(deadline - now);
            if !self.sleep_or_cancel(pause, cancel).await || clock.now() >= deadline {
                return false;
            }
        }
    }

    /// Clears the lock if we hold it, within the renew deadline. Mirrors `release`.
    pub(crate) async fn release(&self) -> bool {
        if !self.is_leader() {
            return true;
        }
        let clock = &self.config().clock;
        tokio::select! {
            released = self.release_attempts() => released,
            () = clock.sleep(self.config().renew_deadline) => {
                tracing::error!(lease = %self.config().lock.describe(), "failed to release lock: no answer within the renew deadline");
                false
            }
        }
    }

    /// Writes the released record over the one held; on a conflict reads the Lease and, if it
    /// still names us, writes again (nothing to release when it names someone else).
    async fn release_attempts(&self) -> bool {
        let lock = &self.config().lock;
        let now = MicroTime::now();
        let mut record = LeaderElectionRecord {
            lease_duration_seconds: 1,
            acquire_time: Some(now),
            renew_time: Some(now),
            leader_transitions: self.with_observed(|o| o.record.leader_transitions),
            ..LeaderElectionRecord::default()
        };
        for _ in 0..RELEASE_ATTEMPTS {
            match lock.update(&record).await {
                Ok(()) => {
                    self.set_observed(record);
                    return true;
                }
                Err(e) if e.is_conflict() => {
                    tracing::info!(lease = %lock.describe(), "lease changed since it was read: reading it before releasing again");
                }
                Err(e) => {
                    tracing::error!(error = %ErrorReport::new(&e), "failed to release lock");
                    return false;
                }
            }
            let latest = match lock.get().await {
                Ok(latest) => latest,
                Err(e) => {
                    tracing::error!(error = %ErrorReport::new(&e), "failed to release lock");
                    return false;
                }
            };
            if latest.holder_identity != lock.identity() {
                self.set_observed(latest);
                return true;
            }
            record.leader_transitions = latest.leader_transitions;
        }
        tracing::error!(lease = %lock.describe(), attempts = RELEASE_ATTEMPTS, "failed to release lock: every write conflicted");
        false
    }

    /// The record we hold, when we lead and our lease has not expired by our clock. Mirrors
    /// the `IsLeader() && isLeaseValid(now)` test of the fast path.
    fn held_record(&self, now: Instant) -> Option<LeaderElectionRecord> {
        let me = self.config().lock.identity();
        self.with_observed(|o| {
            let valid = o.time + seconds(o.record.lease_duration_seconds) > now;
            (o.record.holder_identity == me && valid).then(|| o.record.clone())
        })
    }

    /// One attempt. Mirrors `tryAcquireOrRenew`: a leader whose lease is still valid writes over
    /// the record it holds (one request, the fast path) and reads the Lease only when that
    /// write fails; anyone else reads the Lease, then creates it or takes it over once expired.
    pub(crate) async fn try_acquire_or_renew(&self) -> bool {
        let lock = &self.config().lock;
        let clock = &self.config().clock;
        let now = MicroTime::now();
        let duration_secs = i32::try_from(self.config().lease_duration.as_secs()).unwrap_or(i32::MAX);
        let mut record = LeaderElectionRecord {
            holder_identity: lock.identity().to_owned(),
            lease_duration_seconds: duration_secs,
            acquire_time: Some(now),
            renew_time: Some(now),
            ..LeaderElectionRecord::default()
        };

        // 1. The fast path: we lead and hold the latest record.
        if let Some(held) = self.held_record(clock.now()) {
            record.acquire_time = held.acquire_time;
            record.leader_transitions = held.leader_transitions;
            match lock.update(&record).await {
                Ok(()) => {
                    self.set_observed(record);
                    return true;
                }
                Err(e) => {
                    tracing::warn!(error = %ErrorReport::new(&e), "failed to update lock optimistically, falling back to slow path");
                }
            }
        }

        // 2. Read the record, or create it.
        let old = match lock.get().await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => {
                if let Err(e) = lock.create(&record).await {
                    tracing::error!(error = %ErrorReport::new(&e), "error initially creating leader election record");
                    return false;
                }
                self.set_observed(record);
                return true;
            }
            Err(e) => {
                tracing::error!(error = %ErrorReport::new(&e), "error retrieving resource lock");
                return false;
            }
        };

        // 3. Is it held by someone else, and not expired by our clock?
        let t = clock.now();
        let me = lock.identity();
        let (held_by_other, leader) = self.with_observed(|o| {
            if o.record != old {
                o.record = old.clone();
                o.time = t;
            }
            let valid = o.time + seconds(old.lease_duration_seconds) > t;
            let leader = o.record.holder_identity == me;
            (!old.holder_identity.is_empty() && valid && !leader, leader)
        });
        if held_by_other {
            tracing::debug!(holder = %old.holder_identity, "lock is held and has not yet expired");
            return false;
        }

        // 4. Take it over (or renew it after a failed fast path).
        if leader {
            record.acquire_time = old.acquire_time;
            record.leader_transitions = old.leader_transitions;
        } else {
            record.leader_transitions = old.leader_transitions.saturating_add(1);
        }
        if let Err(e) = lock.update(&record).await {
            // 409 when someone else wrote first: optimistic concurrency, we simply lost.
            tracing::error!(error = %ErrorReport::new(&e), "failed to update lock");
            return false;
        }
        self.set_observed(record);
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

#[cfg(test)]
#[path = "leader_election_tests.rs"]
mod tests;
