//! Shared harness for the embedded API server's integration tests: start a server on 127.0.0.1:0 and
//! talk to it with a minimal hyper-util client (the project's REST client must not be a dependency).
#![allow(dead_code)]

use std::time::Duration;

use bytes::Bytes;
use clientgo_apiserver::ApiServer;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A guard against hangs; tests never wait on it for correctness.
pub const GUARD: Duration = Duration::from_secs(20);

pub struct Harness {
    pub server: ApiServer,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub raw: Bytes,
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(ApiServer::builder()).await
    }

    pub async fn with(builder: clientgo_apiserver::ServerBuilder) -> Self {
        let server = builder.start().await.expect("server starts");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Harness { server, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub async fn raw(&self, method: Method, path: &str, ct: &str, body: impl Into<Bytes>) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(self.url(path))
            .header("content-type", ct)
            .body(Full::new(body.into()))
            .expect("request");
        let resp = tokio::time::timeout(GUARD, self.client.request(req))
            .await
            .expect("no hang")
            .expect("request succeeds");
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = tokio::time::timeout(GUARD, resp.into_body().collect())
            .await
            .expect("no hang")
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            raw,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.raw(Method::GET, path, "application/json", Bytes::new())
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.raw(Method::POST, path, "application/json", body.to_string())
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.raw(Method::PUT, path, "application/json", body.to_string())
            .await
    }

    pub async fn patch(&self, path: &str, ct: &str, body: &Value) -> Reply {
        self.raw(Method::PATCH, path, ct, body.to_string()).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.raw(Method::DELETE, path, "application/json", Bytes::new())
            .await
    }

    /// Creates a namespace and returns nothing; panics on failure.
    pub async fn namespace(&self, name: &str) {
        let r = self
            .post(
                "/api/v1/namespaces",
                &serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":name}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    pub async fn configmap(&self, ns: &str, name: &str, labels: Value) -> Value {
        let r = self
            .post(
                &format!("/api/v1/namespaces/{ns}/configmaps"),
                &serde_json::json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name,"labels":labels},"data":{"k":"v"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body
    }

    /// Opens a watch and returns a line reader over its body.
    pub async fn watch(&self, path: &str) -> Watch {
        let req = Request::builder()
            .uri(self.url(path))
            .body(Full::new(Bytes::new()))
            .expect("request");
        let resp = tokio::time::timeout(GUARD, self.client.request(req))
            .await
            .expect("no hang")
            .expect("request succeeds");
        Watch {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.into_body(),
            buf: Vec::new(),
        }
    }
}

pub struct Watch {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    body: Incoming,
    buf: Vec<u8>,
}

impl Watch {
    /// The next event, `None` at the end of the stream. Panics after [`GUARD`].
    pub async fn next(&mut self) -> Option<Value> {
        tokio::time::timeout(GUARD, self.next_inner())
            .await
            .expect("watch event within the guard")
    }

    async fn next_inner(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Some(serde_json::from_slice(&line).expect("each line is one JSON event"));
            }
            match self.body.frame().await {
                Some(Ok(f)) => {
                    if let Ok(d) = f.into_data() {
                        self.buf.extend_from_slice(&d);
                    }
                }
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Reads until the stream ends, returning all remaining events; `Err` if the connection broke.
    pub async fn rest(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(e) = self.next().await {
            out.push(e);
        }
        out
    }

    /// Reads to the end: the number of complete events, and whether the stream ended with a transport
    /// error (cut) rather than cleanly.
    pub async fn count_until_end(&mut self) -> (usize, bool) {
        let mut n = 0;
        loop {
            match tokio::time::timeout(GUARD, self.body.frame())
                .await
                .expect("guard")
            {
                Some(Ok(f)) => {
                    if let Ok(d) = f.into_data() {
                        n += d.iter().filter(|b| **b == b'\n').count();
                    }
                }
                Some(Err(_)) => return (n, true),
                None => return (n, false),
            }
        }
    }
}

/// `(type, name, resourceVersion)` of an event.
pub fn ev(e: &Value) -> (String, String, String) {
    (
        e["type"].as_str().unwrap_or("").to_owned(),
        e["object"]["metadata"]["name"].as_str().unwrap_or("").to_owned(),
        e["object"]["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

pub fn rv(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("resourceVersion")
}
