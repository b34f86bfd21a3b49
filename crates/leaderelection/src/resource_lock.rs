//! The Lease lock: reads and writes the election record as a `coordination.k8s.io/v1` Lease.

use std::sync::Mutex;

use clientgo_api::coordination::v1::{Lease, LeaseSpec};
use clientgo_apimachinery::{MicroTime, ObjectMeta};
use clientgo_client::{GetOptions, ResourceClient, WriteOptions};

/// The election state every candidate reads and the holder writes.
///
/// Mirrors client-go `resourcelock.LeaderElectionRecord`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaderElectionRecord {
    /// Who holds the lock (`""`: nobody, e.g. after a release).
    pub holder_identity: String,
    /// How long the holder's claim lasts without renewal, in seconds.
    pub lease_duration_seconds: i32,
    /// When the holder acquired the lock (informational: wall clock of the writer).
    pub acquire_time: Option<MicroTime>,
    /// When the holder last renewed (informational: wall clock of the writer).
    pub renew_time: Option<MicroTime>,
    /// How many times the lock changed hands.
    pub leader_transitions: i32,
}

impl LeaderElectionRecord {
    fn from_spec(spec: &LeaseSpec) -> Self {
        LeaderElectionRecord {
            holder_identity: spec.holder_identity.clone().unwrap_or_default().into(),
            lease_duration_seconds: spec.lease_duration_seconds.unwrap_or_default(),
            acquire_time: spec.acquire_time,
            renew_time: spec.renew_time,
            leader_transitions: spec.lease_transitions.unwrap_or_default(),
        }
    }

    fn to_spec(&self, spec: &mut LeaseSpec) {
        spec.holder_identity = Some(self.holder_identity.as_str().into());
        spec.lease_duration_seconds = Some(self.lease_duration_seconds);
        spec.acquire_time = self.acquire_time;
        spec.renew_time = self.renew_time;
        spec.lease_transitions = Some(self.leader_transitions);
    }
}

/// A lock stored in a Lease `namespace/name`, written by the candidate `identity`.
///
/// Updates carry the resourceVersion of the lease last read or written, so a concurrent
/// writer makes the update fail with 409 Conflict instead of being overwritten (optimistic
/// concurrency). Mirrors client-go `resourcelock.LeaseLock`.
#[derive(Debug)]
pub struct LeaseLock {
    api: ResourceClient<Lease>,
    name: String,
    identity: String,
    last: Mutex<Option<Lease>>,
}

impl LeaseLock {
    /// A lock on the lease `name` reached through `api` (a namespaced lease client, e.g.
    /// `clientset.coordination_v1().leases("kube-system")`), held as `identity`.
    pub fn new(api: ResourceClient<Lease>, name: impl Into<String>, identity: impl Into<String>) -> Self {
        LeaseLock {
            api,
            name: name.into(),
            identity: identity.into(),
            last: Mutex::new(None),
        }
    }

    /// The candidate's identity. Mirrors `Identity()`.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// `namespace/name` of the lease, for logs. Mirrors `Describe()`.
    pub fn describe(&self) -> String {
        format!("{}/{}", self.api.namespace().unwrap_or(""), self.name)
    }

    fn remember(&self, lease: Lease) {
        if let Ok(mut g) = self.last.lock() {
            *g = Some(lease);
        }
    }

    /// Reads the record. Mirrors `Get`.
    ///
    /// # Errors
    /// The API error (`is_not_found()` when the lease does not exist yet).
    pub async fn get(&self) -> Result<LeaderElectionRecord, clientgo_rest::Error> {
        let lease = self.api.get(&self.name, &GetOptions::default()).await?;
        let record = LeaderElectionRecord::from_spec(&lease.spec);
        self.remember(lease);
        Ok(record)
    }

    /// Creates the lease holding `record`. Mirrors `Create`.
    ///
    /// # Errors
    /// The API error (`AlreadyExists` when another candidate created it first).
    pub async fn create(&self, record: &LeaderElectionRecord) -> Result<(), clientgo_rest::Error> {
        let mut lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.name.as_str().into()),
                ..ObjectMeta::default()
            },
            ..Lease::default()
        };
        record.to_spec(&mut lease.spec);
        let created = self.api.create(&lease, &WriteOptions::default()).await?;
        self.remember(created);
        Ok(())
    }

    /// Writes `record` over the lease last read, failing with 409 Conflict when it changed since.
    /// Mirrors `Update`.
    ///
    /// # Errors
    /// The API error; [`clientgo_rest::Error`] `is_not_found()` style errors when never read.
    pub async fn update(&self, record: &LeaderElectionRecord) -> Result<(), clientgo_rest::Error> {
        let last = self.last.lock().ok().and_then(|g| g.clone());
        let Some(mut lease) = last else {
            // Never read: read it now, so the update still carries a resourceVersion.
            self.get().await?;
            return Box::pin(self.update(record)).await;
        };
        record.to_spec(&mut lease.spec);
        let updated = self
            .api
            .update(&self.name, &lease, &WriteOptions::default())
            .await?;
        self.remember(updated);
        Ok(())
    }
}
