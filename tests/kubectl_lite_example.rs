//! Runs the kubectl_lite example's seed lifecycle against the embedded API server.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/kubectl_lite.rs"]
mod kubectl_lite;

mod support;

use clientgo_example::NoArgs;
use support::GUARD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_lifecycle_prints_kubectls_lines_and_exit_codes() {
    let session = support::session("kubectl_lite").await;
    tokio::time::timeout(GUARD, kubectl_lite::run(&session, &NoArgs {}))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let expected = "$ kubectl-lite -n kubectl-lite apply -f demo.yaml
service/demo created
deployment.apps/demo created
[exit 0]
$ kubectl-lite -n kubectl-lite apply -f demo.yaml
service/demo unchanged
deployment.apps/demo unchanged
[exit 0]
$ kubectl-lite -n kubectl-lite apply -f demo.yaml
service/demo configured
deployment.apps/demo unchanged
[exit 0]
$ kubectl-lite -n kubectl-lite delete -f demo.yaml
service \"demo\" deleted
deployment.apps \"demo\" deleted
[exit 0]
$ kubectl-lite -n kubectl-lite delete -f demo.yaml
Error from server (NotFound): error when deleting \"demo.yaml\": services \"demo\" not found
Error from server (NotFound): error when deleting \"demo.yaml\": deployments.apps \"demo\" not found
[exit 1]
$ kubectl-lite -n kubectl-lite apply -f demo.yaml
deployment.apps/demo created
The Service \"demo\" is invalid: spec.type: Unsupported value: \"ClusterIP1\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"
[exit 1]
$ kubectl-lite -n kubectl-lite delete -f demo.yaml
deployment.apps \"demo\" deleted
Error from server (NotFound): error when deleting \"demo.yaml\": services \"demo\" not found
[exit 1]
$ kubectl-lite -n kubectl-lite abc
error: unknown command \"abc\" for \"kubectl-lite\"
[exit 1]
$ kubectl-lite -n kubectl-lite apply
error: must specify one of -f and -k
[exit 1]";
    assert_eq!(support::example_lines(&session).join("\n"), expected);
    // The file's directory is gone.
    let dir = std::env::temp_dir().join(format!("kubectl_lite-{}", std::process::id()));
    assert!(!dir.exists(), "{} left behind", dir.display());
}
