//! Bearer-token authentication, TLS with the generated certificate, HTTP/2 by ALPN, the kubeconfig.

mod support;

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use support::Harness;

#[tokio::test]
async fn a_token_is_required_when_configured() {
    let h = Harness::with(clientgo_apiserver::ApiServer::builder().token("s3cret")).await;
    let r = h.get("/api/v1/namespaces").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
    );
    let client =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    for (token, want) in [("wrong", StatusCode::UNAUTHORIZED), ("s3cret", StatusCode::OK)] {
        let req = Request::get(h.url("/api/v1/namespaces"))
            .header("authorization", format!("Bearer {token}"))
            .body(Empty::new())
            .unwrap();
        assert_eq!(client.request(req).await.unwrap().status(), want);
    }
    let kubeconfig = std::fs::read_to_string(h.server.kubeconfig_path()).unwrap();
    assert!(kubeconfig.contains("token: s3cret"), "{kubeconfig}");
    assert!(kubeconfig.contains(&format!("server: {}", h.server.url())));
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
}

#[tokio::test]
async fn tls_with_the_generated_certificate_and_http2() {
    let server = clientgo_apiserver::ApiServer::builder()
        .tls(true)
        .token("t")
        .start()
        .await
        .unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let ca = server.ca_pem().unwrap();
    let kubeconfig = std::fs::read_to_string(server.kubeconfig_path()).unwrap();
    let ca_b64 = base64::engine::general_purpose::STANDARD.encode(ca);
    assert!(kubeconfig.contains(&format!("certificate-authority-data: {ca_b64}")));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pem_to_der(ca))).unwrap();
    let mut config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .expect("the certificate verifies for 127.0.0.1");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = Request::get(format!("{}/api/v1/namespaces", server.url()))
        .header("authorization", "Bearer t")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["kind"], "NamespaceList");
    assert_eq!(body["items"].as_array().unwrap().len(), 4);
}
