//! Leader election: only one replica of a controller acts at a time.
//!
//! Mirrors client-go `tools/leaderelection` with its `resourcelock.LeaseLock`: candidates race
//! to hold a `coordination.k8s.io/v1` Lease, the holder renews it every retry period, and the
//! others take over once it has not changed for a whole lease duration *as they observed it*
//! (their own clock, never the timestamps written in the lease, so clock skew between
//! replicas does not matter).
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod config;
mod healthz_adaptor;
mod leader_election;
mod resource_lock;
#[cfg(test)]
mod test_support;

pub use config::{Callbacks, ConfigError, LeaderElectionConfig, JITTER_FACTOR};
pub use healthz_adaptor::LeaderHealthzAdaptor;
pub use leader_election::{HealthError, LeaderElector};
pub use resource_lock::{LeaderElectionRecord, LeaseLock, LockError};
pub use tokio_util::sync::CancellationToken;
