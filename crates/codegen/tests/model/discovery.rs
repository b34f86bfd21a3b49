//! The spec's resources against what the real v1.36.2 server listed in discovery (fixtures/real-apiserver).

use std::collections::BTreeSet;

use clientgo_codegen::ir::{GroupVersion, Scope, Verb};
use serde_json::Value;

use crate::support::{ir, recorded_response};

/// One discovery entry: name (`pods`, `pods/status`), namespaced, kind, the kind's group/version when it is not
/// the resource's own (`policy/v1` for `pods/eviction`), and the sorted verbs.
type Entry = (String, bool, String, Option<String>, Vec<String>);

fn other_gv(group: &str, version: &str, own: &GroupVersion) -> Option<String> {
    let same = (group.is_empty() && version.is_empty()) || (group == own.group && version == own.version);
    (!same).then(|| format!("{group}/{version}"))
}

/// The spec's entries of one group/version, as discovery lays them out.
fn spec_entries(gv: &GroupVersion) -> BTreeSet<Entry> {
    let verbs = |set: &BTreeSet<Verb>| set.iter().map(|v| v.as_str().to_owned()).collect();
    let mut out = BTreeSet::new();
    for r in ir().resources.iter().filter(|r| &r.gv == gv) {
        let namespaced = r.scope == Scope::Namespaced;
        out.insert((
            r.plural.clone(),
            namespaced,
            r.kind.clone(),
            None,
            verbs(&r.verbs),
        ));
        for s in &r.subresources {
            let kind_gv = other_gv(&s.gvk.group, &s.gvk.version, gv);
            out.insert((
                format!("{}/{}", r.plural, s.name),
                namespaced,
                s.gvk.kind.clone(),
                kind_gv,
                verbs(&s.verbs),
            ));
        }
    }
    out
}

fn strings(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect();
    out.sort();
    out
}

fn str_of<'v>(value: &'v Value, key: &str) -> &'v str {
    value[key].as_str().unwrap_or("")
}

/// The entries of an `APIResourceList` answer.
fn resource_list_entries(list: &Value) -> (GroupVersion, BTreeSet<Entry>) {
    assert_eq!(list["kind"], "APIResourceList");
    let group_version = str_of(list, "groupVersion");
    let (group, version) = group_version.rsplit_once('/').unwrap_or(("", group_version));
    let gv = GroupVersion {
        group: group.to_owned(),
        version: version.to_owned(),
    };
    let entries = list["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            let kind_gv = other_gv(str_of(r, "group"), str_of(r, "version"), &gv);
            let namespaced = r["namespaced"].as_bool().expect("namespaced");
            (
                str_of(r, "name").to_owned(),
                namespaced,
                str_of(r, "kind").to_owned(),
                kind_gv,
                strings(&r["verbs"]),
            )
        })
        .collect();
    (gv, entries)
}

#[test]
fn core_v1_resources_equal_the_recorded_api_v1_list() {
    let (gv, recorded) = resource_list_entries(&recorded_response("01-discovery.txt", "GET /api/v1"));
    assert_eq!(
        gv,
        GroupVersion {
            group: String::new(),
            version: "v1".into()
        }
    );
    assert_eq!(recorded.len(), 39, "17 resources and 22 subresources recorded");
    assert_eq!(spec_entries(&gv), recorded);
}

#[test]
fn coordination_and_events_resources_equal_their_recorded_lists() {
    for (file, request) in [
        ("12-leases.txt", "GET /apis/coordination.k8s.io/v1"),
        ("13-events.txt", "GET /apis/events.k8s.io/v1"),
    ] {
        let (gv, recorded) = resource_list_entries(&recorded_response(file, request));
        assert!(!recorded.is_empty());
        assert_eq!(spec_entries(&gv), recorded, "{request}");
    }
}

#[test]
fn group_versions_equal_the_recorded_apis_list() {
    let groups = recorded_response("01-discovery.txt", "GET /apis");
    assert_eq!(groups["kind"], "APIGroupList");
    let recorded: BTreeSet<String> = groups["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["versions"].as_array().expect("versions"))
        .map(|v| str_of(v, "groupVersion").to_owned())
        .collect();
    let spec: BTreeSet<String> = ir()
        .group_versions
        .iter()
        .filter(|gv| !gv.group.is_empty())
        .map(ToString::to_string)
        .collect();
    assert_eq!(recorded.len(), 21);
    assert_eq!(spec, recorded);
}

/// kubectl asks for aggregated discovery (`APIGroupDiscoveryList`): every group's resources in two answers.
#[test]
fn every_resource_equals_the_recorded_aggregated_discovery() {
    let mut recorded = BTreeSet::new();
    let mut group_versions = BTreeSet::new();
    for request in ["GET /api?timeout=32s", "GET /apis?timeout=32s"] {
        let list = recorded_response("15-kubectl-apply-delete.txt", request);
        assert_eq!(list["kind"], "APIGroupDiscoveryList");
        for group in list["items"].as_array().expect("items") {
            let group_name = str_of(&group["metadata"], "name");
            for version in group["versions"].as_array().expect("versions") {
                let gv = GroupVersion {
                    group: group_name.to_owned(),
                    version: str_of(version, "version").to_owned(),
                };
                for r in version["resources"].as_array().expect("resources") {
                    let namespaced = match str_of(r, "scope") {
                        "Namespaced" => true,
                        "Cluster" => false,
                        other => panic!("scope {other:?}"),
                    };
                    let kind = |v: &Value| {
                        let k = &v["responseKind"];
                        (
                            str_of(k, "kind").to_owned(),
                            other_gv(str_of(k, "group"), str_of(k, "version"), &gv),
                        )
                    };
                    let plural = str_of(r, "resource");
                    let (k, kind_gv) = kind(r);
                    recorded.insert((
                        gv.clone(),
                        (plural.to_owned(), namespaced, k, kind_gv, strings(&r["verbs"])),
                    ));
                    for s in r["subresources"].as_array().map_or(&[][..], Vec::as_slice) {
                        let (k, kind_gv) = kind(s);
                        let name = format!("{plural}/{}", str_of(s, "subresource"));
                        recorded.insert((gv.clone(), (name, namespaced, k, kind_gv, strings(&s["verbs"]))));
                    }
                }
                group_versions.insert(gv);
            }
        }
    }
    let spec: BTreeSet<(GroupVersion, Entry)> = ir()
        .group_versions
        .iter()
        .flat_map(|gv| spec_entries(gv).into_iter().map(|e| (gv.clone(), e)))
        .collect();
    assert_eq!(group_versions.len(), 22);
    let resources =
        |set: &BTreeSet<(GroupVersion, Entry)>| set.iter().filter(|(_, e)| !e.0.contains('/')).count();
    assert_eq!(resources(&recorded), 68);
    assert_eq!(spec, recorded);
}
