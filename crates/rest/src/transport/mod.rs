//! The HTTP transport: hyper-util's pooled client over rustls, with authentication and default headers.
//!
//! Mirrors client-go `rest.HTTPClientFor` and `transport.New` (`transport/transport.go`,
//! `transport/round_trippers.go`): one pooled client per config, shared by every RESTClient built from
//! it, reusing connections (HTTP/1.1 keep-alive, or one multiplexed HTTP/2 connection when ALPN picks
//! h2). Creating it performs no network I/O; connections open on the first request.

mod connector;
pub(crate) mod tls;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, USER_AGENT};
use http::HeaderMap;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::auth::{AuthError, Authenticator};
use crate::config::Config;
use crate::error::ConfigError;
pub use connector::ConnectError;
use connector::Connector;

/// How long an idle pooled connection is kept (Go's default transport: 90 s).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A pooled, authenticating HTTP client for one API server. Cheap to clone (an `Arc`).
///
/// Mirrors the `*http.Client` client-go builds with `rest.HTTPClientFor(config)`; share one between
/// clients of the same config so they share connections.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<Connector, Full<Bytes>>,
    auth: Authenticator,
    default_headers: HeaderMap,
}

/// A failure below HTTP: either the credentials or the connection.
#[derive(Debug)]
pub(crate) enum SendError {
    Auth(AuthError),
    Transport(hyper_util::client::legacy::Error),
}

impl HttpClient {
    /// Builds the transport for `config`: parses the TLS material, picks the authentication method
    /// and prepares the headers. No network I/O.
    ///
    /// # Errors
    /// [`ConfigError`] for unreadable or invalid certificates, conflicting credentials, or header
    /// values that cannot be sent.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let base = crate::request::BaseUrl::parse(config)?;
        let tls = if base.is_https() {
            Some(Arc::new(tls::client_config(&config.tls)?))
        } else {
            None
        };
        let connector = Connector::new(tls, config.tls.server_name.clone(), config.connect_timeout);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        let auth = Authenticator::from_config(config).map_err(ConfigError::Auth)?;
        Ok(HttpClient {
            inner: Arc::new(Inner {
                client,
                auth,
                default_headers: default_headers(config)?,
            }),
        })
    }

    /// Sends `req` with the default headers and credentials added. After a 401, credentials that can
    /// be refreshed (exec plugins) are, and the request is sent once more.
    pub(crate) async fn send(
        &self,
        req: &http::Request<Bytes>,
    ) -> Result<http::Response<Incoming>, SendError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut out = http::Request::new(Full::new(req.body().clone()));
            *out.method_mut() = req.method().clone();
            *out.uri_mut() = req.uri().clone();
            *out.headers_mut() = req.headers().clone();
            for (name, value) in &self.inner.default_headers {
                if !out.headers().contains_key(name) {
                    out.headers_mut().append(name, value.clone());
                }
            }
            if let Some(mut auth) = self.inner.auth.header().await.map_err(SendError::Auth)? {
                auth.set_sensitive(true);
                out.headers_mut().insert(AUTHORIZATION, auth);
            }
            crate::debug_log::log_request(out.method(), out.uri(), out.headers());
            let resp = self
                .inner
                .client
                .request(out)
                .await
                .map_err(SendError::Transport)?;
            if resp.status() == http::StatusCode::UNAUTHORIZED
                && attempt == 1
                && self.inner.auth.unauthorized().await
            {
                tracing::debug!("401 Unauthorized: refreshing credentials and retrying once");
                continue;
            }
            return Ok(resp);
        }
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), ConfigError> {
    let bad = || ConfigError::Header {
        name: name.to_owned(),
    };
    Ok((
        HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?,
        HeaderValue::from_str(value).map_err(|_| bad())?,
    ))
}

fn default_headers(config: &Config) -> Result<HeaderMap, ConfigError> {
    let mut h = HeaderMap::new();
    let ua = config.user_agent.clone().unwrap_or_else(default_user_agent);
    let (n, v) = header(USER_AGENT.as_str(), &ua)?;
    h.insert(n, v);
    let imp = &config.impersonate;
    if let Some(user) = &imp.user_name {
        let (n, v) = header("Impersonate-User", user)?;
        h.insert(n, v);
    }
    if let Some(uid) = &imp.uid {
        let (n, v) = header("Impersonate-Uid", uid)?;
        h.insert(n, v);
    }
    for g in &imp.groups {
        let (n, v) = header("Impersonate-Group", g)?;
        h.append(n, v);
    }
    for (key, values) in &imp.extra {
        for value in values {
            let (n, v) = header(&format!("Impersonate-Extra-{key}"), value)?;
            h.append(n, v);
        }
    }
    Ok(h)
}

/// client-go's default: `<binary>/<version> (<os>/<arch>) kubernetes/<commit>`.
pub(crate) fn default_user_agent() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "clientgo".to_owned());
    format!(
        "{binary}/v{} ({}/{}) clientgo",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ImpersonationConfig;

    #[test]
    fn impersonation_and_user_agent_headers() {
        let mut c = Config::new("http://127.0.0.1:1");
        c.impersonate = ImpersonationConfig {
            user_name: Some("jane".into()),
            groups: vec!["a".into(), "b".into()],
            extra: vec![("scopes".into(), vec!["view".into()])],
            ..Default::default()
        };
        c.user_agent = Some("test/1.0".into());
        let h = default_headers(&c).unwrap();
        assert_eq!(h["impersonate-user"], "jane");
        assert_eq!(h.get_all("impersonate-group").iter().count(), 2);
        assert_eq!(h["impersonate-extra-scopes"], "view");
        assert_eq!(h[USER_AGENT], "test/1.0");
        c.user_agent = Some("bad\nvalue".into());
        assert!(matches!(default_headers(&c), Err(ConfigError::Header { .. })));
        assert!(default_user_agent().contains("clientgo"));
    }
}
