//! Handlers of a shared informer: a stuck handler holds up nothing, a panicking one keeps
//! receiving, registrations are unique, late changes are refused, and `subscribe` streams what a
//! handler would be told.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::{List, ListMeta, ObjectMeta, WatchEvent};
use clientgo_cache::{
    FnListWatch, HandlerOptions, Indexers, InformerError, Notification, ResourceEventHandlerFuncs,
    SharedIndexInformer, Store, WatchStream,
};
use futures_util::StreamExt;

fn cm(name: &str, rv: u64) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: Some(rv.to_string().into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

fn list_of(items: Vec<ConfigMap>, rv: u64) -> List<ConfigMap> {
    List {
        metadata: ListMeta {
            resource_version: Some(rv.to_string()),
            ..ListMeta::default()
        },
        items,
        ..List::default()
    }
}

/// A source listing `objects` objects `o0000..` at rv 1 whose first watch plays `events` and then
/// stays open; later watches stay open and silent.
fn source(objects: usize, events: Vec<WatchEvent<ConfigMap>>) -> FnListWatch<ConfigMap> {
    let events = Arc::new(Mutex::new(Some(events)));
    FnListWatch::new(
        move |_| {
            let items = (0..objects).map(|i| cm(&format!("o{i:04}"), 1)).collect();
            Box::pin(async move { Ok(list_of(items, 1)) })
        },
        move |_| {
            let evs = events.lock().unwrap().take().unwrap_or_default();
            Box::pin(async move {
                Ok(futures_util::stream::iter(evs.into_iter().map(Ok))
                    .chain(futures_util::stream::pending())
                    .boxed() as WatchStream<ConfigMap>)
            })
        },
    )
    .without_watch_list()
}

fn rv(o: &ConfigMap) -> u64 {
    o.metadata.resource_version.as_deref().unwrap().parse().unwrap()
}

/// Waits (real time, bounded) until `done`.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The acceptance test: one handler is stuck while 100,000 updates of 1,000 objects
/// arrive. The store and the other handler stay current (the other handler may coalesce too, if
/// it falls a mailbox behind the in-memory source; it ends at every object's last state), and the stuck handler's backlog never
/// exceeds the number of objects; once released it catches up to the final state of every
/// object, each object's updates chained (every `old` is the `new` it saw before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_handler_holds_up_neither_the_store_nor_the_other_handlers() {
    const OBJECTS: usize = 1_000;
    const UPDATES: u64 = 100_000;
    let events: Vec<_> = (0..UPDATES)
        .map(|i| WatchEvent::Modified(cm(&format!("o{:04}", i % OBJECTS as u64), i + 2)))
        .collect();
    let final_rv = |i: usize| {
        // The last update of object i.
        let last = (0..UPDATES)
            .rev()
            .find(|u| u % OBJECTS as u64 == i as u64)
            .unwrap();
        last + 2
    };
    let informer = SharedIndexInformer::builder(source(OBJECTS, events))
        .handler_buffer(256)
        .build();

    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let stuck_seen: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(vec![0; OBJECTS]));
    let chain_broken = Arc::new(AtomicUsize::new(0));
    let (s1, s2, broken) = (
        Arc::clone(&stuck_seen),
        Arc::clone(&stuck_seen),
        Arc::clone(&chain_broken),
    );
    let stuck = informer
        .add_event_handler_with_options(
            ResourceEventHandlerFuncs::default()
                .on_add(move |o: &Arc<ConfigMap>, _| {
                    // Stuck on its first notification until the test lets it go.
                    let _ = gate.lock().unwrap().recv();
                    let i: usize = o.metadata.name.as_deref().unwrap()[1..].parse().unwrap();
                    s1.lock().unwrap()[i] = rv(o);
                })
                .on_update(move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
                    let i: usize = new.metadata.name.as_deref().unwrap()[1..].parse().unwrap();
                    let mut seen = s2.lock().unwrap();
                    if seen[i] != rv(old) {
                        broken.fetch_add(1, Ordering::SeqCst);
                    }
                    seen[i] = rv(new);
                }),
            // It blocks: a thread of its own.
            HandlerOptions::default().name("stuck").dedicated_thread(),
        )
        .unwrap();
    let fast_seen: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(vec![0; OBJECTS]));
    let (f1, f2) = (Arc::clone(&fast_seen), Arc::clone(&fast_seen));
    let see = |seen: &Mutex<Vec<u64>>, o: &ConfigMap| {
        let i: usize = o.metadata.name.as_deref().unwrap()[1..].parse().unwrap();
        seen.lock().unwrap()[i] = rv(o);
    };
    // Adds too: if this handler falls a mailbox behind, an object's updates merge into its add.
    let fast = informer
        .add_event_handler(
            ResourceEventHandlerFuncs::default()
                .on_add(move |o: &Arc<ConfigMap>, _| see(&f1, o))
                .on_update(move |_, new: &Arc<ConfigMap>| see(&f2, new)),
        )
        .unwrap();
    let task = tokio::spawn(informer.clone().run());

    eventually("the other handler to see the last update of every object", || {
        let seen = fast_seen.lock().unwrap();
        (0..OBJECTS).all(|i| seen[i] == final_rv(i))
    })
    .await;
    let store_current = (0..OBJECTS).all(|i| {
        informer
            .indexer()
            .get_by_key(&format!("default/o{i:04}"))
            .is_some_and(|o| rv(&o) == final_rv(i))
    });
    assert!(store_current, "the store is current while a handler is stuck");
    let stats = stuck.stats();
    println!("stuck handler while the updates arrived: {stats:?}");
    assert!(stats.lagging, "the stuck handler is reported as lagging");
    assert!(
        stats.max_pending <= OBJECTS,
        "the stuck handler's backlog stays within the number of objects: {}",
        stats.max_pending
    );
    assert!(
        !stuck.has_synced(),
        "the stuck handler has not handled its initial list"
    );
    assert!(fast.has_synced());

    release.send(()).unwrap();
    drop(release);
    eventually("the stuck handler to catch up", || {
        let seen = stuck_seen.lock().unwrap();
        (0..OBJECTS).all(|i| seen[i] == final_rv(i))
    })
    .await;
    assert_eq!(
        chain_broken.load(Ordering::SeqCst),
        0,
        "each update's old is the state seen before"
    );
    eventually("the stuck handler to be synced", || stuck.has_synced()).await;
    let stats = stuck.stats();
    println!("stuck handler after catching up: {stats:?}");
    assert!(!stats.lagging);
    assert!(stats.coalesced > 0);
    informer.stop();
    task.await.unwrap();
}

/// A handler that panics is logged under its name and keeps receiving: it sees every later
/// notification, and the informer's other handlers are not disturbed. client-go's listener
/// recovers the panic (`utilruntime.HandleCrash` in `processorListener.run`) the same way.
#[tokio::test(start_paused = true)]
async fn a_panicking_handler_keeps_receiving() {
    let events = (0..10)
        .map(|i| WatchEvent::Modified(cm("o0000", i + 2)))
        .collect();
    let informer = SharedIndexInformer::new(source(1, events), None, Indexers::namespace());
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let reg = informer
        .add_event_handler_with_options(
            ResourceEventHandlerFuncs::default().on_update(move |_, new: &Arc<ConfigMap>| {
                c.fetch_add(1, Ordering::SeqCst);
                assert!(rv(new) % 2 == 1, "even versions make this handler panic");
            }),
            HandlerOptions::default().name("fragile"),
        )
        .unwrap();
    assert_eq!(reg.name(), "fragile");
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    eventually("every update to reach the fragile handler", || {
        calls.load(Ordering::SeqCst) == 10
    })
    .await;
    assert_eq!(reg.stats().panics, 5);
    assert_eq!(reg.stats().delivered, 11, "the add and ten updates");
    informer.stop();
    task.await.unwrap();
}

/// Registration ids are unique across informers: informer B does not remove informer A's
/// handler when handed A's registration. client-go compares listener pointers, unique too.
#[tokio::test]
async fn a_registration_of_one_informer_removes_nothing_from_another() {
    let a = SharedIndexInformer::new(source(0, vec![]), None, Indexers::new());
    let b = SharedIndexInformer::new(source(0, vec![]), None, Indexers::new());
    let ra = a.add_event_handler(ResourceEventHandlerFuncs::default()).unwrap();
    let rb = b.add_event_handler(ResourceEventHandlerFuncs::default()).unwrap();
    assert_ne!(ra, rb);
    assert!(!b.remove_event_handler(&ra), "B does not know A's handler");
    assert!(b.remove_event_handler(&rb));
    assert!(a.remove_event_handler(&ra));
}

/// The changes client-go refuses on a started or stopped informer are refused with a typed
/// error: `SetTransform` and `AddIndexers` once started, `AddEventHandler` once stopped.
#[tokio::test(start_paused = true)]
async fn late_changes_are_refused_with_typed_errors() {
    let informer = SharedIndexInformer::new(source(1, vec![]), None, Indexers::new());
    informer.set_transform(Arc::new(|o| o)).expect("before run");
    informer.add_indexers(Indexers::namespace()).expect("before run");
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    assert!(matches!(
        informer.set_transform(Arc::new(|o| o)),
        Err(InformerError::AlreadyStarted { .. })
    ));
    let err = informer.add_indexers(Indexers::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the informer has already started: indexers must be set before it runs"
    );
    informer
        .add_event_handler(ResourceEventHandlerFuncs::default())
        .expect("a running informer takes handlers");
    informer.stop();
    task.await.unwrap();
    assert!(informer.is_stopped());
    assert_eq!(
        informer.add_event_handler(ResourceEventHandlerFuncs::default()),
        Err(InformerError::Stopped)
    );
    assert!(informer.subscribe(HandlerOptions::default()).is_err());
}

/// `subscribe` streams what a handler added at that moment would be told: the cache replayed as
/// adds of the initial list, then each change; dropping the subscription removes it.
#[tokio::test(start_paused = true)]
async fn a_subscription_streams_the_replay_then_the_changes() {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<WatchEvent<ConfigMap>>();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let lw = FnListWatch::new(
        |_| Box::pin(async { Ok(list_of(vec![cm("a", 1), cm("b", 1)], 1)) }),
        move |_| {
            let rx = rx.lock().unwrap().take();
            Box::pin(async move {
                Ok(match rx {
                    Some(rx) => futures_util::stream::unfold(rx, |mut rx| async move {
                        rx.recv().await.map(|ev| (Ok(ev), rx))
                    })
                    .boxed() as WatchStream<ConfigMap>,
                    None => futures_util::stream::pending().boxed(),
                })
            })
        },
    )
    .without_watch_list();
    let informer = SharedIndexInformer::new(lw, None, Indexers::new());
    let task = tokio::spawn(informer.clone().run());
    assert!(informer.wait_for_cache_sync().await);
    let mut subscription = informer.subscribe(HandlerOptions::default()).unwrap();
    let mut replayed = Vec::new();
    for _ in 0..2 {
        match subscription.next().await {
            Some(Notification::Add {
                obj,
                is_in_initial_list: true,
            }) => replayed.push(obj.metadata.name.as_deref().unwrap().to_owned()),
            other => panic!("expected a replayed add, got {other:?}"),
        }
    }
    replayed.sort();
    assert_eq!(replayed, ["a", "b"]);
    tx.send(WatchEvent::Modified(cm("a", 2))).unwrap();
    match subscription.next().await {
        Some(Notification::Update { old, new }) => assert_eq!((rv(&old), rv(&new)), (1, 2)),
        other => panic!("expected an update, got {other:?}"),
    }
    // Pulling the next item says the replay has been handled.
    tx.send(WatchEvent::Deleted(cm("b", 3))).unwrap();
    assert!(matches!(subscription.next().await, Some(Notification::Delete(_))));
    assert!(subscription.registration().has_synced());
    let registration = subscription.registration().clone();
    drop(subscription);
    assert!(
        !informer.remove_event_handler(&registration),
        "dropping removed it"
    );
    informer.stop();
    task.await.unwrap();
}
