//! client-go's `resourcelock/leaselock_test.go` (and `TestLeaseSpecToLeaderElectionRecordRoundTrip`
//! of `leaderelection_test.go`), against the embedded server instead of a fake clientset.
//!
//! Not ported: `TestGet`'s check of the raw record bytes (`Get` returns the record only; the
//! elector compares records, not their JSON).

use clientgo_api::events::v1::Event;
use clientgo_apimachinery::{MicroTime, StringMap};
use clientgo_apiserver::ApiServer;
use clientgo_client::{GetOptions, ListOptions, WriteOptions};
use clientgo_record::{BroadcasterOptions, EventBroadcaster};

use super::{LeaderElectionRecord, LeaseLock, LockError};
use crate::test_support::{clientset, leases, server, LEASE, NAMESPACE};

const IDENTITY: &str = "test-identity";

fn test_record() -> LeaderElectionRecord {
    let now = MicroTime::now();
    LeaderElectionRecord {
        holder_identity: IDENTITY.to_owned(),
        lease_duration_seconds: 15,
        acquire_time: Some(now),
        renew_time: Some(now),
        leader_transitions: 1,
        preferred_holder: "preferred-holder".to_owned(),
        strategy: "strategy".to_owned(),
    }
}

fn lock(server: &ApiServer) -> LeaseLock {
    LeaseLock::new(leases(server, IDENTITY), LEASE, IDENTITY)
}

fn labels(pairs: &[(&str, &str)]) -> StringMap {
    pairs.iter().copied().collect()
}

#[tokio::test]
async fn test_get_error() {
    let server = server().await;
    let err = lock(&server).get().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(matches!(err, LockError::Api { .. }));
}

#[tokio::test]
async fn test_get() {
    let server = server().await;
    let lock = lock(&server);
    lock.create(&test_record()).await.unwrap();
    let got = lock.get().await.unwrap();
    assert_eq!(got, test_record_with_times(&got));
}

/// The test record with `got`'s timestamps (the server keeps microseconds).
fn test_record_with_times(got: &LeaderElectionRecord) -> LeaderElectionRecord {
    LeaderElectionRecord {
        acquire_time: got.acquire_time,
        renew_time: got.renew_time,
        ..test_record()
    }
}

#[tokio::test]
async fn test_record_event_success() {
    let server = server().await;
    let broadcaster = EventBroadcaster::new(&clientset(&server, "events"), BroadcasterOptions::default());
    let lock = lock(&server).event_recorder(broadcaster.new_recorder("leader-election-test", IDENTITY));
    lock.create(&test_record()).await.unwrap();
    lock.record_event("test event");
    broadcaster.shutdown().await;
    let events = clientset(&server, "check")
        .resource::<Event>(Some(NAMESPACE))
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    let regarding = e.regarding.as_ref().expect("the event is about the lease");
    assert_eq!(e.note.as_deref(), Some("test-identity test event"));
    assert_eq!(e.reason.as_deref(), Some("LeaderElection"));
    assert_eq!(e.type_.as_deref(), Some("Normal"));
    assert_eq!(regarding.kind.as_deref(), Some("Lease"));
    assert_eq!(regarding.api_version.as_deref(), Some("coordination.k8s.io/v1"));
    assert_eq!(regarding.name.as_deref(), Some(LEASE));
}

#[tokio::test]
async fn test_record_event_nil_recorder() {
    let server = server().await;
    let lock = lock(&server);
    lock.create(&test_record()).await.unwrap();
    lock.record_event("should not panic");
}

#[tokio::test]
async fn test_create_error() {
    let server = server().await;
    let lock = lock(&server);
    lock.create(&test_record()).await.unwrap();
    let err = lock.create(&test_record()).await.unwrap_err();
    assert!(err.is_already_exists(), "{err}");
}

#[tokio::test]
async fn test_update_error() {
    let server = server().await;
    let err = lock(&server).update(&test_record()).await.unwrap_err();
    assert!(matches!(err, LockError::NotInitialized { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "lease default/bar not initialized: get or create it first"
    );
    assert!(server.faults().clients().requests().is_empty(), "no request sent");
}

#[tokio::test]
async fn test_describe() {
    let server = server().await;
    assert_eq!(lock(&server).describe(), format!("{NAMESPACE}/{LEASE}"));
}

#[test]
fn test_lease_conversion() {
    let record = test_record();
    let spec = record.to_lease_spec();
    assert_eq!(spec.holder_identity.as_deref(), Some(IDENTITY));
    assert_eq!(spec.lease_duration_seconds, Some(15));
    assert_eq!(spec.acquire_time, record.acquire_time);
    assert_eq!(spec.renew_time, record.renew_time);
    assert_eq!(spec.lease_transitions, Some(1));
    assert_eq!(spec.preferred_holder.as_deref(), Some("preferred-holder"));
    assert_eq!(spec.strategy.as_deref(), Some("strategy"));
    assert_eq!(LeaderElectionRecord::from_lease_spec(&spec), record);
}

#[test]
fn test_lease_spec_to_leader_election_record_round_trip() {
    let record = LeaderElectionRecord {
        holder_identity: "foo".to_owned(),
        lease_duration_seconds: 10,
        acquire_time: Some(MicroTime::now()),
        renew_time: Some(MicroTime::now()),
        leader_transitions: 1,
        ..LeaderElectionRecord::default()
    };
    let old_spec = record.to_lease_spec();
    let old_record = LeaderElectionRecord::from_lease_spec(&old_spec);
    let new_spec = old_record.to_lease_spec();
    assert_eq!(old_spec, new_spec);
    assert_eq!(LeaderElectionRecord::from_lease_spec(&new_spec), old_record);
    assert_eq!(new_spec.preferred_holder, None, "empty strings are left out");
}

#[tokio::test]
async fn test_update_with_nil_labels() {
    let server = server().await;
    let lock = lock(&server);
    lock.create(&test_record()).await.unwrap();
    lock.get().await.unwrap();
    // Someone else labels the lease; the lock, which sets no labels, keeps theirs.
    let api = leases(&server, "other");
    let mut lease = api.get(LEASE, &GetOptions::default()).await.unwrap();
    lease.metadata.labels = labels(&[("custom-key", "custom-val")]);
    api.update(LEASE, &lease, &WriteOptions::default()).await.unwrap();
    lock.get().await.unwrap();
    lock.update(&test_record()).await.unwrap();
    let lease = api.get(LEASE, &GetOptions::default()).await.unwrap();
    assert_eq!(
        lease.metadata.labels.get("custom-key").map(|v| &**v),
        Some("custom-val")
    );
}

#[tokio::test]
async fn test_label_update() {
    let server = server().await;
    let lock = lock(&server).labels(labels(&[("custom-key", "custom-val")]));
    lock.create(&test_record()).await.unwrap();
    let api = leases(&server, "other");
    let created = api.get(LEASE, &GetOptions::default()).await.unwrap();
    assert_eq!(
        created.metadata.labels.get("custom-key").map(|v| &**v),
        Some("custom-val")
    );
    // Another writer changes the lock's label and adds one of its own.
    let mut lease = created;
    lease.metadata.labels.insert("custom-key", "new-custom-val");
    lease.metadata.labels.insert("custom-key-2", "custom-val-2");
    let lease = api.update(LEASE, &lease, &WriteOptions::default()).await.unwrap();
    assert_eq!(
        lease.metadata.labels.get("custom-key").map(|v| &**v),
        Some("new-custom-val")
    );
    lock.get().await.unwrap();
    lock.update(&test_record()).await.unwrap();
    // The lock's own label is written back; the other label stays.
    let lease = api.get(LEASE, &GetOptions::default()).await.unwrap();
    assert_eq!(
        lease.metadata.labels.get("custom-key").map(|v| &**v),
        Some("custom-val")
    );
    assert_eq!(
        lease.metadata.labels.get("custom-key-2").map(|v| &**v),
        Some("custom-val-2")
    );
}
