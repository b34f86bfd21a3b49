//! Runs the built `kubectl-lite` binary against the embedded API server (started in process, with the
//! kubeconfig it writes) and checks stdout, stderr and the exit code exactly.

use std::path::{Path, PathBuf};
use std::process::Command;

use clientgo_apiserver::ApiServer;

struct Out {
    stdout: String,
    stderr: String,
    code: i32,
}

async fn kubectl(args: &[&str], cwd: &Path) -> Out {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let cwd = cwd.to_owned();
    tokio::task::spawn_blocking(move || {
        let o = Command::new(env!("CARGO_BIN_EXE_kubectl-lite"))
            .args(&args)
            .current_dir(&cwd)
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        Out {
            stdout: String::from_utf8(o.stdout).unwrap(),
            stderr: String::from_utf8(o.stderr).unwrap(),
            code: o.status.code().unwrap_or(-1),
        }
    })
    .await
    .unwrap()
}

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubectl-lite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The seed's Service manifest, shared with examples/kubectl_lite.rs.
const SERVICE: &str = include_str!("../../../fixtures/kubectl-lite/service.yaml");

/// The seed's Deployment manifest, shared with examples/kubectl_lite.rs.
const DEPLOYMENT: &str = include_str!("../../../fixtures/kubectl-lite/deployment.yaml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_lifecycle_created_unchanged_configured_deleted_not_found() {
    let s = ApiServer::start().await.unwrap();
    let kc = s.kubeconfig_path().to_string_lossy().into_owned();
    let dir = workdir("lifecycle");
    std::fs::write(dir.join("demo.yaml"), format!("{SERVICE}---\n{DEPLOYMENT}")).unwrap();
    let apply = ["--kubeconfig", &kc, "apply", "-f", "demo.yaml"];
    let delete = ["--kubeconfig", &kc, "delete", "-f", "demo.yaml"];

    let o = kubectl(&apply, &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("service/demo created\ndeployment.apps/demo created\n", "", 0)
    );
    let o = kubectl(&apply, &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("service/demo unchanged\ndeployment.apps/demo unchanged\n", "", 0)
    );

    let labelled = SERVICE.replace("  name: demo\n", "  name: demo\n  labels:\n    tier: web\n");
    std::fs::write(dir.join("demo.yaml"), format!("{labelled}---\n{DEPLOYMENT}")).unwrap();
    let o = kubectl(&apply, &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("service/demo configured\ndeployment.apps/demo unchanged\n", "", 0)
    );

    let o = kubectl(&["--kubeconfig", &kc, "get", "svc", "demo", "-o", "name"], &dir).await;
    assert_eq!((o.stdout.as_str(), o.code), ("service/demo\n", 0));

    let o = kubectl(&delete, &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        (
            "service \"demo\" deleted\ndeployment.apps \"demo\" deleted\n",
            "",
            0
        )
    );
    let o = kubectl(&delete, &dir).await;
    assert_eq!((o.stdout.as_str(), o.stderr.as_str(), o.code), ("",
        "Error from server (NotFound): error when deleting \"demo.yaml\": services \"demo\" not found\n\
         Error from server (NotFound): error when deleting \"demo.yaml\": deployments.apps \"demo\" not found\n", 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_service_type_is_printed_last_with_exit_1() {
    let s = ApiServer::start().await.unwrap();
    let kc = s.kubeconfig_path().to_string_lossy().into_owned();
    let dir = workdir("invalid");
    let bad = SERVICE.replace("type: ClusterIP", "type: ClusterIP1");
    std::fs::write(dir.join("demo.yaml"), format!("{bad}---\n{DEPLOYMENT}")).unwrap();
    let o = kubectl(&["--kubeconfig", &kc, "apply", "-f", "demo.yaml"], &dir).await;
    assert_eq!((o.stdout.as_str(), o.stderr.as_str(), o.code), (
        "deployment.apps/demo created\n",
        "The Service \"demo\" is invalid: spec.type: Unsupported value: \"ClusterIP1\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"\n",
        1));
    let o = kubectl(&["--kubeconfig", &kc, "delete", "-f", "demo.yaml"], &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        (
            "deployment.apps \"demo\" deleted\n",
            "Error from server (NotFound): error when deleting \"demo.yaml\": services \"demo\" not found\n",
            1
        )
    );
}

const MIXED: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: gear
  namespace: shop
spec:
  teeth: 12
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_kinds_including_a_crd_and_its_custom_object() {
    let s = ApiServer::start().await.unwrap();
    let kc = s.kubeconfig_path().to_string_lossy().into_owned();
    let dir = workdir("mixed");
    std::fs::create_dir_all(dir.join("m")).unwrap();
    std::fs::write(dir.join("m/all.yaml"), MIXED).unwrap();
    let o = kubectl(&["--kubeconfig", &kc, "apply", "-f", "m"], &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        (
            "namespace/shop created\nconfigmap/settings created\n\
         customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n\
         widget.example.com/gear created\ndeployment.apps/demo created\n",
            "",
            0
        )
    );
    let o = kubectl(
        &[
            "--kubeconfig",
            &kc,
            "-n",
            "shop",
            "get",
            "widgets",
            "gear",
            "-o",
            "json",
        ],
        &dir,
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["spec"]["teeth"], 12);
    let o = kubectl(&["--kubeconfig", &kc, "apply", "-f", "m/all.yaml"], &dir).await;
    assert_eq!(
        o.stdout.matches(" unchanged\n").count(),
        5,
        "{}{}",
        o.stdout,
        o.stderr
    );
}

#[tokio::test]
async fn parse_errors_use_kubectls_words() {
    let dir = workdir("parse");
    let o = kubectl(&["abc"], &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("", "error: unknown command \"abc\" for \"kubectl-lite\"\n", 1)
    );
    let o = kubectl(&["--kubeconfig", "kc", "-v", "6", "abc"], &dir).await;
    assert_eq!(o.stderr, "error: unknown command \"abc\" for \"kubectl-lite\"\n");
    let o = kubectl(&["get"], &dir).await;
    assert_eq!(
        (o.stderr.as_str(), o.code),
        (
            "You must specify the type of resource to get.\n\nerror: Required resource not specified.\n\
         See 'kubectl-lite get -h' for help and examples\n",
            1
        )
    );
    let o = kubectl(&["get", "pods", "-o", "table"], &dir).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .starts_with("error: unable to match a printer suitable for the output format \"table\""),
        "{}",
        o.stderr
    );
    let o = kubectl(&["apply"], &dir).await;
    assert_eq!(
        (o.stderr.as_str(), o.code),
        ("error: must specify one of -f and -k\n", 1)
    );
    let o = kubectl(&["delete", "-f", "missing.yaml"], &dir).await;
    assert_eq!(
        (o.stderr.as_str(), o.code),
        ("error: the path \"missing.yaml\" does not exist\n", 1)
    );
    std::fs::write(dir.join("bad.yaml"), "kind: A\n---\nkind: B\nmetadata: [x\n").unwrap();
    let o = kubectl(&["apply", "-f", "bad.yaml"], &dir).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .starts_with("error: error parsing bad.yaml: document 2: line "),
        "{}",
        o.stderr
    );
    let o = kubectl(&["apply", "--help"], &dir).await;
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("-f, --filename <FILENAME>"), "{}", o.stdout);
}

async fn kubectl_stdin(args: &[&str], cwd: &Path, input: &str) -> Out {
    use std::io::Write as _;
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let (cwd, input) = (cwd.to_owned(), input.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-lite"))
            .args(&args)
            .current_dir(&cwd)
            .env_remove("KUBECONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        Out {
            stdout: String::from_utf8(o.stdout).unwrap(),
            stderr: String::from_utf8(o.stderr).unwrap(),
            code: o.status.code().unwrap_or(-1),
        }
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_objects_default_to_the_context_namespace() {
    let s = ApiServer::start().await.unwrap();
    let dir = workdir("context-ns");
    let text = std::fs::read_to_string(s.kubeconfig_path()).unwrap();
    assert!(text.contains("    namespace: default\n"), "{text}");
    std::fs::write(
        dir.join("kc"),
        text.replace("    namespace: default\n", "    namespace: team\n"),
    )
    .unwrap();
    let input = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n---\n\
                 apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n";
    let o = kubectl_stdin(&["--kubeconfig", "kc", "apply", "-f", "-"], &dir, input).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("namespace/team created\nconfigmap/cm created\n", "", 0)
    );
    // The object landed in the context's namespace, not in default.
    let o = kubectl(&["--kubeconfig", "kc", "get", "cm", "-o", "name"], &dir).await;
    assert_eq!((o.stdout.as_str(), o.code), ("configmap/cm\n", 0));
    let o = kubectl(
        &["--kubeconfig", "kc", "-n", "default", "get", "configmaps", "cm"],
        &dir,
    )
    .await;
    assert_eq!(
        (o.stderr.as_str(), o.code),
        ("Error from server (NotFound): configmaps \"cm\" not found\n", 1)
    );
    let o = kubectl(
        &["--kubeconfig", "kc", "-n", "default", "get", "configmaps"],
        &dir,
    )
    .await;
    assert_eq!(o.stdout, "No resources found in default namespace.\n");
    // Deleting the namespace first would take the ConfigMap with it: delete in reverse order.
    let reversed = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\n\
                    apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n";
    let o = kubectl_stdin(&["--kubeconfig", "kc", "delete", "-f", "-"], &dir, reversed).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("configmap \"cm\" deleted\nnamespace \"team\" deleted\n", "", 0)
    );
    let o = kubectl(&["--kubeconfig", "kc", "get", "gizmos"], &dir).await;
    assert_eq!(
        (o.stderr.as_str(), o.code),
        ("error: the server doesn't have a resource type \"gizmos\"\n", 1)
    );
    let o = kubectl(&["--kubeconfig", "kc", "--context", "nosuch", "get", "ns"], &dir).await;
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("nosuch"), "{}", o.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbosity_prints_klog_request_lines_headers_and_never_the_token() {
    let s = ApiServer::builder().token("s3cr3t-t0ken").start().await.unwrap();
    let kc = s.kubeconfig_path().to_string_lossy().into_owned();
    let dir = workdir("verbosity");
    let quiet = kubectl(&["--kubeconfig", &kc, "get", "ns", "-o", "name"], &dir).await;
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "", "-v 0 logs nothing");

    let six = kubectl(&["--kubeconfig", &kc, "-v", "6", "get", "ns", "-o", "name"], &dir).await;
    assert_eq!(six.code, 0, "{}", six.stderr);
    let request = six
        .stderr
        .lines()
        .find(|l| l.contains("/api/v1/namespaces") && l.contains("200 OK"))
        .unwrap_or_else(|| panic!("no request line at -v 6: {}", six.stderr));
    assert!(request.starts_with('I'), "klog header (severity I): {request}");
    assert!(
        !six.stderr.contains("header"),
        "headers start at -v 7: {}",
        six.stderr
    );

    let seven = kubectl(&["--kubeconfig", &kc, "-v", "7", "get", "ns", "-o", "name"], &dir).await;
    assert_eq!(seven.code, 0, "{}", seven.stderr);
    assert!(seven.stderr.contains("header=accept "), "{}", seven.stderr);
    assert!(
        seven
            .stderr
            .contains(r#"header=authorization value="Bearer <masked>""#),
        "{}",
        seven.stderr
    );
    // klog's header names the source file: the client's request log and kubeconfig loader only.
    let files: std::collections::BTreeSet<&str> = seven
        .stderr
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(head, _)| head))
        .filter_map(|head| head.rsplit(' ').next())
        .filter_map(|place| place.split_once(".rs:").map(|(file, _)| file))
        .collect();
    assert_eq!(
        files,
        ["debug_log", "loader"].into(),
        "only the client's own lines, not the HTTP stack's: {}",
        seven.stderr
    );
    assert!(
        !seven.stderr.contains("s3cr3t-t0ken"),
        "the token never reaches the logs"
    );
    assert_eq!(seven.stdout, six.stdout, "logging does not change the output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_yaml_and_force_conflicts_takes_a_field_another_manager_owns() {
    let s = ApiServer::start().await.unwrap();
    let kc = s.kubeconfig_path().to_string_lossy().into_owned();
    let dir = workdir("force");
    std::fs::write(
        dir.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  mode: a\n",
    )
    .unwrap();
    let o = kubectl(&["--kubeconfig", &kc, "apply", "-f", "cm.yaml"], &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.code),
        ("configmap/shared created\n", 0),
        "{}",
        o.stderr
    );

    let o = kubectl(
        &["--kubeconfig", &kc, "get", "configmap", "shared", "-o", "yaml"],
        &dir,
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let doc: serde_json::Value = serde_yaml::from_str(&o.stdout).unwrap();
    assert_eq!(doc["kind"], "ConfigMap");
    assert_eq!(doc["data"]["mode"], "a");
    assert_eq!(doc["metadata"]["name"], "shared");

    // Another manager takes `data.mode` with a forced apply of its own.
    let config = clientgo_clientcmd::build_config_from_flags("", &kc).unwrap();
    let cs = clientgo_client::Clientset::new(&config).unwrap();
    cs.core_v1()
        .config_maps("default")
        .patch(
            "shared",
            &clientgo_client::PatchType::Apply {
                field_manager: "other".into(),
                force: true,
            },
            &serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}, "data": {"mode": "b"}}),
            &Default::default(),
        )
        .await
        .unwrap();
    std::fs::write(
        dir.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  mode: c\n",
    )
    .unwrap();
    let o = kubectl(&["--kubeconfig", &kc, "apply", "-f", "cm.yaml"], &dir).await;
    assert_eq!(o.code, 1, "a conflict without force: {}", o.stdout);
    assert!(o.stderr.contains("conflict"), "{}", o.stderr);
    let o = kubectl(
        &["--kubeconfig", &kc, "apply", "--force-conflicts", "-f", "cm.yaml"],
        &dir,
    )
    .await;
    assert_eq!(
        (o.stdout.as_str(), o.code),
        ("configmap/shared configured\n", 0),
        "{}",
        o.stderr
    );
    let o = kubectl(
        &["--kubeconfig", &kc, "get", "configmap", "shared", "-o", "json"],
        &dir,
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["data"]["mode"], "c");
}

/// A kubeconfig whose one cluster is `server`.
fn kubeconfig_for(dir: &Path, server: &str) -> String {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
         contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {{}}\n\
         current-context: c\n"
    );
    std::fs::write(dir.join("kc"), text).unwrap();
    "kc".to_owned()
}

/// A local port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_connection_is_told_in_kubectls_words_once_per_command() {
    let dir = workdir("refused");
    let port = closed_port();
    let kc = kubeconfig_for(&dir, &format!("https://127.0.0.1:{port}"));
    let refused = format!(
        "The connection to the server 127.0.0.1:{port} was refused - did you specify the right host or port?\n"
    );
    let o = kubectl(&["--kubeconfig", &kc, "get", "pods"], &dir).await;
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.code),
        ("", refused.as_str(), 1)
    );
    // Two documents, one unreachable server: said once, as kubectl's CheckErr does.
    std::fs::write(dir.join("demo.yaml"), format!("{SERVICE}---\n{DEPLOYMENT}")).unwrap();
    for verb in ["apply", "delete"] {
        let o = kubectl(&["--kubeconfig", &kc, verb, "-f", "demo.yaml"], &dir).await;
        assert_eq!(
            (o.stdout.as_str(), o.stderr.as_str(), o.code),
            ("", refused.as_str(), 1),
            "{verb}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_cannot_be_reached_otherwise_says_why() {
    // TLS spoken to a plain-HTTP server: no HTTP answer, the cause in words.
    let s = ApiServer::start().await.unwrap();
    let dir = workdir("unreachable");
    let https = s.url().replacen("http://", "https://", 1);
    let kc = kubeconfig_for(&dir, &https);
    let o = kubectl(&["--kubeconfig", &kc, "get", "pods"], &dir).await;
    assert_eq!(o.code, 1);
    let why = o
        .stderr
        .strip_prefix("Unable to connect to the server: TLS handshake with ")
        .unwrap_or_else(|| panic!("{}", o.stderr));
    assert!(why.contains(" failed: "), "the cause follows: {}", o.stderr);
}

#[tokio::test]
async fn a_kubeconfig_that_cannot_be_read_is_named_with_the_reason() {
    let dir = workdir("kubeconfig-missing");
    let o = kubectl(&["--kubeconfig", "missing-kc", "get", "pods"], &dir).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .starts_with("error: cannot read kubeconfig missing-kc: No such file or directory"),
        "{}",
        o.stderr
    );
    std::fs::create_dir_all(dir.join("a-directory")).unwrap();
    let o = kubectl(&["--kubeconfig", "a-directory", "apply", "-f", "-"], &dir).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .starts_with("error: cannot read kubeconfig a-directory: "),
        "{}",
        o.stderr
    );
    assert!(o.stderr.trim_end().len() > "error: cannot read kubeconfig a-directory: ".len());
}

#[tokio::test]
async fn an_invalid_kubeconfig_names_the_place_and_the_yaml_error() {
    let dir = workdir("kubeconfig-invalid");
    std::fs::write(
        dir.join("bad-kc"),
        "apiVersion: v1\nkind: Config\nclusters: [\n  - c\n",
    )
    .unwrap();
    let o = kubectl(&["--kubeconfig", "bad-kc", "get", "pods"], &dir).await;
    assert_eq!((o.stdout.as_str(), o.code), ("", 1));
    let cause = o
        .stderr
        .strip_prefix("error: invalid kubeconfig bad-kc:")
        .and_then(|rest| rest.split_once(": "))
        .map(|(_place, cause)| cause)
        .unwrap_or_else(|| panic!("{}", o.stderr));
    assert!(!cause.trim().is_empty(), "the YAML error follows: {}", o.stderr);
}
