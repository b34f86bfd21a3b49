//! Leader election: only one replica of a controller acts at a time.
//!
//! Mirrors client-go `tools/leaderelection` with its `resourcelock.LeaseLock`: candidates race
//! to hold a `coordination.k8s.io/v1` Lease, the holder renews it every retry period, and the
//! others take over once it has not changed for a whole lease duration *as they observed it*
//! (their own clock, never the timestamps written in the lease, so clock skew between
//! replicas does not matter).
//!
//! The holder renews with one UPDATE of the record it holds (client-go 1.36's fast path) and
//! gives up leading once renewals have failed for the renew deadline, which is shorter than
//! the lease duration, so it stops before anyone else may start. A [`LeaderHealthzAdaptor`]
//! lets a liveness probe restart a leader that is stuck.
//!
//! ```no_run
//! # async fn demo(clientset: clientgo_client::Clientset) -> Result<(), clientgo_leaderelection::ConfigError> {
//! use std::time::Duration;
//! use clientgo_leaderelection::{
//!     Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaderHealthzAdaptor, LeaseLock,
//! };
//!
//! let lock = LeaseLock::new(clientset.coordination_v1().leases("kube-system"), "my-controller", "pod-0");
//! let callbacks = Callbacks::new(
//!     |leading: CancellationToken| async move { leading.cancelled().await /* work while leading */ },
//!     || println!("stopped leading"),
//! );
//! let healthz = LeaderHealthzAdaptor::new(Duration::from_secs(20));
//! let elector = LeaderElector::new(
//!     LeaderElectionConfig::new(lock, callbacks)
//!         .release_on_cancel(true)
//!         .watch_dog(healthz.clone()),
//! )?;
//! let stop = CancellationToken::new();
//! elector.run(stop).await; // until `stop` is cancelled or leadership is lost
//! # Ok(()) }
//! ```
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
