//! The generated types (docs/api-generation.md, section 12): every generated definition decodes a fully populated
//! sample of its schema and writes it back unchanged, keeps unknown fields at every depth and unlisted enum values,
//! and the kinds decode objects shaped as the API server writes them.

/// `pub const TYPES: &[(&str, RoundTrip)]` from the generated `"spec name" => type` lines.
macro_rules! round_trips {
    ($($name:literal => $ty:ty),* $(,)?) => {
        /// (spec name, round trip through the generated type).
        pub const TYPES: &[(&str, crate::RoundTrip)] = &[$(($name, crate::round_trip::<$ty>)),*];
    };
}

mod generated;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use clientgo_api::rbac::v1::{ClusterRole, ClusterRoleBinding, ClusterRoleList, PolicyRule, RoleBinding};
use clientgo_api::scheduling::v1::{PreemptionPolicy, PriorityClass};
use clientgo_apimachinery::{Object, RawJson, Resource};
use clientgo_codegen::ir::{self, DefinitionKind, Home, Ir};
use clientgo_codegen::sample::{self, Extras};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// A round trip through one generated type: decode the JSON text of a value, encode it again, and decode that
/// once more; the two decoded values must be equal. Returns the encoded JSON, or what went wrong.
type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    value: &Value,
) -> Result<Value, String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    let decoded: T = serde_json::from_str(&text).map_err(|e| format!("decode: {e}"))?;
    let encoded = serde_json::to_string(&decoded).map_err(|e| format!("encode: {e}"))?;
    let again: T = serde_json::from_str(&encoded).map_err(|e| format!("decode of the encoding: {e}"))?;
    if again != decoded {
        return Err(format!(
            "decoding the encoding gave another value:\n{decoded:?}\n{again:?}"
        ));
    }
    serde_json::from_str(&encoded).map_err(|e| e.to_string())
}

fn model() -> &'static Ir {
    static IR: OnceLock<Ir> = OnceLock::new();
    IR.get_or_init(|| {
        let files =
            clientgo_codegen::read_dir(&clientgo_codegen::vendored_spec_dir()).expect("vendored spec");
        let spec = clientgo_codegen::spec::load(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
            .unwrap_or_else(|e| panic!("{e}"));
        ir::build(&spec).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Round-trips the sample of every generated definition with `extras`, expecting the sample back exactly.
fn all_round_trip(extras: Extras) {
    let mut failures = Vec::new();
    for (name, trip) in generated::TYPES {
        let sample =
            sample::sample(model(), name, extras).unwrap_or_else(|| panic!("{name} is not in the spec"));
        match trip(&sample) {
            Ok(back) if back == sample => {}
            Ok(back) => failures.push(format!("{name}: wrote\n{back}\nfor\n{sample}")),
            Err(e) => failures.push(format!("{name}: {e}\n{sample}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Section 12, "round-trip per kind with a fully populated value": every property set, decoded, encoded,
/// compared as JSON.
#[test]
fn every_generated_definition_round_trips_fully_populated() {
    all_round_trip(Extras::none());
}

/// Section 12, "unknown fields at several depths come back": an unknown key in every object of the sample
/// (the kind, its metadata, list items, nested structs) is written back where it was.
#[test]
fn unknown_fields_at_every_depth_come_back() {
    all_round_trip(Extras::none().with_unknown_fields());
}

/// An enum value v1.36.2 does not list is kept as sent, never a decode error.
#[test]
fn unlisted_enum_values_come_back() {
    all_round_trip(Extras::none().with_unknown_enum_values());
    let policy: PreemptionPolicy = serde_json::from_value(json!(sample::UNKNOWN_ENUM_VALUE)).unwrap();
    assert!(!policy.is_known());
    assert_eq!(policy, sample::UNKNOWN_ENUM_VALUE);
}

/// The table the round trips walk holds exactly the struct definitions of the generated group/versions (lists
/// are aliases of `List<T>`, checked through their item).
#[test]
fn the_table_covers_every_generated_definition() {
    let generated: BTreeSet<_> = clientgo_codegen::emit::generated_group_versions()
        .into_iter()
        .collect();
    let expected: BTreeSet<&str> = model()
        .definitions
        .values()
        .filter(|d| matches!(&d.home, Home::Api(gv) if generated.contains(gv)))
        .filter(|d| matches!(d.kind, DefinitionKind::Struct(_)))
        .filter(|d| !d.gvks.iter().any(|g| g.kind.ends_with("List")))
        .map(|d| d.name.as_str())
        .collect();
    let table: BTreeSet<&str> = generated::TYPES.iter().map(|(name, _)| *name).collect();
    assert_eq!(table, expected);
    assert_eq!(
        table.len(),
        145,
        "the struct definitions of the 12 group/versions of phase 2a, lists excluded"
    );
}

/// A ClusterRole as a v1.36 API server returns it (the bootstrap `system:aggregate-to-view` role: labels,
/// annotations, managed fields, rules with resource names and non-resource URLs), written here in the shape
/// the server writes: the recorded transcripts hold no RBAC object. It decodes into typed fields and writes back
/// the same JSON.
#[test]
fn cluster_role_as_the_api_server_returns_it() {
    let served = json!({
        "kind": "ClusterRole",
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "metadata": {
            "name": "system:aggregate-to-view",
            "uid": "5b7f6b8e-2c61-4d3a-9c1e-0f4a8d2b7e15",
            "resourceVersion": "102",
            "creationTimestamp": "2026-11-30T08:15:02Z",
            "labels": {
                "kubernetes.io/bootstrapping": "rbac-defaults",
                "rbac.authorization.k8s.io/aggregate-to-view": "true"
            },
            "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
            "managedFields": [{
                "manager": "kube-apiserver",
                "operation": "Update",
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "time": "2026-11-30T08:15:02Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:rbac.authorization.kubernetes.io/autoupdate": {}}}, "f:rules": {}}
            }]
        },
        "rules": [
            {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["configmaps", "endpoints", "pods", "pods/log"]},
            {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["cluster-info"]},
            {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/version"]}
        ]
    });
    let role: ClusterRole = serde_json::from_value(served.clone()).unwrap();
    assert_eq!(role.name(), "system:aggregate-to-view");
    assert_eq!(
        role.metadata.labels["kubernetes.io/bootstrapping"],
        "rbac-defaults"
    );
    assert_eq!(role.rules.len(), 3);
    assert_eq!(role.rules[0].verbs, ["get", "list", "watch"]);
    assert_eq!(role.rules[0].resources[3], "pods/log");
    assert_eq!(role.rules[1].resource_names, ["cluster-info"]);
    assert!(role.rules[2].api_groups.is_empty());
    assert_eq!(role.rules[2].non_resource_urls, ["/healthz", "/version"]);
    assert_eq!(role.aggregation_rule, None);
    assert!(role.unknown_fields.is_empty() && role.rules.iter().all(|r| r.unknown_fields.is_empty()));
    // The server writes `kind` before `apiVersion`; JSON objects compare without order.
    assert_eq!(serde_json::to_value(&role).unwrap(), served);

    let list: ClusterRoleList = serde_json::from_value(json!({
        "kind": "ClusterRoleList", "apiVersion": "rbac.authorization.k8s.io/v1",
        "metadata": {"resourceVersion": "4711"}, "items": [served]
    }))
    .unwrap();
    assert_eq!(list.items, [role]);
    assert_eq!(list.metadata.resource_version.as_deref(), Some("4711"));
}

/// An aggregated ClusterRole keeps its label selectors, and a ClusterRoleBinding its subjects and role ref; a
/// field a newer server adds inside a rule comes back.
#[test]
fn aggregated_role_and_binding_keep_their_references() {
    let admin = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "admin"},
        "aggregationRule": {"clusterRoleSelectors": [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}
        ]},
        "rules": [{"verbs": ["*"], "apiGroups": ["apps"], "resources": ["deployments"], "x-newer": {"since": "1.40"}}]
    });
    let role: ClusterRole = serde_json::from_value(admin.clone()).unwrap();
    let selectors = &role.aggregation_rule.as_ref().unwrap().cluster_role_selectors;
    assert_eq!(
        selectors[0].match_labels["rbac.authorization.k8s.io/aggregate-to-admin"],
        "true"
    );
    let newer = role.rules[0]
        .unknown_fields
        .get("x-newer")
        .map(RawJson::parse::<Value>);
    assert_eq!(newer.transpose().unwrap(), Some(json!({"since": "1.40"})));
    assert_eq!(serde_json::to_value(&role).unwrap(), admin);

    let binding: ClusterRoleBinding = serde_json::from_value(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "cluster-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]
    }))
    .unwrap();
    assert_eq!(binding.role_ref.name, "cluster-admin");
    assert_eq!(binding.subjects[0].kind, "Group");
    assert_eq!(binding.subjects[0].namespace, None);
}

/// `resource!` on generated kinds: the facts of the spec's paths and a constructor that fills the type fields;
/// a binding always writes its required `roleRef`, an empty one included.
#[test]
fn generated_kinds_are_resources() {
    assert_eq!(ClusterRole::api_version(), "rbac.authorization.k8s.io/v1");
    assert_eq!(
        (ClusterRole::PLURAL, ClusterRole::NAMESPACED),
        ("clusterroles", false)
    );
    assert_eq!(
        (RoleBinding::KIND, RoleBinding::PLURAL, RoleBinding::NAMESPACED),
        ("RoleBinding", "rolebindings", true)
    );
    assert_eq!(
        (PriorityClass::GROUP, PriorityClass::PLURAL),
        ("scheduling.k8s.io", "priorityclasses")
    );
    let mut binding = RoleBinding::new("read-pods");
    binding.metadata.namespace = Some("demo".into());
    assert_eq!(
        serde_json::to_value(&binding).unwrap(),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "read-pods", "namespace": "demo"}, "roleRef": {"kind": "", "name": ""}})
    );
    let rule = PolicyRule {
        verbs: vec!["get".into()],
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&rule).unwrap(), json!({"verbs": ["get"]}));
}

/// The bootstrap `system-node-critical` PriorityClass as the server returns it: `value` and `preemptionPolicy`
/// typed, the constant compared with `==`.
#[test]
fn priority_class_as_the_api_server_returns_it() {
    let served = json!({
        "kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1",
        "metadata": {"name": "system-node-critical", "uid": "0d5c0f6e-8a4b-4c1f-9a52-3e7b9d1c2a40",
                     "resourceVersion": "73", "creationTimestamp": "2026-11-30T08:15:01Z"},
        "value": 2000001000,
        "description": "Used for system critical pods that must not be moved from their current node.",
        "preemptionPolicy": "PreemptLowerPriority"
    });
    let class: PriorityClass = serde_json::from_value(served.clone()).unwrap();
    assert_eq!(class.value, 2_000_001_000);
    assert_eq!(
        class.preemption_policy,
        Some(PreemptionPolicy::PREEMPT_LOWER_PRIORITY)
    );
    assert!(class
        .preemption_policy
        .as_ref()
        .is_some_and(PreemptionPolicy::is_known));
    assert_eq!(class.global_default, None);
    assert_eq!(serde_json::to_value(&class).unwrap(), served);
}
