//! Runs the raw list-then-watch example (seeds 001/002) against the embedded API server and checks
//! what it shows of the wire.

#![allow(dead_code)] // The example's `main` is unused here.

mod support;

#[path = "../examples/raw_list_watch_http.rs"]
mod raw_list_watch_http;

use clientgo_example::{Out, Session};
use raw_list_watch_http::{Args, DEMO_POD};
use serde_json::Value;
use support::GUARD;

async fn run(session: &Session, args: &Args) -> Vec<String> {
    tokio::time::timeout(GUARD, raw_list_watch_http::run(session, args))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    support::example_lines(session)
}

/// The index of the line equal to `line`, after `from`.
fn find(lines: &[String], from: usize, line: &str) -> usize {
    from + lines[from..]
        .iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no line {line:?} after line {from}:\n{}", lines.join("\n")))
}

/// The header lines after the status line at `status`, and the index of the line after them.
fn headers(lines: &[String], status: usize) -> (Vec<(String, String)>, usize) {
    let mut headers = Vec::new();
    let mut i = status + 1;
    while let Some((name, value)) = lines[i].split_once(": ").filter(|_| !lines[i].starts_with('(')) {
        headers.push((name.to_ascii_lowercase(), value.to_owned()));
        i += 1;
    }
    (headers, i)
}

#[tokio::test]
async fn list_then_watch_show_the_chunked_head_and_one_json_event_per_line_on_both_paths() {
    let session = support::session("raw_list_watch_http").await;
    let args = Args {
        proxy_url: None,
        timeout_seconds: 30,
        max_line: 0,
    };
    let lines = run(&session, &args).await;
    let url = session.server().unwrap().url().trim_end_matches('/').to_owned();
    assert_eq!(lines[0], format!("plain HTTP to {url} (the kubeconfig's server)"));
    let pods = "/api/v1/namespaces/raw-list-watch-http/pods";
    let list = find(&lines, 0, &format!("GET {pods} HTTP/1.1"));
    assert_eq!(lines[list + 1], "HTTP/1.1 200 OK");
    let rv = lines[list + 2]
        .strip_prefix("  kind PodList, 0 items [], resourceVersion ")
        .unwrap_or_else(|| panic!("{}", lines[list + 2]));

    let mut replays = Vec::new();
    for request in [
        format!("GET {pods}?watch=true&resourceVersion={rv}&timeoutSeconds=30 HTTP/1.1"),
        format!("GET /api/v1/watch/namespaces/raw-list-watch-http/pods?resourceVersion={rv}&timeoutSeconds=30 HTTP/1.1"),
    ] {
        let at = find(&lines, list, &request);
        assert_eq!(lines[at + 1], "HTTP/1.1 200 OK");
        let (head, after) = headers(&lines, at + 1);
        let header = |n: &str| head.iter().find(|(h, _)| h == n).map(|(_, v)| v.as_str());
        assert_eq!(header("content-type"), Some("application/json"), "{head:?}");
        assert_eq!(header("transfer-encoding"), Some("chunked"), "{head:?}");
        assert_eq!(header("content-length"), None, "{head:?}");
        assert!(
            lines[after].starts_with("(Content-Type application/json, Transfer-Encoding chunked, Content-Length none: "),
            "{}",
            lines[after]
        );
        // Then the body: each line one whole event as the server wrote it.
        let events: Vec<Value> = lines[after + 1..after + 4]
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
        for e in &events {
            assert_eq!(e["object"]["kind"], "Pod");
            assert_eq!(e["object"]["metadata"]["name"], DEMO_POD);
        }
        assert_eq!(events[1]["object"]["metadata"]["labels"]["app"], "demo");
        let versions: Vec<String> = events
            .iter()
            .map(|e| e["object"]["metadata"]["resourceVersion"].as_str().unwrap().to_owned())
            .collect();
        replays.push(versions);
    }
    // The legacy path replayed the very same events from the list's resourceVersion.
    assert_eq!(replays[0], replays[1]);
    let [a, m, d] = &replays[0][..] else {
        unreachable!()
    };
    assert_eq!(
        lines.last().unwrap(),
        &format!("the legacy path replayed the same 3 events from resourceVersion {rv}: ADDED {a}, MODIFIED {m}, DELETED {d}")
    );
}

#[tokio::test]
async fn a_proxy_url_is_used_and_long_event_lines_are_cut_with_what_they_hold() {
    let session = support::session("raw_list_watch_http").await;
    let url = session.server().unwrap().url().trim_end_matches('/').to_owned();
    let args = Args {
        proxy_url: Some(url.clone()),
        timeout_seconds: 30,
        max_line: 40,
    };
    let lines = run(&session, &args).await;
    assert_eq!(lines[0], format!("plain HTTP to {url} (--proxy-url)"));
    let cut: Vec<&String> = lines.iter().filter(|l| l.starts_with("{\"type\":")).collect();
    assert_eq!(cut.len(), 6, "{lines:#?}");
    for (line, kind) in cut.iter().zip(["ADDED", "MODIFIED", "DELETED"].iter().cycle()) {
        let (start, rest) = line.split_once("... [").unwrap();
        assert_eq!(start.chars().count(), 40, "{line}");
        let (bytes, what) = rest.split_once(" bytes: ").unwrap();
        assert!(bytes.parse::<usize>().unwrap() > 40, "{line}");
        assert!(what.starts_with(&format!("{kind} {DEMO_POD} rv=")), "{line}");
    }
}

#[tokio::test]
async fn an_https_cluster_with_credentials_is_told_to_use_kubectl_proxy() {
    let dir = std::env::temp_dir().join(format!("raw-list-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n\
         users:\n- name: u\n  user:\n    token: secret-token\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n\
         current-context: x\n",
    )
    .unwrap();
    let session = Session::builder("raw_list_watch_http")
        .kubeconfig(&kubeconfig)
        .out(Out::capture())
        .start()
        .await
        .unwrap();
    let err = raw_list_watch_http::run(&session, &Args::default())
        .await
        .unwrap_err()
        .to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        err,
        "the cluster at https://127.0.0.1:1 wants HTTPS and credentials, which a plain HTTP request \
         written by hand does not carry: start `kubectl proxy` (it serves the API on \
         http://127.0.0.1:8001 and adds the credentials itself), then run this example again with \
         --proxy-url http://127.0.0.1:8001"
    );
    assert!(!err.contains("secret-token"));
    // Nothing was sent: no namespace was made.
    assert!(session.out().lines().is_empty(), "{:?}", session.out().lines());
}
