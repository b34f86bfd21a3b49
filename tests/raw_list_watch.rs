//! Runs the raw list-then-watch example (seeds 001/002) against the embedded API server.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/raw_list_watch_http.rs"]
mod raw_list_watch_http;

use clientgo_apiserver::ApiServer;
use serde_json::Value;

#[tokio::test]
async fn list_then_watch_then_legacy_watch_print_the_wire_events() {
    let s = ApiServer::start().await.unwrap();
    let mut out = String::new();
    raw_list_watch_http::run(s.kubeconfig_path(), &mut out)
        .await
        .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 9, "{out}");
    let (kind_items, rv) = lines[0].rsplit_once(", resourceVersion ").unwrap();
    assert_eq!(
        kind_items,
        "GET /api/v1/namespaces/default/pods: kind PodList, 0 items"
    );
    assert!(!rv.is_empty() && rv.bytes().all(|b| b.is_ascii_digit()), "{rv}");
    assert_eq!(
        lines[1],
        format!("GET /api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}")
    );
    assert_eq!(
        lines[5],
        format!("GET /api/v1/watch/namespaces/default/pods?resourceVersion={rv}")
    );
    let mut versions = Vec::new();
    for block in [&lines[2..5], &lines[6..9]] {
        let mut types = Vec::new();
        for line in block {
            let ev: Value = serde_json::from_str(line).unwrap();
            let obj = &ev["object"];
            assert_eq!(obj["kind"], "Pod", "{line}");
            assert_eq!(obj["metadata"]["name"], "raw-watch-demo", "{line}");
            types.push(ev["type"].as_str().unwrap().to_owned());
            versions.push(obj["metadata"]["resourceVersion"].as_str().unwrap().to_owned());
        }
        assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
        let modified: Value = serde_json::from_str(block[1]).unwrap();
        assert_eq!(modified["object"]["metadata"]["labels"]["app"], "demo");
    }
    // The legacy path replayed exactly the same events from the same resourceVersion.
    assert_eq!(versions[..3], versions[3..]);
}
