//! Every example that talks to a cluster, run as a user runs it against a real cluster: the built
//! example binary with `--kubeconfig`, twice in a row, against one embedded API server started here
//! and seeded like the demo cluster (the example sees a kubeconfig, no fault injection, nothing it
//! could tell from a real server). Both runs must exit 0, and afterwards the server must hold exactly
//! the objects it held before: the examples work in namespaces of their own and delete what they
//! create.
//!
//! The options given to each example only shorten its waits (watch timeouts, resync periods,
//! counts), so a run takes seconds; they are the options a user passes for a quick look.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use clientgo_apiserver::ApiServer;

/// A guard against an example that never ends on its own; never a synchronisation.
const RUN_GUARD: Duration = Duration::from_secs(180);

/// Every stored object, as (resource, namespace/name): resourceVersions and contents aside, what a
/// `kubectl get --all-namespaces` of every kind would list.
fn objects(server: &ApiServer) -> BTreeSet<(String, String)> {
    server
        .store()
        .keys_with_prefix("")
        .into_iter()
        .map(|(resource, key)| (resource.to_string(), key.to_string()))
        .collect()
}

/// Runs the example binary `name` once against `server` with `args`; its output on failure.
async fn run_once(server: &ApiServer, name: &str, args: &[&str], attempt: usize) {
    let output = tokio::time::timeout(
        RUN_GUARD,
        tokio::process::Command::new(support::example_binary(name))
            .arg("--kubeconfig")
            .arg(server.kubeconfig_path())
            .args(args)
            .env_remove("KUBECONFIG")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{name} run {attempt} did not finish within {RUN_GUARD:?}"))
    .unwrap_or_else(|e| panic!("{name} could not be started: {e}"));
    assert!(
        output.status.success(),
        "{name} run {attempt} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// Two runs in a row succeed and leave the server as they found it.
async fn runs_twice_and_leaves_nothing_behind(name: &str, args: &[&str]) {
    let server = support::seeded_server().await;
    let before = objects(&server);
    run_once(&server, name, args, 1).await;
    run_once(&server, name, args, 2).await;
    let after = objects(&server);
    let left: Vec<_> = after.difference(&before).collect();
    let lost: Vec<_> = before.difference(&after).collect();
    assert!(
        left.is_empty() && lost.is_empty(),
        "{name} left {left:?} behind and removed {lost:?}"
    );
}

/// One test per example, named after it, with the options of a quick run.
macro_rules! rerun {
    ($($name:ident $(: [$($arg:expr),* $(,)?])?;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            runs_twice_and_leaves_nothing_behind(stringify!($name), &[$($($arg),*)?]).await;
        }
    )*};
}

rerun! {
    client_types_overview;
    clientset_kubeconfig_version;
    controller_max_concurrent_reconciles: ["--keys", "6", "--work-ms", "50"];
    controller_workqueue_informer;
    custom_logger_json_file;
    discovery_api_resources;
    dynamic_client_unstructured;
    events_recorder;
    finalizer_reconcile;
    indexer_queries;
    informer_basic: ["--resync-period", "1", "--resyncs", "2", "--watch-timeout", "1"];
    informer_factory_options: ["--pod-resync", "1", "--deployment-resync", "1.5", "--duration", "3.5"];
    informer_watcher;
    kubectl_lite;
    leader_election_lease;
    list_chunking_limit_continue: ["--objects", "150", "--limit", "10"];
    log_verbosity_levels;
    namespace_bulk_create: ["--count", "12"];
    namespace_crud;
    namespace_patch;
    namespace_server_side_apply;
    operator_crd;
    raw_list_watch_http: ["--timeout-seconds", "10"];
    restclient_raw_version;
    retry_watcher_basic: ["--watch-timeout-seconds", "1", "--hold-seconds", "2", "--pods", "2"];
    retry_watcher_resource_version: ["--watch-timeout-seconds", "1"];
    store_get_by_key;
    structured_logging;
    timeout_global_and_per_request: ["--global-timeout", "0.3", "--per-request-timeout", "0.2"];
    until_conditions: ["--timeout", "20", "--short-timeout", "0.5"];
    watch_all_namespaces: ["--timeout-seconds", "8"];
    watch_channel_close: ["--timeout-seconds", "1"];
    watch_double_loop_rewatch: ["--timeout-seconds", "1"];
    watch_event_ordering;
    watch_event_types: ["--bookmark-timeout-seconds", "1"];
    watch_idle_timeout_resume: ["--idle-timeout", "1"];
    watch_persist_resource_version;
    watch_pods_basic: ["--timeout-seconds", "2"];
    watch_resource_version_resume;
    watch_selectors: ["--timeout-seconds", "1"];
    yaml_create_deployment;
}
