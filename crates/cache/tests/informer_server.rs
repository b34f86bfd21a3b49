//! Informers, the factory and listers against the embedded API server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientgo_api::core::v1::{ConfigMap, Pod};
use clientgo_apimachinery::labels::Selector;
use clientgo_apimachinery::{GroupVersionKind, Object};
use clientgo_apiserver::ApiServer;
use clientgo_cache::{
    strip_managed_fields, Indexers, ListWatch, ResourceEventHandlerFuncs, SharedIndexInformer,
    SharedInformerFactory, Store,
};
use clientgo_client::{Clientset, DeleteOptions, ListOptions, WriteOptions};
use serde_json::json;

const GUARD: Duration = Duration::from_secs(30);

async fn server() -> (ApiServer, Clientset) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    (server, Clientset::new(&config).unwrap())
}

fn pod(name: &str, app: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"containers": [{"name": "busybox", "image": "busybox"}]}
    }))
    .unwrap()
}

fn rv_map<K: Object>(items: impl IntoIterator<Item = Arc<K>>) -> BTreeMap<String, String> {
    items
        .into_iter()
        .map(|o| {
            (
                format!("{}/{}", o.namespace().unwrap_or(""), o.name()),
                o.resource_version().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factory_shares_informers_and_listers_read_the_cache() {
    let (_server, cs) = server().await;
    for (ns, name, app) in [
        ("default", "web-1", "web"),
        ("default", "db-1", "db"),
        ("kube-public", "web-2", "web"),
    ] {
        cs.core_v1()
            .pods(ns)
            .create(&pod(name, app), &WriteOptions::default())
            .await
            .unwrap();
    }
    let factory =
        SharedInformerFactory::new(cs.clone(), None).with_custom_resync::<Pod>(Duration::from_secs(60));
    let a = factory.informer_for::<Pod>();
    let b = factory.informer_for::<Pod>();
    assert!(
        Arc::ptr_eq(a.indexer(), b.indexer()),
        "informer_for returns the shared instance"
    );
    let added = Arc::new(AtomicUsize::new(0));
    let all_added = Arc::new(tokio::sync::Notify::new());
    let (a2, n2) = (Arc::clone(&added), Arc::clone(&all_added));
    a.add_event_handler(ResourceEventHandlerFuncs::default().on_add(move |_, initial| {
        assert!(initial);
        if a2.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
            n2.notify_one();
        }
    }))
    .unwrap();
    factory.start();
    let synced = tokio::time::timeout(GUARD, factory.wait_for_cache_sync())
        .await
        .unwrap();
    assert_eq!(synced.get(&GroupVersionKind::new("", "v1", "Pod")), Some(&true));

    let pods = factory.lister::<Pod>();
    let web = Selector::parse("app=web").unwrap();
    assert_eq!(pods.list(&web).len(), 2);
    assert_eq!(pods.list(&Selector::everything()).len(), 3);
    assert_eq!(pods.namespace("default").list(&web).len(), 1);
    assert_eq!(pods.namespace("default").get("db-1").unwrap().name(), "db-1");
    assert!(pods.namespace("kube-public").get("db-1").is_none());
    // Handlers run on their own tasks: wait until the three adds were handled.
    tokio::time::timeout(GUARD, all_added.notified()).await.unwrap();
    factory.shutdown().await;
    assert_eq!(added.load(Ordering::SeqCst), 3);
}

/// Two kinds of one name in two groups are two informers, and `wait_for_cache_sync` reports
/// both instead of one overwriting the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factory_keeps_kinds_of_one_name_in_two_groups_apart() {
    let (_server, cs) = server().await;
    let factory = SharedInformerFactory::new(cs.clone(), None);
    let core = factory.informer_for::<clientgo_api::core::v1::Event>();
    let events = factory.informer_for::<clientgo_api::events::v1::Event>();
    factory.start();
    let synced = tokio::time::timeout(GUARD, factory.wait_for_cache_sync())
        .await
        .unwrap();
    let expected = [
        (GroupVersionKind::new("", "v1", "Event"), true),
        (GroupVersionKind::new("events.k8s.io", "v1", "Event"), true),
    ];
    assert_eq!(synced, expected.into_iter().collect());
    assert!(core.has_synced() && events.has_synced());
    factory.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factory_namespace_and_tweak_restrict_what_is_cached() {
    let (_server, cs) = server().await;
    for (ns, name, app) in [
        ("default", "web-1", "web"),
        ("default", "db-1", "db"),
        ("kube-public", "web-2", "web"),
    ] {
        cs.core_v1()
            .pods(ns)
            .create(&pod(name, app), &WriteOptions::default())
            .await
            .unwrap();
    }
    let factory = SharedInformerFactory::new(cs.clone(), None)
        .with_namespace("default")
        .with_tweak_list_options(Arc::new(|o: &mut ListOptions| {
            o.label_selector = "app=web".into();
        }));
    let inf = factory.informer_for::<Pod>();
    factory.start();
    tokio::time::timeout(GUARD, factory.wait_for_cache_sync())
        .await
        .unwrap();
    assert_eq!(inf.indexer().list_keys(), ["default/web-1"]);
    drop(factory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_follows_writes_and_the_transform_strips_managed_fields() {
    let (_server, cs) = server().await;
    let client = cs.core_v1().config_maps("default");
    let informer = SharedIndexInformer::new(ListWatch::new(client.clone()), None, Indexers::namespace());
    informer
        .set_transform(Arc::new(strip_managed_fields::<ConfigMap>))
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let changed = Arc::new(tokio::sync::Notify::new());
    let (l1, l2, l3) = (Arc::clone(&log), Arc::clone(&log), Arc::clone(&log));
    let (n1, n2, n3) = (Arc::clone(&changed), Arc::clone(&changed), Arc::clone(&changed));
    informer
        .add_event_handler(
            ResourceEventHandlerFuncs::default()
                .on_add(move |o: &Arc<ConfigMap>, _| {
                    assert!(o.metadata.managed_fields.is_empty(), "stripped before storing");
                    l1.lock().unwrap().push(format!("add {}", o.name()));
                    n1.notify_one();
                })
                .on_update(move |_, n: &Arc<ConfigMap>| {
                    l2.lock().unwrap().push(format!("update {}", n.name()));
                    n2.notify_one();
                })
                .on_delete(move |o| {
                    l3.lock()
                        .unwrap()
                        .push(format!("delete {}", o.object().unwrap().name()));
                    n3.notify_one();
                }),
        )
        .unwrap();
    let task = tokio::spawn(informer.clone().run());
    assert!(tokio::time::timeout(GUARD, informer.wait_for_cache_sync())
        .await
        .unwrap());
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("settings".into());
    cm.data.insert("mode".into(), "fast".into());
    let created = client
        .create(&cm, &WriteOptions::default().field_manager("informer-test"))
        .await
        .unwrap();
    assert!(
        !created.metadata.managed_fields.is_empty(),
        "the server records managedFields"
    );
    let mut next = created.clone();
    next.data.insert("k".into(), "v".into());
    client
        .update("settings", &next, &WriteOptions::default())
        .await
        .unwrap();
    client
        .delete("settings", &DeleteOptions::default())
        .await
        .unwrap();
    tokio::time::timeout(GUARD, async {
        while log.lock().unwrap().len() < 3 {
            changed.notified().await;
        }
    })
    .await
    .unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["add settings", "update settings", "delete settings"]
    );
    informer.stop();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_list_syncs_the_same_state_as_list_and_watch() {
    let (_server, cs) = server().await;
    let client = cs.core_v1().pods("");
    for i in 0..30 {
        cs.core_v1()
            .pods(if i % 2 == 0 { "default" } else { "kube-public" })
            .create(&pod(&format!("p{i}"), "x"), &WriteOptions::default())
            .await
            .unwrap();
    }
    let truth = rv_map(
        client
            .list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(Arc::new),
    );
    for streaming in [true, false] {
        let lists = Arc::new(AtomicUsize::new(0));
        let (inner, counter) = (ListWatch::new(client.clone()), Arc::clone(&lists));
        let inner2 = inner.clone();
        let lw = clientgo_cache::FnListWatch::new(
            move |o| {
                counter.fetch_add(1, Ordering::SeqCst);
                clientgo_cache::ListerWatcher::list(&inner, o)
            },
            move |o| clientgo_cache::ListerWatcher::watch(&inner2, o),
        );
        let informer = SharedIndexInformer::builder(lw)
            .indexers(Indexers::namespace())
            .reflector_options(|o| o.use_watch_list(streaming).page_size(7))
            .build();
        let task = tokio::spawn(informer.clone().run());
        assert!(tokio::time::timeout(GUARD, informer.wait_for_cache_sync())
            .await
            .unwrap());
        assert_eq!(rv_map(informer.indexer().list()), truth, "streaming={streaming}");
        let expected_lists = if streaming { 0 } else { 5 };
        assert_eq!(
            lists.load(Ordering::SeqCst),
            expected_lists,
            "30 pods in pages of 7, or none when streaming"
        );
        informer.stop();
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_informer_over_the_dynamic_client_caches_untyped_objects() {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config).unwrap();
    let typed = cs.core_v1().config_maps("default");
    let mut first = ConfigMap::default();
    first.metadata.name = Some("first".into());
    first.metadata.labels.insert("app", "dyn");
    typed.create(&first, &WriteOptions::default()).await.unwrap();

    let dynamic = clientgo_client::DynamicClient::new(&config).unwrap().resource(
        &<ConfigMap as clientgo_apimachinery::Resource>::api_resource(),
        Some("default"),
    );
    let informer = SharedIndexInformer::new(
        ListWatch::new(dynamic).with_selectors("app=dyn", ""),
        None,
        Indexers::namespace(),
    );
    let task = tokio::spawn(informer.clone().run());
    assert!(tokio::time::timeout(GUARD, informer.wait_for_cache_sync())
        .await
        .unwrap());
    let mut second = ConfigMap::default();
    second.metadata.name = Some("second".into());
    second.metadata.labels.insert("app", "dyn");
    second.data.insert("k".into(), "v".into());
    typed.create(&second, &WriteOptions::default()).await.unwrap();
    let deadline = tokio::time::Instant::now() + GUARD;
    while informer.indexer().get_by_key("default/second").is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watch never delivered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cached = informer.indexer().get_by_key("default/second").unwrap();
    // Untyped: every field is kept as JSON, kind and apiVersion included.
    let value = serde_json::to_value(&*cached).unwrap();
    assert_eq!(value["kind"], "ConfigMap");
    assert_eq!(value["data"]["k"], "v");
    assert_eq!(informer.indexer().list_keys().len(), 2);
    informer.stop();
    task.await.unwrap();
}
