//! Server-side apply through PATCH application/apply-patch+yaml (14-ssa-apply-lifecycle.txt).

mod support;

use http::{Method, StatusCode};
use support::{rv, Harness};

const CM: &str = "/api/v1/namespaces/default/configmaps";

async fn apply(h: &Harness, name: &str, manager: Option<&str>, force: bool, yaml: &str) -> support::Reply {
    let mut path = format!("{CM}/{name}");
    if let Some(m) = manager {
        path.push_str(&format!("?fieldManager={m}"));
        if force {
            path.push_str("&force=true");
        }
    }
    h.raw(
        Method::PATCH,
        &path,
        "application/apply-patch+yaml",
        yaml.to_owned(),
    )
    .await
}

#[tokio::test]
async fn apply_creates_then_noop_keeps_the_resource_version() {
    let h = Harness::start().await;
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels:\n    a: \"1\"\ndata:\n  applied: \"true\"\n";
    let c = apply(&h, "ssa", Some("kubectl-lite"), false, doc).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    assert_eq!(c.body["metadata"]["managedFields"][0]["manager"], "kubectl-lite");
    assert_eq!(c.body["metadata"]["managedFields"][0]["operation"], "Apply");
    let again = apply(&h, "ssa", Some("kubectl-lite"), false, doc).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        rv(&again.body),
        rv(&c.body),
        "a no-op apply keeps the resourceVersion"
    );
    let changed = apply(
        &h,
        "ssa",
        Some("kubectl-lite"),
        false,
        &doc.replace("a: \"1\"", "a: \"2\""),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(rv(&changed.body) > rv(&c.body));
    assert_eq!(changed.body["metadata"]["labels"]["a"], "2");
}

#[tokio::test]
async fn apply_needs_a_field_manager_and_reports_conflicts_until_forced() {
    let h = Harness::start().await;
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  applied: \"one\"\n";
    let r = apply(&h, "owned", None, false, doc).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    assert_eq!(
        apply(&h, "owned", Some("rust-test"), false, doc).await.status,
        StatusCode::CREATED
    );
    let other = doc.replace("\"one\"", "\"two\"");
    let r = apply(&h, "owned", Some("other-manager"), false, &other).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["message"],
        "Apply failed with 1 conflict: conflict with \"rust-test\": .data.applied"
    );
    let r = apply(&h, "owned", Some("other-manager"), true, &other).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["data"]["applied"], "two");
}

#[tokio::test]
async fn updates_record_managed_fields_for_the_user_agent() {
    let h = Harness::start().await;
    let req = http::Request::post(h.url(CM))
        .header("user-agent", "curl/7.88.1")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            r#"{"metadata":{"name":"by-curl"},"data":{"k":"v"}}"#,
        )))
        .unwrap();
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let got = h.get(&format!("{CM}/by-curl")).await.body;
    assert_eq!(got["metadata"]["managedFields"][0]["manager"], "curl");
    assert_eq!(got["metadata"]["managedFields"][0]["operation"], "Update");
    assert_eq!(
        got["metadata"]["managedFields"][0]["fieldsV1"],
        serde_json::json!({"f:data":{".":{},"f:k":{}}})
    );
}
