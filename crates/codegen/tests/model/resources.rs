//! The resources read off the paths: counts, verbs, scopes and subresources.

use clientgo_codegen::ir::{Resource, Scope, Verb};

use crate::support::ir;

fn resource(group: &str, plural: &str) -> &'static Resource {
    ir().resources
        .iter()
        .find(|r| r.gv.group == group && r.plural == plural)
        .unwrap_or_else(|| panic!("no resource {group}/{plural}"))
}

fn verbs(r: &Resource) -> Vec<&'static str> {
    r.verbs.iter().map(|v| v.as_str()).collect()
}

const ALL: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

#[test]
fn there_are_68_resources_27_with_status_and_4_with_scale() {
    let resources = &ir().resources;
    assert_eq!(resources.len(), 68);
    assert_eq!(
        resources
            .iter()
            .filter(|r| r.subresource("status").is_some())
            .count(),
        27
    );
    let mut scaled: Vec<String> = resources
        .iter()
        .filter(|r| r.subresource("scale").is_some())
        .map(|r| format!("{}/{}", r.gv, r.plural))
        .collect();
    scaled.sort();
    assert_eq!(
        scaled,
        [
            "apps/v1/deployments",
            "apps/v1/replicasets",
            "apps/v1/statefulsets",
            "core/v1/replicationcontrollers"
        ]
    );
    for r in resources.iter().filter(|r| r.subresource("scale").is_some()) {
        let scale = r.subresource("scale").expect("scale");
        assert_eq!(
            (
                scale.gvk.group.as_str(),
                scale.gvk.version.as_str(),
                scale.gvk.kind.as_str()
            ),
            ("autoscaling", "v1", "Scale")
        );
        assert_eq!(
            scale.verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
            ["get", "patch", "update"]
        );
    }
}

#[test]
fn verbs_split_into_60_list_watch_7_create_only_and_component_statuses() {
    let resources = &ir().resources;
    let list_watch: Vec<_> = resources
        .iter()
        .filter(|r| r.verbs.contains(&Verb::List) && r.verbs.contains(&Verb::Watch))
        .collect();
    assert_eq!(list_watch.len(), 60);
    let all_but: Vec<_> = list_watch
        .iter()
        .filter(|r| verbs(r) != ALL)
        .map(|r| r.plural.as_str())
        .collect();
    assert_eq!(all_but, ["namespaces"]);
    assert_eq!(
        verbs(resource("", "namespaces")),
        ["create", "delete", "get", "list", "patch", "update", "watch"]
    );
    assert_eq!(verbs(resource("", "componentstatuses")), ["get", "list"]);
    let mut create_only: Vec<&str> = resources
        .iter()
        .filter(|r| verbs(r) == ["create"])
        .map(|r| r.plural.as_str())
        .collect();
    create_only.sort_unstable();
    assert_eq!(
        create_only,
        [
            "bindings",
            "localsubjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectreviews",
            "selfsubjectrulesreviews",
            "subjectaccessreviews",
            "tokenreviews"
        ]
    );
}

#[test]
fn scope_comes_from_the_namespaces_prefix() {
    assert_eq!(resource("", "pods").scope, Scope::Namespaced);
    assert_eq!(resource("", "nodes").scope, Scope::Cluster);
    assert_eq!(resource("", "namespaces").scope, Scope::Cluster);
    assert_eq!(
        resource("rbac.authorization.k8s.io", "roles").scope,
        Scope::Namespaced
    );
    assert_eq!(
        resource("rbac.authorization.k8s.io", "clusterroles").scope,
        Scope::Cluster
    );
    assert_eq!(
        resource("authorization.k8s.io", "localsubjectaccessreviews").scope,
        Scope::Namespaced
    );
}

#[test]
fn pod_subresources_with_their_kinds_and_connect_flags() {
    let pods = resource("", "pods");
    assert_eq!(
        (pods.kind.as_str(), pods.definition.as_str()),
        ("Pod", "io.k8s.api.core.v1.Pod")
    );
    let subs: Vec<(&str, &str, &str, bool)> = pods
        .subresources
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.gvk.group.as_str(),
                s.gvk.kind.as_str(),
                s.connect,
            )
        })
        .collect();
    assert_eq!(
        subs,
        [
            ("attach", "", "PodAttachOptions", true),
            ("binding", "", "Binding", false),
            ("ephemeralcontainers", "", "Pod", false),
            ("eviction", "policy", "Eviction", false),
            ("exec", "", "PodExecOptions", true),
            ("log", "", "Pod", false),
            ("portforward", "", "PodPortForwardOptions", true),
            ("proxy", "", "PodProxyOptions", true),
            ("resize", "", "Pod", false),
            ("status", "", "Pod", false),
        ]
    );
    let proxy = pods.subresource("proxy").expect("pods/proxy");
    // HEAD and OPTIONS are offered but are no discovery verbs.
    assert_eq!(
        proxy.verbs.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        ["create", "delete", "get", "patch", "update"]
    );
    let token = resource("", "serviceaccounts")
        .subresource("token")
        .expect("serviceaccounts/token");
    assert_eq!(
        (token.gvk.group.as_str(), token.gvk.kind.as_str()),
        ("authentication.k8s.io", "TokenRequest")
    );
}

#[test]
fn every_resource_kind_is_a_definition_of_its_group_version() {
    let ir = ir();
    for r in &ir.resources {
        let def = &ir.definitions[&r.definition];
        assert!(
            def.gvks
                .iter()
                .any(|g| g.group == r.gv.group && g.version == r.gv.version && g.kind == r.kind),
            "{}/{} -> {}",
            r.gv,
            r.plural,
            r.definition
        );
    }
}
