//! Create, get, update, delete: the real server's status codes and Status messages.

mod support;

use http::{Method, StatusCode};
use serde_json::json;
use support::{rv, Harness};

#[tokio::test]
async fn create_get_and_already_exists() {
    let h = Harness::start().await;
    h.namespace("demo").await;
    let ns = h.get("/api/v1/namespaces/demo").await;
    assert_eq!(ns.body["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns.body["status"]["phase"], "Active");
    assert_eq!(
        ns.body["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "demo"
    );

    let cm = h.configmap("demo", "cm-1", json!({"app":"demo"})).await;
    assert_eq!(cm["kind"], "ConfigMap");
    assert_eq!(cm["metadata"]["namespace"], "demo");
    assert_eq!(cm["metadata"]["uid"].as_str().map(str::len), Some(36));
    assert!(cm["metadata"]["creationTimestamp"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z')));
    assert!(rv(&cm) > rv(&ns.body));
    assert!(h
        .get("/api/v1/namespaces/demo/configmaps/cm-1")
        .await
        .raw
        .starts_with(br#"{"kind":"ConfigMap","apiVersion":"v1","metadata":"#));

    let dup = h
        .post(
            "/api/v1/namespaces/demo/configmaps",
            &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-1"}}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.body["reason"], "AlreadyExists");
    assert_eq!(dup.body["message"], "configmaps \"cm-1\" already exists");
    assert_eq!(dup.body["details"], json!({"name":"cm-1","kind":"configmaps"}));

    let missing = h.get("/api/v1/namespaces/demo/configmaps/cm-3").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"cm-3\" not found","reason":"NotFound","details":{"name":"cm-3","kind":"configmaps"},"code":404})
    );
    let lease = h
        .get("/apis/coordination.k8s.io/v1/namespaces/demo/leases/example-controller")
        .await;
    assert_eq!(
        lease.body["message"],
        "leases.coordination.k8s.io \"example-controller\" not found"
    );
    assert_eq!(lease.body["details"]["group"], "coordination.k8s.io");
}

#[tokio::test]
async fn generate_name_and_namespace_must_exist() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/api/v1/namespaces/default/configmaps",
            &json!({"metadata":{"generateName":"gen-"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let name = r.body["metadata"]["name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    let r = h
        .post(
            "/api/v1/namespaces/nope/configmaps",
            &json!({"metadata":{"name":"x"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["message"], "namespaces \"nope\" not found");
    let r = h
        .post("/api/v1/namespaces/default/configmaps", &json!({"metadata":{}}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["details"]["causes"][0]["field"], "metadata.name");
}

#[tokio::test]
async fn update_conflicts_on_stale_resource_version_and_noop_keeps_it() {
    let h = Harness::start().await;
    let cm = h.configmap("default", "cm-1", json!({})).await;
    let mut next = cm.clone();
    next["data"]["k"] = json!("v2");
    let r = h.put("/api/v1/namespaces/default/configmaps/cm-1", &next).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(rv(&r.body) > rv(&cm));
    assert_eq!(r.body["metadata"]["uid"], cm["metadata"]["uid"]);
    // Same stale body again: 409 with the real message.
    let stale = h.put("/api/v1/namespaces/default/configmaps/cm-1", &next).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(
        stale.body["message"],
        "Operation cannot be fulfilled on configmaps \"cm-1\": the object has been modified; please apply your changes to the latest version and try again"
    );
    // Unconditional (no resourceVersion) update that changes nothing keeps the resourceVersion.
    let mut same = r.body.clone();
    same["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let noop = h.put("/api/v1/namespaces/default/configmaps/cm-1", &same).await;
    assert_eq!(noop.status, StatusCode::OK);
    assert_eq!(rv(&noop.body), rv(&r.body));
    // Name mismatch.
    let r = h.put("/api/v1/namespaces/default/configmaps/other", &same).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Update of a missing object.
    let r = h
        .put(
            "/api/v1/namespaces/default/configmaps/ghost",
            &json!({"metadata":{"name":"ghost"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_returns_the_object_then_404() {
    let h = Harness::start().await;
    h.configmap("default", "gone", json!({})).await;
    let r = h.delete("/api/v1/namespaces/default/configmaps/gone").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["metadata"]["name"], "gone");
    let r = h.delete("/api/v1/namespaces/default/configmaps/gone").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["message"], "configmaps \"gone\" not found");
}

#[tokio::test]
async fn bad_input_is_rejected_and_the_store_untouched() {
    let h = Harness::start().await;
    let before = h.server.resource_version();
    let r = h
        .raw(
            Method::POST,
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            "{not json",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["message"].as_str().unwrap().contains("json parse error"),
        "{}",
        r.body
    );
    let r = h
        .post(
            "/api/v1/namespaces/default/configmaps",
            &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["message"].as_str().unwrap().starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
    let r = h
        .post(
            "/api/v1/namespaces/default/configmaps",
            &json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h
        .post("/api/v1/namespaces/default/configmaps", &json!([1, 2]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let big = format!(
        "{{\"metadata\":{{\"name\":\"big\"}},\"data\":{{\"k\":\"{}\"}}}}",
        "x".repeat(3 * 1024 * 1024 + 10)
    );
    let r = h
        .raw(
            Method::POST,
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            big,
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body["reason"], "RequestEntityTooLarge");
    let r = h
        .get("/api/v1/namespaces/default/configmaps?fieldSelector=spec.foo%3Dx")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["message"], "field label not supported: spec.foo");
    let r = h
        .get("/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h.get("/api/v1/nosuchthing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .raw(
            Method::POST,
            "/api/v1/namespaces/default/configmaps/x",
            "application/json",
            "{}",
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(h.server.resource_version(), before);
    // Still serving.
    assert_eq!(h.get("/api/v1/namespaces/default").await.status, StatusCode::OK);
}

#[tokio::test]
async fn yaml_bodies_are_accepted() {
    let h = Harness::start().await;
    let r = h
        .raw(
            Method::POST,
            "/api/v1/namespaces/default/configmaps",
            "application/yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["data"]["a"], "b");
}

#[tokio::test]
async fn cluster_scoped_and_status_subresource() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/api/v1/nodes",
            &json!({"apiVersion":"v1","kind":"Node","metadata":{"name":"node-a","namespace":"ignored"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["metadata"].get("namespace").is_none());
    let r = h
        .post(
            "/apis/apps/v1/namespaces/default/deployments",
            &json!({"metadata":{"name":"web"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}),
        )
        .await;
    assert_eq!(r.body["metadata"]["generation"], 1);
    let mut d = r.body.clone();
    d["status"] = json!({"replicas": 5});
    let r = h
        .put("/apis/apps/v1/namespaces/default/deployments/web/status", &d)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"]["replicas"], 5);
    assert_eq!(r.body["metadata"]["generation"], 1);
    // A main-resource update cannot change status, and a spec change bumps generation.
    let mut d = r.body.clone();
    d["status"] = json!({"replicas": 9});
    d["spec"]["replicas"] = json!(3);
    let r = h
        .put("/apis/apps/v1/namespaces/default/deployments/web", &d)
        .await;
    assert_eq!(r.body["status"]["replicas"], 5);
    assert_eq!(r.body["metadata"]["generation"], 2);
    assert_eq!(
        h.get("/api/v1/namespaces/default/configmaps/x/status")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
