use serde_json::{json, Value};

use super::*;
use crate::patch::transcript::find;

fn status_json(r: Result<(), Status>) -> Value {
    serde_json::to_value(r.expect_err("expected a 422")).unwrap()
}

fn message(r: Result<(), Status>) -> String {
    r.expect_err("expected a 422").message.unwrap_or_default()
}

#[test]
fn transcript_07_bad_configmap_name() {
    let [ex] = find(
        "07-errors-and-misc.txt",
        "POST /api/v1/namespaces/demo/configmaps",
        422,
    )
    .try_into()
    .ok()
    .expect("one 422 create");
    let mut cm = ex.request_json();
    cm["metadata"]["namespace"] = json!("demo");
    assert_eq!(status_json(validate("configmaps", &cm, None)), ex.response_json());
}

#[test]
fn transcript_11_new_finalizer_while_deleting() {
    let [ex] = find(
        "11-finalizers-deletion.txt",
        "PATCH /api/v1/namespaces/demo/configmaps/cm-fin",
        422,
    )
    .into_iter()
    .filter(|e| e.request_body.contains("second"))
    .collect::<Vec<_>>()
    .try_into()
    .ok()
    .expect("one 422 merge patch");
    let old = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-fin", "namespace": "demo",
        "deletionTimestamp": "2026-11-23T18:18:45Z", "finalizers": ["example.com/cleanup"]}, "data": {"k": "v"}});
    let mut new = old.clone();
    crate::patch::merge_patch(&mut new, &ex.request_json());
    assert_eq!(
        status_json(validate("configmaps", &new, Some(&old))),
        ex.response_json()
    );
    // Removing the finalizer is fine.
    let mut done = old.clone();
    crate::patch::merge_patch(&mut done, &json!({"metadata": {"finalizers": null}}));
    assert_eq!(validate("configmaps", &done, Some(&old)), Ok(()));
}

#[test]
fn transcript_13_event_422s() {
    let exchanges = find("13-events.txt", "/events", 422);
    assert_eq!(exchanges.len(), 3);
    for ex in exchanges {
        let mut ev = ex.request_json();
        ev["metadata"]["namespace"] = json!("demo");
        assert_eq!(
            status_json(validate("events", &ev, None)),
            ex.response_json(),
            "{}",
            ex.header
        );
    }
}

#[test]
fn transcript_13_valid_events_pass() {
    for ex in find("13-events.txt", "POST", 201) {
        assert_eq!(
            validate("events", &ex.request_json(), None),
            Ok(()),
            "{}",
            ex.header
        );
    }
}

#[test]
fn transcript_14_unsupported_service_type() {
    let [ex] = find(
        "14-ssa-apply-lifecycle.txt",
        "PATCH /api/v1/namespaces/demo/services/web?fieldManager",
        422,
    )
    .try_into()
    .ok()
    .expect("one 422 apply");
    let svc: Value = serde_yaml::from_str(&ex.request_body).unwrap();
    assert_eq!(status_json(validate("services", &svc, None)), ex.response_json());
}

#[test]
fn transcript_14_missing_field_manager() {
    let [ex] = find(
        "14-ssa-apply-lifecycle.txt",
        "PATCH /api/v1/namespaces/demo/services/web",
        422,
    )
    .into_iter()
    .filter(|e| !e.header.contains("fieldManager"))
    .collect::<Vec<_>>()
    .try_into()
    .ok()
    .expect("one 422 without fieldManager");
    let body = serde_json::to_value(crate::apply::missing_field_manager_status()).unwrap();
    assert_eq!(body, ex.response_json());
}

#[test]
fn transcript_objects_that_the_real_server_accepted_are_valid() {
    for (file, resource) in [
        ("14-ssa-apply-lifecycle.txt", "services"),
        ("14-ssa-apply-lifecycle.txt", "deployments"),
        ("15-kubectl-apply-delete.txt", "services"),
        ("15-kubectl-apply-delete.txt", "deployments"),
    ] {
        for ex in find(file, &format!("/{resource}/"), 201) {
            assert_eq!(
                validate(resource, &ex.response_json(), None),
                Ok(()),
                "{}",
                ex.header
            );
        }
    }
    for ex in find("12-leases.txt", "/leases", 201) {
        assert_eq!(
            validate("leases", &ex.response_json(), None),
            Ok(()),
            "{}",
            ex.header
        );
    }
}

#[test]
fn name_required_unless_generate_name() {
    let st = validate("configmaps", &json!({"metadata": {"namespace": "demo"}}), None).unwrap_err();
    assert_eq!(
        st.message.as_deref(),
        Some("ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required")
    );
    assert_eq!(st.details.as_ref().and_then(|d| d.name.clone()), None);
    let ok = json!({"metadata": {"generateName": "cm-", "name": "cm-x7k2p", "namespace": "demo"}});
    assert_eq!(validate("configmaps", &ok, None), Ok(()));
    let bad = json!({"metadata": {"generateName": "CM-", "name": "cm-x7k2p", "namespace": "demo"}});
    assert!(
        message(validate("configmaps", &bad, None)).contains("metadata.generateName: Invalid value: \"CM-\"")
    );
}

#[test]
fn names_per_kind() {
    let svc = json!({"metadata": {"name": "1web", "namespace": "d"}, "spec": {"ports": [{"port": 80}]}});
    assert_eq!(
        message(validate("services", &svc, None)),
        "Service \"1web\" is invalid: metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    );
    let ns = json!({"metadata": {"name": "a.b"}});
    assert!(message(validate("namespaces", &ns, None)).starts_with(
        "Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label"
    ));
    assert_eq!(
        validate("namespaces", &json!({"metadata": {"name": "kube-system"}}), None),
        Ok(())
    );
    let ns = json!({"metadata": {"name": "x", "namespace": "y"}});
    assert_eq!(
        message(validate("namespaces", &ns, None)),
        "Namespace \"x\" is invalid: metadata.namespace: Forbidden: not allowed on this type"
    );
}

#[test]
fn several_errors_are_bracketed_and_all_causes_listed() {
    let svc = json!({"metadata": {"name": "web", "namespace": "demo"},
        "spec": {"type": "Bogus", "ports": [{"port": 0, "name": "a"}, {"port": 80, "name": "a", "protocol": "ICMP"}]}});
    let st = validate("services", &svc, None).unwrap_err();
    assert_eq!(
        st.message.as_deref(),
        Some("Service \"web\" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[1].name: Duplicate value: \"a\", spec.ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\", spec.type: Unsupported value: \"Bogus\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"]")
    );
    let causes = st.details.unwrap().causes;
    assert_eq!(causes.len(), 4);
    assert_eq!(causes[1].reason.as_deref(), Some("FieldValueDuplicate"));
    assert_eq!(causes[1].field.as_deref(), Some("spec.ports[1].name"));
}

#[test]
fn service_ports_required_and_names_when_several() {
    let svc = json!({"metadata": {"name": "web", "namespace": "demo"}, "spec": {}});
    assert_eq!(
        message(validate("services", &svc, None)),
        "Service \"web\" is invalid: spec.ports: Required value"
    );
    let headless = json!({"metadata": {"name": "web", "namespace": "demo"}, "spec": {"clusterIP": "None"}});
    assert_eq!(validate("services", &headless, None), Ok(()));
    let ext = json!({"metadata": {"name": "web", "namespace": "demo"}, "spec": {"type": "ExternalName"}});
    assert_eq!(
        message(validate("services", &ext, None)),
        "Service \"web\" is invalid: spec.externalName: Required value"
    );
    let two = json!({"metadata": {"name": "web", "namespace": "demo"}, "spec": {"ports": [{"port": 80}, {"port": 81, "name": "b"}]}});
    assert_eq!(
        message(validate("services", &two, None)),
        "Service \"web\" is invalid: spec.ports[0].name: Required value"
    );
}

#[test]
fn service_cluster_ip_is_immutable() {
    let old = json!({"metadata": {"name": "web", "namespace": "demo"}, "spec": {"clusterIP": "10.0.0.1", "ports": [{"port": 80}]}});
    let mut new = old.clone();
    new["spec"]["clusterIP"] = json!("10.0.0.2");
    assert_eq!(
        message(validate("services", &new, Some(&old))),
        "Service \"web\" is invalid: spec.clusterIP: Invalid value: \"10.0.0.2\": field is immutable"
    );
    assert_eq!(validate("services", &old, Some(&old)), Ok(()));
}

fn deployment(selector: Value, labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "demo"},
        "spec": {"selector": selector, "template": {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
}

#[test]
fn deployment_selector_required_and_matching() {
    let d = deployment(Value::Null, json!({"app": "web"}));
    assert_eq!(
        message(validate("deployments", &d, None)),
        "Deployment.apps \"web\" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`]"
    );
    let d = deployment(
        json!({"matchLabels": {"app": "other"}}),
        json!({"app": "web", "tier": "x"}),
    );
    let st = validate("deployments", &d, None).unwrap_err();
    assert_eq!(st.details.as_ref().and_then(|x| x.group.as_deref()), Some("apps"));
    assert_eq!(
        st.message.as_deref(),
        Some("Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", \"tier\":\"x\"}: `selector` does not match template `labels`")
    );
    let d = deployment(json!({"matchLabels": {}}), json!({"app": "web"}));
    assert_eq!(
        message(validate("deployments", &d, None)),
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
    );
    let d = deployment(
        json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}),
        json!({"app": "web"}),
    );
    assert_eq!(validate("deployments", &d, None), Ok(()));
}

#[test]
fn pod_containers_required_with_name_and_image() {
    let pod = json!({"metadata": {"name": "p", "namespace": "demo"}, "spec": {}});
    assert_eq!(
        message(validate("pods", &pod, None)),
        "Pod \"p\" is invalid: spec.containers: Required value"
    );
    let pod = json!({"metadata": {"name": "p", "namespace": "demo"}, "spec": {"containers": [
        {"name": "web", "image": "nginx", "ports": [{"containerPort": 70000}]}, {"name": "web"}, {"image": "x", "env": [{"value": "1"}]}]}});
    assert_eq!(
        message(validate("pods", &pod, None)),
        "Pod \"p\" is invalid: [spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive, spec.containers[1].image: Required value, spec.containers[1].name: Duplicate value: \"web\", spec.containers[2].name: Required value, spec.containers[2].env[0].name: Required value]"
    );
    let ok = json!({"metadata": {"name": "p", "namespace": "demo"}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}});
    assert_eq!(validate("pods", &ok, None), Ok(()));
}

#[test]
fn lease_durations() {
    let lease = json!({"metadata": {"name": "l", "namespace": "demo"}, "spec": {"leaseDurationSeconds": 0, "leaseTransitions": -1}});
    assert_eq!(
        message(validate("leases", &lease, None)),
        "Lease.coordination.k8s.io \"l\" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]"
    );
}

#[test]
fn configmap_and_secret_keys_labels_and_immutability() {
    let cm = json!({"metadata": {"name": "c", "namespace": "d", "labels": {"ok": "-bad"}}, "data": {"a b": "1"}, "binaryData": {"a b": "AA=="}});
    let st = validate("configmaps", &cm, None).unwrap_err();
    let fields: Vec<_> = st
        .details
        .unwrap()
        .causes
        .into_iter()
        .filter_map(|c| c.field)
        .collect();
    assert_eq!(
        fields,
        [
            "metadata.labels",
            "data[a b]",
            "binaryData[a b]",
            "binaryData[a b]"
        ]
    );

    let old = json!({"kind": "Secret", "metadata": {"name": "s", "namespace": "d"}, "type": "Opaque", "immutable": true, "data": {"k": "dg=="}});
    let mut new = old.clone();
    new["data"]["k"] = json!("dw==");
    new["type"] = json!("kubernetes.io/tls");
    assert_eq!(
        message(validate("secrets", &new, Some(&old))),
        "Secret \"s\" is invalid: [type: Invalid value: \"kubernetes.io/tls\": field is immutable, data: Forbidden: field is immutable when `immutable` is set]"
    );
}

#[test]
fn custom_resources_and_crds() {
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "W1", "namespace": "demo"}});
    let st = validate("widgets", &w, None).unwrap_err();
    assert!(st
        .message
        .unwrap()
        .starts_with("Widget.example.com \"W1\" is invalid: metadata.name: Invalid value: \"W1\""));
    let crd = json!({"metadata": {"name": "widgets.example.org"}, "spec": {"group": "example.com", "names": {"plural": "widgets"}}});
    assert_eq!(
        message(validate("customresourcedefinitions", &crd, None)),
        "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.org\" is invalid: metadata.name: Invalid value: \"widgets.example.org\": must be spec.names.plural+\".\"+spec.group"
    );
}

#[test]
fn error_bodies_print_like_go() {
    assert_eq!(FieldError::required("a", "").body(), "Required value");
    assert_eq!(FieldError::forbidden("a", "no").to_string(), "a: Forbidden: no");
    assert_eq!(
        FieldError::invalid("a", "x\"y", "bad").to_string(),
        "a: Invalid value: \"x\\\"y\": bad"
    );
    assert_eq!(
        FieldError::invalid_raw("a", 3, "bad").to_string(),
        "a: Invalid value: 3: bad"
    );
    assert_eq!(
        FieldError::duplicate("a", "x").to_string(),
        "a: Duplicate value: \"x\""
    );
    assert_eq!(FieldError::duplicate("a", "x").error_type(), ErrorType::Duplicate);
}
