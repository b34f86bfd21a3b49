//! Turning a (merged) kubeconfig plus overrides into a [`rest::Config`](clientgo_rest::Config).
//!
//! Mirrors client-go `tools/clientcmd/client_config.go` (`DirectClientConfig`, `ConfigOverrides`,
//! `BuildConfigFromFlags`) and `merged_client_builder.go`'s in-cluster fallback.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use clientgo_rest::{Config, ExecConfig, InCluster};

use crate::api::{Kubeconfig, NamedAuthInfo, NamedCluster};
use crate::error::Error;
use crate::loader::LoadingRules;

/// The namespace used when neither the context nor an override names one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Per-call overrides of what the kubeconfig says (`--context`, `--namespace`, `--server`).
///
/// Mirrors client-go `clientcmd.ConfigOverrides` (the commonly used subset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigOverrides {
    /// Use this context instead of current-context.
    pub context: Option<String>,
    /// Use this namespace instead of the context's.
    pub namespace: Option<String>,
    /// Use this server address instead of the cluster's.
    pub server: Option<String>,
}

impl ConfigOverrides {
    /// Overrides the context.
    pub fn context(mut self, name: impl Into<String>) -> Self {
        self.context = Some(name.into());
        self
    }

    /// Overrides the namespace.
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.namespace = Some(ns.into());
        self
    }

    /// Overrides the server.
    pub fn server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }
}

/// A kubeconfig with overrides applied, ready to produce client configs.
///
/// Mirrors client-go `clientcmd.DirectClientConfig` (and `ClientConfig`).
#[doc(alias = "DirectClientConfig")]
#[derive(Debug, Clone)]
pub struct ClientConfig {
    kubeconfig: Kubeconfig,
    overrides: ConfigOverrides,
    files: Vec<PathBuf>,
}

impl ClientConfig {
    /// Wraps an already loaded kubeconfig.
    pub fn new(kubeconfig: Kubeconfig, overrides: ConfigOverrides) -> Self {
        ClientConfig {
            kubeconfig,
            overrides,
            files: Vec::new(),
        }
    }

    /// Loads files according to `rules`.
    ///
    /// # Errors
    /// See [`LoadingRules::load`].
    pub fn from_rules(rules: &LoadingRules, overrides: ConfigOverrides) -> Result<Self, Error> {
        let kubeconfig = rules.load()?;
        let files = match &rules.explicit_path {
            Some(p) => vec![p.clone()],
            None => rules.precedence.iter().filter(|p| p.exists()).cloned().collect(),
        };
        Ok(ClientConfig {
            kubeconfig,
            overrides,
            files,
        })
    }

    /// The merged kubeconfig. Mirrors `RawConfig`.
    pub fn raw_config(&self) -> &Kubeconfig {
        &self.kubeconfig
    }

    /// The context in use: the override, else current-context (may be empty).
    pub fn context_name(&self) -> &str {
        self.overrides
            .context
            .as_deref()
            .or(self.kubeconfig.current_context.as_deref())
            .unwrap_or("")
    }

    /// The namespace to use and whether it was set explicitly (override or context), else
    /// `("default", false)`. Mirrors `ClientConfig.Namespace`.
    pub fn namespace(&self) -> (String, bool) {
        if let Some(ns) = self.overrides.namespace.as_deref().filter(|n| !n.is_empty()) {
            return (ns.to_owned(), true);
        }
        let ctx = self.kubeconfig.context(self.context_name());
        match ctx
            .and_then(|c| c.context.namespace.as_deref())
            .filter(|n| !n.is_empty())
        {
            Some(ns) => (ns.to_owned(), true),
            None => (DEFAULT_NAMESPACE.to_owned(), false),
        }
    }

    /// Builds the REST config for the selected context. Mirrors `DirectClientConfig.ClientConfig`.
    ///
    /// # Errors
    /// [`Error::Empty`] when no context is selected and no server is overridden;
    /// [`Error::ContextNotFound`], [`Error::ClusterNotFound`], [`Error::UserNotFound`],
    /// [`Error::NoServer`]; [`Error::Base64`] or [`Error::ReadReferenced`] for bad certificate or
    /// token references. Each names the entry and its file.
    pub fn client_config(&self) -> Result<Config, Error> {
        let name = self.context_name();
        if name.is_empty() {
            return match &self.overrides.server {
                Some(server) => Ok(Config::new(server.clone())),
                None => Err(Error::Empty),
            };
        }
        let ctx = self
            .kubeconfig
            .context(name)
            .ok_or_else(|| Error::ContextNotFound {
                context: name.to_owned(),
                files: self.files.clone(),
            })?;
        let cluster =
            self.kubeconfig
                .cluster(&ctx.context.cluster)
                .ok_or_else(|| Error::ClusterNotFound {
                    context: name.to_owned(),
                    cluster: ctx.context.cluster.clone(),
                    source_file: ctx.source.clone(),
                })?;
        let user = if ctx.context.user.is_empty() {
            None
        } else {
            Some(
                self.kubeconfig
                    .auth_info(&ctx.context.user)
                    .ok_or_else(|| Error::UserNotFound {
                        context: name.to_owned(),
                        user: ctx.context.user.clone(),
                        source_file: ctx.source.clone(),
                    })?,
            )
        };
        let server = self
            .overrides
            .server
            .clone()
            .unwrap_or_else(|| cluster.cluster.server.clone());
        if server.is_empty() {
            return Err(Error::NoServer {
                cluster: cluster.name.clone(),
                source_file: cluster.source.clone(),
            });
        }
        let mut config = Config::new(server);
        apply_cluster(&mut config, cluster)?;
        if let Some(user) = user {
            apply_user(&mut config, user)?;
        }
        Ok(config)
    }
}

fn decode(
    entry: &'static str,
    name: &str,
    field: &'static str,
    source: Option<&PathBuf>,
    data: &str,
) -> Result<Vec<u8>, Error> {
    let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|_| Error::Base64 {
            entry,
            name: name.to_owned(),
            field,
            source_file: source.cloned(),
        })
}

fn read(entry: &'static str, name: &str, field: &'static str, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::ReadReferenced {
        entry,
        name: name.to_owned(),
        field,
        path: path.to_path_buf(),
        source,
    })
}

fn apply_cluster(config: &mut Config, c: &NamedCluster) -> Result<(), Error> {
    let cl = &c.cluster;
    config.tls.insecure = cl.insecure_skip_tls_verify;
    config.tls.server_name = cl.tls_server_name.clone();
    if let Some(data) = &cl.certificate_authority_data {
        config.tls.ca_data = Some(decode(
            "cluster",
            &c.name,
            "certificate-authority-data",
            c.source.as_ref(),
            data,
        )?);
    } else if let Some(path) = &cl.certificate_authority {
        config.tls.ca_data = Some(read("cluster", &c.name, "certificate-authority", path)?);
    }
    Ok(())
}

fn apply_user(config: &mut Config, u: &NamedAuthInfo) -> Result<(), Error> {
    let a = &u.user;
    let n = &u.name;
    if let Some(data) = &a.client_certificate_data {
        config.tls.cert_data = Some(decode(
            "user",
            n,
            "client-certificate-data",
            u.source.as_ref(),
            data,
        )?);
    } else if let Some(path) = &a.client_certificate {
        config.tls.cert_data = Some(read("user", n, "client-certificate", path)?);
    }
    if let Some(data) = &a.client_key_data {
        config.tls.key_data = Some(decode("user", n, "client-key-data", u.source.as_ref(), data)?);
    } else if let Some(path) = &a.client_key {
        config.tls.key_data = Some(read("user", n, "client-key", path)?);
    }
    config.bearer_token = a.token.clone().filter(|t| !t.is_empty());
    if let Some(path) = &a.token_file {
        // Read once now so a bad path is reported against its entry; the transport re-reads it.
        let token = read("user", n, "tokenFile", path)?;
        if config.bearer_token.is_none() {
            config.bearer_token = Some(String::from_utf8_lossy(&token).trim().to_owned());
        }
        config.bearer_token_file = Some(path.clone());
    }
    config.username = a.username.clone();
    config.password = a.password.clone();
    config.impersonate.user_name = a.impersonate.clone();
    config.impersonate.uid = a.impersonate_uid.clone();
    config.impersonate.groups = a.impersonate_groups.clone();
    if let Some(exec) = &a.exec {
        let mut e = ExecConfig::new(exec.command.clone(), exec.args.clone());
        e.env = exec
            .env
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect();
        if !exec.api_version.is_empty() {
            e.api_version = exec.api_version.clone();
        }
        e.install_hint = exec.install_hint.clone();
        config.exec_provider = Some(e);
    }
    Ok(())
}

/// Builds a config from a master URL and/or a kubeconfig path; with neither, tries in-cluster
/// config and then the default loading rules. Mirrors `clientcmd.BuildConfigFromFlags`.
///
/// # Errors
/// See [`ClientConfig::client_config`]; an explicit path that cannot be read is [`Error::Read`].
pub fn build_config_from_flags(master_url: &str, kubeconfig_path: &str) -> Result<Config, Error> {
    if master_url.is_empty() && kubeconfig_path.is_empty() {
        tracing::warn!("Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.");
        match InCluster::from_env().config() {
            Ok(c) => return Ok(c),
            Err(e) => {
                tracing::warn!(error = %e, "error creating inClusterConfig, falling back to default config");
            }
        }
    }
    let rules = if kubeconfig_path.is_empty() {
        LoadingRules::from_env()
    } else {
        LoadingRules::explicit(kubeconfig_path)
    };
    let mut overrides = ConfigOverrides::default();
    if !master_url.is_empty() {
        overrides.server = Some(master_url.to_owned());
    }
    ClientConfig::from_rules(&rules, overrides)?.client_config()
}

/// The default loading chain: `KUBECONFIG` when set, else in-cluster when running in a pod, else
/// `~/.kube/config`. Mirrors `NewNonInteractiveDeferredLoadingClientConfig` with default rules.
///
/// # Errors
/// The kubeconfig's error, or [`Error::Empty`] when nothing is configured anywhere.
pub fn default_config() -> Result<Config, Error> {
    default_config_from(
        &LoadingRules::from_env(),
        &InCluster::from_env(),
        std::env::var_os("KUBECONFIG").is_some(),
    )
}

fn default_config_from(
    rules: &LoadingRules,
    in_cluster: &InCluster,
    kubeconfig_env_set: bool,
) -> Result<Config, Error> {
    if !kubeconfig_env_set && in_cluster.is_in_cluster() {
        return Ok(in_cluster.config()?);
    }
    ClientConfig::from_rules(rules, ConfigOverrides::default())?.client_config()
}

#[cfg(test)]
mod tests;
