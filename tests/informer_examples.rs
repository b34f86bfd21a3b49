//! Runs the informer, indexer and store examples' `run` functions against the embedded API server
//! and checks what they print. The examples' sources are compiled in.

#![allow(dead_code)] // Each example's `main` is unused here.

mod support;

#[path = "../examples/indexer_queries.rs"]
mod indexer_queries;
#[path = "../examples/informer_factory_options.rs"]
mod informer_factory_options;
#[path = "../examples/store_get_by_key.rs"]
mod store_get_by_key;

use std::time::Duration;

use clientgo_apiserver::ApiServer;
use support::GUARD;

async fn seeded() -> ApiServer {
    let s = ApiServer::start().await.unwrap();
    clientgo_apiserver::embedded::seed_demo_cluster(&s);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexer_queries_answer_from_the_node_and_namespace_indexes() {
    let s = seeded().await;
    let mut out = String::new();
    tokio::time::timeout(GUARD, indexer_queries::run(s.kubeconfig_path(), &mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(out.contains("nodes with pods: [\"control-plane\"]"), "{out}");
    assert!(
        out.contains(
            "pods on control-plane: coredns-5d78c9869d-4xkqz, coredns-5d78c9869d-9hbnm, etcd-control-plane"
        ),
        "{out}"
    );
    assert!(out.contains("keys in kube-system: 7"), "{out}");
    assert!(
        out.contains("get_by_key(kube-system/coredns-5d78c9869d-4xkqz): rv="),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_get_by_key_finds_namespaced_and_cluster_scoped_objects() {
    let s = seeded().await;
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        store_get_by_key::run(s.kubeconfig_path(), "kube-system/etcd-control-plane", &mut out),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.contains("found pod etcd-control-plane (key kube-system/etcd-control-plane), phase Running"),
        "{out}"
    );
    assert!(out.contains("missing key: None"), "{out}");
    assert!(
        out.contains("cluster-scoped key \"kube-system\" -> namespace kube-system"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_factory_options_restrict_namespace_and_labels_with_per_type_resync() {
    let s = seeded().await;
    let config =
        clientgo_clientcmd::build_config_from_flags("", s.kubeconfig_path().to_str().unwrap()).unwrap();
    informer_factory_options::seed_objects(&clientgo_client::Clientset::new(&config).unwrap())
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(
        GUARD,
        informer_factory_options::run(
            s.kubeconfig_path(),
            Duration::from_secs(1),
            Duration::from_secs(1),
            1,
            &mut out,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.contains("pods cached: kube-system/cp-a, kube-system/cp-b\n"),
        "{out}"
    );
    assert!(
        out.contains("deployments cached: kube-system/cp-operator\n"),
        "{out}"
    );
    assert!(out.contains("resync rounds seen: pods >= 1"), "{out}");
}
