//! The waiting pop, the bounded writer and the collected relist, driven by hand-polled futures
//! (a counting waker shows when a future is woken) instead of a runtime.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures_util::task::{waker, ArcWake};
use futures_util::FutureExt as _;

use super::*;
use crate::cache::Cache;
use crate::delta::DeltaObject;
use crate::delta_fifo::DeltaFifo;
use crate::key::meta_namespace_key_func;
use crate::real_fifo::RealFifo;
use crate::store::KnownObjects;
use crate::store::Store;
use crate::test_util::{pod, Obj};
use clientgo_apimachinery::Object;

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl ArcWake for CountingWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn delta_queue() -> AsyncQueue<Obj, DeltaFifo<Obj>> {
    AsyncQueue::new(DeltaFifo::new(meta_namespace_key_func))
}

fn real_queue(known: &Arc<Cache<Obj>>) -> AsyncQueue<Obj, RealFifo<Obj>> {
    let known: KnownObjects<Obj> = Arc::clone(known) as KnownObjects<Obj>;
    AsyncQueue::new(RealFifo::new(meta_namespace_key_func, known))
}

fn accept(_: &Deltas<Obj>, _: bool) -> Result<(), ProcessError<Infallible>> {
    Ok(())
}

/// `Type name rv` of every delta of a popped item.
fn describe(d: &Deltas<Obj>) -> Vec<String> {
    d.iter()
        .map(|delta| match &delta.object {
            DeltaObject::Object(o) => {
                format!("{:?} {} {}", delta.delta_type, o.name(), o.resource_version())
            }
            DeltaObject::DeletedFinalStateUnknown(t) => format!("{:?} tombstone {}", delta.delta_type, t.key),
        })
        .collect()
}

/// Pops without waiting.
fn pop_now<Q: Queue<Obj>>(q: &AsyncQueue<Obj, Q>) -> Option<Vec<String>> {
    q.pop(accept)
        .now_or_never()
        .expect("an item is queued")
        .map(|r| describe(&r.unwrap_or_else(|e| match e {})))
}

#[test]
fn pop_sleeps_until_a_write_wakes_it() {
    let q = delta_queue();
    let counter = Arc::new(CountingWaker::default());
    let w = waker(Arc::clone(&counter));
    let mut cx = Context::from_waker(&w);
    let mut pop = pin!(q.pop(accept));
    assert!(pop.as_mut().poll(&mut cx).is_pending(), "nothing queued");
    assert!(pop.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        counter.wakes(),
        0,
        "an idle pop is not woken: no polling, no spinning"
    );

    ReflectorStore::add(&q, pod("ns", "a", "1"))
        .now_or_never()
        .expect("room in the queue")
        .expect("valid key");
    assert_eq!(counter.wakes(), 1, "the write woke the waiting pop");
    match pop.as_mut().poll(&mut cx) {
        Poll::Ready(Some(Ok(d))) => assert_eq!(describe(&d), ["Added a 1"]),
        other => panic!("expected the added item, got {:?}", other.map(|o| o.is_some())),
    }
    assert!(q.is_empty());
}

#[test]
fn close_wakes_a_waiting_pop_which_returns_none() {
    let q = delta_queue();
    let counter = Arc::new(CountingWaker::default());
    let w = waker(Arc::clone(&counter));
    let mut cx = Context::from_waker(&w);
    let mut pop = pin!(q.pop(accept));
    assert!(pop.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(counter.wakes(), 1);
    assert!(matches!(pop.as_mut().poll(&mut cx), Poll::Ready(None)));
    assert!(q.is_closed());
}

#[test]
fn a_closed_queue_is_drained_before_pop_returns_none() {
    let q = delta_queue();
    ReflectorStore::add(&q, pod("ns", "a", "1"))
        .now_or_never()
        .expect("room")
        .expect("key");
    q.close();
    assert_eq!(pop_now(&q), Some(vec!["Added a 1".to_owned()]));
    assert_eq!(pop_now(&q), None);
    ReflectorStore::add(&q, pod("ns", "b", "1"))
        .now_or_never()
        .expect("a write to a closed queue returns at once")
        .expect("key");
    assert!(q.is_empty(), "and is dropped");
}

#[test]
fn a_full_queue_makes_the_writer_wait_until_a_pop() {
    let q = delta_queue().with_capacity(2);
    for (name, rv) in [("a", "1"), ("a", "2")] {
        ReflectorStore::update(&q, pod("ns", name, rv))
            .now_or_never()
            .expect("room")
            .expect("key");
    }
    assert_eq!(q.len(), 1, "one key ...");
    let counter = Arc::new(CountingWaker::default());
    let w = waker(Arc::clone(&counter));
    let mut cx = Context::from_waker(&w);
    let mut write = pin!(ReflectorStore::add(&q, pod("ns", "b", "1")));
    assert!(
        write.as_mut().poll(&mut cx).is_pending(),
        "... but two deltas: the capacity is reached"
    );
    assert_eq!(counter.wakes(), 0);
    assert_eq!(
        pop_now(&q),
        Some(vec!["Updated a 1".to_owned(), "Updated a 2".to_owned()])
    );
    assert_eq!(counter.wakes(), 1, "the pop made room and woke the writer");
    assert!(matches!(write.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(pop_now(&q), Some(vec!["Added b 1".to_owned()]));
}

#[test]
fn closing_releases_a_waiting_writer() {
    let q = delta_queue().with_capacity(1);
    ReflectorStore::add(&q, pod("ns", "a", "1"))
        .now_or_never()
        .expect("room")
        .expect("key");
    let counter = Arc::new(CountingWaker::default());
    let w = waker(Arc::clone(&counter));
    let mut cx = Context::from_waker(&w);
    let mut write = pin!(ReflectorStore::add(&q, pod("ns", "b", "1")));
    assert!(write.as_mut().poll(&mut cx).is_pending());
    q.close();
    assert_eq!(counter.wakes(), 1);
    assert!(matches!(write.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(q.len(), 1, "the write to the closed queue was dropped");
}

#[test]
fn a_requeued_item_stays_queued() {
    let q = delta_queue();
    ReflectorStore::add(&q, pod("ns", "a", "1"))
        .now_or_never()
        .expect("room")
        .expect("key");
    let r = q
        .pop(|_, _| Err(ProcessError::Requeue("busy")))
        .now_or_never()
        .expect("queued");
    assert!(matches!(r, Some(Err("busy"))));
    assert_eq!(pop_now(&q), Some(vec!["Added a 1".to_owned()]));
}

#[test]
fn a_relist_is_collected_then_replaced_with_tombstones_for_what_vanished() {
    let known = Arc::new(Cache::new_store(meta_namespace_key_func));
    for name in ["a", "gone"] {
        known.add(pod("ns", name, "1")).expect("key");
    }
    let q = real_queue(&known);
    let status = SyncStatus::default();
    {
        let mut relist = q.replace();
        for obj in [
            pod("ns", "a", "2"),
            pod("ns", "b", "3"),
            pod("ns", "a", "4"),
            pod("ns", "c", "5"),
        ] {
            relist.add(obj).now_or_never().expect("ready").expect("key");
        }
        relist
            .delete(pod("ns", "b", "6"))
            .now_or_never()
            .expect("ready")
            .expect("key");
        assert!(q.is_empty(), "nothing is queued before the list is complete");
        relist
            .finish("7", &status)
            .now_or_never()
            .expect("ready")
            .expect("keys");
    }
    let mut popped = Vec::new();
    while !q.is_empty() {
        popped.extend(pop_now(&q).expect("queued"));
    }
    assert_eq!(
        popped,
        ["Deleted tombstone ns/gone", "Replaced a 4", "Replaced c 5"],
        "a's newest state once, b forgotten, a tombstone for the known object the list lacks"
    );
    assert!(q.has_synced());
    assert!(
        !status.has_synced(),
        "a listed item was queued: the consumer marks the status once it has processed it"
    );
}

#[test]
fn an_abandoned_relist_queues_nothing() {
    let q = delta_queue();
    let mut relist = q.replace();
    relist
        .add(pod("ns", "a", "1"))
        .now_or_never()
        .expect("ready")
        .expect("key");
    drop(relist);
    assert!(q.is_empty());
    assert!(!q.has_synced());
}

#[test]
fn an_empty_first_relist_marks_the_status_synced_at_once() {
    let q = delta_queue();
    let status = SyncStatus::default();
    q.replace()
        .finish("1", &status)
        .now_or_never()
        .expect("ready")
        .expect("keys");
    assert!(q.has_synced());
    assert!(
        status.has_synced(),
        "nothing to pop, so nobody else would mark it"
    );
}

#[test]
fn resync_queues_sync_deltas_for_known_objects() {
    let known = Arc::new(Cache::new_store(meta_namespace_key_func));
    known.add(pod("ns", "a", "1")).expect("key");
    let q = real_queue(&known);
    ReflectorStore::resync(&q)
        .now_or_never()
        .expect("ready")
        .expect("keys");
    assert_eq!(pop_now(&q), Some(vec!["Sync a 1".to_owned()]));
}
