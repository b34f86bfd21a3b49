//! The rest layer against tiny local HTTP and HTTPS servers: transport, TLS, auth, errors, retries,
//! timeouts, throttling, logging.

mod support;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use clientgo_apimachinery::GroupVersion;
use clientgo_rest::{Config, Error, RestClient};
use futures_util::StreamExt;
use support::{Reply, TestServer, VERSION_JSON};

fn config(server: &TestServer) -> Config {
    let mut c = Config::new(server.url());
    if let Some(ca) = &server.ca_pem {
        c.tls.ca_data = Some(ca.clone().into_bytes());
    }
    c.group_version = Some(GroupVersion::new("", "v1"));
    c
}

fn version_server(rec: &support::Recorded, _: usize) -> Reply {
    match rec.uri.split('?').next().unwrap_or("") {
        "/version" => Reply::Json(200, VERSION_JSON),
        _ => Reply::Json(
            404,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#,
        ),
    }
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    clientgo_rest::ErrorReport::new(e).to_string()
}

#[tokio::test]
async fn construction_does_no_io_and_the_first_call_is_refused() {
    // Bind then drop a listener: the port is closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = Config::new(format!("https://127.0.0.1:{port}"));
    c.tls.insecure = true;
    let client = RestClient::new_unversioned(&c).expect("construction must not touch the network");
    let e = client.get().abs_path("/version").do_raw().await.unwrap_err();
    assert!(e.is_connect() && e.is_connection_refused(), "{}", chain(&e));
    assert!(!e.is_timeout());
    assert_eq!(
        chain(&e),
        format!("GET https://127.0.0.1:{port}/version: connection refused (127.0.0.1:{port})")
    );
}

#[tokio::test]
async fn plain_http_raw_and_typed() {
    let server = TestServer::plain(version_server).await;
    let client = RestClient::new(&config(&server)).unwrap();
    let raw = client.get().abs_path("/version").do_raw().await.unwrap();
    assert_eq!(&raw[..], VERSION_JSON.as_bytes(), "raw body printed as-is");
    let v: serde_json::Value = client.get().abs_path("/version").do_().await.unwrap();
    assert_eq!(v["gitVersion"], "v1.25.4");
    let rec = server.recorded();
    assert_eq!(rec[0].headers["accept"], "application/json, */*");
    assert!(rec[0].headers["user-agent"]
        .to_str()
        .unwrap()
        .contains("clientgo"));
    // A Status body becomes the typed error.
    let e = client.get().resource("nothing").do_raw().await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(e.status_code(), Some(404));
}

#[tokio::test]
async fn selectors_are_query_parameters_and_plain_http_reuses_one_connection() {
    let server = TestServer::plain(|_, _| Reply::Json(200, r#"{"items":[]}"#)).await;
    let client = RestClient::new(&config(&server)).unwrap();
    for _ in 0..5 {
        client
            .get()
            .namespace("default")
            .resource("pods")
            .label_selector("app=web,tier in (a,b)")
            .field_selector("status.phase=Running,metadata.name!=x")
            .label_selector("")
            .do_raw()
            .await
            .unwrap();
    }
    let rec = server.recorded();
    let (path, query) = rec[0].uri.split_once('?').unwrap();
    assert_eq!(path, "/api/v1/namespaces/default/pods");
    let params: Vec<(String, String)> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), percent_decode(v))
        })
        .collect();
    assert_eq!(
        params,
        [
            (
                "fieldSelector".to_owned(),
                "status.phase=Running,metadata.name!=x".to_owned()
            ),
            ("labelSelector".to_owned(), "app=web,tier in (a,b)".to_owned()),
        ],
        "sorted by key as Go's url.Values.Encode does; an empty selector adds no parameter"
    );
    assert_eq!(
        server.connections.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "five sequential requests over one kept-alive HTTP/1.1 connection"
    );
}

/// Decodes `%XX` escapes and `+` (as a space) in a query value.
fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn tls_server_name_overrides_the_name_verified_against_the_certificate() {
    // The certificate names 127.0.0.1 and localhost; the client connects to 127.0.0.1.
    let server = TestServer::tls(false, version_server).await;
    let mut c = config(&server);
    c.tls.server_name = Some("localhost".into());
    let client = RestClient::new(&c).unwrap();
    client.get().abs_path("/version").do_raw().await.unwrap();

    c.tls.server_name = Some("kubernetes.default.svc".into());
    let client = RestClient::new(&c).unwrap();
    let e = client.get().abs_path("/version").do_raw().await.unwrap_err();
    let chain = chain(&e);
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
    assert_eq!(
        server.recorded().len(),
        1,
        "the mismatched name never got a request through"
    );
}

#[tokio::test]
async fn tls_with_the_cluster_ca_negotiates_http2_and_reuses_one_connection() {
    let server = TestServer::tls(true, version_server).await;
    let client = RestClient::new(&config(&server)).unwrap();
    for _ in 0..5 {
        client.get().abs_path("/version").do_raw().await.unwrap();
    }
    let concurrent =
        futures_util::future::join_all((0..8).map(|_| client.get().abs_path("/version").do_raw())).await;
    assert!(concurrent.iter().all(Result::is_ok));
    assert_eq!(server.recorded()[0].version, http::Version::HTTP_2);
    assert_eq!(
        server.handshakes.load(Ordering::SeqCst),
        1,
        "one TLS handshake for 13 requests"
    );
}

#[tokio::test]
async fn tls_http1_fallback_reuses_connections_sequentially() {
    let server = TestServer::tls(false, version_server).await;
    let client = RestClient::new(&config(&server)).unwrap();
    for _ in 0..5 {
        client.get().abs_path("/version").do_raw().await.unwrap();
    }
    assert_eq!(server.recorded()[0].version, http::Version::HTTP_11);
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn tls_verification_is_on_by_default_and_off_only_when_asked() {
    let server = TestServer::tls(true, version_server).await;
    let mut c = Config::new(server.url());
    let e = RestClient::new_unversioned(&c)
        .unwrap()
        .get()
        .abs_path("/version")
        .do_raw()
        .await
        .unwrap_err();
    assert!(e.is_connect(), "{}", chain(&e));
    assert!(chain(&e).contains("TLS handshake"), "{}", chain(&e));
    c.tls.insecure = true;
    let ok = RestClient::new_unversioned(&c)
        .unwrap()
        .get()
        .abs_path("/version")
        .do_raw()
        .await;
    assert!(ok.is_ok());
}

#[tokio::test]
async fn tls_handshake_timeout_is_reported() {
    // Accepts TCP and never speaks TLS, like the seed's `ncat -lvp`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    let accept = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            h.lock().unwrap().push(s);
        }
    });
    let mut c = Config::new(format!("https://{addr}"));
    c.tls.insecure = true;
    c.connect_timeout = Duration::from_millis(100);
    let e = RestClient::new_unversioned(&c)
        .unwrap()
        .get()
        .abs_path("/version")
        .do_raw()
        .await
        .unwrap_err();
    assert!(e.is_tls_handshake_timeout(), "{}", chain(&e));
    assert!(chain(&e).contains("TLS handshake timeout"));
    accept.abort();
}

#[tokio::test]
async fn global_timeout_adds_the_url_parameter_and_a_deadline_does_not() {
    let server = TestServer::plain(|_, _| Reply::Hang).await;
    let mut c = config(&server);
    c.timeout = Some(Duration::from_millis(150));
    let client = RestClient::new(&c).unwrap();
    let e = client.get().abs_path("/version").do_raw().await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(
        e.to_string()
            .ends_with("/version?timeout=150ms\": context deadline exceeded"),
        "{e}"
    );

    let no_global = RestClient::new(&config(&server)).unwrap();
    let e = no_global
        .get()
        .resource("namespaces")
        .deadline(Duration::from_millis(150))
        .do_raw()
        .await
        .unwrap_err();
    assert!(e.is_timeout());
    let uris: Vec<_> = server.recorded().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, vec!["/version?timeout=150ms", "/api/v1/namespaces"]);
}

#[tokio::test]
async fn empty_body_fails_to_decode() {
    let server = TestServer::plain(|_, _| Reply::Full(200, vec![], Bytes::new())).await;
    let client = RestClient::new(&config(&server)).unwrap();
    let e = client
        .get()
        .abs_path("/version")
        .do_::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }));
    assert!(chain(&e).contains("EOF"), "{}", chain(&e));
}

#[tokio::test]
async fn retries_429_and_5xx_with_retry_after_for_every_verb() {
    // Every request is answered 429, then 503 with Retry-After, then 200: the server rejected the
    // first two without acting, so POST and PATCH are resent (with their bodies) like GET.
    let server = TestServer::plain(|_, n| match n % 3 {
        0 => Reply::Full(
            429,
            vec![("retry-after", "0".into())],
            Bytes::from_static(b"slow down"),
        ),
        1 => Reply::Full(503, vec![("retry-after", "0".into())], Bytes::new()),
        _ => Reply::Json(200, "{}"),
    })
    .await;
    let client = RestClient::new(&config(&server)).unwrap();
    client.get().resource("pods").do_raw().await.unwrap();
    assert_eq!(server.recorded().len(), 3, "two retries then success");
    client
        .post()
        .resource("pods")
        .body_json(&serde_json::json!({"metadata": {"name": "p"}}))
        .do_raw()
        .await
        .unwrap();
    client
        .patch()
        .resource("pods")
        .name("p")
        .body_raw(
            r#"{"metadata":{"labels":{"a":"b"}}}"#,
            "application/merge-patch+json",
        )
        .do_raw()
        .await
        .unwrap();
    let recorded = server.recorded();
    assert_eq!(recorded.len(), 9, "each verb: two retries then success");
    for rec in &recorded[3..6] {
        assert_eq!(rec.method, http::Method::POST);
        assert_eq!(
            &rec.body[..],
            br#"{"metadata":{"name":"p"}}"#,
            "the body is resent"
        );
    }
    for rec in &recorded[6..9] {
        assert_eq!(rec.method, http::Method::PATCH);
        assert_eq!(&rec.body[..], br#"{"metadata":{"labels":{"a":"b"}}}"#);
    }
    // Without retries the first 429 is the answer.
    let e = client
        .post()
        .resource("pods")
        .body_json(&serde_json::json!({}))
        .max_retries(0)
        .do_raw()
        .await
        .unwrap_err();
    assert!(e.is_too_many_requests());
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let server =
        TestServer::plain(|_, _| Reply::Full(429, vec![("retry-after", "0".into())], Bytes::new())).await;
    let client = RestClient::new(&config(&server)).unwrap();
    let e = client.get().resource("pods").do_raw().await.unwrap_err();
    assert!(e.is_too_many_requests());
    assert_eq!(server.recorded().len(), 11, "1 try + 10 retries");
}

#[tokio::test]
async fn auth_headers_and_the_token_never_reaches_the_logs() {
    let logs = support::log_capture::LogCapture::start();

    let server = TestServer::plain(version_server).await;
    let mut c = config(&server);
    c.bearer_token = Some("s3cr3t-t0ken".into());
    let client = RestClient::new(&c).unwrap();
    client
        .get()
        .abs_path("/version")
        .header("Authorization", "Bearer s3cr3t-t0ken")
        .do_raw()
        .await
        .unwrap();
    client.get().abs_path("/version").do_raw().await.unwrap();
    assert_eq!(
        server.recorded()[1].headers["authorization"],
        "Bearer s3cr3t-t0ken"
    );
    let logs = logs.text();
    assert!(
        logs.contains("GET http://") && logs.contains("200 OK"),
        "request line logged: {logs}"
    );
    assert!(logs.contains("gitVersion"), "bodies at trace");
    assert!(
        logs.contains("curl -v -XGET ") && logs.contains("-H \"Authorization: Bearer <masked>\""),
        "the curl line with the credentials masked: {logs}"
    );
    assert!(logs.contains("HTTP Statistics: Duration "), "{logs}");
    assert!(
        logs.contains("header=authorization value=\"Bearer <masked>\""),
        "the Authorization header the transport adds is logged, masked: {logs}"
    );
    assert!(!logs.contains("s3cr3t"), "token leaked into logs:\n{logs}");
}

#[tokio::test]
async fn basic_auth_and_impersonation_are_sent() {
    let server = TestServer::plain(version_server).await;
    let mut c = config(&server);
    c.username = Some("admin".into());
    c.password = Some("pw".into());
    c.impersonate.user_name = Some("jane".into());
    let client = RestClient::new(&c).unwrap();
    client.get().abs_path("/version").do_raw().await.unwrap();
    let r = &server.recorded()[0];
    assert_eq!(r.headers["authorization"], "Basic YWRtaW46cHc=");
    assert_eq!(r.headers["impersonate-user"], "jane");
}

#[tokio::test]
async fn exec_plugin_token_is_refreshed_after_401() {
    let dir = std::env::temp_dir().join(format!("clientgo-exec401-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let counter = dir.join("n");
    let script = format!(
        r#"echo x >> {c}; n=$(wc -l < {c}); printf '{{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{{"token":"tok-%s"}}}}' $n"#,
        c = counter.display()
    );
    // Only the second token is accepted.
    let server = TestServer::plain(|rec, _| {
        if rec
            .headers
            .get("authorization")
            .is_some_and(|v| v == "Bearer tok-2")
        {
            Reply::Json(200, "{}")
        } else {
            Reply::Json(
                401,
                r#"{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}"#,
            )
        }
    })
    .await;
    let mut c = config(&server);
    c.exec_provider = Some(clientgo_rest::ExecConfig::new("sh", vec!["-c".into(), script]));
    let client = RestClient::new(&c).unwrap();
    client.get().resource("pods").do_raw().await.unwrap();
    let auths: Vec<_> = server
        .recorded()
        .iter()
        .map(|r| r.headers["authorization"].clone())
        .collect();
    assert_eq!(auths, vec!["Bearer tok-1", "Bearer tok-2"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn stream_returns_raw_chunks() {
    let server = TestServer::plain(|_, _| {
        Reply::Chunks(vec![
            Bytes::from_static(b"line 1\n"),
            Bytes::from_static(b"line 2\n"),
        ])
    })
    .await;
    let client = RestClient::new(&config(&server)).unwrap();
    let s = client
        .get()
        .namespace("default")
        .resource("pods")
        .name("p")
        .sub_resource("log")
        .stream()
        .await
        .unwrap();
    let chunks: Vec<Bytes> = s.map(Result::unwrap).collect().await;
    assert_eq!(chunks.concat(), b"line 1\nline 2\n");
}

#[tokio::test]
async fn client_side_throttling_waits_and_logs() {
    /// Hands out a fixed wait, so the test controls what the client believes.
    struct Fixed(Duration);
    impl clientgo_rest::RateLimiter for Fixed {
        fn reserve(&self) -> Duration {
            self.0
        }
    }
    let logs = support::log_capture::LogCapture::start();
    let server = TestServer::plain(version_server).await;
    let mut c = config(&server);
    c.rate_limiter = Some(Arc::new(Fixed(Duration::from_millis(1001))));
    let client = RestClient::new(&c).unwrap();
    client.get().abs_path("/version").do_raw().await.unwrap();
    let logs = logs.text();
    assert!(
        logs.contains("Waited for 1.001s due to client-side throttling, not priority and fairness, request: GET:http://"),
        "{logs}"
    );
}

/// The fake limiters: one never holds a request back, the other holds it until its timeout.
#[tokio::test]
async fn fake_always_and_never_rate_limiters() {
    let logs = support::log_capture::LogCapture::start();
    let server = TestServer::plain(version_server).await;
    let mut c = config(&server);
    c.qps = 5.0;
    c.burst = 1;
    c.rate_limiter = Some(Arc::new(clientgo_rest::FakeAlwaysRateLimiter));
    let client = RestClient::new(&c).unwrap();
    // Past QPS 5 and burst 1, the seventh request would wait over a second and log it.
    for _ in 0..8 {
        client.get().abs_path("/version").do_raw().await.unwrap();
    }
    let logs = logs.text();
    assert!(!logs.contains("client-side throttling"), "{logs}");
    c.rate_limiter = Some(Arc::new(clientgo_rest::FakeNeverRateLimiter));
    let client = RestClient::new(&c).unwrap();
    let err = client
        .get()
        .abs_path("/version")
        .timeout(Duration::from_millis(100))
        .do_raw()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn watch_decodes_events_across_chunk_boundaries_and_ends_cleanly() {
    let body = concat!(
        r#"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"1"}}}"#,
        "\n",
        r#"{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"2"}}}"#,
        "\n",
        r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"3"}}}"#,
        "\n",
    );
    // Split at awkward places: mid-string and mid-frame.
    let (a, rest) = body.split_at(17);
    let (b, c) = rest.split_at(120);
    let chunks = vec![Bytes::from(a), Bytes::from(b), Bytes::from(c)];
    let server = TestServer::plain(move |_, _| Reply::Chunks(chunks.clone())).await;
    let client = RestClient::new(&config(&server)).unwrap();
    let events: Vec<_> = client
        .get()
        .resource("pods")
        .param("watch", "true")
        .watch::<clientgo_apimachinery::DynamicObject>()
        .await
        .unwrap()
        .collect()
        .await;
    let types: Vec<_> = events
        .iter()
        .map(|e| e.as_ref().unwrap().event_type().as_str())
        .collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "BOOKMARK"]);
    assert_eq!(server.recorded()[0].uri, "/api/v1/pods?watch=true");
}

#[tokio::test]
async fn watch_error_event_becomes_a_typed_error_and_ends_the_stream() {
    let frames = concat!(
        r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
        "\n",
        r#"{"type":"ADDED","object":{"metadata":{"name":"never"}}}"#,
        "\n"
    );
    let server =
        TestServer::plain(move |_, _| Reply::Chunks(vec![Bytes::from_static(frames.as_bytes())])).await;
    let client = RestClient::new(&config(&server)).unwrap();
    let events: Vec<_> = client
        .get()
        .resource("pods")
        .watch::<clientgo_apimachinery::DynamicObject>()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    let e = events[0].as_ref().unwrap_err();
    assert!(e.is_gone(), "{e}");

    let gone = TestServer::plain(|_, _| {
        Reply::Json(
            410,
            r#"{"kind":"Status","status":"Failure","message":"too old","reason":"Expired","code":410}"#,
        )
    })
    .await;
    let e = RestClient::new(&config(&gone))
        .unwrap()
        .get()
        .resource("pods")
        .watch::<clientgo_apimachinery::DynamicObject>()
        .await
        .err()
        .unwrap();
    assert!(e.is_gone());

    let garbage = TestServer::plain(|_, _| Reply::Chunks(vec![Bytes::from_static(b"[1,2]\n")])).await;
    let events: Vec<_> = RestClient::new(&config(&garbage))
        .unwrap()
        .get()
        .resource("pods")
        .watch::<clientgo_apimachinery::DynamicObject>()
        .await
        .unwrap()
        .collect()
        .await;
    assert!(matches!(events.as_slice(), [Err(Error::WatchDecode { .. })]));
}

#[tokio::test]
async fn client_certificates_authenticate_over_mutual_tls() {
    let (server, cert, key) = TestServer::mtls(version_server).await;
    let mut c = config(&server);
    let without = RestClient::new(&c)
        .unwrap()
        .get()
        .abs_path("/version")
        .do_raw()
        .await;
    assert!(without.is_err(), "the server requires a client certificate");
    c.tls.cert_data = Some(cert.into_bytes());
    c.tls.key_data = Some(key.into_bytes());
    let body = RestClient::new(&c)
        .unwrap()
        .get()
        .abs_path("/version")
        .do_raw()
        .await
        .unwrap();
    assert_eq!(&body[..], VERSION_JSON.as_bytes());
}
