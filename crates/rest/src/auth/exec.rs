//! Exec credential plugins (`users[].user.exec` in kubeconfig).
//!
//! Mirrors client-go `plugin/pkg/client/auth/exec/exec.go`: run the command with
//! `KUBERNETES_EXEC_INFO` describing the request, read a `client.authentication.k8s.io/v1`
//! ExecCredential from its stdout, cache the token until `expirationTimestamp`, and run it again
//! after a 401. The command runs on tokio's process driver, never blocking the runtime; concurrent
//! requests wait for one run instead of starting several.

use std::fmt;
use std::process::{ExitStatus, Stdio};

use clientgo_apimachinery::Time;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::ExecConfig;

/// The ExecCredential version this client asks for by default.
pub const EXEC_API_VERSION_V1: &str = "client.authentication.k8s.io/v1";

/// Why an exec credential plugin gave no token. Never contains the token or the plugin's output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The command could not be started.
    #[error("cannot run exec plugin {command:?}{}", hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    Spawn {
        /// The command.
        command: String,
        /// The install hint from the kubeconfig, if any.
        hint: Option<String>,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The command exited unsuccessfully.
    #[error("exec plugin {command:?} failed: {status}")]
    Failed {
        /// The command.
        command: String,
        /// Its exit status.
        status: ExitStatus,
    },
    /// Its output is not an ExecCredential.
    #[error("exec plugin {command:?} did not print a valid ExecCredential")]
    Decode {
        /// The command.
        command: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The ExecCredential has a different apiVersion than asked for.
    #[error("exec plugin {command:?} returned apiVersion {got:?}, expected {want:?}")]
    WrongApiVersion {
        /// The command.
        command: String,
        /// What it returned.
        got: String,
        /// What was configured.
        want: String,
    },
    /// The ExecCredential has no token (client certificates from plugins are not supported yet).
    #[error("exec plugin {command:?} returned no token")]
    NoToken {
        /// The command.
        command: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredential {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    status: Option<ExecCredentialStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    expiration_timestamp: Option<Time>,
}

struct CachedToken {
    token: String,
    expires: Option<Time>,
}

/// A plugin plus its cached token.
pub(crate) struct ExecAuth {
    config: ExecConfig,
    cached: Mutex<Option<CachedToken>>,
}

impl ExecAuth {
    pub(crate) fn new(config: ExecConfig) -> Self {
        ExecAuth {
            config,
            cached: Mutex::new(None),
        }
    }

    /// The cached token while it is unexpired, else a fresh one from the plugin.
    pub(crate) async fn token(&self) -> Result<String, ExecError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            if c.expires.is_none_or(|exp| Time::now() < exp) {
                return Ok(c.token.clone());
            }
        }
        let fresh = self.run().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Drops the cached token so the next request runs the plugin again.
    pub(crate) async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn run(&self) -> Result<CachedToken, ExecError> {
        let c = &self.config;
        let api_version = if c.api_version.is_empty() {
            EXEC_API_VERSION_V1
        } else {
            c.api_version.as_str()
        };
        let exec_info = serde_json::json!({
            "apiVersion": api_version,
            "kind": "ExecCredential",
            "spec": {"interactive": false},
        });
        tracing::debug!(command = %c.command, "running exec credential plugin");
        let output = tokio::process::Command::new(&c.command)
            .args(&c.args)
            .envs(c.env.iter().map(|(k, v)| (k, v)))
            .env("KUBERNETES_EXEC_INFO", exec_info.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|source| ExecError::Spawn {
                command: c.command.clone(),
                hint: c.install_hint.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(ExecError::Failed {
                command: c.command.clone(),
                status: output.status,
            });
        }
        let cred: ExecCredential =
            serde_json::from_slice(&output.stdout).map_err(|source| ExecError::Decode {
                command: c.command.clone(),
                source,
            })?;
        if cred.api_version != api_version {
            return Err(ExecError::WrongApiVersion {
                command: c.command.clone(),
                got: cred.api_version,
                want: api_version.to_owned(),
            });
        }
        let status = cred.status.ok_or_else(|| ExecError::NoToken {
            command: c.command.clone(),
        })?;
        match status.token {
            Some(token) if !token.is_empty() => Ok(CachedToken {
                token,
                expires: status.expiration_timestamp,
            }),
            _ => Err(ExecError::NoToken {
                command: c.command.clone(),
            }),
        }
    }
}

impl fmt::Debug for ExecAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecAuth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> ExecConfig {
        ExecConfig::new("sh", vec!["-c".into(), script.into()])
    }

    #[tokio::test]
    async fn caches_until_expiry_and_reruns_after_invalidate() {
        let dir = std::env::temp_dir().join(format!("clientgo-exec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let counter = dir.join("count");
        let script = format!(
            r#"echo x >> {c}; n=$(wc -l < {c}); printf '{{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{{"token":"tok-%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}}}' $n"#,
            c = counter.display()
        );
        let auth = ExecAuth::new(sh(&script));
        assert_eq!(auth.token().await.unwrap(), "tok-1");
        assert_eq!(auth.token().await.unwrap(), "tok-1", "cached until expiry");
        auth.invalidate().await;
        assert_eq!(auth.token().await.unwrap(), "tok-2");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn expired_tokens_are_refreshed() {
        let auth = ExecAuth::new(sh(
            r#"echo '{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"old","expirationTimestamp":"2000-01-01T00:00:00Z"}}'"#,
        ));
        assert_eq!(auth.token().await.unwrap(), "old");
        // Expired at once: the next call runs the plugin again (observable through the env passed).
        let info = ExecAuth::new(sh(
            r#"case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) echo '{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"seen-info"}}';; esac"#,
        ));
        assert_eq!(info.token().await.unwrap(), "seen-info");
    }

    #[tokio::test]
    async fn failures_are_typed_and_never_echo_output() {
        let e = ExecAuth::new(sh("exit 3")).token().await.unwrap_err();
        assert!(matches!(e, ExecError::Failed { .. }), "{e}");
        let e = ExecAuth::new(sh("echo not-json-SECRET"))
            .token()
            .await
            .unwrap_err();
        assert!(matches!(e, ExecError::Decode { .. }));
        assert!(!e.to_string().contains("SECRET"));
        let e = ExecAuth::new(sh(
            r#"echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"t"}}'"#,
        ))
        .token()
        .await
        .unwrap_err();
        assert!(matches!(e, ExecError::WrongApiVersion { .. }));
        let mut missing = ExecConfig::new("/nonexistent/plugin", vec![]);
        missing.install_hint = Some("install it".into());
        let e = ExecAuth::new(missing).token().await.unwrap_err();
        assert!(e.to_string().contains("install it"), "{e}");
    }
}
