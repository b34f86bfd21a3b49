//! rustls client configuration from a [`TlsClientConfig`].
//!
//! Mirrors client-go `transport/transport.go` (`TLSConfigFor`): the cluster CA from file or data,
//! an optional client certificate, ALPN offering HTTP/2 then HTTP/1.1, and skipping verification only
//! when `insecure` is set. Only the `ring` provider is used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::TlsClientConfig;
use crate::error::ConfigError;

/// PEM bytes and the file they came from.
type Pem = (Vec<u8>, Option<PathBuf>);

/// Reads PEM bytes from `data`, else from `file`; `None` when neither is set.
fn pem_source(
    what: &'static str,
    data: Option<&Vec<u8>>,
    file: Option<&PathBuf>,
) -> Result<Option<Pem>, ConfigError> {
    if let Some(d) = data {
        return Ok(Some((d.clone(), None)));
    }
    let Some(path) = file else { return Ok(None) };
    std::fs::read(path)
        .map(|b| Some((b, Some(path.clone()))))
        .map_err(|source| ConfigError::ReadFile {
            what,
            path: path.clone(),
            source,
        })
}

fn certs(
    what: &'static str,
    pem: &[u8],
    path: Option<&Path>,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let bad = || ConfigError::Pem {
        what,
        path: path.map(Path::to_path_buf),
    };
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    if certs.is_empty() {
        return Err(bad());
    }
    Ok(certs)
}

/// Builds the rustls config. Reads the certificate files named in `tls`; no network I/O.
pub(crate) fn client_config(tls: &TlsClientConfig) -> Result<ClientConfig, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(ConfigError::Tls)?;
    let builder = if tls.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(InsecureVerifier(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        if let Some((pem, path)) = pem_source("CA", tls.ca_data.as_ref(), tls.ca_file.as_ref())? {
            for cert in certs("CA", &pem, path.as_deref())? {
                roots.add(cert).map_err(ConfigError::Tls)?;
            }
        }
        builder.with_root_certificates(roots)
    };
    let cert = pem_source(
        "client certificate",
        tls.cert_data.as_ref(),
        tls.cert_file.as_ref(),
    )?;
    let key = pem_source("client key", tls.key_data.as_ref(), tls.key_file.as_ref())?;
    let mut config = match (cert, key) {
        (None, None) => builder.with_no_client_auth(),
        (Some((cert_pem, cert_path)), Some((key_pem, key_path))) => {
            let chain = certs("client certificate", &cert_pem, cert_path.as_deref())?;
            // The key's parse error is dropped on purpose: it could quote key material.
            let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| ConfigError::Pem {
                what: "client key",
                path: key_path,
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(ConfigError::Tls)?
        }
        _ => return Err(ConfigError::CertWithoutKey),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The name to verify the server certificate against: the configured override or the URL host.
pub(crate) fn server_name(override_name: Option<&str>, host: &str) -> Option<ServerName<'static>> {
    let name = override_name.unwrap_or(host);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(name.to_owned()).ok()
}

/// Accepts any server certificate (still checking handshake signatures). Used only when the config
/// says `insecure: true`, as client-go's `InsecureSkipVerify`.
#[derive(Debug)]
struct InsecureVerifier(Arc<CryptoProvider>);

impl ServerCertVerifier for InsecureVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_named() {
        let t = TlsClientConfig {
            ca_data: Some(b"not pem".to_vec()),
            ..Default::default()
        };
        assert!(matches!(
            client_config(&t),
            Err(ConfigError::Pem { what: "CA", .. })
        ));
        let t = TlsClientConfig {
            ca_file: Some(PathBuf::from("/nonexistent/ca.crt")),
            ..Default::default()
        };
        let e = client_config(&t).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ca.crt"), "{e}");
        let t = TlsClientConfig {
            cert_data: Some(b"x".to_vec()),
            ..Default::default()
        };
        assert!(matches!(client_config(&t), Err(ConfigError::CertWithoutKey)));
        let ok = client_config(&TlsClientConfig::default()).unwrap();
        assert_eq!(ok.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn server_names() {
        assert!(server_name(None, "127.0.0.1").is_some());
        assert!(server_name(None, "[::1]").is_some());
        assert!(server_name(Some("kubernetes.default.svc"), "10.0.0.1").is_some());
        assert!(server_name(None, "bad name").is_none());
    }
}
