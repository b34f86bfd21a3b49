//! Runs the kubectl_lite example's seed lifecycle against the embedded API server.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/kubectl_lite.rs"]
mod kubectl_lite;

use clientgo_apiserver::ApiServer;

#[tokio::test]
async fn seed_lifecycle_prints_kubectls_lines_and_exit_codes() {
    let s = ApiServer::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kubectl-lite-example-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = String::new();
    kubectl_lite::run(s.kubeconfig_path(), &dir, &mut out)
        .await
        .unwrap();
    let out = out.replace(&format!("{}/", dir.display()), "");
    let expected = "$ kubectl-lite apply -f demo.yaml
service/demo created
deployment.apps/demo created
[exit 0]
$ kubectl-lite apply -f demo.yaml
service/demo unchanged
deployment.apps/demo unchanged
[exit 0]
$ kubectl-lite apply -f demo.yaml
service/demo configured
deployment.apps/demo unchanged
[exit 0]
$ kubectl-lite delete -f demo.yaml
service \"demo\" deleted
deployment.apps \"demo\" deleted
[exit 0]
$ kubectl-lite delete -f demo.yaml
Error from server (NotFound): error when deleting \"demo.yaml\": services \"demo\" not found
Error from server (NotFound): error when deleting \"demo.yaml\": deployments.apps \"demo\" not found
[exit 1]
$ kubectl-lite apply -f demo.yaml
deployment.apps/demo created
The Service \"demo\" is invalid: spec.type: Unsupported value: \"ClusterIP1\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"
[exit 1]
$ kubectl-lite delete -f demo.yaml
deployment.apps \"demo\" deleted
Error from server (NotFound): error when deleting \"demo.yaml\": services \"demo\" not found
[exit 1]
$ kubectl-lite abc
error: unknown command \"abc\" for \"kubectl-lite\"
[exit 1]
$ kubectl-lite apply
error: must specify one of -f and -k
[exit 1]
";
    assert_eq!(out, expected);
    let _ = std::fs::remove_dir_all(&dir);
}
