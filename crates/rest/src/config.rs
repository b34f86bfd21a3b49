//! Everything needed to reach and authenticate to an API server.
//!
//! Mirrors client-go `rest/config.go` (`rest.Config`, `rest.TLSClientConfig`, `rest.ImpersonationConfig`)
//! and `tools/clientcmd/api`'s `ExecConfig`. Building a [`Config`] never touches the network.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::GroupVersion;

use crate::throttle::RateLimiter;

/// Default client-side queries per second, as in client-go (`DefaultQPS`).
pub const DEFAULT_QPS: f32 = 5.0;
/// Default client-side burst, as in client-go (`DefaultBurst`).
pub const DEFAULT_BURST: u32 = 10;

/// How to reach and authenticate to an API server, and how hard to push it.
///
/// Mirrors client-go `rest.Config`. Fields are public so that code reads like Go
/// (`config.qps = 50.0`); the struct is `#[non_exhaustive]`, so build it with [`Config::new`] (or from
/// kubeconfig with clientgo-clientcmd) and then set fields. `Debug` redacts the password, the bearer
/// token and key material.
///
/// Differences from Go: there is no `NegotiatedSerializer` (this client speaks JSON), and
/// `timeout: None` means no overall timeout (Go's zero value).
#[non_exhaustive]
#[derive(Clone)]
pub struct Config {
    /// `https://host:port` (optionally with a path prefix), or `http://` for a plain-HTTP server.
    pub host: String,
    /// The prefix of the legacy core API, normally `/api`; groups are served under `/apis`.
    pub api_path: String,
    /// The group and version a [`RestClient`](crate::RestClient) built from this config addresses.
    /// Required by [`RestClient::new`](crate::RestClient::new), like Go's `RESTClientFor`.
    pub group_version: Option<GroupVersion>,
    /// TLS settings: CA, client certificate, server name, and skipping verification when asked.
    pub tls: TlsClientConfig,
    /// Static bearer token (`Authorization: Bearer ...`).
    pub bearer_token: Option<String>,
    /// File holding a bearer token; re-read every minute so rotated service-account tokens keep
    /// working. Takes precedence over `bearer_token` once read.
    pub bearer_token_file: Option<PathBuf>,
    /// Basic-auth user name.
    pub username: Option<String>,
    /// Basic-auth password.
    pub password: Option<String>,
    /// Exec credential plugin that prints a `client.authentication.k8s.io/v1` ExecCredential.
    pub exec_provider: Option<ExecConfig>,
    /// Impersonation headers (`Impersonate-User`, `Impersonate-Group`, ...).
    pub impersonate: ImpersonationConfig,
    /// `User-Agent`; a client-go-like default naming the binary when `None`.
    pub user_agent: Option<String>,
    /// Client-side queries per second when no `rate_limiter` is given. `0` means [`DEFAULT_QPS`]; a
    /// negative value turns client-side throttling off (as in client-go).
    pub qps: f32,
    /// Burst of the client-side token bucket; `0` means [`DEFAULT_BURST`].
    pub burst: u32,
    /// A replacement for the QPS/Burst token bucket, shared by every client built from this config.
    pub rate_limiter: Option<Arc<dyn RateLimiter>>,
    /// Overall timeout of each request. When set, requests also carry `?timeout=<d>` so the server
    /// gives up at the same time. `None` (the default) means no timeout, as in client-go.
    pub timeout: Option<Duration>,
    /// Bound on the TCP connect and on the TLS handshake; 10 s like Go's default transport.
    pub connect_timeout: Duration,
}

impl Config {
    /// A config for `host` with client-go's defaults: `/api`, QPS 5, Burst 10, no timeout.
    pub fn new(host: impl Into<String>) -> Self {
        Config {
            host: host.into(),
            api_path: "/api".to_owned(),
            group_version: None,
            tls: TlsClientConfig::default(),
            bearer_token: None,
            bearer_token_file: None,
            username: None,
            password: None,
            exec_provider: None,
            impersonate: ImpersonationConfig::default(),
            user_agent: None,
            qps: DEFAULT_QPS,
            burst: DEFAULT_BURST,
            rate_limiter: None,
            timeout: None,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The QPS that will be used: `qps`, or the default when zero.
    pub fn effective_qps(&self) -> f32 {
        if self.qps == 0.0 {
            DEFAULT_QPS
        } else {
            self.qps
        }
    }

    /// The burst that will be used: `burst`, or the default when zero.
    pub fn effective_burst(&self) -> u32 {
        if self.burst == 0 {
            DEFAULT_BURST
        } else {
            self.burst
        }
    }
}

impl Default for Config {
    /// A config for `http://localhost` (Go's zero-value host), with the defaults of [`Config::new`].
    fn default() -> Self {
        Config::new("http://localhost")
    }
}

struct Redacted<'a>(&'a Option<String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(\"--- REDACTED ---\")"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("api_path", &self.api_path)
            .field("group_version", &self.group_version)
            .field("tls", &self.tls)
            .field("bearer_token", &Redacted(&self.bearer_token))
            .field("bearer_token_file", &self.bearer_token_file)
            .field("username", &self.username)
            .field("password", &Redacted(&self.password))
            .field("exec_provider", &self.exec_provider)
            .field("impersonate", &self.impersonate)
            .field("user_agent", &self.user_agent)
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .field("rate_limiter", &self.rate_limiter.as_ref().map(|_| "custom"))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// TLS settings of a [`Config`].
///
/// Mirrors client-go `rest.TLSClientConfig`. Verification is on unless `insecure` is set; the CA comes
/// from `ca_file`/`ca_data` (no system roots are consulted, as a cluster CA is always private).
/// `*_data` fields hold PEM bytes and win over the matching `*_file`.
#[non_exhaustive]
#[derive(Clone, Default)]
pub struct TlsClientConfig {
    /// Skip server certificate verification. Only when explicitly asked for.
    pub insecure: bool,
    /// Name to verify the server certificate against instead of the URL's host.
    pub server_name: Option<String>,
    /// Client certificate chain (PEM) file.
    pub cert_file: Option<PathBuf>,
    /// Client private key (PEM) file.
    pub key_file: Option<PathBuf>,
    /// CA bundle (PEM) file.
    pub ca_file: Option<PathBuf>,
    /// Client certificate chain, PEM.
    pub cert_data: Option<Vec<u8>>,
    /// Client private key, PEM.
    pub key_data: Option<Vec<u8>>,
    /// CA bundle, PEM.
    pub ca_data: Option<Vec<u8>>,
}

impl fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("insecure", &self.insecure)
            .field("server_name", &self.server_name)
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .field("ca_file", &self.ca_file)
            .field(
                "cert_data",
                &self.cert_data.as_ref().map(|d| format!("{} bytes", d.len())),
            )
            .field("key_data", &self.key_data.as_ref().map(|_| "--- REDACTED ---"))
            .field(
                "ca_data",
                &self.ca_data.as_ref().map(|d| format!("{} bytes", d.len())),
            )
            .finish()
    }
}

/// Who to act as: sent as `Impersonate-*` headers.
///
/// Mirrors client-go `rest.ImpersonationConfig`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpersonationConfig {
    /// `Impersonate-User`.
    pub user_name: Option<String>,
    /// `Impersonate-Uid`.
    pub uid: Option<String>,
    /// One `Impersonate-Group` header each.
    pub groups: Vec<String>,
    /// `Impersonate-Extra-<key>` headers.
    pub extra: Vec<(String, Vec<String>)>,
}

impl ImpersonationConfig {
    /// True when no impersonation header would be sent.
    pub fn is_empty(&self) -> bool {
        self.user_name.is_none() && self.uid.is_none() && self.groups.is_empty() && self.extra.is_empty()
    }
}

/// An exec credential plugin: a command that prints an ExecCredential with a token.
///
/// Mirrors client-go `clientcmdapi.ExecConfig`. The command runs without blocking the async runtime;
/// its token is cached until its `expirationTimestamp` and refreshed when the server answers 401.
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExecConfig {
    /// The program to run.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables (name, value).
    pub env: Vec<(String, String)>,
    /// The ExecCredential version to request, e.g. `client.authentication.k8s.io/v1`.
    pub api_version: String,
    /// Shown when the command cannot be run.
    pub install_hint: Option<String>,
}

impl ExecConfig {
    /// A plugin running `command` with `args`, asking for `client.authentication.k8s.io/v1`.
    pub fn new(command: impl Into<String>, args: Vec<String>) -> Self {
        ExecConfig {
            command: command.into(),
            args,
            env: Vec::new(),
            api_version: crate::auth::exec::EXEC_API_VERSION_V1.to_owned(),
            install_hint: None,
        }
    }
}

impl fmt::Debug for ExecConfig {
    /// Env values may be secrets: only their names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecConfig")
            .field("command", &self.command)
            .field("args", &self.args)
            .field(
                "env",
                &self.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            )
            .field("api_version", &self.api_version)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_client_go() {
        let c = Config::new("https://10.0.0.1:6443");
        assert_eq!(c.api_path, "/api");
        assert_eq!((c.qps, c.burst), (5.0, 10));
        assert_eq!(c.timeout, None);
        assert_eq!(c.connect_timeout, Duration::from_secs(10));
        let mut z = c.clone();
        z.qps = 0.0;
        z.burst = 0;
        assert_eq!((z.effective_qps(), z.effective_burst()), (5.0, 10));
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut c = Config::new("https://h");
        c.bearer_token = Some("tok-SECRET-1".into());
        c.password = Some("pw-SECRET-2".into());
        c.tls.key_data = Some(b"KEY-SECRET-3".to_vec());
        let mut exec = ExecConfig::new("aws", vec![]);
        exec.env.push(("AWS_SECRET".into(), "val-SECRET-4".into()));
        c.exec_provider = Some(exec);
        let shown = format!("{c:?}");
        for secret in ["tok-SECRET-1", "pw-SECRET-2", "KEY-SECRET-3", "val-SECRET-4"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(shown.contains("REDACTED") && shown.contains("AWS_SECRET"));
    }
}
