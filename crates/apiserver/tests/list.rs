//! LIST: paging with continue tokens, remainingItemCount, selectors, resourceVersion semantics, 410s.

mod support;

use http::StatusCode;
use serde_json::{json, Value};
use support::{rv, Harness};

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn five(h: &Harness) {
    h.namespace("demo").await;
    for i in 1..=5 {
        h.configmap(
            "demo",
            &format!("cm-{i}"),
            json!({"app":"demo","idx":i.to_string()}),
        )
        .await;
    }
}

#[tokio::test]
async fn paging_with_limit_and_continue() {
    let h = Harness::start().await;
    five(&h).await;
    let p1 = h.get("/api/v1/namespaces/demo/configmaps?limit=2").await;
    assert_eq!(p1.status, StatusCode::OK);
    assert_eq!(p1.body["kind"], "ConfigMapList");
    assert_eq!(p1.body["apiVersion"], "v1");
    assert_eq!(names(&p1.body), ["cm-1", "cm-2"]);
    assert_eq!(p1.body["metadata"]["remainingItemCount"], 3);
    // List items carry no kind/apiVersion, as the real server prints them.
    assert!(p1.body["items"][0].get("kind").is_none());
    let list_rv = p1.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = p1.body["metadata"]["continue"].as_str().unwrap().to_owned();
    // The token is the real server's format.
    let expected = clientgo_apiserver::continue_token::encode(Some(list_rv.parse().unwrap()), "/cm-2");
    assert_eq!(token, expected);

    // A write between pages does not show up: pages are pinned to the first page's version.
    h.configmap("demo", "cm-0", json!({})).await;
    let mut cm3 = h.get("/api/v1/namespaces/demo/configmaps/cm-3").await.body;
    cm3["data"]["k"] = json!("changed");
    h.put("/api/v1/namespaces/demo/configmaps/cm-3", &cm3).await;

    let p2 = h
        .get(&format!(
            "/api/v1/namespaces/demo/configmaps?limit=2&continue={token}"
        ))
        .await;
    assert_eq!(names(&p2.body), ["cm-3", "cm-4"]);
    assert_eq!(p2.body["items"][0]["data"]["k"], "v");
    assert_eq!(p2.body["metadata"]["resourceVersion"], list_rv.as_str());
    assert_eq!(p2.body["metadata"]["remainingItemCount"], 1);
    let token = p2.body["metadata"]["continue"].as_str().unwrap();
    let p3 = h
        .get(&format!(
            "/api/v1/namespaces/demo/configmaps?limit=2&continue={token}"
        ))
        .await;
    assert_eq!(names(&p3.body), ["cm-5"]);
    assert!(p3.body["metadata"].get("continue").is_none());
    assert!(p3.body["metadata"].get("remainingItemCount").is_none());

    let bad = h
        .get("/api/v1/namespaces/demo/configmaps?limit=2&continue=garbage")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn label_and_field_selectors() {
    let h = Harness::start().await;
    five(&h).await;
    let r = h
        .get("/api/v1/namespaces/demo/configmaps?labelSelector=idx%20in%20(2,4)")
        .await;
    assert_eq!(names(&r.body), ["cm-2", "cm-4"]);
    let r = h
        .get("/api/v1/namespaces/demo/configmaps?labelSelector=idx!%3D1&limit=2")
        .await;
    assert_eq!(names(&r.body), ["cm-2", "cm-3"]);
    assert!(r.body["metadata"]["continue"].is_string());
    assert!(r.body["metadata"].get("remainingItemCount").is_none());
    let r = h
        .get("/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-5")
        .await;
    assert_eq!(names(&r.body), ["cm-5"]);
    for (name, node, phase) in [
        ("a", "n1", "Running"),
        ("b", "n2", "Running"),
        ("c", "n1", "Pending"),
    ] {
        let r = h
            .post(
                "/api/v1/namespaces/demo/pods",
                &json!({"metadata":{"name":name},"spec":{"nodeName":node,"containers":[{"name":"c","image":"i"}]},"status":{"phase":phase}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = h
        .get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1,status.phase%3DRunning")
        .await;
    assert_eq!(names(&r.body), ["a"]);
    let r = h
        .get("/api/v1/namespaces/demo/pods?fieldSelector=status.phase!%3DRunning")
        .await;
    assert_eq!(names(&r.body), ["c"]);
}

#[tokio::test]
async fn all_namespaces_list_and_empty_items() {
    let h = Harness::start().await;
    h.namespace("a").await;
    h.namespace("b").await;
    h.configmap("b", "x", json!({})).await;
    h.configmap("a", "y", json!({})).await;
    let r = h.get("/api/v1/configmaps").await;
    assert_eq!(names(&r.body), ["y", "x"]);
    let r = h.get("/api/v1/namespaces/kube-system/configmaps").await;
    assert!(
        r.raw.ends_with(b"\"items\":[]}"),
        "{}",
        String::from_utf8_lossy(&r.raw)
    );
    let ns = h.get("/api/v1/namespaces").await;
    assert_eq!(
        names(&ns.body),
        [
            "a",
            "b",
            "default",
            "kube-node-lease",
            "kube-public",
            "kube-system"
        ]
    );
}

#[tokio::test]
async fn exact_resource_version_lists_the_past_and_410_once_compacted() {
    let h = Harness::start().await;
    five(&h).await;
    let old = h.get("/api/v1/namespaces/demo/configmaps").await;
    let old_rv = old.body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    h.delete("/api/v1/namespaces/demo/configmaps/cm-1").await;
    let past = h
        .get(&format!(
            "/api/v1/namespaces/demo/configmaps?resourceVersion={old_rv}&resourceVersionMatch=Exact"
        ))
        .await;
    assert_eq!(names(&past.body), names(&old.body));
    assert_eq!(past.body["metadata"]["resourceVersion"], old_rv.as_str());
    let now = h
        .get("/api/v1/namespaces/demo/configmaps?resourceVersion=0")
        .await;
    assert_eq!(names(&now.body), ["cm-2", "cm-3", "cm-4", "cm-5"]);
    let future = h
        .get("/api/v1/namespaces/demo/configmaps?resourceVersion=999999")
        .await;
    assert_eq!(future.status, StatusCode::GATEWAY_TIMEOUT);

    h.server.compact_now();
    let gone = h
        .get(&format!(
            "/api/v1/namespaces/demo/configmaps?resourceVersion={old_rv}&resourceVersionMatch=Exact"
        ))
        .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(
        gone.body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The resourceVersion for the provided list is too old.","reason":"Expired","code":410})
    );
}

#[tokio::test]
async fn expired_continue_gives_410_with_a_working_fallback_token() {
    let h = Harness::start().await;
    five(&h).await;
    let p1 = h.get("/api/v1/namespaces/demo/configmaps?limit=2").await;
    let token = p1.body["metadata"]["continue"].as_str().unwrap().to_owned();
    h.configmap("demo", "cm-6", json!({})).await;
    h.server.compact_now();
    let r = h
        .get(&format!(
            "/api/v1/namespaces/demo/configmaps?limit=2&continue={token}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(r.body["reason"], "Expired");
    assert_eq!(r.body["message"], clientgo_apiserver::status::CONTINUE_EXPIRED);
    let fallback = r.body["metadata"]["continue"].as_str().unwrap();
    assert_eq!(fallback, clientgo_apiserver::continue_token::encode(None, "cm-2"));
    let rest = h
        .get(&format!(
            "/api/v1/namespaces/demo/configmaps?limit=10&continue={fallback}"
        ))
        .await;
    assert_eq!(rest.status, StatusCode::OK);
    assert_eq!(names(&rest.body), ["cm-3", "cm-4", "cm-5", "cm-6"]);
    assert!(rv(&rest.body) > rv(&p1.body));
}

#[tokio::test]
async fn deletecollection_with_a_selector() {
    let h = Harness::start().await;
    five(&h).await;
    let r = h
        .delete("/api/v1/namespaces/demo/configmaps?labelSelector=idx%20in%20(1,2)")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(names(&r.body), ["cm-1", "cm-2"]);
    let left = h.get("/api/v1/namespaces/demo/configmaps").await;
    assert_eq!(names(&left.body), ["cm-3", "cm-4", "cm-5"]);
}
