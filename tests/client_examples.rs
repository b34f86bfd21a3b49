//! The client, CRUD, paging and timeout examples, run in-process: each test includes an example's
//! source, runs its `run` against a fresh embedded API server (or local listeners) with captured
//! output, and checks the lesson the example teaches in the lines it printed.

#![allow(dead_code)]
// Each example's `main` is unused here.
// Each example includes the shared files of examples/common/ it needs, as its own binary does, so
// the test crate, which includes several examples, loads them more than once.
#![allow(clippy::duplicate_mod)]

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
mod support;
#[path = "../examples/timeout_default_behaviour.rs"]
mod timeout_default_behaviour;
#[path = "../examples/timeout_global_and_per_request.rs"]
mod timeout_global_and_per_request;
#[path = "../examples/yaml_create_deployment.rs"]
mod yaml_create_deployment;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use clientgo::apimachinery::{Object, SharedStr};
use clientgo::kubernetes::{GetOptions, ListOptions};
use clientgo::rest::ErrorReport;
use clientgo_apiserver::ApiServer;
use clientgo_example::{BoxError, NoArgs, Out, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use support::GUARD;

/// Runs an example's `run` under the guard and fails the test on its error, in words.
async fn run_guarded(run: impl Future<Output = Result<(), BoxError>>) {
    if let Err(e) = tokio::time::timeout(GUARD, run)
        .await
        .expect("the example finishes")
    {
        panic!("the example failed: {}", ErrorReport::new(e.as_ref()));
    }
}

/// Runs an example's `run` under the guard and returns its error, which it must end with.
async fn run_failing(run: impl Future<Output = Result<(), BoxError>>) -> String {
    match tokio::time::timeout(GUARD, run)
        .await
        .expect("the example finishes")
    {
        Ok(()) => panic!("the example succeeded"),
        Err(e) => ErrorReport::new(e.as_ref()).to_string(),
    }
}

/// The names of the namespaces the session's cluster holds now.
async fn namespace_names(session: &Session) -> Vec<String> {
    let list = session
        .clientset()
        .core_v1()
        .namespaces()
        .list(&ListOptions::default())
        .await
        .unwrap();
    list.items.iter().map(|n| n.name().to_owned()).collect()
}

/// A namespace object, with the examples' label or without it.
fn namespace_json(name: &str, ours: bool) -> serde_json::Value {
    let labels = if ours {
        serde_json::json!({ MANAGED_BY_LABEL: MANAGED_BY_VALUE })
    } else {
        serde_json::json!({})
    };
    serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

/// The number before `word` in `line` (`"30 requests, 20 waited"`, `"waited"` gives 20).
fn number_before(line: &str, word: &str) -> u64 {
    let words: Vec<&str> = line
        .split([' ', ',', '(', ')', ':'])
        .filter(|w| !w.is_empty())
        .collect();
    let at = words
        .iter()
        .position(|w| *w == word)
        .unwrap_or_else(|| panic!("no {word:?} in {line:?}"));
    words[at - 1]
        .parse()
        .unwrap_or_else(|_| panic!("no number before {word:?} in {line:?}"))
}

/// The one captured line starting with `prefix`.
fn line_starting(lines: &[String], prefix: &str) -> String {
    let found: Vec<&String> = lines.iter().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "one line starting with {prefix:?} in {lines:#?}");
    found[0].clone()
}

// ---- client types, kubeconfig, in-cluster, RESTClient, discovery, dynamic ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_types_overview_builds_all_four_without_io_then_uses_each() {
    let session = support::session("client_types_overview").await;
    run_guarded(client_types_overview::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    // Built for a closed port without error; only the first call finds out, refused in words.
    assert!(
        lines[0].starts_with(
            "built RESTClient, Clientset, DiscoveryClient and DynamicClient for http://127.0.0.1:"
        ) && lines[0].ends_with(": no error"),
        "{}",
        lines[0]
    );
    let addr = lines[0]
        .split("http://")
        .nth(1)
        .unwrap()
        .trim_end_matches(": no error");
    assert_eq!(
        lines[1],
        format!(
            "first call: GET http://{addr}/version: connection refused ({addr}) (connection refused: true)"
        )
    );
    assert!(
        lines[3].starts_with("  RESTClient: GET /api/v1/namespaces returned "),
        "{}",
        lines[3]
    );
    assert_eq!(lines[4], "  Clientset: 4 namespaces, typed");
    assert!(lines[5].starts_with("  DiscoveryClient: ") && lines[5].ends_with(" API groups"));
    assert_eq!(
        lines[6],
        "  DynamicClient: namespace kube-system, untyped (status.phase = Active)"
    );
}

/// The seed's nine `version.Info` fields, in its order.
const VERSION_FIELDS: [&str; 9] = [
    "major",
    "minor",
    "gitVersion",
    "gitCommit",
    "gitTreeState",
    "buildDate",
    "goVersion",
    "compiler",
    "platform",
];

/// Checks the version JSON (printed as one block): braces, then the nine fields indented by four
/// spaces, in order.
fn assert_version_json(printed: &[String]) {
    let lines: Vec<String> = printed
        .iter()
        .flat_map(|l| l.lines())
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.first().map(String::as_str), Some("{"), "{lines:#?}");
    assert_eq!(lines.last().map(String::as_str), Some("}"), "{lines:#?}");
    let fields: Vec<&str> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| {
            let field = l
                .strip_prefix("    \"")
                .unwrap_or_else(|| panic!("4-space indent: {l:?}"));
            field.split('"').next().unwrap()
        })
        .collect();
    assert_eq!(fields, VERSION_FIELDS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clientset_kubeconfig_version_prints_the_nine_fields_indented_by_four_spaces() {
    let server = ApiServer::builder().tls(true).token("t0k").start().await.unwrap();
    let session = support::session_on(server, "clientset_kubeconfig_version").await;
    run_guarded(clientset_kubeconfig_version::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(
        lines[0],
        format!("kubeconfig: {}", session.kubeconfig().display())
    );
    assert_version_json(&lines[1..]);
}

/// Runs a built example binary with `args`; returns its exit code, stdout and stderr.
async fn run_binary(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = tokio::time::timeout(
        GUARD,
        tokio::process::Command::new(support::example_binary(name))
            .args(args)
            .env_remove("KUBECONFIG")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clientset_kubeconfig_version_reports_a_missing_or_invalid_kubeconfig_in_words() {
    let missing = "/nonexistent/.kube.config";
    let (code, stdout, stderr) = run_binary("clientset_kubeconfig_version", &["--kubeconfig", missing]).await;
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!("error: cannot read kubeconfig {missing}: No such file or directory (os error 2)\n")
    );

    let dir = std::env::temp_dir().join(format!("clientgo-invalid-kubeconfig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let invalid = dir.join("config");
    std::fs::write(&invalid, "clusters:\n- name: a\n  - server: https://h\n").unwrap();
    let (code, _, stderr) = run_binary(
        "clientset_kubeconfig_version",
        &["--kubeconfig", invalid.to_str().unwrap()],
    )
    .await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(&format!("error: invalid kubeconfig {}:3:3: ", invalid.display())),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line, no Debug dump: {stderr}");
}

/// A service-account directory holding `token` and, when given, `ca.crt`; removed on drop.
struct ServiceAccountDir(PathBuf);

impl ServiceAccountDir {
    fn new(token: &str, ca: Option<&str>) -> Self {
        let dir = std::env::temp_dir().join(format!("clientgo-sa-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token"), token).unwrap();
        if let Some(ca) = ca {
            std::fs::write(dir.join("ca.crt"), ca).unwrap();
        }
        ServiceAccountDir(dir)
    }
}

impl Drop for ServiceAccountDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clientset_in_cluster_version_uses_the_service_account_and_says_when_not_in_a_pod() {
    let server = ApiServer::builder()
        .tls(true)
        .token("sa-token")
        .start()
        .await
        .unwrap();
    let sa = ServiceAccountDir::new("sa-token", server.ca_pem());
    let in_pod = clientgo::rest::InCluster::new(
        Some("127.0.0.1".into()),
        Some(server.addr().port().to_string()),
        &sa.0,
    );
    let out = Out::capture();
    run_guarded(clientset_in_cluster_version::run(&in_pod, &out)).await;
    let lines = out.lines();
    assert_eq!(
        lines[0],
        format!(
            "in-cluster config: API server https://127.0.0.1:{}",
            server.addr().port()
        )
    );
    assert_version_json(&lines[1..]);

    let outside = clientgo::rest::InCluster::new(None, None, &sa.0);
    let out = Out::capture();
    let e = run_failing(clientset_in_cluster_version::run(&outside, &out)).await;
    assert_eq!(
        e,
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
    );
    assert!(out.lines().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restclient_raw_version_needs_a_group_version_and_returns_the_body_as_sent() {
    let session = support::session("restclient_raw_version").await;
    run_guarded(restclient_raw_version::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert_eq!(
        lines[0],
        "RESTClient without a group version: GroupVersion is required when initializing a RESTClient"
    );
    let by_hand = &lines[2];
    let from_clientset = &lines[4];
    assert_eq!(
        lines[1],
        format!(
            "RESTClient built by hand, GET /version ({} bytes):",
            by_hand.len()
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "the Clientset's RESTClient, GET /version ({} bytes):",
            from_clientset.len()
        )
    );
    assert_eq!(by_hand, from_clientset, "the same bytes both ways");
    // The server's bytes, not a re-encoding: the client's own pretty-printing would indent.
    let parsed: serde_json::Value = serde_json::from_str(by_hand).unwrap();
    assert_eq!(*by_hand, serde_json::to_string(&parsed).unwrap());
    assert!(parsed["gitVersion"].as_str().unwrap().starts_with("v1."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_api_resources_prints_api_versions_and_the_kubectl_api_resources_columns() {
    let session = support::session("discovery_api_resources").await;
    run_guarded(discovery_api_resources::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let resources_at = lines.iter().position(|l| l == "api-resources:").unwrap();
    assert_eq!(lines[0], "api-versions:");
    let versions = &lines[1..resources_at];
    assert!(versions.contains(&"apps/v1".to_owned()) && versions.contains(&"v1".to_owned()));
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "sorted: {versions:?}");
    let header: Vec<&str> = lines[resources_at + 1].split_whitespace().collect();
    assert_eq!(header, discovery_api_resources::COLUMNS);
    let row = |name: &str| -> Vec<String> {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| l.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_else(|| panic!("no {name} row"))
    };
    // The seed's two `kubectl api-resources` rows.
    assert_eq!(
        row("deployments"),
        ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    );
    assert_eq!(
        row("namespaces"),
        ["namespaces", "ns", "v1", "false", "Namespace"]
    );
    // Columns line up: each column starts where its header does.
    let kind_at = lines[resources_at + 1].find("KIND").unwrap();
    for l in &lines[resources_at + 2..] {
        assert!(l.len() > kind_at && l.as_bytes()[kind_at - 1] == b' ', "{l:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_client_unstructured_creates_reads_lists_and_deletes_untyped() {
    let session = support::session("dynamic_client_unstructured").await;
    run_guarded(dynamic_client_unstructured::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert_eq!(
        lines[0],
        "resource apps/v1 deployments in namespace dynamic-client-unstructured"
    );
    assert!(
        lines[1].starts_with("created dynamic-demo (resourceVersion "),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2..],
        [
            "get dynamic-demo: spec.replicas = 2",
            "list: 1 deployments",
            "  dynamic-demo\tnginx:1.23.2",
            "deleted dynamic-demo",
        ]
    );
}

// ---- namespaces: CRUD, patch, apply, bulk create ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_crud_prints_the_seed_blocks_and_words_for_its_own_namespace() {
    let session = support::session("namespace_crud").await;
    run_guarded(namespace_crud::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    assert_eq!(
        support::example_lines(&session),
        [
            "Namespace.List:",
            "  default",
            "  kube-node-lease",
            "  kube-public",
            "  kube-system",
            "Namespace.Get:",
            "  kube-system: true",
            "Namespace.Create:",
            "  namespace-crud-test: ok",
            "Namespace.Update:",
            "  namespace-crud-test: ok",
            "Namespace.Delete:",
            "  namespace-crud-test: ok",
        ]
    );
    assert!(!namespace_names(&session)
        .await
        .contains(&namespace_crud::NAME.to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_crud_clears_what_a_killed_run_left_and_refuses_a_namespace_it_does_not_own() {
    let server = support::seeded_server().await;
    // A killed run left the namespace behind, with the examples' label.
    server
        .create(
            "",
            "v1",
            "namespaces",
            None,
            namespace_json(namespace_crud::NAME, true),
        )
        .unwrap();
    let session = support::session_on(server, "namespace_crud").await;
    run_guarded(namespace_crud::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = session.out().lines();
    assert_eq!(
        lines[0],
        "namespace namespace-crud-test: left by an earlier run, deleting it first"
    );
    assert_eq!(line_starting(&lines, "Namespace.Create:"), "Namespace.Create:");
    let create_at = lines.iter().position(|l| l == "Namespace.Create:").unwrap();
    assert_eq!(lines[create_at + 1], "  namespace-crud-test: ok");

    // Someone else's namespace of that name: "already exists", and the example changes nothing.
    let server = support::seeded_server().await;
    server
        .create(
            "",
            "v1",
            "namespaces",
            None,
            namespace_json(namespace_crud::NAME, false),
        )
        .unwrap();
    let session = support::session_on(server, "namespace_crud").await;
    let e = run_failing(namespace_crud::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    assert!(e.contains("refusing to update or delete it"), "{e}");
    let lines = support::example_lines(&session);
    assert_eq!(lines.last().unwrap(), "  namespace-crud-test: already exists");
    let theirs = session
        .clientset()
        .core_v1()
        .namespaces()
        .get(namespace_crud::NAME, &GetOptions::default())
        .await
        .unwrap();
    assert!(theirs.metadata.labels.get("a").is_none(), "not updated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_patch_json_then_merge_by_name_and_not_found_for_a_missing_name() {
    let session = support::session("namespace_patch").await;
    run_guarded(namespace_patch::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let ours =
        "app.kubernetes.io/managed-by=clientgo-examples, kubernetes.io/metadata.name=namespace-patch-test";
    assert_eq!(
        session.out().lines(),
        [
            format!("created namespace namespace-patch-test, labels: {ours}"),
            r#"PATCH namespace-patch-test (application/json-patch+json): [{"op":"add","path":"/metadata/labels/a","value":"c"}]"#.to_owned(),
            "Patch namespace success: namespace-patch-test".to_owned(),
            format!("  labels: a=c, {ours}"),
            r#"PATCH namespace-patch-test (application/merge-patch+json): {"metadata":{"labels":{"a":"f"}}}"#.to_owned(),
            "Patch namespace success: namespace-patch-test".to_owned(),
            format!("  labels: a=f, {ours}"),
            r#"PATCH namespace-patch-missing (application/merge-patch+json): {"metadata":{"labels":{"a":"f"}}}"#.to_owned(),
            r#"Patch namespace failed: namespace-patch-missing: namespaces "namespace-patch-missing" not found"#.to_owned(),
            "cleanup: deleted Namespace namespace-patch-test".to_owned(),
        ]
    );
    assert!(!namespace_names(&session)
        .await
        .contains(&namespace_patch::NAME.to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_server_side_apply_creates_is_a_no_op_again_updates_and_needs_a_field_manager() {
    let session = support::session("namespace_server_side_apply").await;
    run_guarded(namespace_server_side_apply::run(&session, &NoArgs {})).await;
    session.finish().await.unwrap();
    let lines = session.out().lines();
    assert_eq!(lines.len(), 10, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "PATCH /api/v1/namespaces/namespace-server-side-apply-test?fieldManager=client-go (application/apply-patch+yaml): "
        ),
        "{}",
        lines[0]
    );
    let success = "Apply namespace success: namespace-server-side-apply-test";
    assert_eq!([&lines[1], &lines[3], &lines[5]], [success; 3]);
    let created_rv = lines[2].strip_prefix("  created, resourceVersion ").unwrap();
    assert_eq!(
        lines[4],
        format!("  same configuration again: resourceVersion {created_rv} (unchanged: true)")
    );
    assert!(lines[6].starts_with("  with label a=b: resourceVersion ") && lines[6].ends_with(", a=b"));
    assert!(
        !lines[6].contains(&format!("resourceVersion {created_rv},")),
        "a change moves it"
    );
    assert_eq!(lines[7], "without a field manager:");
    assert_eq!(
        lines[8],
        "Apply namespace failed: namespace-server-side-apply-test: PatchOptions.meta.k8s.io \"\" is invalid: \
         fieldManager: Required value: is required for apply patch"
    );
    assert_eq!(
        lines[9],
        "cleanup: deleted Namespace namespace-server-side-apply-test"
    );
}

#[test]
fn namespace_bulk_create_pads_names_to_the_width_of_the_count() {
    use namespace_bulk_create::{is_ours, name};
    assert_eq!(name(1, 12), "namespace-bulk-create-01");
    assert_eq!(name(7, 30000), "namespace-bulk-create-00007");
    assert_eq!(name(30000, 30000), "namespace-bulk-create-30000");
    assert_eq!(name(3, 9), "namespace-bulk-create-3");
    assert!(is_ours("namespace-bulk-create-007"));
    assert!(!is_ours("namespace-bulk-create"), "the session's own namespace");
    assert!(!is_ours("namespace-bulk-create-x1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_bulk_create_counts_every_create_throttled_by_the_raised_limits_and_deletes_them() {
    let server = support::seeded_server().await;
    // A killed run left one of its namespaces.
    server
        .create(
            "",
            "v1",
            "namespaces",
            None,
            namespace_json("namespace-bulk-create-03", true),
        )
        .unwrap();
    let session = support::session_on(server, "namespace_bulk_create").await;
    let count = 12;
    run_guarded(namespace_bulk_create::run(
        &session,
        &namespace_bulk_create::Args { count },
    ))
    .await;
    session.finish().await.unwrap();
    let lines = session.out().lines();
    assert_eq!(
        lines[0],
        "namespace namespace-bulk-create-03: left by an earlier run, deleting it first"
    );
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    assert_eq!(
        lines[1],
        format!(
            "Create 12 namespaces namespace-bulk-create-01 ... namespace-bulk-create-12 with {cpus} workers, \
             client limits QPS {}, burst {} (2x and 4x the {cpus} CPUs)",
            cpus * 2,
            cpus * 4
        )
    );
    let mut created: Vec<&str> = lines.iter().filter_map(|l| l.strip_suffix(": success")).collect();
    created.sort_unstable();
    let expected: Vec<String> = (1..=count)
        .map(|i| format!("  namespace-bulk-create-{i:02}"))
        .collect();
    assert_eq!(created, expected);
    let summary = line_starting(&lines, "Create 12 namespaces, used ");
    assert!(summary.ends_with(" seconds, success 12, failed 0"), "{summary}");
    // Every create went through the client's limiter; beyond the burst, each had to wait.
    let limiter = line_starting(&lines, "12 requests, ");
    let must_wait = count.saturating_sub(cpus * 4) as u64;
    assert!(number_before(&limiter, "waited") >= must_wait, "{limiter}");
    assert_eq!(lines.iter().filter(|l| l.ends_with(": deleted")).count(), count);
    let deleted = line_starting(&lines, "Delete 12 namespaces, used ");
    assert!(deleted.ends_with(" seconds, success 12, failed 0"), "{deleted}");
    assert!(namespace_names(&session)
        .await
        .iter()
        .all(|n| !namespace_bulk_create::is_ours(n)));
}

// ---- paging and the client-side rate limiter ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_chunking_pages_cost_a_request_each_and_wait_for_the_default_rate_limiter() {
    let session = support::session("list_chunking_limit_continue").await;
    let args = list_chunking_limit_continue::Args {
        objects: 200,
        limit: 10,
        qps: 100.0,
        burst: 200,
    };
    run_guarded(list_chunking_limit_continue::run(&session, &args)).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert!(lines[0].starts_with("200 ConfigMaps in namespace list-chunking-limit-continue, "));
    assert!(
        lines[1].starts_with("List 200 configmaps in one response: 1 request, "),
        "{}",
        lines[1]
    );
    let default = &lines[2];
    assert!(
        default.starts_with(
            "List 200 configmaps with limit=10 and continue, client-go's default limits (QPS 5, burst 10): 20 requests, "
        ),
        "{default}"
    );
    // Twenty pages against a burst of ten: the limiter held pages back.
    assert!(number_before(default, "waited") >= 1, "{default}");
    let raised = &lines[3];
    assert!(
        raised.starts_with(
            "List 200 configmaps with limit=10 and continue, raised limits (QPS 100, burst 200): \
             20 requests, 0 waited for the client-side rate limiter"
        ),
        "{raised}"
    );
    assert_eq!(
        lines[4],
        "Pager (page size 500, like kubectl --chunk-size): 200 configmaps in 1 pages, 1 requests"
    );
    // The expired token: the full list replaces the first page instead of following it.
    assert_eq!(
        lines[5],
        "Pager (page size 10) with an expired continue token: page of 10, 410 Expired, full list of 200; \
         200 configmaps, 200 distinct"
    );
}

// ---- timeouts ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_default_behaviour_tells_refused_handshake_timeout_and_a_slow_empty_answer_apart() {
    let args = timeout_default_behaviour::Args {
        handshake_timeout: Duration::from_millis(200),
        sleep: Duration::from_millis(200),
    };
    let out = Out::capture();
    run_guarded(timeout_default_behaviour::run(&args, &out)).await;
    let lines = out.lines();
    assert_eq!(lines.len(), 12, "{lines:#?}");
    let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(errors.len(), 3, "{lines:#?}");
    let refused_addr = lines[0].strip_prefix("(a) nothing listens on ").unwrap();
    assert_eq!(
        *errors[0],
        format!("Error: GET https://{refused_addr}/version: connection refused ({refused_addr})")
    );
    assert!(
        errors[1].ends_with("/version: TLS handshake timeout"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("Error: decoding the response of Get \"http://")
            && errors[2].ends_with("/version\": EOF while parsing a value at line 1 column 0"),
        "{}",
        errors[2]
    );
    assert_eq!(
        lines[3],
        "  connection refused: the peer said no at once, nothing timed out"
    );
    assert_eq!(
        lines[7],
        "  TLS handshake timeout: a bound of the transport, not of the request"
    );
    assert_eq!(
        lines[11],
        "  unable to parse the server version: the client waited for the whole answer, which was empty"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_global_puts_the_timeout_on_the_url_and_the_per_request_deadline_cuts_the_typed_list() {
    let session = support::session("timeout_global_and_per_request").await;
    let args = timeout_global_and_per_request::Args {
        global_timeout: Duration::from_millis(300),
        per_request_timeout: Duration::from_millis(200),
    };
    run_guarded(timeout_global_and_per_request::run(&session, &args)).await;
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines.len(), 17, "{lines:#?}");
    // On the cluster, which answers, both calls succeed within their bounds.
    assert_eq!(
        lines[1],
        "T4: Config::timeout = 300ms, clientset.server_version():"
    );
    assert!(lines[3].starts_with("gitVersion v1."), "{}", lines[3]);
    assert_eq!(
        lines[4],
        "T5: a 200ms deadline around core_v1().namespaces().list():"
    );
    assert_eq!(lines[6], "4 namespaces");
    // Against the server that never answers, each call meets its own stall.
    let url = lines[8]
        .strip_prefix("against ")
        .and_then(|l| l.strip_suffix(", which reads each request and never answers:"))
        .unwrap();
    assert_eq!(
        lines[9],
        "T4: Config::timeout = 300ms, clientset.server_version():"
    );
    assert_eq!(
        lines[11],
        format!("Error: Get \"{url}/version?timeout=300ms\": context deadline exceeded")
    );
    assert_eq!(lines[12], "  the server received: GET /version?timeout=300ms");
    assert_eq!(
        lines[13],
        "T5: a 200ms deadline around core_v1().namespaces().list():"
    );
    assert_eq!(
        lines[15],
        "Error: context deadline exceeded (the 200ms deadline dropped the list, which cancels its request)"
    );
    assert_eq!(
        lines[16], "  the server received: GET /api/v1/namespaces",
        "no ?timeout="
    );
    for used in [&lines[10], &lines[14]] {
        assert!(used.starts_with("Used ") && used.ends_with(" seconds"), "{used}");
    }
}

// ---- YAML ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_create_deployment_defaults_the_namespace_to_its_own_then_reports_created_and_already_exists() {
    let session = support::session("yaml_create_deployment").await;
    run_guarded(yaml_create_deployment::run(
        &session,
        &yaml_create_deployment::Args::default(),
    ))
    .await;
    let ns = session.namespace().await.unwrap().to_owned();
    let deploy = session
        .clientset()
        .apps_v1()
        .deployments(&ns)
        .get("demo", &GetOptions::default())
        .await
        .unwrap();
    session.finish().await.unwrap();
    assert_eq!(
        support::example_lines(&session),
        [
            "namespace: not set in the YAML, defaulting to yaml-create-deployment (the example's own; the seed defaults to default)",
            "Deployment created: demo",
            "creating it again:",
            "Deployment already exists: demo",
        ]
    );
    assert_eq!(deploy.spec.replicas, Some(3));
    assert_eq!(deploy.metadata.labels.get("a").map(SharedStr::as_str), Some("b"));
    let containers: Vec<&str> = deploy
        .spec
        .template
        .spec
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(containers, ["web", "busybox"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_create_deployment_keeps_its_own_namespace_from_the_yaml_and_refuses_another() {
    let dir = std::env::temp_dir().join(format!("clientgo-yaml-create-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let with_ns = |ns: &str| {
        let path = dir.join(format!("{ns}.yaml"));
        let yaml =
            yaml_create_deployment::DEMO_YAML.replace("  #namespace: default", &format!("  namespace: {ns}"));
        std::fs::write(&path, yaml).unwrap();
        yaml_create_deployment::Args { filename: Some(path) }
    };
    let own = with_ns("yaml-create-deployment");
    let other = with_ns("default");

    let session = support::session("yaml_create_deployment").await;
    run_guarded(yaml_create_deployment::run(&session, &own)).await;
    let e = run_failing(yaml_create_deployment::run(&session, &other)).await;
    session.finish().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(lines[0], "namespace: yaml-create-deployment, from the YAML");
    assert_eq!(lines[1], "Deployment created: demo");
    assert_eq!(
        e,
        "the YAML puts Deployment demo in namespace default; this example creates objects only in its own namespace yaml-create-deployment"
    );
    let default_deployments = session
        .clientset()
        .apps_v1()
        .deployments("default")
        .list(&ListOptions::default())
        .await
        .unwrap();
    assert!(default_deployments.items.is_empty());
}

#[test]
fn yaml_create_deployment_decodes_only_a_deployment_from_the_first_document() {
    let d = yaml_create_deployment::decode_first(yaml_create_deployment::DEMO_YAML).unwrap();
    assert_eq!((d.name(), d.namespace()), ("demo", None));
    let e = yaml_create_deployment::decode_first("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the first document is a \"Service\", not a Deployment"
    );
    assert!(yaml_create_deployment::decode_first("").is_err());
}
