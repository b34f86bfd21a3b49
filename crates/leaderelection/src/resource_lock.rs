//! The Lease lock: reads and writes the election record as a `coordination.k8s.io/v1` Lease.

use std::sync::{Mutex, PoisonError};

use clientgo_api::coordination::v1::{Lease, LeaseSpec};
use clientgo_apimachinery::{MicroTime, ObjectMeta, StringMap};
use clientgo_client::{GetOptions, ResourceClient, WriteOptions};
use clientgo_record::{get_reference, EventRecorder, EventType};

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
    /// The holder a coordinated election's strategy prefers (`""`: none). Kept so a record read
    /// and written back loses nothing.
    pub preferred_holder: String,
    /// The coordinated election strategy (`""`: none).
    pub strategy: String,
}

impl LeaderElectionRecord {
    /// The record a Lease spec holds. Mirrors `LeaseSpecToLeaderElectionRecord`.
    #[doc(alias = "LeaseSpecToLeaderElectionRecord")]
    pub fn from_lease_spec(spec: &LeaseSpec) -> Self {
        let text = |s: Option<&clientgo_apimachinery::SharedStr>| s.map(String::from).unwrap_or_default();
        LeaderElectionRecord {
            holder_identity: text(spec.holder_identity.as_ref()),
            lease_duration_seconds: spec.lease_duration_seconds.unwrap_or_default(),
            acquire_time: spec.acquire_time,
            renew_time: spec.renew_time,
            leader_transitions: spec.lease_transitions.unwrap_or_default(),
            preferred_holder: text(spec.preferred_holder.as_ref()),
            strategy: text(spec.strategy.as_ref()),
        }
    }

    /// The Lease spec holding this record; an empty preferred holder or strategy is left out,
    /// as in client-go. Mirrors `LeaderElectionRecordToLeaseSpec`.
    #[doc(alias = "LeaderElectionRecordToLeaseSpec")]
    pub fn to_lease_spec(&self) -> LeaseSpec {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.into());
        LeaseSpec {
            holder_identity: Some(self.holder_identity.as_str().into()),
            lease_duration_seconds: Some(self.lease_duration_seconds),
            acquire_time: self.acquire_time,
            renew_time: self.renew_time,
            lease_transitions: Some(self.leader_transitions),
            strategy: non_empty(&self.strategy),
            preferred_holder: non_empty(&self.preferred_holder),
        }
    }
}

/// Why a [`LeaseLock`] operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// [`LeaseLock::update`] before the lease was read or created: there is no resourceVersion
    /// to update against. Mirrors client-go's "lease not initialized, call get or create first".
    #[error("lease {lease} not initialized: get or create it first")]
    NotInitialized {
        /// `namespace/name` of the lease.
        lease: String,
    },
    /// The API server refused or did not answer.
    #[error("request for lease {lease} failed")]
    Api {
        /// `namespace/name` of the lease.
        lease: String,
        /// The request's error.
        #[source]
        source: clientgo_rest::Error,
    },
}

impl LockError {
    fn api_error(&self) -> Option<&clientgo_rest::Error> {
        match self {
            LockError::Api { source, .. } => Some(source),
            LockError::NotInitialized { .. } => None,
        }
    }

    /// The lease does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.api_error().is_some_and(clientgo_rest::Error::is_not_found)
    }

    /// Another writer changed the lease since it was read (409 Conflict).
    pub fn is_conflict(&self) -> bool {
        self.api_error().is_some_and(clientgo_rest::Error::is_conflict)
    }

    /// Another candidate created the lease first (409 AlreadyExists).
    pub fn is_already_exists(&self) -> bool {
        self.api_error()
            .is_some_and(clientgo_rest::Error::is_already_exists)
    }
}

/// A lock stored in a Lease `namespace/name`, written by the candidate `identity`.
///
/// Updates carry the resourceVersion of the lease last read or written, so a concurrent
/// writer makes the update fail with 409 Conflict instead of being overwritten (optimistic
/// concurrency). Mirrors client-go `resourcelock.LeaseLock` with its `ResourceLockConfig`
/// (identity and event recorder) and `Labels`.
#[derive(Debug)]
pub struct LeaseLock {
    api: ResourceClient<Lease>,
    name: String,
    identity: String,
    labels: StringMap,
    recorder: Option<EventRecorder>,
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
            labels: StringMap::new(),
            recorder: None,
            last: Mutex::new(None),
        }
    }

    /// Records "became leader" and "stopped leading" as Normal `LeaderElection` events about
    /// the Lease. Mirrors `ResourceLockConfig.EventRecorder`.
    #[must_use]
    pub fn event_recorder(mut self, recorder: EventRecorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Labels the lease carries: set when the lock creates it and written over on every update
    /// (labels set by others are kept). Mirrors `LeaseLock.Labels`.
    #[must_use]
    pub fn labels(mut self, labels: StringMap) -> Self {
        self.labels = labels;
        self
    }

    /// The candidate's identity. Mirrors `Identity()`.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// `namespace/name` of the lease, for logs. Mirrors `Describe()`.
    pub fn describe(&self) -> String {
        format!("{}/{}", self.api.namespace().unwrap_or(""), self.name)
    }

    fn api_error(&self, source: clientgo_rest::Error) -> LockError {
        LockError::Api {
            lease: self.describe(),
            source,
        }
    }

    fn last(&self) -> std::sync::MutexGuard<'_, Option<Lease>> {
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the record, and keeps the lease for the next update. Mirrors `Get`.
    ///
    /// # Errors
    /// [`LockError::Api`] (`is_not_found()` when the lease does not exist yet).
    pub async fn get(&self) -> Result<LeaderElectionRecord, LockError> {
        let lease = self
            .api
            .get(&self.name, &GetOptions::default())
            .await
            .map_err(|e| self.api_error(e))?;
        let record = LeaderElectionRecord::from_lease_spec(&lease.spec);
        *self.last() = Some(lease);
        Ok(record)
    }

    /// Creates the lease holding `record`, with the lock's labels. Mirrors `Create`.
    ///
    /// # Errors
    /// [`LockError::Api`] (`is_already_exists()` when another candidate created it first).
    pub async fn create(&self, record: &LeaderElectionRecord) -> Result<(), LockError> {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.name.as_str().into()),
                labels: self.labels.clone(),
                ..ObjectMeta::default()
            },
            spec: record.to_lease_spec(),
            ..Lease::default()
        };
        let created = self
            .api
            .create(&lease, &WriteOptions::default())
            .await
            .map_err(|e| self.api_error(e))?;
        *self.last() = Some(created);
        Ok(())
    }

    /// Writes `record` over the lease last read or written, failing with 409 Conflict when it
    /// changed since (one request). Mirrors `Update`.
    ///
    /// # Errors
    /// [`LockError::NotInitialized`] before any [`LeaseLock::get`] or [`LeaseLock::create`];
    /// [`LockError::Api`] (`is_conflict()` when another writer changed the lease).
    pub async fn update(&self, record: &LeaderElectionRecord) -> Result<(), LockError> {
        let Some(mut lease) = self.last().clone() else {
            return Err(LockError::NotInitialized {
                lease: self.describe(),
            });
        };
        lease.spec = record.to_lease_spec();
        if !self.labels.is_empty() {
            for (k, v) in &self.labels {
                lease.metadata.labels.insert(k.clone(), v.clone());
            }
        }
        let updated = self
            .api
            .update(&self.name, &lease, &WriteOptions::default())
            .await
            .map_err(|e| self.api_error(e))?;
        *self.last() = Some(updated);
        Ok(())
    }

    /// Records `"<identity> <what>"` as a Normal `LeaderElection` event about the lease, when the
    /// lock has an event recorder (never waits on the server). Mirrors `RecordEvent`.
    pub fn record_event(&self, what: &str) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let subject = Lease {
            metadata: self.last().as_ref().map_or_else(
                || ObjectMeta {
                    name: Some(self.name.as_str().into()),
                    namespace: self.api.namespace().map(Into::into),
                    ..ObjectMeta::default()
                },
                |l| l.metadata.clone(),
            ),
            ..Lease::default()
        };
        recorder.eventf(
            &get_reference(&subject),
            EventType::Normal,
            "LeaderElection",
            format_args!("{} {what}", self.identity),
        );
    }
}

#[cfg(test)]
#[path = "resource_lock_tests.rs"]
mod tests;
