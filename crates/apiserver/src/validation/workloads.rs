//! Validation of Services, Pods and Deployments: the required bits and the value sets the real server
//! checks, with its messages.
//!
//! Mirrors k8s.io/kubernetes `pkg/apis/core/validation/validation.go` (`ValidateService`,
//! `ValidatePodSpec`, `validateContainers`) and `pkg/apis/apps/validation` (`ValidateDeploymentSpec`).

use serde_json::{Map, Value};

use super::kinds::{labels_errors, object_meta, sorted_keys, Scope};
use super::names::{dns1035_label, dns1123_label, dns1123_subdomain};
use super::{quote, str_at, FieldError};

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const SESSION_AFFINITIES: &[&str] = &["ClientIP", "None"];
const RESTART_POLICIES: &[&str] = &["Always", "Never", "OnFailure"];
const DEPLOYMENT_STRATEGIES: &[&str] = &["Recreate", "RollingUpdate"];
const PORT_RANGE: &str = "must be between 1 and 65535, inclusive";

fn items(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn port_in_range(p: i64) -> bool {
    (1..=65535).contains(&p)
}

/// Mirrors core `ValidateService`.
pub(super) fn service(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Namespaced, dns1035_label);
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    let type_ = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP");
    let headless = str_at(spec, &["clusterIP"]) == "None";
    let ports = items(spec.get("ports"));
    if ports.is_empty() && !headless && type_ != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    if type_ == "ExternalName" {
        let cname = str_at(spec, &["externalName"]);
        let cname = cname.strip_suffix('.').unwrap_or(cname);
        if cname.is_empty() {
            errs.push(FieldError::required("spec.externalName", ""));
        } else {
            for msg in dns1123_subdomain(cname) {
                errs.push(FieldError::invalid("spec.externalName", cname, msg));
            }
        }
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        errs.extend(service_port(
            port,
            ports.len() > 1,
            &mut names,
            &format!("spec.ports[{i}]"),
        ));
    }
    if let Some(selector) = spec.get("selector").and_then(Value::as_object) {
        errs.extend(labels_errors(selector, "spec.selector"));
    }
    if let Some(affinity) = spec.get("sessionAffinity").and_then(Value::as_str) {
        if !SESSION_AFFINITIES.contains(&affinity) {
            errs.push(FieldError::not_supported(
                "spec.sessionAffinity",
                affinity,
                SESSION_AFFINITIES,
            ));
        }
    }
    if !SERVICE_TYPES.contains(&type_) {
        errs.push(FieldError::not_supported("spec.type", type_, SERVICE_TYPES));
    }
    errs
}

/// Mirrors core `validateServicePort`.
fn service_port<'a>(
    port: &'a Value,
    require_name: bool,
    names: &mut Vec<&'a str>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = str_at(port, &["name"]);
    if require_name && name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else if !name.is_empty() {
        for msg in dns1123_label(name) {
            errs.push(FieldError::invalid(format!("{path}.name"), name, msg));
        }
        if names.contains(&name) {
            errs.push(FieldError::duplicate(format!("{path}.name"), name));
        } else {
            names.push(name);
        }
    }
    let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
    if !port_in_range(number) {
        errs.push(FieldError::invalid_raw(
            format!("{path}.port"),
            number,
            PORT_RANGE,
        ));
    }
    errs.extend(protocol(port, path));
    if let Some(target) = port.get("targetPort").and_then(Value::as_i64) {
        if target != 0 && !port_in_range(target) {
            errs.push(FieldError::invalid_raw(
                format!("{path}.targetPort"),
                target,
                PORT_RANGE,
            ));
        }
    }
    errs
}

/// `protocol` defaults to TCP; anything else must be a supported protocol.
fn protocol(port: &Value, path: &str) -> Option<FieldError> {
    let protocol = port.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
    (!PROTOCOLS.contains(&protocol))
        .then(|| FieldError::not_supported(format!("{path}.protocol"), protocol, PROTOCOLS))
}

/// A set `spec.clusterIP` cannot change.
pub(super) fn service_update(obj: &Value, old: &Value) -> Vec<FieldError> {
    let (new_ip, old_ip) = (
        str_at(obj, &["spec", "clusterIP"]),
        str_at(old, &["spec", "clusterIP"]),
    );
    if !new_ip.is_empty()
        && !old_ip.is_empty()
        && new_ip != old_ip
        && str_at(old, &["spec", "type"]) != "ExternalName"
    {
        vec![FieldError::invalid(
            "spec.clusterIP",
            new_ip,
            "field is immutable",
        )]
    } else {
        Vec::new()
    }
}

/// Mirrors core `ValidatePod` (metadata and the pod spec).
pub(super) fn pod(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Namespaced, dns1123_subdomain);
    errs.extend(pod_spec(obj.get("spec").unwrap_or(&Value::Null), "spec"));
    errs
}

/// Mirrors core `ValidatePodSpec`: containers (required, names unique DNS labels, images, ports,
/// env names) and the restart policy.
fn pod_spec(spec: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for list in ["initContainers", "containers"] {
        let containers = items(spec.get(list));
        if list == "containers" && containers.is_empty() {
            errs.push(FieldError::required(format!("{path}.containers"), ""));
        }
        for (i, c) in containers.iter().enumerate() {
            errs.extend(container(c, &mut names, &format!("{path}.{list}[{i}]")));
        }
    }
    if let Some(policy) = spec.get("restartPolicy").and_then(Value::as_str) {
        if !RESTART_POLICIES.contains(&policy) {
            errs.push(FieldError::not_supported(
                format!("{path}.restartPolicy"),
                policy,
                RESTART_POLICIES,
            ));
        }
    }
    errs
}

fn container<'a>(c: &'a Value, names: &mut Vec<&'a str>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = str_at(c, &["name"]);
    if name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else {
        for msg in dns1123_label(name) {
            errs.push(FieldError::invalid(format!("{path}.name"), name, msg));
        }
    }
    if str_at(c, &["image"]).is_empty() {
        errs.push(FieldError::required(format!("{path}.image"), ""));
    }
    for (i, port) in items(c.get("ports")).iter().enumerate() {
        let port_path = format!("{path}.ports[{i}]");
        match port.get("containerPort").and_then(Value::as_i64).unwrap_or(0) {
            0 => errs.push(FieldError::required(format!("{port_path}.containerPort"), "")),
            p if !port_in_range(p) => errs.push(FieldError::invalid_raw(
                format!("{port_path}.containerPort"),
                p,
                PORT_RANGE,
            )),
            _ => {}
        }
        errs.extend(protocol(port, &port_path));
    }
    for (i, env) in items(c.get("env")).iter().enumerate() {
        if str_at(env, &["name"]).is_empty() {
            errs.push(FieldError::required(format!("{path}.env[{i}].name"), ""));
        }
    }
    if !name.is_empty() {
        if names.contains(&name) {
            errs.push(FieldError::duplicate(format!("{path}.name"), name));
        } else {
            names.push(name);
        }
    }
    errs
}

/// Mirrors apps `ValidateDeployment`.
pub(super) fn deployment(obj: &Value) -> Vec<FieldError> {
    let mut errs = object_meta(obj, Scope::Namespaced, dns1123_subdomain);
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    if let Some(replicas) = spec.get("replicas").and_then(Value::as_i64) {
        if replicas < 0 {
            errs.push(FieldError::invalid_raw(
                "spec.replicas",
                replicas,
                "must be greater than or equal to 0",
            ));
        }
    }
    let selector = spec.get("selector").filter(|s| !s.is_null());
    match selector {
        None => errs.push(FieldError::required("spec.selector", "")),
        Some(sel) => {
            if let Some(ml) = sel.get("matchLabels").and_then(Value::as_object) {
                errs.extend(labels_errors(ml, "spec.selector.matchLabels"));
            }
            if selector_is_empty(sel) {
                errs.push(FieldError::invalid_raw(
                    "spec.selector",
                    go_label_selector(sel),
                    "empty selector is invalid for deployment",
                ));
            }
        }
    }
    let template = spec.get("template").unwrap_or(&Value::Null);
    let labels = template
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object);
    let checks_labels = selector.is_none_or(|s| !selector_is_empty(s));
    if checks_labels && !selector.is_some_and(|s| selector_matches(s, labels)) {
        errs.push(FieldError::invalid_raw(
            "spec.template.metadata.labels",
            go_string_map(labels),
            "`selector` does not match template `labels`",
        ));
    }
    if let Some(l) = labels {
        errs.extend(labels_errors(l, "spec.template.metadata.labels"));
    }
    let pod = template.get("spec").unwrap_or(&Value::Null);
    errs.extend(pod_spec(pod, "spec.template.spec"));
    if let Some(policy) = pod.get("restartPolicy").and_then(Value::as_str) {
        if policy != "Always" && RESTART_POLICIES.contains(&policy) {
            errs.push(FieldError::not_supported(
                "spec.template.spec.restartPolicy",
                policy,
                &["Always"],
            ));
        }
    }
    if let Some(kind) = spec
        .get("strategy")
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
    {
        if !DEPLOYMENT_STRATEGIES.contains(&kind) {
            errs.push(FieldError::not_supported(
                "spec.strategy.type",
                kind,
                DEPLOYMENT_STRATEGIES,
            ));
        }
    }
    errs
}

fn selector_is_empty(sel: &Value) -> bool {
    let n = |k: &str| {
        sel.get(k).map_or(0, |v| {
            v.as_object().map_or(0, Map::len) + v.as_array().map_or(0, Vec::len)
        })
    };
    n("matchLabels") + n("matchExpressions") == 0
}

/// Whether a LabelSelector matches `labels` (matchLabels and the four expression operators).
fn selector_matches(sel: &Value, labels: Option<&Map<String, Value>>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    let match_labels = sel.get("matchLabels").and_then(Value::as_object);
    let labels_ok = match_labels
        .into_iter()
        .flatten()
        .all(|(k, v)| get(k) == v.as_str());
    let exprs_ok = items(sel.get("matchExpressions")).iter().all(|e| {
        let key = str_at(e, &["key"]);
        let values: Vec<&str> = items(e.get("values")).iter().filter_map(Value::as_str).collect();
        match str_at(e, &["operator"]) {
            "In" => get(key).is_some_and(|v| values.contains(&v)),
            "NotIn" => get(key).is_none_or(|v| !values.contains(&v)),
            "Exists" => get(key).is_some(),
            "DoesNotExist" => get(key).is_none(),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

/// Go's `%#v` of a `map[string]string`: `map[string]string{"a":"1", "b":"2"}`, or `(nil)`.
fn go_string_map(map: Option<&Map<String, Value>>) -> String {
    let Some(map) = map else {
        return "map[string]string(nil)".to_owned();
    };
    let entries: Vec<String> = sorted_keys(map)
        .into_iter()
        .map(|k| {
            format!(
                "{}:{}",
                quote(k),
                quote(map.get(k).and_then(Value::as_str).unwrap_or_default())
            )
        })
        .collect();
    format!("map[string]string{{{}}}", entries.join(", "))
}

/// Go's `%#v` of a `metav1.LabelSelector`, as validation messages print a selector:
/// `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`.
fn go_label_selector(sel: &Value) -> String {
    let labels = go_string_map(sel.get("matchLabels").and_then(Value::as_object));
    let exprs = match sel.get("matchExpressions").and_then(Value::as_array) {
        None => "[]v1.LabelSelectorRequirement(nil)".to_owned(),
        Some(list) => {
            let items: Vec<String> = list.iter().map(go_requirement).collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{exprs}}}")
}

fn go_requirement(req: &Value) -> String {
    let values = match req.get("values").and_then(Value::as_array) {
        None => "[]string(nil)".to_owned(),
        Some(v) => {
            let quoted: Vec<String> = v.iter().map(|x| quote(x.as_str().unwrap_or_default())).collect();
            format!("[]string{{{}}}", quoted.join(", "))
        }
    };
    format!(
        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{values}}}",
        quote(str_at(req, &["key"])),
        quote(str_at(req, &["operator"]))
    )
}

/// An apps/v1 Deployment's selector cannot change.
///
/// Mirrors apps `ValidateDeploymentUpdate`.
pub(super) fn deployment_update(obj: &Value, old: &Value) -> Vec<FieldError> {
    let selector = |o: &Value| {
        o.get("spec")
            .and_then(|s| s.get("selector"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (new_sel, old_sel) = (selector(obj), selector(old));
    if new_sel == old_sel || new_sel.is_null() {
        return Vec::new();
    }
    vec![FieldError::invalid_raw(
        "spec.selector",
        go_label_selector(&new_sel),
        "field is immutable",
    )]
}
