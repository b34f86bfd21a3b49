//! Configuration for a program running in a pod, from its service account.
//!
//! Mirrors client-go `rest.InClusterConfig` (`rest/config.go`): the API server address comes from
//! `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, the token and CA from the mounted service-account
//! directory. The directory and variables can be overridden ([`InCluster`]) so tests need no pod.

use std::path::{Path, PathBuf};

use crate::config::Config;

/// Where Kubernetes mounts the service-account token, CA and namespace in every pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Why an in-cluster config could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InClusterError {
    /// The service environment variables are missing: this is not a pod. The message is client-go's
    /// `ErrNotInCluster`, word for word.
    #[error(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
    )]
    NotInCluster,
    /// The service-account token could not be read.
    #[error("cannot read service account token {}", path.display())]
    ReadToken {
        /// The token file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The inputs of an in-cluster config: service host and port, and the service-account directory.
///
/// [`InCluster::from_env`] reads the real environment; tests build one with [`InCluster::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InCluster {
    host: Option<String>,
    port: Option<String>,
    dir: PathBuf,
}

impl InCluster {
    /// The process environment and the standard service-account directory.
    pub fn from_env() -> Self {
        InCluster {
            host: std::env::var("KUBERNETES_SERVICE_HOST").ok(),
            port: std::env::var("KUBERNETES_SERVICE_PORT").ok(),
            dir: PathBuf::from(SERVICE_ACCOUNT_DIR),
        }
    }

    /// Explicit inputs (for tests and unusual mounts).
    pub fn new(host: Option<String>, port: Option<String>, service_account_dir: impl Into<PathBuf>) -> Self {
        InCluster {
            host,
            port,
            dir: service_account_dir.into(),
        }
    }

    /// True when the service variables are set, i.e. this looks like a pod.
    pub fn is_in_cluster(&self) -> bool {
        matches!((&self.host, &self.port), (Some(h), Some(p)) if !h.is_empty() && !p.is_empty())
    }

    /// The service-account directory.
    pub fn service_account_dir(&self) -> &Path {
        &self.dir
    }

    /// The pod's namespace from the service-account `namespace` file, if readable and non-empty.
    pub fn namespace(&self) -> Option<String> {
        let ns = std::fs::read_to_string(self.dir.join("namespace")).ok()?;
        let ns = ns.trim();
        (!ns.is_empty()).then(|| ns.to_owned())
    }

    /// Builds the config: `https://host:port`, the token (re-read every minute from its file) and
    /// the CA file when it exists.
    ///
    /// # Errors
    /// [`InClusterError::NotInCluster`] without the service variables; [`InClusterError::ReadToken`]
    /// when the token file cannot be read.
    pub fn config(&self) -> Result<Config, InClusterError> {
        let (Some(host), Some(port)) = (&self.host, &self.port) else {
            return Err(InClusterError::NotInCluster);
        };
        if host.is_empty() || port.is_empty() {
            return Err(InClusterError::NotInCluster);
        }
        let token_path = self.dir.join("token");
        let token = std::fs::read_to_string(&token_path).map_err(|source| InClusterError::ReadToken {
            path: token_path.clone(),
            source,
        })?;
        // net.JoinHostPort: IPv6 literals get brackets.
        let authority = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let mut config = Config::new(format!("https://{authority}"));
        config.bearer_token = Some(token.trim().to_owned());
        config.bearer_token_file = Some(token_path);
        let ca = self.dir.join("ca.crt");
        if ca.is_file() {
            config.tls.ca_file = Some(ca);
        } else {
            tracing::warn!(path = %ca.display(), "service account CA file is missing; TLS verification will fail");
        }
        Ok(config)
    }
}

/// The config of a program running in a pod. Mirrors client-go `rest.InClusterConfig`.
///
/// # Errors
/// See [`InCluster::config`]; outside a pod the error is client-go's `ErrNotInCluster` message.
#[doc(alias = "InClusterConfig")]
pub fn in_cluster_config() -> Result<Config, InClusterError> {
    InCluster::from_env().config()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("clientgo-incluster-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn outside_a_pod_fails_with_client_go_message() {
        let e = InCluster::new(None, Some("443".into()), "/nonexistent")
            .config()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
        );
        assert!(!InCluster::new(Some(String::new()), Some("1".into()), "/x").is_in_cluster());
    }

    #[test]
    fn reads_token_ca_and_namespace() {
        let d = temp_dir("ok");
        std::fs::write(d.join("token"), "abc.def\n").unwrap();
        std::fs::write(d.join("ca.crt"), "pem").unwrap();
        std::fs::write(d.join("namespace"), "team-a").unwrap();
        let ic = InCluster::new(Some("10.96.0.1".into()), Some("443".into()), &d);
        let c = ic.config().unwrap();
        assert_eq!(c.host, "https://10.96.0.1:443");
        assert_eq!(c.bearer_token.as_deref(), Some("abc.def"));
        assert_eq!(c.bearer_token_file.as_deref(), Some(d.join("token").as_path()));
        assert_eq!(c.tls.ca_file.as_deref(), Some(d.join("ca.crt").as_path()));
        assert_eq!(ic.namespace().as_deref(), Some("team-a"));
        let v6 = InCluster::new(Some("fd00::1".into()), Some("6443".into()), &d)
            .config()
            .unwrap();
        assert_eq!(v6.host, "https://[fd00::1]:6443");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn missing_token_names_the_file() {
        let d = temp_dir("notoken");
        let e = InCluster::new(Some("h".into()), Some("1".into()), &d)
            .config()
            .unwrap_err();
        assert!(matches!(e, InClusterError::ReadToken { .. }));
        assert!(e.to_string().contains("token"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
