use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::patch::transcript::{exchanges, Exchange};

fn t(s: &str) -> Time {
    Time::parse(s).unwrap()
}

fn yaml(ex: &Exchange) -> Value {
    serde_yaml::from_str(&ex.request_body).unwrap()
}

/// The managedFields of an object.
fn managed(obj: &Value) -> Value {
    obj["metadata"]["managedFields"].clone()
}

#[test]
fn transcript_14_service_apply_lifecycle() {
    let ex = exchanges("14-ssa-apply-lifecycle.txt");
    let svc: Vec<&Exchange> = ex
        .iter()
        .filter(|e| e.header.contains("services/web?fieldManager=kubectl-lite"))
        .collect();
    let (create, again, changed) = (svc[0], svc[1], svc[2]);

    // Create: the applier owns exactly the applied fields.
    let created = server_side_apply(
        None,
        &yaml(create),
        "kubectl-lite",
        false,
        t("2026-11-23T18:19:55Z"),
    )
    .unwrap();
    assert_eq!(managed(&created), managed(&create.response_json()));

    // Re-apply against the stored object (with server defaults): nothing changes, same value back.
    let stored = create.response_json();
    let noop = server_side_apply(
        Some(&stored),
        &yaml(again),
        "kubectl-lite",
        false,
        t("2026-11-23T18:19:56Z"),
    )
    .unwrap();
    assert_eq!(noop, stored);
    assert_eq!(again.response_json(), stored);

    // A new label: the object and the entry change, the entry's time moves.
    let out = server_side_apply(
        Some(&stored),
        &yaml(changed),
        "kubectl-lite",
        false,
        t("2026-11-23T18:19:57Z"),
    )
    .unwrap();
    let mut want = changed.response_json();
    want["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"].clone();
    assert_eq!(out, want);
}

#[test]
fn transcript_14_deployment_conflict_then_force() {
    let ex = exchanges("14-ssa-apply-lifecycle.txt");
    let deploy: Vec<&Exchange> = ex
        .iter()
        .filter(|e| e.header.contains("/deployments/web?fieldManager"))
        .collect();
    let stored = deploy[0].response_json();
    let created = server_side_apply(
        None,
        &yaml(deploy[0]),
        "kubectl-lite",
        false,
        t("2026-11-23T18:20:01Z"),
    )
    .unwrap();
    assert_eq!(managed(&created), managed(&stored));
    assert_eq!(
        server_side_apply(
            Some(&stored),
            &yaml(deploy[1]),
            "kubectl-lite",
            false,
            t("2026-11-23T18:20:02Z")
        )
        .unwrap(),
        stored
    );

    let conflict = deploy[2];
    assert_eq!(conflict.status, 409);
    let err = server_side_apply(
        Some(&stored),
        &yaml(conflict),
        "autoscaler-lite",
        false,
        t("2026-11-23T18:20:02Z"),
    )
    .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        serde_json::to_value(err.to_status()).unwrap(),
        conflict.response_json()
    );

    let forced = deploy[3];
    let out = server_side_apply(
        Some(&stored),
        &yaml(forced),
        "autoscaler-lite",
        true,
        t("2026-11-23T18:20:03Z"),
    )
    .unwrap();
    let want = forced.response_json();
    assert_eq!(managed(&out), managed(&want));
    assert_eq!(out["spec"]["replicas"], 5);
}

#[test]
fn transcript_07_forced_apply_takes_a_field_from_another_applier() {
    let ex = exchanges("07-errors-and-misc.txt");
    let conflict = ex
        .iter()
        .find(|e| e.status == 409 && e.header.contains("fieldManager=other-manager"))
        .unwrap();
    let forced = ex
        .iter()
        .find(|e| e.status == 200 && e.header.contains("force=true"))
        .unwrap();
    let want = forced.response_json();
    // Before: curl created it, rust-test applied data.applied=true.
    let mut live = want.clone();
    live["data"]["applied"] = json!("true");
    live["metadata"]["managedFields"] = json!([
        {"manager": "rust-test", "operation": "Apply", "apiVersion": "v1", "time": "2026-11-23T06:49:00Z",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:applied": {}}}},
        want["metadata"]["managedFields"][1].clone()
    ]);
    let applied = conflict.request_json();
    let err = server_side_apply(
        Some(&live),
        &applied,
        "other-manager",
        false,
        t("2026-11-23T06:51:17Z"),
    )
    .unwrap_err();
    assert_eq!(
        serde_json::to_value(err.to_status()).unwrap(),
        conflict.response_json()
    );
    let out = server_side_apply(
        Some(&live),
        &applied,
        "other-manager",
        true,
        t("2026-11-23T06:51:17Z"),
    )
    .unwrap();
    assert_eq!(out, want);
}

#[test]
fn conflict_with_an_updater_prints_its_api_version() {
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "1", "y": "1"},
        "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
            "time": "2026-11-23T06:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:x": {}, "f:y": {}}}}}]}});
    let applied =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "2"}}});
    let err = server_side_apply(Some(&live), &applied, "mgr", false, t("2026-11-23T07:00:00Z")).unwrap_err();
    assert_eq!(
        err.to_status().message.as_deref(),
        Some("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .metadata.labels.x")
    );
    let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "2", "y": "2"}}});
    let err = server_side_apply(Some(&live), &applied, "mgr", false, t("2026-11-23T07:00:00Z")).unwrap_err();
    assert_eq!(
        err,
        ApplyError::Conflict {
            conflicts: vec![
                (
                    "\"kubectl-client-side-apply\" using v1".into(),
                    ".metadata.labels.x".into()
                ),
                (
                    "\"kubectl-client-side-apply\" using v1".into(),
                    ".metadata.labels.y".into()
                ),
            ]
        }
    );
    assert_eq!(
        err.to_status().message.as_deref(),
        Some("Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using v1:\n- .metadata.labels.x\n- .metadata.labels.y")
    );
    // Applying the value the other manager set is no conflict: ownership is shared.
    let same =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "1"}}});
    let out = server_side_apply(Some(&live), &same, "mgr", false, t("2026-11-23T07:00:00Z")).unwrap();
    assert_eq!(out["metadata"]["managedFields"].as_array().map(Vec::len), Some(2));
}

#[test]
fn dropped_fields_are_removed_unless_someone_else_owns_them() {
    let cm = |labels: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": labels}});
    let v1 = server_side_apply(
        None,
        &cm(json!({"a": "1", "b": "1", "c": "1"})),
        "m",
        false,
        t("2026-11-23T07:00:00Z"),
    )
    .unwrap();
    // Another writer updates c (taking it).
    let mut v2 = v1.clone();
    v2["metadata"]["labels"]["c"] = json!("2");
    update_managed_fields(Some(&v1), &mut v2, "editor", UPDATE, t("2026-11-23T07:01:00Z"));
    let v3 = server_side_apply(
        Some(&v2),
        &cm(json!({"a": "1"})),
        "m",
        false,
        t("2026-11-23T07:02:00Z"),
    )
    .unwrap();
    assert_eq!(v3["metadata"]["labels"], json!({"a": "1", "c": "2"}));
    let entries = v3["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(
        entries[0]["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:a": {}}}})
    );
    assert_eq!(entries[1]["manager"], "editor");
    // Dropping everything removes the emptied map too.
    let v4 = server_side_apply(
        Some(&v3),
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}),
        "m",
        false,
        t("2026-11-23T07:03:00Z"),
    )
    .unwrap();
    assert_eq!(v4["metadata"]["labels"], json!({"c": "2"}));
    assert_eq!(v4["data"], json!({"k": "v"}));
}

#[test]
fn dropping_a_container_removes_it() {
    let d = |containers: Value| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": containers}}}})
    };
    let both = json!([{"name": "web", "image": "a"}, {"name": "side", "image": "b"}]);
    let v1 = server_side_apply(None, &d(both), "m", false, t("2026-11-23T07:00:00Z")).unwrap();
    let v2 = server_side_apply(
        Some(&v1),
        &d(json!([{"name": "web", "image": "a2"}])),
        "m",
        false,
        t("2026-11-23T07:01:00Z"),
    )
    .unwrap();
    assert_eq!(
        v2["spec"]["template"]["spec"]["containers"],
        json!([{"name": "web", "image": "a2"}])
    );
}

#[test]
fn update_entries_match_transcript_07_patches() {
    let ex = exchanges("07-errors-and-misc.txt");
    let json_patch = ex
        .iter()
        .find(|e| {
            e.header.contains("PATCH /api/v1/namespaces/demo/configmaps/cm-2")
                && e.request_body.starts_with('[')
        })
        .unwrap();
    let after = json_patch.response_json();
    // Before the JSON patch: the same object without data.jp, entry from an earlier time.
    let mut before = after.clone();
    before["data"].as_object_mut().unwrap().remove("jp");
    before["metadata"]["managedFields"][0]["time"] = json!("2026-11-23T06:49:00Z");
    before["metadata"]["managedFields"][0]["fieldsV1"]["f:data"]
        .as_object_mut()
        .unwrap()
        .remove("f:jp");
    let mut new = before.clone();
    crate::patch::json_patch(&mut new, &json_patch.request_json()).unwrap();
    update_managed_fields(Some(&before), &mut new, "curl", UPDATE, t("2026-11-23T06:51:17Z"));
    assert_eq!(new, after);

    let smp = ex
        .iter()
        .find(|e| e.header.contains("cm-2") && e.request_body.contains("smp"))
        .unwrap();
    let mut next = after.clone();
    crate::patch::strategic_merge_patch(&mut next, &smp.request_json()).unwrap();
    update_managed_fields(Some(&after), &mut next, "curl", UPDATE, t("2026-11-23T06:51:17Z"));
    let mut want = smp.response_json();
    want["metadata"]["resourceVersion"] = after["metadata"]["resourceVersion"].clone();
    assert_eq!(next, want);
}

#[test]
fn update_that_changes_nothing_keeps_entries() {
    let mut obj =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
    update_managed_fields(None, &mut obj, "curl", UPDATE, t("2026-11-23T07:00:00Z"));
    let mut same = obj.clone();
    update_managed_fields(
        Some(&obj),
        &mut same,
        "kubectl",
        UPDATE,
        t("2026-11-23T08:00:00Z"),
    );
    assert_eq!(same, obj);
}

#[test]
fn status_subresource_helper_tags_the_entry() {
    let old = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}});
    let mut new = old.clone();
    new["status"] = json!({"ready": true});
    update_subresource_managed_fields(Some(&old), &mut new, "curl", "status", t("2026-11-23T07:00:00Z"));
    assert_eq!(new["metadata"]["managedFields"][0]["subresource"], "status");
}

#[test]
fn not_an_object_is_400() {
    let err = server_side_apply(None, &json!([1]), "m", false, t("2026-11-23T07:00:00Z")).unwrap_err();
    assert_eq!(err, ApplyError::NotAnObject);
    assert_eq!(err.to_status().code, Some(400));
}

fn arb_config() -> impl Strategy<Value = Value> {
    let labels = prop::collection::btree_map("[a-c]", "[xy]", 0..3);
    let containers = prop::collection::btree_map("[a-c]", ("[ij]", prop::option::of(0i64..3)), 0..3);
    let finalizers = prop::collection::vec("[pq]", 0..3);
    (labels, containers, finalizers, prop::option::of(0i64..4)).prop_map(
        |(labels, containers, finalizers, replicas)| {
            let containers: Vec<Value> = containers
                .into_iter()
                .map(|(name, (image, port))| match port {
                    Some(p) => json!({"name": name, "image": image, "ports": [{"containerPort": 80 + p}]}),
                    None => json!({"name": name, "image": image}),
                })
                .collect();
            let mut spec = json!({"template": {"spec": {"containers": containers}}});
            if let Some(r) = replicas {
                spec["replicas"] = json!(r);
            }
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": labels, "finalizers": finalizers}, "spec": spec})
        },
    )
}

proptest! {
    #[test]
    fn applying_the_same_config_twice_changes_nothing(first in arb_config(), second in arb_config()) {
        let v1 = server_side_apply(None, &first, "a", false, t("2026-11-23T07:00:00Z")).unwrap();
        let v2 = server_side_apply(Some(&v1), &second, "a", false, t("2026-11-23T07:01:00Z")).unwrap();
        let v3 = server_side_apply(Some(&v2), &second, "a", false, t("2026-11-23T07:02:00Z")).unwrap();
        prop_assert_eq!(&v3, &v2);
        // The applier's set is exactly the second config's.
        let entry = &v2["metadata"]["managedFields"][0];
        prop_assert_eq!(&entry["fieldsV1"], &to_field_set(&second).to_fields_v1());
    }

    #[test]
    fn a_sole_applier_never_conflicts_and_gets_its_values(first in arb_config(), second in arb_config()) {
        let v1 = server_side_apply(None, &first, "a", false, t("2026-11-23T07:00:00Z")).unwrap();
        let v2 = server_side_apply(Some(&v1), &second, "a", false, t("2026-11-23T07:01:00Z")).unwrap();
        prop_assert_eq!(&v2["metadata"]["labels"], &second["metadata"]["labels"]);
        prop_assert_eq!(&v2["spec"]["replicas"], &second["spec"]["replicas"]);
    }

    #[test]
    fn another_manager_conflicts_only_on_different_values(first in arb_config(), second in arb_config()) {
        let v1 = server_side_apply(None, &first, "a", false, t("2026-11-23T07:00:00Z")).unwrap();
        match server_side_apply(Some(&v1), &second, "b", false, t("2026-11-23T07:01:00Z")) {
            Ok(v2) => {
                // No conflict: every label both set agrees.
                for (k, v) in second["metadata"]["labels"].as_object().unwrap() {
                    prop_assert_eq!(&v2["metadata"]["labels"][k], v);
                }
            }
            Err(ApplyError::Conflict { conflicts }) => {
                prop_assert!(!conflicts.is_empty());
                prop_assert!(conflicts.iter().all(|(m, _)| m == "\"a\""));
                let forced = server_side_apply(Some(&v1), &second, "b", true, t("2026-11-23T07:01:00Z"));
                prop_assert!(forced.is_ok());
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}

/// Every object the real server created with a POST in the transcripts: recording the create on the
/// stored object (defaults included, which the creator owns) gives the transcript's managedFields.
#[test]
fn create_entries_match_every_transcript_post() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/real-apiserver");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    files.sort();
    let mut checked = 0;
    for file in files {
        for ex in exchanges(&file)
            .iter()
            .filter(|e| e.header.contains(" POST ") && e.status == 201)
        {
            let want = ex.response_json();
            let entry = &want["metadata"]["managedFields"][0];
            let mut obj = want.clone();
            obj["metadata"].as_object_mut().unwrap().remove("managedFields");
            // A new Namespace's spec.finalizers is set by the strategy, after the field manager ran.
            if want["kind"] == "Namespace" && ex.request_json()["spec"]["finalizers"].is_null() {
                obj["spec"].as_object_mut().unwrap().remove("finalizers");
            }
            let manager = entry["manager"].as_str().unwrap();
            let time = t(entry["time"].as_str().unwrap());
            update_managed_fields(None, &mut obj, manager, UPDATE, time);
            assert_eq!(
                obj["metadata"]["managedFields"], want["metadata"]["managedFields"],
                "{file}: {}",
                ex.header
            );
            checked += 1;
        }
    }
    assert!(checked >= 18, "only {checked} creates found");
}

/// Every non-apply PUT and PATCH in the transcripts: recording the write on the object as it was
/// before (the previous response for the same object) gives the transcript's managedFields.
#[test]
fn update_entries_match_every_transcript_put_and_patch() {
    let mut checked = 0;
    for file in [
        "04-watch-mutations.txt",
        "07-errors-and-misc.txt",
        "08-crd.txt",
        "11-finalizers-deletion.txt",
        "12-leases.txt",
        "13-events.txt",
        "16-status-subresource-and-watch-bookmarks.txt",
    ] {
        let mut last: std::collections::HashMap<String, Value> = std::collections::HashMap::new();
        for ex in exchanges(file) {
            let mut words = ex.header.split_whitespace().skip(1);
            let (Some(method), Some(target)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(body) = serde_json::from_str::<Value>(&ex.response_body) else {
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let (path, sub) = match path.strip_suffix("/status") {
                Some(p) => (p.to_owned(), Some("status")),
                None => (path.to_owned(), None),
            };
            let key = if method == "POST" {
                format!("{path}/{}", body["metadata"]["name"].as_str().unwrap_or_default())
            } else {
                path
            };
            let is_write =
                (method == "PUT" || method == "PATCH") && ex.status == 200 && !query.contains("fieldManager");
            if let (true, Some(prev)) = (is_write, last.get(&key)) {
                let want = body["metadata"]["managedFields"].clone();
                let mut new = body.clone();
                new["metadata"]["managedFields"] = prev["metadata"]["managedFields"].clone();
                let time = want
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|e| e["manager"] == "curl" && e["subresource"].as_str() == sub)
                    .find_map(|e| e["time"].as_str())
                    .map_or_else(|| t("2026-11-23T00:00:00Z"), t);
                match sub {
                    Some(s) => update_subresource_managed_fields(Some(prev), &mut new, "curl", s, time),
                    None => update_managed_fields(Some(prev), &mut new, "curl", UPDATE, time),
                }
                assert_eq!(new["metadata"]["managedFields"], want, "{file}: {}", ex.header);
                checked += 1;
            }
            if body["kind"] != "Status" && body["metadata"]["name"].is_string() && ex.status < 300 {
                last.insert(key, body);
            }
        }
    }
    assert!(checked >= 10, "only {checked} writes checked");
}

#[test]
fn apply_never_touches_status_of_kinds_with_a_status_subresource() {
    let live = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d",
        "managedFields": [{"manager": "controller", "operation": "Update", "apiVersion": "apps/v1",
            "time": "2026-11-23T07:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:replicas": {}}},
            "subresource": "status"}]},
        "spec": {"replicas": 1}, "status": {"replicas": 1}});
    let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 2}, "status": {"replicas": 7}});
    let out = server_side_apply(Some(&live), &applied, "m", false, t("2026-11-23T07:01:00Z")).unwrap();
    assert_eq!(out["status"], json!({"replicas": 1}));
    assert_eq!(out["spec"]["replicas"], 2);
    let mine = out["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "m")
        .cloned()
        .unwrap();
    assert_eq!(mine["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    // A custom resource's status is ordinary data.
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "status": {"x": 1}});
    let out = server_side_apply(None, &w, "m", false, t("2026-11-23T07:01:00Z")).unwrap();
    assert_eq!(out["status"], json!({"x": 1}));
}
