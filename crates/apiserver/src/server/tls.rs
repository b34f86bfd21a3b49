//! TLS: a self-signed certificate generated at start, the rustls acceptor (ring provider only), and
//! the kubeconfig clients use.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::StartError;

/// A generated certificate and key.
pub(crate) struct SelfSigned {
    pub(crate) cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl SelfSigned {
    /// Generates a certificate for `localhost` and `127.0.0.1`.
    pub(crate) fn generate() -> Result<Self, StartError> {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(|_| StartError::Tls("generating a self-signed certificate failed"))?;
        Ok(SelfSigned {
            cert_pem: ck.cert.pem(),
            cert_der: ck.cert.der().clone(),
            key_der: ck.key_pair.serialize_der(),
        })
    }

    /// The acceptor, offering HTTP/2 and HTTP/1.1 by ALPN.
    pub(crate) fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, StartError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| StartError::Tls("no TLS protocol versions"))?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], key)
            .map_err(|_| StartError::Tls("the generated certificate was rejected"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

/// A kubeconfig for `url`, trusting `ca_pem` when given, with `token` when given.
pub(crate) fn kubeconfig(url: &str, ca_pem: Option<&str>, token: Option<&str>) -> String {
    let mut cluster = format!("    server: {url}\n");
    if let Some(ca) = ca_pem {
        cluster.push_str(&format!(
            "    certificate-authority-data: {}\n",
            STANDARD.encode(ca)
        ));
    }
    let user = match token {
        Some(t) => format!("    token: {t}\n"),
        None => "    {}\n".to_owned(),
    };
    let user = if token.is_some() {
        format!("  user:\n{user}")
    } else {
        "  user: {}\n".to_owned()
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: clientgo\n  cluster:\n{cluster}users:\n- name: clientgo\n{user}contexts:\n- name: clientgo\n  context:\n    cluster: clientgo\n    user: clientgo\n    namespace: default\ncurrent-context: clientgo\npreferences: {{}}\n"
    )
}
