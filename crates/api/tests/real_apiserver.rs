//! Every object of a modelled kind found in the real API server transcripts
//! (fixtures/real-apiserver) decodes, carries its real values, and re-encodes to the same JSON.

use std::path::PathBuf;

use clientgo_api::apiextensions::v1::CustomResourceDefinition;
use clientgo_api::apps::v1::Deployment;
use clientgo_api::coordination::v1::Lease;
use clientgo_api::core::v1::{ConfigMap, Event, Namespace, Service};
use clientgo_api::events::v1::Event as EventsV1Event;
use clientgo_apimachinery::{List, Object, Resource};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/real-apiserver"
    ))
}

/// Where a document was found.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Side {
    /// A body a client (curl, kubectl) sent: Go-always-written fields may be missing.
    Request,
    /// A body the server wrote.
    Response,
}

/// Every JSON document in the transcripts: request and response bodies and watch event lines, with
/// the file it came from. A body starts at a line beginning with `{` and may span lines.
fn documents() -> Vec<(String, Side, Value)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the real-apiserver transcripts, found {files:?}"
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut offset = 0;
        let mut side = Side::Request;
        for line in text.split_inclusive('\n') {
            if line.starts_with("################") {
                side = Side::Request;
            } else if line.starts_with("---- response") {
                side = Side::Response;
            } else if line.starts_with('{') {
                let mut stream = serde_json::Deserializer::from_str(&text[offset..]).into_iter::<Value>();
                if let Some(Ok(v)) = stream.next() {
                    out.push((name.clone(), side, v));
                }
            }
            offset += line.len();
        }
    }
    out
}

/// The objects inside the documents: watch events are unwrapped, list items flattened, and lists
/// themselves kept too (as `(file, document)` with kind `XxxList`).
fn objects() -> Vec<(String, Side, Value)> {
    let mut out = Vec::new();
    for (file, side, doc) in documents() {
        let obj = match (doc.get("type"), doc.get("object")) {
            (Some(Value::String(_)), Some(o)) => o.clone(),
            _ => doc,
        };
        if let Some(items) = obj.get("items").and_then(Value::as_array) {
            out.extend(items.iter().map(|i| (file.clone(), side, i.clone())));
        }
        out.push((file, side, obj));
    }
    out
}

fn of_kind(kind: &str, api_version: &str) -> Vec<(String, Side, Value)> {
    objects()
        .into_iter()
        .filter(|(_, _, o)| {
            o.get("kind").and_then(Value::as_str) == Some(kind)
                && o.get("apiVersion")
                    .and_then(Value::as_str)
                    .is_none_or(|v| v == api_version)
        })
        .collect()
}

/// Whether `output` carries everything `input` has, up to empty values: like Go, an empty field may
/// be dropped (`omitempty`) or written for an unset one (`null`, `{}`, `""`, `[]`, or objects of those).
fn covers(input: &Value, output: &Value) -> bool {
    fn empty(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(m) => m.values().all(empty),
            _ => false,
        }
    }
    match (input, output) {
        (Value::Object(i), Value::Object(o)) => {
            i.iter()
                .all(|(k, iv)| o.get(k).map_or(empty(iv), |ov| covers(iv, ov)))
                && o.iter().all(|(k, ov)| i.contains_key(k) || empty(ov))
        }
        (Value::Array(i), Value::Array(o)) => {
            i.len() == o.len() && i.iter().zip(o).all(|(a, b)| covers(a, b))
        }
        _ => input == output,
    }
}

/// Decodes every object of `T`'s kind from its JSON text and returns them for value assertions.
/// Server-written objects must re-encode to exactly the same JSON value; client-written request
/// bodies must survive with only Go's always-written empty fields added.
fn decode_all<T: Resource + DeserializeOwned + Serialize>() -> Vec<T> {
    let api_version = T::api_version();
    let found = of_kind(T::KIND, &api_version);
    let responses = found
        .iter()
        .filter(|(_, side, _)| *side == Side::Response)
        .count();
    assert!(
        responses > 0,
        "no server-written {} objects in the transcripts",
        T::KIND
    );
    found
        .into_iter()
        .map(|(file, side, v)| {
            let text = serde_json::to_string(&v).unwrap();
            let obj: T = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{file}: {} does not decode: {e}\n{text}", T::KIND));
            let back = serde_json::to_value(&obj).unwrap();
            match side {
                Side::Response => assert_eq!(back, v, "{file}: {} does not round-trip", T::KIND),
                Side::Request => assert!(
                    covers(&v, &back),
                    "{file}: {} loses fields:\n{v}\n{back}",
                    T::KIND
                ),
            }
            obj
        })
        .collect()
}

/// Decodes every `XxxList` body of `T`'s kind as a `List<T>`.
fn decode_lists<T: Resource + DeserializeOwned>() -> Vec<List<T>> {
    let list_kind = format!("{}List", T::KIND);
    let found = of_kind(&list_kind, &T::api_version());
    assert!(!found.is_empty(), "no {list_kind} bodies in the transcripts");
    found
        .into_iter()
        .map(|(file, _, v)| {
            let text = serde_json::to_string(&v).unwrap();
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {list_kind} does not decode: {e}"))
        })
        .collect()
}

#[test]
fn config_maps() {
    let all = decode_all::<ConfigMap>();
    assert!(all.len() > 50, "{}", all.len());
    let cm6 = all
        .iter()
        .find(|c| c.name() == "cm-6" && c.resource_version() == "218")
        .unwrap();
    assert_eq!(cm6.namespace(), Some("demo"));
    assert_eq!(cm6.data["k"], "v6");
    assert_eq!(cm6.metadata.labels["app"], "demo");
    assert!(all
        .iter()
        .any(|c| !c.metadata.finalizers.is_empty() && c.metadata.deletion_timestamp.is_some()));

    let lists = decode_lists::<ConfigMap>();
    assert!(lists
        .iter()
        .any(|l| l.metadata.continue_.is_some() && l.metadata.remaining_item_count.is_some()));
    assert!(lists
        .iter()
        .all(|l| l.items.iter().all(|c| c.kind.is_empty() || c.kind == "ConfigMap")));
    assert!(lists.iter().map(|l| l.items.len()).sum::<usize>() > 10);
}

#[test]
fn namespaces() {
    let all = decode_all::<Namespace>();
    let terminating = all
        .iter()
        .find(|n| n.status.phase.as_deref() == Some("Terminating"))
        .expect("a Terminating namespace in 11-finalizers-deletion.txt");
    assert!(terminating.metadata.deletion_timestamp.is_some());
    assert_eq!(terminating.field("status.phase").as_deref(), Some("Terminating"));
    assert!(all
        .iter()
        .any(|n| n.spec.finalizers.iter().any(|f| f == "kubernetes")));
    assert!(!Namespace::api_resource().namespaced);
}

#[test]
fn services() {
    let all = decode_all::<Service>();
    let web = all
        .iter()
        .find(|s| s.name() == "web" && s.spec.cluster_ip.is_some())
        .unwrap();
    assert_eq!(web.spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(web.spec.ports[0].port, 80);
    assert_eq!(
        web.spec.ports[0].target_port,
        Some(clientgo_api::IntOrString::Int(80))
    );
    assert_eq!(web.spec.selector["app"], "web");
    assert_eq!(web.spec.ip_families, ["IPv4"]);
    assert_eq!(
        web.field("spec.clusterIP").as_deref(),
        web.spec.cluster_ip.as_deref()
    );
    assert_eq!(web.field("spec.type").as_deref(), Some("ClusterIP"));
}

#[test]
fn leases() {
    let all = decode_all::<Lease>();
    let renewed = all
        .iter()
        .filter(|l| l.name() == "example-controller")
        .filter_map(|l| Some((l.spec.acquire_time?, l.spec.renew_time?)))
        .any(|(acquired, renewed)| renewed > acquired);
    assert!(renewed, "the transcript renews the lease");
    let first = &all[0];
    assert_eq!(
        first.spec.holder_identity.as_deref(),
        Some("node-a_4b8f2c1e-9d3a-4e6b-a1f0-6c2d8e7b5a90")
    );
    assert_eq!(first.spec.lease_duration_seconds, Some(15));
    assert_eq!(first.spec.acquire_time.unwrap().unix_micros() % 1_000_000, 6106);
    assert_eq!(decode_lists::<Lease>().len(), 1);
}

#[test]
fn core_events() {
    let all = decode_all::<Event>();
    let scheduled = all
        .iter()
        .find(|e| e.reason.as_deref() == Some("Scheduled"))
        .unwrap();
    assert_eq!(scheduled.involved_object.name.as_deref(), Some("web-0"));
    assert_eq!(scheduled.source.component.as_deref(), Some("example-scheduler"));
    assert_eq!(scheduled.event_time, None);
    assert_eq!(scheduled.field("involvedObject.kind").as_deref(), Some("Pod"));
    assert_eq!(
        scheduled.field("involvedObject.uid").as_deref(),
        Some("3f6e2a9c-1b7d-4c58-9e0a-2d4f6b8c1e35")
    );
    assert_eq!(scheduled.field("source").as_deref(), Some("example-scheduler"));
    assert_eq!(
        scheduled.field("reportingComponent").as_deref(),
        Some("example-scheduler")
    );
    assert_eq!(scheduled.field("type").as_deref(), Some("Normal"));
    assert_eq!(scheduled.field("involvedObject.fieldPath").as_deref(), Some(""));
    assert!(all.iter().any(|e| e.count.unwrap_or(0) > 1), "the count patch");
    assert!(!decode_lists::<Event>().is_empty());
}

#[test]
fn events_v1_events() {
    let all = decode_all::<EventsV1Event>();
    let pulling = all
        .iter()
        .find(|e| e.action.as_deref() == Some("Pulling"))
        .unwrap();
    assert_eq!(
        pulling.regarding.as_ref().unwrap().field_path.as_deref(),
        Some("spec.containers{web}")
    );
    assert_eq!(
        pulling.reporting_controller.as_deref(),
        Some("example.com/demo-controller")
    );
    assert!(pulling.event_time.is_some());
    assert!(all.iter().any(|e| e.series.is_some()), "the series patch");
}

#[test]
fn deployments() {
    let all = decode_all::<Deployment>();
    let web = all
        .iter()
        .find(|d| d.name() == "web" && d.metadata.uid.is_some())
        .unwrap();
    assert_eq!(web.spec.replicas, Some(3));
    assert_eq!(web.spec.selector.as_ref().unwrap().match_labels["app"], "web");
    let pod = &web.spec.template.spec;
    assert_eq!(pod.containers.len(), 2);
    assert_eq!(pod.containers[1].command, ["sh", "-c", "sleep infinity"]);
    assert_eq!(pod.containers[0].ports[0].container_port, 80);
    assert_eq!(
        pod.containers[0].termination_message_path.as_deref(),
        Some("/dev/termination-log")
    );
    assert_eq!(pod.security_context.as_ref().unwrap().as_str(), "{}");
    let rolling = web.spec.strategy.rolling_update.as_ref().unwrap();
    assert_eq!(
        rolling.max_surge,
        Some(clientgo_api::IntOrString::String("25%".into()))
    );
    assert_eq!(web.spec.revision_history_limit, Some(10));
    assert_eq!(web.spec.progress_deadline_seconds, Some(600));
}

/// The generated apiextensions/v1 type (docs/api-generation.md, phase 2a): every CRD of the transcripts
/// (08-crd-*, the operator runs) decodes and the server-written ones re-encode to the same JSON, schema included.
#[test]
fn custom_resource_definitions() {
    let all = decode_all::<CustomResourceDefinition>();
    let widgets = all
        .iter()
        .find(|c| c.spec.names.plural == "widgets" && !c.spec.versions.is_empty())
        .expect("the widgets CRD");
    assert_eq!(widgets.spec.scope, "Namespaced");
    let version = &widgets.spec.versions[0];
    assert!(version.served && version.storage);
    let schema = version
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref());
    assert_eq!(schema.and_then(|s| s.type_.as_deref()), Some("object"));
    // The server writes `"conditions": null` before the CRD is established (overrides.yaml, null_when_unset),
    // and required names as `""`: both come back as written (decode_all compared the JSON).
    let served = all
        .iter()
        .find(|c| c.metadata.uid.is_some())
        .expect("a server-written CRD");
    assert!(served.status.conditions.is_empty());
    assert_eq!(served.status.stored_versions, ["v1"]);
    assert_eq!(served.status.accepted_names.plural, "");
    assert_eq!(served.spec.names.list_kind.as_deref(), Some("WidgetList"));
}
