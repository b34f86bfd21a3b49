//! Finalizers, namespace termination, patches, leases, CRDs with their custom resources and discovery.

mod support;

use http::StatusCode;
use serde_json::json;
use support::{ev, rv, Harness};

const CM: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn delete_with_finalizers_is_graceful_until_the_last_one_goes() {
    let h = Harness::start().await;
    let cm = h
        .post(
            CM,
            &json!({"metadata":{"name":"cm-fin","finalizers":["example.com/cleanup"]},"data":{"k":"v"}}),
        )
        .await
        .body;
    let mut w = h
        .watch(&format!("{CM}?watch=1&resourceVersion={}", rv(&cm)))
        .await;
    let del = h.delete(&format!("{CM}/cm-fin")).await;
    assert_eq!(del.status, StatusCode::OK);
    assert!(del.body["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(del.body["metadata"]["deletionGracePeriodSeconds"], 0);
    assert_eq!(del.body["metadata"]["finalizers"], json!(["example.com/cleanup"]));
    // Deleting again changes nothing.
    let again = h.delete(&format!("{CM}/cm-fin")).await;
    assert_eq!(rv(&again.body), rv(&del.body));

    // A new finalizer is refused while terminating.
    let add = h
        .patch(
            &format!("{CM}/cm-fin"),
            "application/merge-patch+json",
            &json!({"metadata":{"finalizers":["example.com/cleanup","example.com/second"]}}),
        )
        .await;
    assert_eq!(add.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        add.body["message"],
        "ConfigMap \"cm-fin\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/second\"}"
    );
    // JSON patch with a stale `test` on resourceVersion: 422, nothing changes.
    let stale = h
        .patch(
            &format!("{CM}/cm-fin"),
            "application/json-patch+json",
            &json!([{"op":"test","path":"/metadata/resourceVersion","value":rv(&cm).to_string()},{"op":"remove","path":"/metadata/finalizers"}]),
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        stale.body["message"],
        "the server rejected our request due to an error in our request"
    );
    let ok = h
        .patch(
            &format!("{CM}/cm-fin"),
            "application/json-patch+json",
            &json!([{"op":"test","path":"/metadata/resourceVersion","value":rv(&del.body).to_string()},{"op":"remove","path":"/metadata/finalizers"}]),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(h.get(&format!("{CM}/cm-fin")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ev(&w.next().await.unwrap()).0, "MODIFIED");
    assert_eq!(ev(&w.next().await.unwrap()).0, "DELETED");
}

#[tokio::test]
async fn namespace_deletion_removes_its_objects_or_waits_for_their_finalizers() {
    let h = Harness::start().await;
    h.namespace("tmp").await;
    h.configmap("tmp", "a", json!({})).await;
    let r = h.delete("/api/v1/namespaces/tmp").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        h.get("/api/v1/namespaces/tmp").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get("/api/v1/namespaces/tmp/configmaps/a").await.status,
        StatusCode::NOT_FOUND
    );

    h.namespace("stuck").await;
    h.post(
        "/api/v1/namespaces/stuck/configmaps",
        &json!({"metadata":{"name":"held","finalizers":["x/y"]}}),
    )
    .await;
    h.delete("/api/v1/namespaces/stuck").await;
    let ns = h.get("/api/v1/namespaces/stuck").await.body;
    assert_eq!(ns["status"]["phase"], "Terminating");
    let r = h
        .post(
            "/api/v1/namespaces/stuck/configmaps",
            &json!({"metadata":{"name":"new"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["message"], "configmaps \"new\" is forbidden: unable to create new content in namespace stuck because it is being terminated");
    // Removing the last finalizer of the last object lets the namespace go.
    h.patch(
        "/api/v1/namespaces/stuck/configmaps/held",
        "application/merge-patch+json",
        &json!({"metadata":{"finalizers":null}}),
    )
    .await;
    assert_eq!(
        h.get("/api/v1/namespaces/stuck").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_terminating_namespace_can_be_finalized() {
    let h = Harness::start().await;
    h.namespace("fin-ns").await;
    h.post(
        "/api/v1/namespaces/fin-ns/configmaps",
        &json!({"metadata":{"name":"held","finalizers":["x/y"]}}),
    )
    .await;
    h.delete("/api/v1/namespaces/fin-ns").await;
    let r = h
        .put("/api/v1/namespaces/fin-ns/finalize", &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fin-ns"},"spec":{"finalizers":[]}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        h.get("/api/v1/namespaces/fin-ns").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn merge_and_strategic_patches() {
    let h = Harness::start().await;
    h.configmap("default", "p", json!({"a":"1"})).await;
    let r = h
        .patch(
            &format!("{CM}/p"),
            "application/merge-patch+json",
            &json!({"data":{"patched":"yes"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["data"], json!({"k":"v","patched":"yes"}));
    let r = h
        .post(
            "/apis/apps/v1/namespaces/default/deployments",
            &json!({"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"y:1"}]}}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = h
        .patch(
            "/apis/apps/v1/namespaces/default/deployments/d",
            "application/strategic-merge-patch+json",
            &json!({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"y:2"}]}}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cs = &r.body["spec"]["template"]["spec"]["containers"];
    assert_eq!(
        cs,
        &json!([{"name":"a","image":"x:1"},{"name":"b","image":"y:2"}])
    );
    assert_eq!(r.body["metadata"]["generation"], 2);
    let r = h.patch(&format!("{CM}/p"), "text/plain", &json!({})).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = h
        .patch(
            &format!("{CM}/missing"),
            "application/merge-patch+json",
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .patch(
            &format!("{CM}/p"),
            "application/json-patch+json",
            &json!({"op":"add"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn leases_conflict_on_a_stale_renew() {
    let h = Harness::start().await;
    let path = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
    let l = h
        .post(path, &json!({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"example-controller"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15}}))
        .await;
    assert_eq!(l.status, StatusCode::CREATED);
    let mut renew = l.body.clone();
    renew["spec"]["renewTime"] = json!("2026-11-23T18:19:00.000000Z");
    let r = h.put(&format!("{path}/example-controller"), &renew).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = h.put(&format!("{path}/example-controller"), &renew).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["message"],
        "Operation cannot be fulfilled on leases.coordination.k8s.io \"example-controller\": the object has been modified; please apply your changes to the latest version and try again"
    );
    assert_eq!(
        r.body["details"],
        json!({"name":"example-controller","group":"coordination.k8s.io","kind":"leases"})
    );
}

#[tokio::test]
async fn crds_serve_custom_resources_with_status_and_discovery() {
    let h = Harness::start().await;
    let crd = json!({
        "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
        "metadata":{"name":"widgets.example.com"},
        "spec":{"group":"example.com","scope":"Namespaced",
            "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
            "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
                "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}
    });
    let r = h
        .post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &crd)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"]["conditions"][1]["type"], "Established");
    let disc = h.get("/apis/example.com/v1").await;
    assert_eq!(disc.body["resources"][0]["name"], "widgets");
    assert_eq!(disc.body["resources"][0]["shortNames"], json!(["wd"]));
    assert_eq!(disc.body["resources"][1]["name"], "widgets/status");
    let groups = h.get("/apis").await;
    assert!(groups.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "example.com"));

    let w = h
        .post("/apis/example.com/v1/namespaces/default/widgets", &json!({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":1},"status":{"ready":true}}))
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.body);
    assert!(w.body.get("status").is_none(), "status is dropped on create");
    assert_eq!(w.body["metadata"]["generation"], 1);
    let mut s = w.body.clone();
    s["status"] = json!({"ready": true});
    let r = h
        .put("/apis/example.com/v1/namespaces/default/widgets/w1/status", &s)
        .await;
    assert_eq!(r.body["status"]["ready"], true);
    assert_eq!(r.body["metadata"]["generation"], 1);
    let r = h
        .patch(
            "/apis/example.com/v1/namespaces/default/widgets/w1",
            "application/merge-patch+json",
            &json!({"spec":{"size":2},"status":{"ready":false}}),
        )
        .await;
    assert_eq!(r.body["spec"]["size"], 2);
    assert_eq!(
        r.body["status"]["ready"], true,
        "main resource writes ignore status"
    );
    assert_eq!(r.body["metadata"]["generation"], 2);
    let list = h.get("/apis/example.com/v1/widgets").await;
    assert_eq!(list.body["kind"], "WidgetList");
    assert_eq!(
        list.body["items"][0]["kind"], "Widget",
        "custom resource list items keep their kind"
    );

    let r = h
        .delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        h.get("/apis/example.com/v1/widgets").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(h.get("/apis/example.com/v1").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn discovery_documents() {
    let h = Harness::start().await;
    let v = h.get("/version").await;
    assert_eq!(v.body["major"], "1");
    let api = h.get("/api").await;
    assert_eq!(api.body["kind"], "APIVersions");
    assert_eq!(api.body["versions"], json!(["v1"]));
    let core = h.get("/api/v1").await;
    assert_eq!(core.body["kind"], "APIResourceList");
    let cm = core.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "configmaps")
        .unwrap()
        .clone();
    assert_eq!(
        cm,
        json!({"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"]})
    );
    let groups = h.get("/apis").await;
    let names: Vec<_> = groups.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "apiextensions.k8s.io",
            "apps",
            "coordination.k8s.io",
            "events.k8s.io"
        ]
    );
    let apps = h.get("/apis/apps").await;
    assert_eq!(
        apps.body["preferredVersion"],
        json!({"groupVersion":"apps/v1","version":"v1"})
    );
}
