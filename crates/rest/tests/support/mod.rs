//! A tiny in-process HTTP(S) server for the rest layer's tests, until they move to the embedded API
//! server. Each reply is computed by a closure from the recorded request; the server records every
//! request and counts accepted connections and completed TLS handshakes.
#![allow(dead_code)]

pub mod log_capture;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream;
use http::{HeaderMap, Method, Response, StatusCode, Version};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Collected, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// What the server saw.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub uri: String,
    pub headers: HeaderMap,
    pub version: Version,
    pub body: Bytes,
}

/// What the server answers.
pub enum Reply {
    Json(u16, &'static str),
    Full(u16, Vec<(&'static str, String)>, Bytes),
    /// Chunks sent one by one, then the body ends.
    Chunks(Vec<Bytes>),
    /// Never answers.
    Hang,
}

type Handler = Arc<dyn Fn(&Recorded, usize) -> Reply + Send + Sync>;

pub struct Tls {
    pub ca_pem: String,
    pub h2: bool,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    pub connections: Arc<AtomicUsize>,
    pub handshakes: Arc<AtomicUsize>,
    pub ca_pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub async fn plain(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::start(Arc::new(handler), None).await
    }

    /// HTTPS with a fresh self-signed certificate for 127.0.0.1; `h2` offers HTTP/2 in ALPN.
    pub async fn tls(h2: bool, handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Self {
        let ck =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let cert_der = ck.cert.der().clone();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key)
            .unwrap();
        cfg.alpn_protocols = if h2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        let mut s = Self::start(Arc::new(handler), Some(Arc::new(cfg))).await;
        s.ca_pem = Some(ck.cert.pem());
        s
    }

    /// HTTPS that requires a client certificate signed by a fresh CA. Returns the server and the
    /// client's (cert PEM, key PEM).
    pub async fn mtls(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> (Self, String, String) {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&server_key, &ca, &ca_key)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client_cert = CertificateParams::new(vec!["client".to_owned()])
            .unwrap()
            .signed_by(&client_key, &ca, &ca_key)
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.der().clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
        let cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server_cert.der().clone()], key)
            .unwrap();
        let mut s = Self::start(Arc::new(handler), Some(Arc::new(cfg))).await;
        s.ca_pem = Some(ca.pem());
        (s, client_cert.pem(), client_key.serialize_pem())
    }

    async fn start(handler: Handler, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let (reqs, conns, hs) = (requests.clone(), connections.clone(), handshakes.clone());
        let task = tokio::spawn(async move {
            let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                conns.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                let reqs = reqs.clone();
                let acceptor = acceptor.clone();
                let hs = hs.clone();
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                            let handler = handler.clone();
                            let reqs = reqs.clone();
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body.collect().await.map(Collected::to_bytes).unwrap_or_default();
                                let rec = Recorded {
                                    method: parts.method,
                                    uri: parts
                                        .uri
                                        .path_and_query()
                                        .map(ToString::to_string)
                                        .unwrap_or_default(),
                                    headers: parts.headers,
                                    version: parts.version,
                                    body,
                                };
                                let n = {
                                    let mut r = reqs.lock().unwrap();
                                    r.push(rec.clone());
                                    r.len() - 1
                                };
                                let reply = handler(&rec, n);
                                Ok::<_, Infallible>(respond(reply).await)
                            }
                        });
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match acceptor {
                        Some(a) => {
                            let Ok(tls) = a.accept(tcp).await else { return };
                            hs.fetch_add(1, Ordering::SeqCst);
                            let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                        }
                    }
                });
            }
        });
        TestServer {
            addr,
            requests,
            connections,
            handshakes,
            ca_pem: None,
            task,
        }
    }
}

async fn respond(reply: Reply) -> Response<BoxBody<Bytes, Infallible>> {
    match reply {
        Reply::Json(code, body) => response(
            code,
            vec![("content-type", "application/json".into())],
            Bytes::from_static(body.as_bytes()),
        ),
        Reply::Full(code, headers, body) => response(code, headers, body),
        Reply::Chunks(chunks) => {
            let frames = stream::iter(chunks.into_iter().map(|c| Ok::<_, Infallible>(Frame::data(c))));
            let mut r = Response::new(StreamBody::new(frames).boxed());
            r.headers_mut()
                .insert("content-type", "application/json".parse().unwrap());
            r
        }
        Reply::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
    }
}

fn response(
    code: u16,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
) -> Response<BoxBody<Bytes, Infallible>> {
    let mut r = Response::new(Full::new(body).boxed());
    *r.status_mut() = StatusCode::from_u16(code).unwrap();
    for (k, v) in headers {
        r.headers_mut().append(k, v.parse().unwrap());
    }
    r
}

pub const VERSION_JSON: &str = r#"{
  "major": "1",
  "minor": "25",
  "gitVersion": "v1.25.4",
  "gitCommit": "872a965c6c6526caa949f0c6ac028ef7aff3fb78",
  "gitTreeState": "clean",
  "buildDate": "2022-11-09T13:29:58Z",
  "goVersion": "go1.19.3",
  "compiler": "gc",
  "platform": "linux/amd64"
}"#;
