//! The benchmark pod (fixtures/bench/pod.json) decodes with real values and round-trips exactly.

use clientgo_api::core::v1::Pod;
use clientgo_apimachinery::{Object, Resource, Time};
use serde_json::Value;

const POD_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/bench/pod.json"
));

fn pod() -> Pod {
    serde_json::from_str(POD_JSON).unwrap()
}

#[test]
fn decodes_real_values() {
    let pod = pod();
    assert_eq!(pod.api_version, "v1");
    assert_eq!(pod.kind, "Pod");
    assert_eq!(pod.name(), "web-jpzskpfbvc-4kffd");
    assert_eq!(pod.namespace(), Some("ns-001"));
    assert_eq!(pod.resource_version(), "1010");
    assert_eq!(pod.metadata.labels["app"], "web");
    assert_eq!(pod.metadata.controller_of().unwrap().name, "web-jpzskpfbvc");
    assert_eq!(pod.metadata.managed_fields.len(), 2);
    assert_eq!(
        pod.metadata.managed_fields[1].subresource.as_deref(),
        Some("status")
    );

    let spec = &pod.spec;
    assert_eq!(spec.containers.len(), 2);
    let app = &spec.containers[0];
    assert_eq!(app.name, "app");
    assert_eq!(app.image.as_deref(), Some("registry.local/ns-001/web:v1.21.6"));
    assert_eq!(app.ports[0].container_port, 8080);
    assert_eq!(app.ports[0].protocol.as_deref(), Some("TCP"));
    assert_eq!(app.env.len(), 5);
    assert_eq!(app.env[1].name, "APP_ENV");
    assert_eq!(app.env[1].value.as_deref(), Some("production"));
    let field_ref: Value = app.env[4].value_from.as_ref().unwrap().parse().unwrap();
    assert_eq!(field_ref["fieldRef"]["fieldPath"], "metadata.name");
    assert_eq!(app.resources.limits.get("cpu").unwrap().as_str(), "500m");
    assert_eq!(app.resources.requests.get("memory").unwrap().as_str(), "128Mi");
    assert_eq!(app.volume_mounts[1].mount_path, "/var/run/secrets/app");
    assert!(app.volume_mounts[1].read_only);
    let probe: Value = app.liveness_probe.as_ref().unwrap().parse().unwrap();
    assert_eq!(probe["httpGet"]["path"], "/healthz");
    assert_eq!(
        spec.containers[1].resources.requests.get("cpu").unwrap().as_str(),
        "50m"
    );
    assert_eq!(spec.volumes[0].config_map_name().as_deref(), Some("web-config"));
    assert_eq!(spec.volumes[1].secret_name().as_deref(), Some("web-tls"));
    assert_eq!(spec.node_name.as_deref(), Some("node-0000"));
    assert_eq!(spec.service_account_name.as_deref(), Some("web"));
    assert_eq!(spec.termination_grace_period_seconds, Some(30));
    assert_eq!(
        spec.tolerations[1].key.as_deref(),
        Some("node.kubernetes.io/unreachable")
    );
    assert_eq!(spec.tolerations[1].toleration_seconds, Some(300));
    assert_eq!(spec.priority, Some(0));

    let status = &pod.status;
    assert_eq!(status.phase.as_deref(), Some("Running"));
    assert_eq!(status.conditions.len(), 4);
    assert!(pod.is_ready());
    let ready = pod.condition("Ready").unwrap();
    assert_eq!(ready.last_probe_time, None);
    assert_eq!(
        ready.last_transition_time,
        Some(Time::parse("2026-11-02T03:05:08Z").unwrap())
    );
    assert_eq!(status.pod_ips[0].ip, "10.244.19.129");
    assert_eq!(status.qos_class.as_deref(), Some("Burstable"));
    let proxy = &status.container_statuses[1];
    assert_eq!(proxy.name, "proxy");
    assert!(proxy.ready);
    assert_eq!(proxy.restart_count, 0);
    assert!(proxy
        .container_id
        .as_deref()
        .unwrap()
        .starts_with("containerd://8205"));
    let running = proxy.state.as_ref().unwrap().running.as_ref().unwrap();
    assert_eq!(
        running.started_at,
        Some(Time::parse("2026-11-02T03:05:08Z").unwrap())
    );
}

#[test]
fn round_trips_the_whole_document() {
    let back = serde_json::to_value(pod()).unwrap();
    let input: Value = serde_json::from_str(POD_JSON).unwrap();
    assert_eq!(back, input);
}

#[test]
fn answers_the_servers_field_selectors() {
    let pod = pod();
    let f = |p: &str| pod.field(p).map(std::borrow::Cow::into_owned);
    assert_eq!(f("metadata.name").as_deref(), Some("web-jpzskpfbvc-4kffd"));
    assert_eq!(f("metadata.namespace").as_deref(), Some("ns-001"));
    assert_eq!(f("spec.nodeName").as_deref(), Some("node-0000"));
    assert_eq!(f("spec.restartPolicy").as_deref(), Some("Always"));
    assert_eq!(f("spec.schedulerName").as_deref(), Some("default-scheduler"));
    assert_eq!(f("spec.serviceAccountName").as_deref(), Some("web"));
    assert_eq!(f("spec.hostNetwork").as_deref(), Some("false"));
    assert_eq!(f("status.phase").as_deref(), Some("Running"));
    assert_eq!(f("status.podIP").as_deref(), Some("10.244.19.129"));
    assert_eq!(f("status.nominatedNodeName").as_deref(), Some(""));
    assert_eq!(f("spec.containers"), None);
    assert_eq!(f("status.hostIP"), None);
}

#[test]
fn resource_constants() {
    assert_eq!(Pod::PLURAL, "pods");
    assert_eq!(Pod::api_version(), "v1");
    assert!(Pod::api_resource().namespaced);
    let p = Pod::new("x");
    assert_eq!(
        (p.api_version.as_str(), p.kind.as_str(), p.name()),
        ("v1", "Pod", "x")
    );
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[]},"status":{}}"#
    );
}

#[test]
fn yaml_decodes_through_a_json_value_but_not_directly() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: y\nspec:\n  containers:\n  - name: c\n    image: busybox\n    readinessProbe:\n      exec:\n        command: [\"true\"]\n";
    let err = serde_yaml::from_str::<Pod>(yaml).unwrap_err();
    assert!(err.to_string().contains("newtype struct"), "{err}");
    let value: Value = serde_yaml::from_str(yaml).unwrap();
    let pod: Pod = serde_json::from_value(value).unwrap();
    assert_eq!(pod.spec.containers[0].image.as_deref(), Some("busybox"));
    assert_eq!(
        pod.spec.containers[0].readiness_probe.as_ref().unwrap().as_str(),
        r#"{"exec":{"command":["true"]}}"#
    );
}

/// A typed get-modify-update against a newer server: fields the server added inside `metadata`, an
/// owner reference and a managedFields entry come back on encode, where the edit left them.
#[test]
fn metadata_fields_of_a_newer_server_survive_a_typed_update() {
    let mut newer: Value = serde_json::from_str(POD_JSON).unwrap();
    let meta = &mut newer["metadata"];
    meta["shinyNewField"] = serde_json::json!({"a": [1, "x", null]});
    meta["ownerReferences"][0]["x-owner-hint"] = serde_json::json!(true);
    meta["managedFields"][1]["x-entry"] = serde_json::json!(1.5);
    // Written as a server might, with a trailing zero a float would not keep.
    let text = newer.to_string().replace(r#""x-entry":1.5"#, r#""x-entry":1.50"#);

    let mut pod: Pod = serde_json::from_str(&text).unwrap();
    assert_eq!(
        pod.metadata.unknown_fields.get("shinyNewField").unwrap().as_str(),
        r#"{"a":[1,"x",null]}"#
    );
    pod.metadata.labels.insert("edited", "yes");
    pod.metadata.owner_references[0].block_owner_deletion = Some(false);

    let mut expected = newer;
    expected["metadata"]["labels"]["edited"] = "yes".into();
    expected["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = false.into();
    let written = serde_json::to_string(&pod).unwrap();
    assert!(
        written.contains(r#""x-entry":1.50"#),
        "numbers come back as written: {written}"
    );
    assert_eq!(serde_json::from_str::<Value>(&written).unwrap(), expected);
}
