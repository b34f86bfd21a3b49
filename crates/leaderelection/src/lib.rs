//! Leader election: only one replica of a controller acts at a time.
//!
//! Mirrors client-go `tools/leaderelection` with its `resourcelock.LeaseLock`: candidates race
//! to hold a `coordination.k8s.io/v1` Lease, the holder renews it every retry period, and the
//! others take over once it has not changed for a whole lease duration *as they observed it*
//! (their own clock, never the timestamps written in the lease, so clock skew between
//! replicas does not matter).
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod leader_election;
mod resource_lock;

pub use leader_election::{
    Callbacks, ConfigError, HealthError, LeaderElectionConfig, LeaderElector, JITTER_FACTOR,
};
pub use resource_lock::{LeaderElectionRecord, LeaseLock};
pub use tokio_util::sync::CancellationToken;
