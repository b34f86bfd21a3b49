//! The kubeconfig file model: clusters, users, contexts and the current context.
//!
//! Mirrors client-go `tools/clientcmd/api/v1/types.go` (the wire format: named lists) as read by
//! `clientcmd.Load`. `*-data` fields stay base64 text here and are decoded when a client config is
//! built, so that an error can name the entry. `Debug` on [`AuthInfo`] redacts secrets.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A whole kubeconfig file (or several merged).
///
/// Mirrors client-go `clientcmdapi.Config`.
#[doc(alias = "clientcmdapi.Config")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Kubeconfig {
    /// `Config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `v1`.
    #[serde(default, rename = "apiVersion", skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Known clusters.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub clusters: Vec<NamedCluster>,
    /// Known users (credentials).
    #[serde(default, rename = "users", deserialize_with = "null_as_empty")]
    pub auth_infos: Vec<NamedAuthInfo>,
    /// Known contexts (cluster + user + namespace).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub contexts: Vec<NamedContext>,
    /// The context used when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A cluster entry with its name. Mirrors `clientcmdapi/v1.NamedCluster`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedCluster {
    /// The entry's name.
    pub name: String,
    /// The cluster.
    #[serde(default)]
    pub cluster: Cluster,
    /// The file it was loaded from (for error messages and relative paths).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// How to reach an API server. Mirrors `clientcmdapi.Cluster`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Cluster {
    /// `https://host:port`.
    #[serde(default)]
    pub server: String,
    /// Name to verify the server certificate against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// Skip TLS verification.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// CA bundle file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<PathBuf>,
    /// CA bundle, base64 PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_authority_data: Option<String>,
    /// Proxy URL (read, not yet used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
}

/// A user entry with its name. Mirrors `clientcmdapi/v1.NamedAuthInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedAuthInfo {
    /// The entry's name.
    pub name: String,
    /// The credentials.
    #[serde(default)]
    pub user: AuthInfo,
    /// The file it was loaded from.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// Credentials. Mirrors `clientcmdapi.AuthInfo`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct AuthInfo {
    /// Client certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<PathBuf>,
    /// Client certificate, base64 PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_data: Option<String>,
    /// Client key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<PathBuf>,
    /// Client key, base64 PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_data: Option<String>,
    /// Bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Bearer token file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// Basic-auth user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Basic-auth password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// User to impersonate.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub impersonate: Option<String>,
    /// UID to impersonate.
    #[serde(default, rename = "as-uid", skip_serializing_if = "Option::is_none")]
    pub impersonate_uid: Option<String>,
    /// Groups to impersonate.
    #[serde(
        default,
        rename = "as-groups",
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub impersonate_groups: Vec<String>,
    /// Exec credential plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecConfig>,
}

impl fmt::Debug for AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |o: &Option<String>| o.as_ref().map(|_| "--- REDACTED ---");
        f.debug_struct("AuthInfo")
            .field("client_certificate", &self.client_certificate)
            .field(
                "client_certificate_data",
                &self.client_certificate_data.as_ref().map(String::len),
            )
            .field("client_key", &self.client_key)
            .field("client_key_data", &redact(&self.client_key_data))
            .field("token", &redact(&self.token))
            .field("token_file", &self.token_file)
            .field("username", &self.username)
            .field("password", &redact(&self.password))
            .field("impersonate", &self.impersonate)
            .field("exec", &self.exec.as_ref().map(|e| &e.command))
            .finish()
    }
}

/// An exec plugin as written in kubeconfig. Mirrors `clientcmdapi.ExecConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecConfig {
    /// The program.
    pub command: String,
    /// Its arguments.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub args: Vec<String>,
    /// Extra environment.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub env: Vec<ExecEnvVar>,
    /// ExecCredential version.
    #[serde(default)]
    pub api_version: String,
    /// Shown when the program is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_hint: Option<String>,
}

/// One environment variable of an exec plugin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExecEnvVar {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A context entry with its name. Mirrors `clientcmdapi/v1.NamedContext`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedContext {
    /// The entry's name.
    pub name: String,
    /// The context.
    #[serde(default)]
    pub context: Context,
    /// The file it was loaded from.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// A cluster, a user and a default namespace. Mirrors `clientcmdapi.Context`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// Cluster entry name.
    #[serde(default)]
    pub cluster: String,
    /// User entry name.
    #[serde(default)]
    pub user: String,
    /// Default namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl Kubeconfig {
    /// The named cluster.
    pub fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The named user.
    pub fn auth_info(&self, name: &str) -> Option<&NamedAuthInfo> {
        self.auth_infos.iter().find(|c| c.name == name)
    }

    /// The named context.
    pub fn context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().find(|c| c.name == name)
    }
}
