//! Kinds the transcripts do not contain (Node, ServiceAccount, pods in other states), written the way
//! the API server writes them, plus a property test that unknown fields never break decoding.

use clientgo_api::core::v1::{ConfigMap, Node, Pod, ServiceAccount};
use clientgo_apimachinery::{Object, Resource, Time};
use proptest::prelude::*;
use serde_json::{json, Value};

const POD_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/bench/pod.json"
));

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(v: &Value) -> T {
    let obj: T = serde_json::from_str(&v.to_string()).unwrap();
    assert_eq!(&serde_json::to_value(&obj).unwrap(), v);
    obj
}

#[test]
fn node() {
    let v = json!({"kind":"Node","apiVersion":"v1","metadata":{"name":"node-a","uid":"u1","resourceVersion":"77","creationTimestamp":"2026-11-23T06:00:00Z","labels":{"kubernetes.io/hostname":"node-a"}},
        "spec":{"podCIDR":"10.244.0.0/24","podCIDRs":["10.244.0.0/24"],"unschedulable":true,"taints":[{"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule","timeAdded":"2026-11-23T06:10:00Z"}]},
        "status":{"capacity":{"cpu":"2","memory":"24Gi","pods":"110"},"allocatable":{"cpu":"1900m","memory":"23Gi","pods":"110"},
            "conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-11-23T06:20:00Z","lastTransitionTime":"2026-11-23T06:00:05Z","reason":"KubeletReady","message":"kubelet is posting ready status"}],
            "addresses":[{"type":"InternalIP","address":"10.0.0.5"},{"type":"Hostname","address":"node-a"}],
            "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},
            "nodeInfo":{"kubeletVersion":"v1.36.2","architecture":"amd64","operatingSystem":"linux"},
            "images":[{"names":["registry.local/envoy:v1.31.2"],"sizeBytes":51234567}]}});
    let node: Node = round_trip(&v);
    assert!(!Node::api_resource().namespaced);
    assert_eq!(node.field("spec.unschedulable").as_deref(), Some("true"));
    assert_eq!(node.field("metadata.name").as_deref(), Some("node-a"));
    assert_eq!(
        node.spec.taints[0].time_added,
        Some(Time::parse("2026-11-23T06:10:00Z").unwrap())
    );
    assert_eq!(node.status.allocatable.get("cpu").unwrap().as_str(), "1900m");
    assert_eq!(
        node.condition("Ready").unwrap().reason.as_deref(),
        Some("KubeletReady")
    );
    assert_eq!(node.status.addresses[0].address, "10.0.0.5");
    let info: Value = node.status.node_info.as_ref().unwrap().parse().unwrap();
    assert_eq!(info["kubeletVersion"], "v1.36.2");
}

#[test]
fn service_account_and_binary_config_map() {
    let v = json!({"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"web","namespace":"demo"},
        "secrets":[{"name":"web-token"}],"imagePullSecrets":[{"name":"regcred"}],"automountServiceAccountToken":false});
    let sa: ServiceAccount = round_trip(&v);
    assert_eq!(sa.secrets[0].name.as_deref(), Some("web-token"));
    assert_eq!(sa.image_pull_secrets[0].name.as_deref(), Some("regcred"));
    assert_eq!(sa.automount_service_account_token, Some(false));
    assert_eq!(ServiceAccount::PLURAL, "serviceaccounts");

    let v = json!({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"bin"},"immutable":true,"data":{"a":"b"},"binaryData":{"blob":"AAEC/w=="}});
    let cm: ConfigMap = round_trip(&v);
    assert_eq!(cm.binary_data["blob"].as_bytes(), [0, 1, 2, 255]);
    assert_eq!(cm.immutable, Some(true));
}

#[test]
fn pod_with_init_containers_and_non_running_states() {
    let v = json!({"kind":"Pod","apiVersion":"v1","metadata":{"name":"job-x","namespace":"batch"},
        "spec":{"initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"],"resources":{},"restartPolicy":"Always"}],
            "containers":[{"name":"main","image":"app:1","envFrom":[{"configMapRef":{"name":"cfg"}},{"prefix":"S_","secretRef":{"name":"sec","optional":true}}],
                "env":[{"name":"K","valueFrom":{"secretKeyRef":{"name":"sec","key":"k"}}}],"resources":{"requests":{"cpu":"1"}},"stdin":true,"tty":true}],
            "restartPolicy":"Never","hostNetwork":true,"nodeSelector":{"disk":"ssd"},"imagePullSecrets":[{"name":"regcred"}],
            "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}]}}}},
        "status":{"phase":"Pending","nominatedNodeName":"node-b","conditions":[{"type":"PodScheduled","status":"False","lastProbeTime":null,"lastTransitionTime":"2026-11-23T06:00:00Z","reason":"Unschedulable","message":"0/3 nodes are available"}],
            "initContainerStatuses":[{"name":"init","state":{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"2026-11-23T06:00:01Z","finishedAt":"2026-11-23T06:00:02Z","containerID":"containerd://aa"}},"lastState":{},"ready":true,"restartCount":0,"image":"busybox","imageID":""}],
            "containerStatuses":[{"name":"main","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s"}},"lastState":{"terminated":{"exitCode":137,"signal":9,"reason":"OOMKilled"}},"ready":false,"restartCount":7,"image":"app:1","imageID":"app@sha256:00"}],
            "qosClass":"Burstable"}});
    let pod: Pod = round_trip(&v);
    let init = &pod.spec.init_containers[0];
    assert_eq!(init.restart_policy.as_deref(), Some("Always"));
    let main = &pod.spec.containers[0];
    assert_eq!(main.env_from[1].prefix.as_deref(), Some("S_"));
    assert_eq!(main.env_from[1].secret_ref.as_ref().unwrap().optional, Some(true));
    assert_eq!(
        main.env_from[0].config_map_ref.as_ref().unwrap().name.as_deref(),
        Some("cfg")
    );
    assert!(main.stdin && main.tty && !main.stdin_once);
    assert_eq!(pod.spec.node_selector["disk"], "ssd");
    assert!(!pod.is_ready());
    assert_eq!(pod.field("spec.hostNetwork").as_deref(), Some("true"));
    assert_eq!(pod.field("status.nominatedNodeName").as_deref(), Some("node-b"));
    assert_eq!(pod.field("status.podIP").as_deref(), Some(""));
    assert_eq!(pod.field("spec.nodeName").as_deref(), Some(""));
    let done = pod.status.init_container_statuses[0]
        .state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap();
    assert_eq!((done.exit_code, done.reason.as_deref()), (0, Some("Completed")));
    let main_status = &pod.status.container_statuses[0];
    let waiting = main_status.state.as_ref().unwrap().waiting.as_ref().unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
    let last = main_status
        .last_state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap();
    assert_eq!((last.exit_code, last.signal), (137, Some(9)));
    assert_eq!(main_status.restart_count, 7);
}

#[test]
fn nulls_decode_as_empty() {
    let pod: Pod = serde_json::from_str(
        r#"{"metadata":{"name":"n","labels":null},"spec":{"containers":null,"volumes":null,"tolerations":null,"nodeSelector":null,
            "overhead":null},"status":{"conditions":null,"containerStatuses":null,"podIPs":null}}"#,
    )
    .unwrap();
    assert!(
        pod.spec.containers.is_empty() && pod.spec.volumes.is_empty() && pod.status.conditions.is_empty()
    );
    assert!(pod.spec.overhead.is_empty());
}

#[test]
fn wrong_types_are_errors_naming_the_field() {
    let err = serde_json::from_str::<Pod>(
        r#"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":"http"}]}]}}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid type: string \"http\", expected i32"),
        "{err}"
    );
    let err = serde_json::from_str::<Pod>(r#"{"status":{"startTime":"yesterday"}}"#).unwrap_err();
    assert!(err.to_string().contains("yesterday"), "{err}");
}

/// Members that are maps of user keys to strings, not structs: a new key there is data, not an
/// unknown field.
const STRING_MAPS: &[&str] = &["/labels", "/annotations", "/limits", "/requests", "/nodeSelector"];

/// Every path to a struct-like object inside `v`, as JSON pointers.
fn object_paths(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if !STRING_MAPS.iter().any(|suffix| at.ends_with(suffix)) {
                out.push(at.clone());
            }
            for (k, c) in m {
                object_paths(
                    c,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                object_paths(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// An unknown field anywhere in a pod neither fails decoding nor changes what is modelled: the
    /// re-encoded pod is the original, or (when the field landed inside a part kept verbatim) the
    /// original with the field.
    #[test]
    fn unknown_fields_never_break_decoding(pick in any::<prop::sample::Index>(), value in any_json()) {
        let original: Value = serde_json::from_str(POD_JSON).unwrap();
        let mut paths = Vec::new();
        object_paths(&original, String::new(), &mut paths);
        let path = &paths[pick.index(paths.len())];
        let mut mutated = original.clone();
        mutated.pointer_mut(path).unwrap().as_object_mut().unwrap().insert("zzUnknownField".into(), value);
        let pod: Pod = serde_json::from_str(&mutated.to_string())
            .map_err(|e| TestCaseError::fail(format!("insert at {path}: {e}")))?;
        let back = serde_json::to_value(&pod).unwrap();
        prop_assert!(back == original || back == mutated, "insert at {}: {}", path, back);
    }
}
