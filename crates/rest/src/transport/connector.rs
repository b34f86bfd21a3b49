//! The connector under hyper-util's pooled client: TCP with a connect timeout, then rustls with a
//! handshake timeout, reporting HTTP/2 when ALPN chose it.
//!
//! Mirrors the dialer and `TLSHandshakeTimeout` of Go's default transport that client-go uses
//! (`k8s.io/apimachinery/pkg/util/net.SetTransportDefaults`): both bounded by 10 s even though the
//! request itself has no timeout.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// Nothing listens on the port: the peer refused the TCP connection (Go: `connect: connection
    /// refused`).
    #[error("connection refused ({authority})")]
    Refused {
        /// `host:port`.
        authority: String,
    },
    /// TCP connect failed otherwise or timed out (the cause says which: refused, unreachable, DNS...).
    #[error("dial tcp {authority}")]
    Tcp {
        /// `host:port`.
        authority: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The server accepted TCP but did not complete a TLS handshake in time (Go: `net/http: TLS
    /// handshake timeout`).
    #[error("TLS handshake timeout")]
    TlsHandshakeTimeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The TLS handshake failed (unknown CA, name mismatch, protocol error...).
    #[error("TLS handshake with {authority} failed")]
    Tls {
        /// `host:port`.
        authority: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The host is not a valid TLS server name.
    #[error("invalid TLS server name {name:?}")]
    ServerName {
        /// The name.
        name: String,
    },
}

impl ConnectError {
    /// A failed TCP connect to `authority`: [`ConnectError::Refused`] when the cause is a refusal.
    fn tcp(authority: String, source: BoxError) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
        while let Some(e) = cause {
            if e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::ConnectionRefused)
            {
                return ConnectError::Refused { authority };
            }
            cause = e.source();
        }
        ConnectError::Tcp { authority, source }
    }
}

#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector,
    tls: Option<TlsConnector>,
    server_name_override: Option<Arc<str>>,
    handshake_timeout: Duration,
}

impl Connector {
    /// `tls` is `None` for plain-HTTP servers. No I/O happens here.
    pub(crate) fn new(
        tls: Option<Arc<rustls::ClientConfig>>,
        server_name_override: Option<String>,
        timeout: Duration,
    ) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        Connector {
            http,
            tls: tls.map(TlsConnector::from),
            server_name_override: server_name_override.map(Arc::from),
            handshake_timeout: timeout,
        }
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<MaybeTls>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        self.http
            .poll_ready(cx)
            .map_err(|e| ConnectError::tcp(String::new(), Box::new(e)))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let authority = uri.authority().map(ToString::to_string).unwrap_or_default();
        let host = uri.host().unwrap_or("").to_owned();
        let https = uri.scheme_str() == Some("https");
        let tcp = self.http.call(uri);
        let tls = self.tls.clone();
        let name_override = self.server_name_override.clone();
        let handshake_timeout = self.handshake_timeout;
        Box::pin(async move {
            let tcp = tcp
                .await
                .map_err(|e| ConnectError::tcp(authority.clone(), Box::new(e)))?
                .into_inner();
            let (true, Some(tls)) = (https, tls) else {
                return Ok(TokioIo::new(MaybeTls::Plain(tcp)));
            };
            let name: ServerName<'static> = super::tls::server_name(name_override.as_deref(), &host)
                .ok_or_else(|| ConnectError::ServerName {
                    name: name_override.as_deref().unwrap_or(&host).to_owned(),
                })?;
            let stream = tokio::time::timeout(handshake_timeout, tls.connect(name, tcp))
                .await
                .map_err(|_| ConnectError::TlsHandshakeTimeout {
                    after: handshake_timeout,
                })?
                .map_err(|source| ConnectError::Tls { authority, source })?;
            tracing::trace!(
                alpn = ?stream.get_ref().1.alpn_protocol().map(String::from_utf8_lossy),
                "TLS handshake done"
            );
            Ok(TokioIo::new(MaybeTls::Tls(Box::new(stream))))
        })
    }
}

/// A TCP stream, with or without TLS on top.
pub(crate) enum MaybeTls {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection for MaybeTls {
    fn connected(&self) -> Connected {
        match self {
            MaybeTls::Plain(s) => s.connected(),
            MaybeTls::Tls(s) => {
                let (tcp, session) = s.get_ref();
                let connected = tcp.connected();
                if session.alpn_protocol() == Some(b"h2") {
                    connected.negotiated_h2()
                } else {
                    connected
                }
            }
        }
    }
}

impl AsyncRead for MaybeTls {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(s) => s.is_write_vectored(),
            MaybeTls::Tls(s) => s.is_write_vectored(),
        }
    }
}
