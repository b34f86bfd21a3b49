//! The health check that fails when a leader has stopped renewing (a stuck leader).

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use crate::leader_election::{HealthError, Inner, LeaderElector};

/// A health check for a process that campaigns for leadership: healthy while it does not lead,
/// or leads and renewed within the lease duration plus a timeout; failing once a leader has not
/// renewed for longer, so a liveness probe restarts a leader that is stuck (deadlocked, or its
/// renewals never return) instead of letting it think it still leads.
///
/// Cheap to clone (shared). Mirrors client-go `leaderelection.HealthzAdaptor`
/// (`NewLeaderHealthzAdaptor`, `Name`, `Check`, `SetLeaderElection`). It holds the elector
/// weakly: an adaptor in the elector's own configuration ([`crate::LeaderElectionConfig::watch_dog`])
/// does not keep the elector alive, and reports healthy once the elector is gone.
#[derive(Debug, Clone)]
#[doc(alias = "HealthzAdaptor")]
pub struct LeaderHealthzAdaptor {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    timeout: Duration,
    elector: Mutex<Option<Weak<Inner>>>,
}

impl LeaderHealthzAdaptor {
    /// An adaptor tolerating `timeout` past the lease duration; it reports healthy until an
    /// elector is set. Mirrors `NewLeaderHealthzAdaptor`.
    #[doc(alias = "NewLeaderHealthzAdaptor")]
    pub fn new(timeout: Duration) -> Self {
        LeaderHealthzAdaptor {
            shared: Arc::new(Shared {
                timeout,
                elector: Mutex::new(None),
            }),
        }
    }

    /// The check's name, `leaderElection`. Mirrors `Name`.
    pub fn name(&self) -> &'static str {
        "leaderElection"
    }

    /// The tolerated time past the lease duration.
    pub fn timeout(&self) -> Duration {
        self.shared.timeout
    }

    /// Ties the adaptor to `elector`. Mirrors `SetLeaderElection`.
    pub fn set_leader_election(&self, elector: &LeaderElector) {
        *self.slot() = Some(elector.downgrade());
    }

    /// Whether an elector is tied to the adaptor (and still alive).
    pub fn has_leader_election(&self) -> bool {
        self.elector().is_some()
    }

    /// Healthy (`Ok`) without an elector, while not leading, or while the last renewal is
    /// recent enough. Mirrors `Check`.
    ///
    /// # Errors
    /// [`HealthError`] when the elector leads but has not renewed within the lease duration
    /// plus the timeout.
    pub fn check(&self) -> Result<(), HealthError> {
        match self.elector() {
            Some(elector) => elector.check(self.shared.timeout),
            None => Ok(()),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Weak<Inner>>> {
        self.shared.elector.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn elector(&self) -> Option<LeaderElector> {
        self.slot().as_ref().and_then(LeaderElector::upgrade)
    }
}

#[cfg(test)]
mod tests {
    //! client-go's `healthzadaptor_test.go`. client-go's fake lock is the real Lease lock here,
    //! pointed at an address nothing listens on: the check never talks to the server.

    use std::sync::Arc;
    use std::time::Duration;

    use clientgo_flowcontrol::{Clock, FakeClock};
    use tokio_util::sync::CancellationToken;

    use super::LeaderHealthzAdaptor;
    use crate::{Callbacks, LeaderElectionConfig, LeaderElectionRecord, LeaderElector, LeaseLock};

    fn elector(clock: &FakeClock, adaptor: &LeaderHealthzAdaptor) -> LeaderElector {
        let rest = clientgo_rest::Config::new("http://127.0.0.1:1");
        let api = clientgo_client::Clientset::new(&rest)
            .unwrap()
            .coordination_v1()
            .leases("default");
        let config = LeaderElectionConfig::new(
            LeaseLock::new(api, "foo", "healthTest"),
            Callbacks::new(|_t: CancellationToken| async {}, || {}),
        )
        .lease_duration(Duration::from_secs(60))
        .name("foo")
        .clock(Arc::new(clock.clone()))
        .watch_dog(adaptor.clone());
        LeaderElector::new(config).unwrap()
    }

    fn held_by(holder: &str) -> LeaderElectionRecord {
        LeaderElectionRecord {
            holder_identity: holder.to_owned(),
            ..LeaderElectionRecord::default()
        }
    }

    /// `TestLeaderElectionHealthChecker`: (case, holder, time since the observation, healthy).
    #[test]
    fn test_leader_election_health_checker() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let _g = rt.enter();
        let adaptor = LeaderHealthzAdaptor::new(Duration::from_secs(20));
        assert_eq!(adaptor.name(), "leaderElection");
        assert!(!adaptor.has_leader_election());
        assert!(
            adaptor.check().is_ok(),
            "call check before leader elector initialized"
        );
        let hour = Duration::from_secs(3600);
        let cases = [
            (
                "call check when the lease is far expired",
                "healthTest",
                hour,
                false,
            ),
            (
                "call check when the lease is far expired but held by another server",
                "otherServer",
                hour,
                true,
            ),
            (
                "call check when the lease is not expired",
                "healthTest",
                Duration::ZERO,
                true,
            ),
            (
                "call check when the lease is expired but inside the timeout",
                "healthTest",
                Duration::from_secs(61),
                true,
            ),
        ];
        for (name, holder, since, healthy) in cases {
            let adaptor = LeaderHealthzAdaptor::new(Duration::from_secs(20));
            let clock = FakeClock::new();
            let le = elector(&clock, &adaptor);
            assert!(
                adaptor.has_leader_election(),
                "{name}: adaptor failed to set the elector"
            );
            le.observe_at(held_by(holder), clock.now());
            clock.advance(since);
            match adaptor.check() {
                Ok(()) => assert!(healthy, "{name}: healthy"),
                Err(e) => {
                    assert!(!healthy, "{name}: {e}");
                    assert!(
                        e.to_string()
                            .starts_with("failed election to renew leadership on lease foo"),
                        "{name}: {e}"
                    );
                    assert_eq!(e.since, since, "{name}");
                    assert_eq!(e.limit, Duration::from_secs(80), "{name}");
                }
            }
        }
    }

    #[test]
    fn an_adaptor_outliving_its_elector_reports_healthy() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let _g = rt.enter();
        let adaptor = LeaderHealthzAdaptor::new(Duration::ZERO);
        let clock = FakeClock::new();
        let le = elector(&clock, &adaptor);
        le.observe_at(held_by("healthTest"), clock.now());
        clock.advance(Duration::from_secs(3600));
        assert!(adaptor.check().is_err());
        drop(le);
        assert!(!adaptor.has_leader_election());
        assert!(adaptor.check().is_ok());
    }
}
