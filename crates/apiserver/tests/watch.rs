//! WATCH: replay, initial events, sendInitialEvents, 410, selectors on events, bookmarks, timeouts,
//! consistency under concurrent writers, fault injection.

// The store's closures return the API's Status as is.
#![allow(clippy::result_large_err)]

mod support;

use std::time::Duration;

use http::StatusCode;
use serde_json::json;
use support::{ev, rv, Harness};

const CM: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn watch_from_a_resource_version_sees_added_modified_deleted() {
    let h = Harness::start().await;
    let first = h.configmap("default", "a", json!({})).await;
    let mut w = h
        .watch(&format!("{CM}?watch=1&resourceVersion={}", rv(&first)))
        .await;
    assert_eq!(w.status, StatusCode::OK);
    assert_eq!(w.headers["content-type"], "application/json");
    let b = h.configmap("default", "b", json!({})).await;
    let mut a = h.get(&format!("{CM}/a")).await.body;
    a["data"]["k"] = json!("2");
    let a2 = h.put(&format!("{CM}/a"), &a).await.body;
    let del = h.delete(&format!("{CM}/b")).await.body;
    assert_eq!(
        ev(&w.next().await.unwrap()),
        ("ADDED".into(), "b".into(), rv(&b).to_string())
    );
    assert_eq!(
        ev(&w.next().await.unwrap()),
        ("MODIFIED".into(), "a".into(), rv(&a2).to_string())
    );
    let d = w.next().await.unwrap();
    assert_eq!(ev(&d), ("DELETED".into(), "b".into(), (rv(&a2) + 1).to_string()));
    assert_eq!(d["object"]["kind"], "ConfigMap");
    assert_eq!(del["metadata"]["name"], "b");
}

#[tokio::test]
async fn watch_from_zero_and_the_legacy_path_send_synthetic_added_first() {
    let h = Harness::start().await;
    h.configmap("default", "a", json!({})).await;
    h.configmap("default", "b", json!({})).await;
    let mut w = h
        .watch("/api/v1/watch/namespaces/default/configmaps?resourceVersion=0")
        .await;
    let names: Vec<_> = [w.next().await.unwrap(), w.next().await.unwrap()]
        .iter()
        .map(|e| ev(e).0 + "/" + &ev(e).1)
        .collect();
    assert_eq!(names, ["ADDED/a", "ADDED/b"]);
    h.configmap("default", "c", json!({})).await;
    assert_eq!(ev(&w.next().await.unwrap()).1, "c");
}

#[tokio::test]
async fn send_initial_events_ends_with_the_annotated_bookmark() {
    let h = Harness::start().await;
    h.configmap("default", "a", json!({})).await;
    let last = h.configmap("default", "b", json!({})).await;
    let mut w = h
        .watch(&format!(
            "{CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
        ))
        .await;
    assert_eq!(ev(&w.next().await.unwrap()).1, "a");
    assert_eq!(ev(&w.next().await.unwrap()).1, "b");
    let bm = w.next().await.unwrap();
    assert_eq!(
        bm,
        json!({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":rv(&last).to_string(),"annotations":{"k8s.io/initial-events-end":"true"}}}})
    );
    h.configmap("default", "c", json!({})).await;
    assert_eq!(ev(&w.next().await.unwrap()).1, "c");
    let bad = h.get(&format!("{CM}?watch=1&sendInitialEvents=true")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn too_old_resource_version_is_an_error_event_410() {
    let h = Harness::start().await;
    let a = h.configmap("default", "a", json!({})).await;
    h.configmap("default", "b", json!({})).await;
    let compacted = h.server.compact_now();
    let old = rv(&a) - 1;
    let mut w = h.watch(&format!("{CM}?watch=1&resourceVersion={old}")).await;
    assert_eq!(w.status, StatusCode::OK);
    let e = w.next().await.unwrap();
    assert_eq!(
        e,
        json!({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":format!("too old resource version: {old} ({compacted})"),"reason":"Expired","code":410}})
    );
    assert!(w.next().await.is_none());
    // Watching from the compaction point itself works.
    let mut w = h
        .watch(&format!("{CM}?watch=1&resourceVersion={compacted}"))
        .await;
    h.configmap("default", "c", json!({})).await;
    assert_eq!(ev(&w.next().await.unwrap()).1, "c");
}

#[tokio::test]
async fn selectors_turn_updates_into_added_and_deleted() {
    let h = Harness::start().await;
    let a = h.configmap("default", "a", json!({"tier":"web"})).await;
    let mut w = h
        .watch(&format!(
            "{CM}?watch=1&labelSelector=tier%3Dweb&resourceVersion={}",
            rv(&a)
        ))
        .await;
    let mut obj = a.clone();
    obj["metadata"]["labels"]["tier"] = json!("db");
    let moved = h.put(&format!("{CM}/a"), &obj).await.body;
    let mut back = moved.clone();
    back["metadata"]["labels"]["tier"] = json!("web");
    let back = h.put(&format!("{CM}/a"), &back).await.body;
    h.configmap("default", "other", json!({"tier":"db"})).await;
    h.configmap("default", "b", json!({"tier":"web"})).await;
    let d = w.next().await.unwrap();
    assert_eq!(ev(&d), ("DELETED".into(), "a".into(), rv(&moved).to_string()));
    assert_eq!(
        d["object"]["metadata"]["labels"]["tier"], "web",
        "the previous state, as the real cacher sends"
    );
    assert_eq!(
        ev(&w.next().await.unwrap()),
        ("ADDED".into(), "a".into(), rv(&back).to_string())
    );
    assert_eq!(ev(&w.next().await.unwrap()).1, "b");
}

#[tokio::test]
async fn bookmarks_and_timeout_end_the_stream_with_a_bookmark() {
    let h =
        Harness::with(clientgo_apiserver::ApiServer::builder().bookmark_interval(Duration::from_millis(50)))
            .await;
    let a = h.configmap("default", "a", json!({})).await;
    let mut w = h
        .watch(&format!(
            "{CM}?watch=1&resourceVersion={}&allowWatchBookmarks=true&timeoutSeconds=1",
            rv(&a)
        ))
        .await;
    let events = w.rest().await;
    assert!(events.len() >= 2, "{events:?}");
    for e in &events {
        assert_eq!(e["type"], "BOOKMARK");
        assert_eq!(e["object"]["metadata"]["resourceVersion"], rv(&a).to_string());
    }
    // Without bookmarks a timeout just ends the stream.
    let mut w = h
        .watch(&format!(
            "{CM}?watch=1&resourceVersion={}&timeoutSeconds=1",
            rv(&a)
        ))
        .await;
    assert!(w.rest().await.is_empty());
}

#[tokio::test]
async fn concurrent_writers_no_lost_or_duplicate_events() {
    let h = Harness::start().await;
    let start = h.server.resource_version();
    let mut w = h.watch(&format!("{CM}?watch=1&resourceVersion={start}")).await;
    let url = h.server.url().to_owned();
    let mut tasks = Vec::new();
    for t in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
            for i in 0..50 {
                let body = json!({"metadata":{"name":format!("w{t}-{i}")}}).to_string();
                let req = http::Request::post(format!("{url}{CM}"))
                    .header("content-type", "application/json")
                    .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                    .unwrap();
                let resp = client.request(req).await.unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    let mut last = start;
    for _ in 0..200 {
        let e = w.next().await.unwrap();
        let (ty, name, rv) = ev(&e);
        assert_eq!(ty, "ADDED");
        let rv: u64 = rv.parse().unwrap();
        assert!(rv > last, "resourceVersions strictly increase");
        last = rv;
        assert!(seen.insert(name), "no duplicates");
    }
    assert_eq!(seen.len(), 200);
    assert_eq!(last, h.server.resource_version());
}

#[tokio::test]
async fn faults_close_watches_after_n_events_cleanly_or_abruptly() {
    let h = Harness::start().await;
    for i in 0..5 {
        h.configmap("default", &format!("c{i}"), json!({})).await;
    }
    h.server.faults().close_watches_after_events(Some(3));
    let mut w = h.watch(&format!("{CM}?watch=1")).await;
    assert_eq!(w.rest().await.len(), 3);
    h.server.faults().cut_watches(true);
    let mut w = h.watch(&format!("{CM}?watch=1")).await;
    assert_eq!(w.count_until_end().await, (3, true));
    h.server.faults().clear();
    h.server.faults().fail_requests(
        1,
        2,
        clientgo_apiserver::InjectedError::TooManyRequests { retry_after: 3 },
    );
    let r1 = h.get(CM).await;
    let r2 = h.get(CM).await;
    assert_eq!(r1.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r1.headers["retry-after"], "3");
    assert_eq!(r1.body["details"]["retryAfterSeconds"], 3);
    assert_eq!(r2.status, StatusCode::OK);
}

#[tokio::test]
async fn injected_write_conflicts_hit_only_writes_and_read_like_the_real_server() {
    let h = Harness::start().await;
    h.configmap("default", "c", json!({})).await;
    h.server
        .faults()
        .fail_writes(1, 2, clientgo_apiserver::InjectedError::Conflict);
    let read = h.get(&format!("{CM}/c")).await;
    assert_eq!(read.status, StatusCode::OK, "reads are not counted");
    let patch = json!({"data": {"k2": "w"}});
    let first = h
        .patch(&format!("{CM}/c"), "application/merge-patch+json", &patch)
        .await;
    assert_eq!(first.status, StatusCode::CONFLICT);
    assert_eq!(first.body["reason"], "Conflict");
    assert_eq!(
        first.body["message"],
        "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let after = h.get(&format!("{CM}/c")).await.body;
    assert_eq!(
        after["data"].get("k2"),
        None,
        "the failed write changed nothing: {after}"
    );
    let second = h
        .patch(&format!("{CM}/c"), "application/merge-patch+json", &patch)
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["data"]["k2"], "w");
}

#[tokio::test]
async fn a_long_log_replays_completely() {
    let h = Harness::start().await;
    let cm = h.configmap("default", "busy", json!({})).await;
    let from = rv(&cm);
    let resource: std::sync::Arc<str> = std::sync::Arc::from("configmaps");
    let mut v = cm.clone();
    for i in 0..3000 {
        v["data"]["k"] = json!(i.to_string());
        h.server
            .store()
            .guaranteed_update(&resource, "default/busy", &[], |_| {
                Ok(clientgo_apiserver::store::Outcome::Put(v.clone()))
            })
            .unwrap();
    }
    let mut w = h.watch(&format!("{CM}?watch=1&resourceVersion={from}")).await;
    for i in 0..3000u64 {
        let e = w.next().await.unwrap();
        assert_eq!(
            ev(&e),
            ("MODIFIED".into(), "busy".into(), (from + 1 + i).to_string())
        );
    }
}
