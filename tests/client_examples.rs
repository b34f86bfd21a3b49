//! Runs the REST/client examples' `run` functions against the embedded API server and checks what
//! they print. The examples' sources are compiled in (no cargo invocation, no process scraping).

#![allow(dead_code)] // Each example's `main` is unused here.

#[path = "../examples/client_types_overview.rs"]
mod client_types_overview;
#[path = "../examples/clientset_in_cluster_version.rs"]
mod clientset_in_cluster_version;
#[path = "../examples/clientset_kubeconfig_version.rs"]
mod clientset_kubeconfig_version;
#[path = "../examples/discovery_api_resources.rs"]
mod discovery_api_resources;
#[path = "../examples/dynamic_client_unstructured.rs"]
mod dynamic_client_unstructured;
#[path = "../examples/list_chunking_limit_continue.rs"]
mod list_chunking_limit_continue;
#[path = "../examples/namespace_bulk_create.rs"]
mod namespace_bulk_create;
#[path = "../examples/namespace_crud.rs"]
mod namespace_crud;
#[path = "../examples/namespace_patch.rs"]
mod namespace_patch;
#[path = "../examples/namespace_server_side_apply.rs"]
mod namespace_server_side_apply;
#[path = "../examples/restclient_raw_version.rs"]
mod restclient_raw_version;
#[path = "../examples/timeout_default_behaviour.rs"]
mod timeout_default_behaviour;
#[path = "../examples/timeout_global_and_per_request.rs"]
mod timeout_global_and_per_request;
#[path = "../examples/yaml_create_deployment.rs"]
mod yaml_create_deployment;

use std::time::Duration;

use clientgo_apiserver::ApiServer;

async fn server() -> ApiServer {
    ApiServer::start().await.unwrap()
}

#[tokio::test]
async fn clientset_kubeconfig_version_prints_the_nine_fields_with_four_spaces() {
    let s = ApiServer::builder().tls(true).token("t0k").start().await.unwrap();
    let mut out = String::new();
    clientset_kubeconfig_version::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    assert!(
        out.starts_with("{\n    \"major\": \"1\",\n    \"minor\": "),
        "{out}"
    );
    for field in [
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    ] {
        assert!(out.contains(&format!("\n    \"{field}\": ")), "{field} in {out}");
    }
    let mut out = String::new();
    let missing = std::path::Path::new("/nonexistent/.kube.config");
    assert!(clientset_kubeconfig_version::run(missing, &mut out)
        .await
        .is_err());
    assert_eq!(out, "kube config file not found: /nonexistent/.kube.config\n");
}

#[tokio::test]
async fn clientset_in_cluster_version_uses_the_service_account() {
    let s = ApiServer::builder()
        .tls(true)
        .token("sa-token")
        .start()
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("clientgo-sa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("token"), "sa-token").unwrap();
    std::fs::write(dir.join("ca.crt"), s.ca_pem().unwrap()).unwrap();
    let ic =
        clientgo::rest::InCluster::new(Some("127.0.0.1".into()), Some(s.addr().port().to_string()), &dir);
    let mut out = String::new();
    clientset_in_cluster_version::run(&ic, &mut out).await.unwrap();
    assert!(out.contains("\n    \"gitVersion\": \"v1."), "{out}");
    let outside = clientgo::rest::InCluster::new(None, None, &dir);
    let mut out = String::new();
    assert!(clientset_in_cluster_version::run(&outside, &mut out)
        .await
        .is_err());
    assert_eq!(
        out,
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn restclient_raw_version_requires_a_group_version_and_prints_the_raw_body() {
    let s = server().await;
    let mut out = String::new();
    restclient_raw_version::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "without GroupVersion: GroupVersion is required when initializing a RESTClient"
    );
    assert!(
        lines[1].starts_with('{') && lines[1].contains("\"gitVersion\""),
        "{out}"
    );
    assert_eq!(lines[2], "from the clientset's RESTClient:");
    assert_eq!(lines[1], lines[3], "same raw body both ways");
}

#[tokio::test]
async fn client_types_overview_builds_offline_and_uses_each_client() {
    let s = server().await;
    let mut out = String::new();
    client_types_overview::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    assert!(
        out.contains("for a closed port: no error\nfirst call: connection refused = true\n"),
        "{out}"
    );
    assert!(out.contains("Clientset: 4 namespaces"), "{out}");
    assert!(out.contains("DynamicClient: got namespace kube-system"), "{out}");
}

#[tokio::test]
async fn timeout_default_behaviour_tells_refused_handshake_timeout_and_empty_body_apart() {
    let mut out = String::new();
    timeout_default_behaviour::run(Duration::from_millis(200), Duration::from_millis(200), &mut out)
        .await
        .unwrap();
    let tags: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix('[').and_then(|l| l.split(']').next()))
        .collect();
    assert_eq!(
        tags,
        [
            "connection refused",
            "TLS handshake timeout",
            "unable to parse the server version"
        ],
        "{out}"
    );
    assert!(out.contains("TLS handshake timeout"));
}

#[tokio::test]
async fn timeout_global_adds_the_parameter_and_per_request_does_not() {
    let s = server().await;
    let mut out = String::new();
    let stall = || s.faults().stall_next_requests(1);
    timeout_global_and_per_request::run(
        s.kubeconfig_path(),
        Duration::from_millis(300),
        Duration::from_millis(200),
        stall,
        &mut out,
    )
    .await
    .unwrap();
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(errors.len(), 2, "{out}");
    assert!(
        errors[0].ends_with("/version?timeout=300ms\": context deadline exceeded"),
        "{out}"
    );
    assert!(
        errors[1].ends_with("/api/v1/namespaces\": context deadline exceeded"),
        "{out}"
    );
    assert!(out.ends_with("typed list within the deadline: true\n"));
}

#[tokio::test]
async fn namespace_crud_prints_the_seed_sequence() {
    let s = server().await;
    let mut out = String::new();
    namespace_crud::run(s.kubeconfig_path(), &mut out).await.unwrap();
    assert_eq!(
        out,
        "default\nkube-node-lease\nkube-public\nkube-system\nkube-system: true\ntest: ok\ntest: ok, labels {\"a\": \"b\"}\ntest: deleted\n"
    );
}

#[tokio::test]
async fn namespace_bulk_create_counts_correctly_with_padding() {
    let names: Vec<String> = namespace_bulk_create::names("test", 1, 12).collect();
    assert_eq!(names.first().map(String::as_str), Some("test01"));
    assert_eq!(names.last().map(String::as_str), Some("test12"));
    let s = server().await;
    let mut out = String::new();
    let (ok, failed) = namespace_bulk_create::run(s.kubeconfig_path(), 1, 12, &mut out)
        .await
        .unwrap();
    assert_eq!((ok, failed), (12, 0));
    assert!(out.starts_with("Create 12 namespaces, used "), "{out}");
    assert!(out.ends_with("success 12, failed 0\n"));
    // Again: AlreadyExists counts as success.
    let mut out = String::new();
    assert_eq!(
        namespace_bulk_create::run(s.kubeconfig_path(), 1, 12, &mut out)
            .await
            .unwrap(),
        (12, 0)
    );
}

#[tokio::test]
async fn list_chunking_returns_the_same_total_every_way() {
    let s = server().await;
    for i in 1..=1200 {
        s.create(
            "",
            "v1",
            "namespaces",
            None,
            serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":format!("test{i:04}")}}),
        )
        .unwrap();
    }
    let mut out = String::new();
    list_chunking_limit_continue::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("List 1204 namespaces in one response"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("List 1204 namespaces with limit=100 in 13 requests"),
        "{out}"
    );
    assert_eq!(lines[2], "Pager (page size 500): 1204 namespaces in 3 pages");
}

#[tokio::test]
async fn namespace_patch_json_then_merge() {
    let s = server().await;
    let mut out = String::new();
    namespace_patch::run(s.kubeconfig_path(), &mut out).await.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("Patch namespace success: test (JSON patch), labels {\"a\": \"c\""),
        "{out}"
    );
    assert!(
        lines[1].starts_with("Patch namespace success: test (merge patch), labels {\"a\": \"f\""),
        "{out}"
    );
    assert_eq!(
        lines[2],
        "patch of a missing namespace: NotFound: namespaces \"does-not-exist\" not found"
    );
}

#[tokio::test]
async fn namespace_server_side_apply_creates_then_is_a_no_op() {
    let s = server().await;
    let mut out = String::new();
    namespace_server_side_apply::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Apply namespace success: test");
    assert_eq!(lines[1], "Apply again: resourceVersion unchanged = true");
    assert!(lines[2].contains("\"a\": \"b\""), "{out}");
}

#[tokio::test]
async fn yaml_create_deployment_creates_every_document() {
    let s = server().await;
    let mut out = String::new();
    yaml_create_deployment::run(s.kubeconfig_path(), yaml_create_deployment::DEMO_YAML, &mut out)
        .await
        .unwrap();
    assert_eq!(out, "service/demo created\ndeployment.apps/demo created\n");
    let mut out = String::new();
    yaml_create_deployment::run(s.kubeconfig_path(), yaml_create_deployment::DEMO_YAML, &mut out)
        .await
        .unwrap();
    assert_eq!(
        out,
        "service/demo already exists\ndeployment.apps/demo already exists\n"
    );
    let mut out = String::new();
    let odd = "kind: Widget\napiVersion: x/v1\nmetadata: {name: w}\n";
    yaml_create_deployment::run(s.kubeconfig_path(), odd, &mut out)
        .await
        .unwrap();
    assert_eq!(out, "document 1: unknown kind \"Widget\", skipped\n");
}

#[tokio::test]
async fn discovery_api_resources_prints_kubectl_like_tables() {
    let s = server().await;
    let mut out = String::new();
    discovery_api_resources::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    assert!(
        out.contains("api-versions:\n") && out.contains("\napps/v1\n") && out.contains("\nv1\n"),
        "{out}"
    );
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
    };
    assert_eq!(
        row("deployments").unwrap(),
        ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    );
    assert_eq!(
        row("namespaces").unwrap(),
        ["namespaces", "ns", "v1", "false", "Namespace"]
    );
    assert!(out.contains("NAME") && out.contains("SHORTNAMES") && out.contains("NAMESPACED"));
}

#[tokio::test]
async fn dynamic_client_unstructured_round_trip() {
    let s = server().await;
    let mut out = String::new();
    dynamic_client_unstructured::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    assert_eq!(
        out,
        "created dynamic-demo (resourceVersion set: true)\nspec.replicas = 2\ndynamic-demo\tnginx:1.23.2\ndeleted dynamic-demo\n"
    );
}
