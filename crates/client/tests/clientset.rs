//! The clients against the embedded API server, over TLS with a token (through a kubeconfig) and over
//! plain HTTP.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use clientgo_api::apps::v1::Deployment;
use clientgo_api::core::v1::{ConfigMap, Namespace};
use clientgo_apimachinery::{DynamicObject, Object, Resource, SharedStr, WatchEvent};
use clientgo_apiserver::ApiServer;
use clientgo_client::{
    Clientset, DeleteOptions, DynamicClient, GetOptions, ListOptions, ListPager, PatchOptions, PatchType,
    WriteOptions,
};
use clientgo_rest::Error;
use futures_util::StreamExt;
use serde_json::json;

async fn tls_server() -> (ApiServer, Clientset) {
    let server = ApiServer::builder()
        .tls(true)
        .token("test-token")
        .start()
        .await
        .unwrap();
    let config =
        clientgo_clientcmd::build_config_from_flags("", server.kubeconfig_path().to_str().unwrap()).unwrap();
    assert!(config.host.starts_with("https://"));
    let cs = Clientset::new(&config).unwrap();
    (server, cs)
}

async fn plain_server() -> (ApiServer, Clientset) {
    let server = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let cs = Clientset::new(&config).unwrap();
    (server, cs)
}

#[tokio::test]
async fn server_version_and_namespace_list_over_tls_with_a_token() {
    let (_server, cs) = tls_server().await;
    let v = cs.server_version().await.unwrap();
    assert!(v.git_version.starts_with("v1."), "{v:?}");
    let names: Vec<String> = cs
        .core_v1()
        .namespaces()
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|n| n.name().to_owned())
        .collect();
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert!(names.iter().any(|n| n == ns), "{ns} missing from {names:?}");
    }
}

#[tokio::test]
async fn wrong_token_is_unauthorized() {
    let server = ApiServer::builder()
        .tls(true)
        .token("right")
        .start()
        .await
        .unwrap();
    let mut config =
        clientgo_clientcmd::build_config_from_flags("", server.kubeconfig_path().to_str().unwrap()).unwrap();
    config.bearer_token = Some("wrong".into());
    let e = Clientset::new(&config)
        .unwrap()
        .core_v1()
        .namespaces()
        .list(&ListOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_unauthorized(), "{e}");
}

#[tokio::test]
async fn namespace_crud_patch_and_apply() {
    let (_server, cs) = plain_server().await;
    let ns = cs.core_v1().namespaces();
    assert!(ns.get("kube-system", &GetOptions::default()).await.is_ok());
    let e = ns.get("nope", &GetOptions::default()).await.unwrap_err();
    assert!(e.is_not_found());

    let created = ns
        .create(&Namespace::new("test"), &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(created.name(), "test");
    assert!(!created.resource_version().is_empty());
    let e = ns
        .create(&Namespace::new("test"), &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_already_exists(), "{e}");

    // Full replace without resourceVersion, as the seed does.
    let mut labelled = Namespace::new("test");
    labelled.metadata.labels.insert("a", "b");
    let updated = ns
        .update("test", &labelled, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.metadata.labels.get("a").map(SharedStr::as_str), Some("b"));

    let p = ns
        .patch(
            "test",
            &PatchType::Json,
            &json!([{"op":"add","path":"/metadata/labels/a","value":"c"}]),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(p.metadata.labels["a"], "c");
    let p = ns
        .patch(
            "test",
            &PatchType::Merge,
            &json!({"metadata":{"labels":{"a":"f"}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(p.metadata.labels["a"], "f");
    let e = ns
        .patch("missing", &PatchType::Merge, &json!({}), &PatchOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_not_found());

    let applied = ns
        .patch(
            "applied",
            &PatchType::apply("client-go"),
            &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"applied"}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(applied.name(), "applied");
    assert!(
        ns.get("applied", &GetOptions::default()).await.is_ok(),
        "apply created it"
    );

    ns.delete("test", &DeleteOptions::default()).await.unwrap();
}

#[tokio::test]
async fn watch_sees_changes_after_the_list() {
    let (_server, cs) = plain_server().await;
    let cms = cs.core_v1().config_maps("default");
    let list = cms.list(&ListOptions::default()).await.unwrap();
    let rv = list.metadata.resource_version.clone().unwrap();
    let mut w = Box::pin(
        cms.watch(&ListOptions::default().resource_version(rv))
            .await
            .unwrap(),
    );
    let mut cm = ConfigMap::new("cm1");
    cm.data.insert("k".into(), "v".into());
    cms.create(&cm, &WriteOptions::default()).await.unwrap();
    cms.delete("cm1", &DeleteOptions::default()).await.unwrap();
    let first = w.next().await.unwrap().unwrap();
    assert!(matches!(&first, WatchEvent::Added(c) if c.name() == "cm1" && c.data["k"] == "v"));
    let second = w.next().await.unwrap().unwrap();
    assert!(matches!(second, WatchEvent::Deleted(_)));
}

#[tokio::test]
async fn watch_from_a_compacted_version_is_gone() {
    let (server, cs) = plain_server().await;
    let cms = cs.core_v1().config_maps("default");
    for i in 0..3 {
        cms.create(&ConfigMap::new(format!("c{i}")), &WriteOptions::default())
            .await
            .unwrap();
    }
    server.compact_now();
    let outcome = match cms.watch(&ListOptions::default().resource_version("1")).await {
        Err(e) => e,
        Ok(s) => Box::pin(s).next().await.unwrap().unwrap_err(),
    };
    assert!(outcome.is_gone(), "{outcome}");
}

#[tokio::test]
async fn pager_follows_continue_and_falls_back_to_a_full_list_on_410() {
    let (server, cs) = plain_server().await;
    for i in 0..1203 {
        server
            .create(
                "",
                "v1",
                "configmaps",
                Some("default"),
                json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("cm{i:05}")}}),
            )
            .unwrap();
    }
    let cms = cs.core_v1().config_maps("default");
    let mut sizes = Vec::new();
    let pages = ListPager::default()
        .each_page(&cms, &ListOptions::default(), |p| {
            sizes.push(p.items.len());
            Ok::<(), Error>(())
        })
        .await
        .unwrap();
    assert_eq!(pages, 3);
    assert_eq!(sizes, vec![500, 500, 203]);
    let all = ListPager::new(100)
        .list(&cms, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1203);
    assert!(all.metadata.continue_.is_none());

    // The caller's resourceVersion and match go with the first page only: the server refuses
    // either beside a continue token.
    let mut at = ListOptions::default().resource_version(all.metadata.resource_version.clone().unwrap());
    at.resource_version_match = "NotOlderThan".into();
    let (again, paginated) = ListPager::default().list_paginated(&cms, &at).await.unwrap();
    assert_eq!((again.items.len(), paginated), (1203, true));

    // A write and a compaction before each continue request: the token's version is gone, so
    // `list` makes one full list, which replaces the page it had.
    let bump = |i: usize| {
        server
            .create(
                "",
                "v1",
                "configmaps",
                Some("kube-public"),
                json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("bump{i}")}}),
            )
            .unwrap();
        server.compact_now();
    };
    let bumps = AtomicUsize::new(0);
    let compacting = |opts: ListOptions| {
        if !opts.continue_.is_empty() {
            bump(bumps.fetch_add(1, Ordering::SeqCst));
        }
        let cms = cms.clone();
        async move { cms.list(&opts).await }
    };
    let all = ListPager::default()
        .list(&compacting, &ListOptions::default())
        .await
        .unwrap();
    assert_eq!(bumps.load(Ordering::SeqCst), 1);
    let names: BTreeSet<_> = all.items.iter().map(|c| c.metadata.name.clone()).collect();
    assert_eq!(
        (all.items.len(), names.len()),
        (1203, 1203),
        "the full list replaces the first page: no duplicates"
    );

    // Handed-over pages cannot be taken back: `each_page` reports the expired token.
    let mut sizes = Vec::new();
    let e = ListPager::default()
        .each_page(&compacting, &ListOptions::default(), |p| {
            sizes.push(p.items.len());
            Ok::<(), Error>(())
        })
        .await
        .unwrap_err();
    assert!(e.is_gone(), "{e}");
    assert_eq!(sizes, vec![500]);
    let mut strict = ListPager::default();
    strict.full_list_if_expired = false;
    let e = strict
        .list(&compacting, &ListOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_gone(), "{e}");
}

#[tokio::test]
async fn delete_collection_by_label() {
    let (_server, cs) = plain_server().await;
    let cms = cs.core_v1().config_maps("default");
    for (name, tier) in [("a", "x"), ("b", "x"), ("c", "y")] {
        let mut cm = ConfigMap::new(name);
        cm.metadata.labels.insert("tier", tier);
        cms.create(&cm, &WriteOptions::default()).await.unwrap();
    }
    cms.delete_collection(
        &DeleteOptions::default(),
        &ListOptions::default().labels("tier=x"),
    )
    .await
    .unwrap();
    let left: Vec<_> = cms
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    assert_eq!(left, vec!["c"]);
}

#[tokio::test]
async fn dynamic_client_on_deployments_and_typed_deployment_status() {
    let (server, _cs) = plain_server().await;
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let dynamic = DynamicClient::new(&config).unwrap();
    let deployments = dynamic.resource(&Deployment::api_resource(), Some("default"));
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}
    }))
    .unwrap();
    let created = deployments.create(&obj, &WriteOptions::default()).await.unwrap();
    assert_eq!(created.get_path("spec.replicas"), Some(&json!(2)));
    let list = deployments.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].name(), "web");

    let cs = Clientset::new(&config).unwrap();
    let typed = cs.apps_v1().deployments("default");
    let mut d = typed.get("web", &GetOptions::default()).await.unwrap();
    assert_eq!(d.spec.replicas, Some(2));
    d.status.replicas = 2;
    let after = typed
        .update_status("web", &d, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(after.status.replicas, 2);
}

#[tokio::test]
async fn discovery_lists_groups_and_resources() {
    let (_server, cs) = plain_server().await;
    let d = cs.discovery();
    let groups = d.server_groups().await.unwrap();
    assert_eq!(groups[0].name, "");
    assert!(groups.iter().any(|g| g.name == "apps"));
    let core = d.server_resources_for_group_version("v1").await.unwrap();
    let ns = core.resources.iter().find(|r| r.name == "namespaces").unwrap();
    assert!(!ns.namespaced);
    assert_eq!(ns.kind, "Namespace");
    assert!(ns.short_names.contains(&"ns".to_owned()));
    let all = d.server_preferred_resources().await.unwrap();
    assert!(all
        .iter()
        .any(|l| l.group_version == "apps/v1" && l.resources.iter().any(|r| r.name == "deployments")));
}

/// A user's own type for a custom resource: implementing `Resource` is all a typed client needs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Widget {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: clientgo_apimachinery::ObjectMeta,
    #[serde(default)]
    spec: WidgetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct WidgetSpec {
    size: i64,
}

impl Object for Widget {
    fn metadata(&self) -> &clientgo_apimachinery::ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut clientgo_apimachinery::ObjectMeta {
        &mut self.metadata
    }
}

impl Resource for Widget {
    const GROUP: &'static str = "example.com";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Widget";
    const PLURAL: &'static str = "widgets";
    const NAMESPACED: bool = true;
}

#[tokio::test]
async fn typed_client_for_a_users_custom_resource() {
    let (server, cs) = plain_server().await;
    let mut config = clientgo_rest::Config::new(server.url());
    config.qps = -1.0;
    let crds = DynamicClient::new(&config).unwrap().resource(
        &clientgo_apimachinery::ApiResource {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            kind: "CustomResourceDefinition".into(),
            plural: "customresourcedefinitions".into(),
            namespaced: false,
        },
        None,
    );
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
        "metadata":{"name":"widgets.example.com"},
        "spec":{"group":"example.com","scope":"Namespaced",
            "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
            "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
                "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}
    }))
    .unwrap();
    crds.create(&crd, &WriteOptions::default()).await.unwrap();

    let widgets = cs.resource::<Widget>(Some("default"));
    let w = Widget {
        api_version: Widget::api_version().into_owned(),
        kind: "Widget".into(),
        metadata: clientgo_apimachinery::ObjectMeta {
            name: Some("w1".into()),
            ..Default::default()
        },
        spec: WidgetSpec { size: 3 },
        status: None,
    };
    let created = widgets.create(&w, &WriteOptions::default()).await.unwrap();
    assert_eq!(created.spec.size, 3);
    let mut with_status = created.clone();
    with_status.status = Some(json!({"ready": true}));
    let after = widgets
        .update_status("w1", &with_status, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(after.status, Some(json!({"ready": true})));
    let list = widgets.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].name(), "w1");
}

#[tokio::test]
async fn namespace_finalize_writes_only_spec_finalizers_and_releases_a_terminating_namespace() {
    let (_server, cs) = plain_server().await;
    let namespaces = cs.core_v1().namespaces();
    let ns: Namespace =
        serde_json::from_value(json!({"metadata": {"name": "fin", "labels": {"a": "b"}}})).unwrap();
    namespaces.create(&ns, &WriteOptions::default()).await.unwrap();
    let held: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "held", "finalizers": ["example.com/x"]}}))
            .unwrap();
    cs.core_v1()
        .config_maps("fin")
        .create(&held, &WriteOptions::default())
        .await
        .unwrap();
    namespaces.delete("fin", &DeleteOptions::default()).await.unwrap();
    let mut cur = namespaces.get("fin", &GetOptions::default()).await.unwrap();
    assert_eq!(cur.status.phase.as_deref(), Some("Terminating"));
    assert_eq!(cur.spec.finalizers, ["kubernetes"]);

    // Only spec.finalizers is written through /finalize: a label change in the body is ignored.
    cur.metadata.labels.insert("a", "changed");
    let kept = namespaces.finalize(&cur, &Default::default()).await.unwrap();
    assert_eq!(kept.metadata.labels.get("a").map(SharedStr::as_str), Some("b"));
    assert_eq!(
        kept.spec.finalizers,
        ["kubernetes"],
        "unchanged list, namespace stays"
    );

    cur.spec.finalizers.clear();
    namespaces.finalize(&cur, &Default::default()).await.unwrap();
    let e = namespaces.get("fin", &GetOptions::default()).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
}

#[tokio::test]
async fn strategic_merge_patch_merges_containers_by_name_and_apply_conflicts_unless_forced() {
    let (_server, cs) = plain_server().await;
    let deployments = cs.apps_v1().deployments("default");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [
                    {"name": "app", "image": "nginx:1.26"},
                    {"name": "sidecar", "image": "envoy:1"}
                ]}
            }
        }
    }))
    .unwrap();
    deployments
        .create(&d, &WriteOptions::default().field_manager("creator"))
        .await
        .unwrap();

    // Strategic merge: the list of containers merges by name, so the sidecar stays.
    let patched = deployments
        .patch(
            "web",
            &PatchType::StrategicMerge,
            &json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    let images: Vec<(String, String)> = patched
        .spec
        .template
        .spec
        .containers
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.image.as_deref().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        images,
        [
            ("app".to_owned(), "nginx:1.27".to_owned()),
            ("sidecar".to_owned(), "envoy:1".to_owned())
        ]
    );

    // Server-side apply of a field another manager owns: 409 Conflict, unless forced.
    let apply = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 3}
    });
    deployments
        .patch(
            "web",
            &PatchType::apply("scaler"),
            &apply,
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    let other = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 5}
    });
    let e = deployments
        .patch(
            "web",
            &PatchType::apply("autoscaler"),
            &other,
            &PatchOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(e.is_conflict(), "{e}");
    let forced = PatchType::Apply {
        field_manager: "autoscaler".into(),
        force: true,
    };
    let taken = deployments
        .patch("web", &forced, &other, &PatchOptions::default())
        .await
        .unwrap();
    assert_eq!(taken.spec.replicas, Some(5));
}
