//! Finding, reading and merging kubeconfig files.
//!
//! Mirrors client-go `tools/clientcmd/loader.go` (`ClientConfigLoadingRules`, `LoadFromFile`,
//! `ResolvePaths`): an explicit path wins outright; otherwise every file of `KUBECONFIG` is read and
//! merged (the first file to define a cluster, user or context name wins, and so does the first
//! non-empty current-context); otherwise `~/.kube/config`. Missing files in `KUBECONFIG` are skipped;
//! a missing explicit file is an error. Relative paths inside a file are resolved against that file's
//! directory.

use std::path::{Path, PathBuf};

use crate::api::Kubeconfig;
use crate::error::Error;

/// The environment variable listing kubeconfig files.
pub const RECOMMENDED_CONFIG_PATH_ENV: &str = "KUBECONFIG";

/// Reads one kubeconfig file and resolves its relative paths. Mirrors `clientcmd.LoadFromFile`.
///
/// # Errors
/// [`Error::Read`] or [`Error::Parse`], naming the file.
pub fn load_from_file(path: &Path) -> Result<Kubeconfig, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut config = load(&text).map_err(|source| Error::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    resolve_paths(&mut config, dir);
    for c in &mut config.clusters {
        c.source = Some(path.to_path_buf());
    }
    for u in &mut config.auth_infos {
        u.source = Some(path.to_path_buf());
    }
    for c in &mut config.contexts {
        c.source = Some(path.to_path_buf());
    }
    // client-go's loader logs this at V(6), with its two spaces.
    tracing::debug!(v = 6, "Config loaded from file:  {}", path.display());
    Ok(config)
}

/// Parses kubeconfig YAML text (an empty text is an empty config). Mirrors `clientcmd.Load`.
///
/// # Errors
/// The YAML error.
pub fn load(text: &str) -> Result<Kubeconfig, serde_yaml::Error> {
    if text.trim().is_empty() {
        return Ok(Kubeconfig::default());
    }
    serde_yaml::from_str(text)
}

fn resolve(dir: &Path, p: &mut Option<PathBuf>) {
    if let Some(path) = p {
        if path.is_relative() && !path.as_os_str().is_empty() {
            *path = dir.join(&*path);
        }
    }
}

/// Makes every file reference absolute relative to `dir`. Mirrors `clientcmd.ResolvePaths`.
fn resolve_paths(config: &mut Kubeconfig, dir: &Path) {
    for c in &mut config.clusters {
        resolve(dir, &mut c.cluster.certificate_authority);
    }
    for u in &mut config.auth_infos {
        let u = &mut u.user;
        resolve(dir, &mut u.client_certificate);
        resolve(dir, &mut u.client_key);
        resolve(dir, &mut u.token_file);
        if let Some(exec) = &mut u.exec {
            // client-go resolves a command only when it names a path, not a program on $PATH.
            if exec.command.contains('/') && Path::new(&exec.command).is_relative() {
                exec.command = dir.join(&exec.command).to_string_lossy().into_owned();
            }
        }
    }
}

/// Merges `next` into `into`: names already present are kept (the first file wins).
fn merge(into: &mut Kubeconfig, next: Kubeconfig) {
    for c in next.clusters {
        if into.cluster(&c.name).is_none() {
            into.clusters.push(c);
        }
    }
    for u in next.auth_infos {
        if into.auth_info(&u.name).is_none() {
            into.auth_infos.push(u);
        }
    }
    for c in next.contexts {
        if into.context(&c.name).is_none() {
            into.contexts.push(c);
        }
    }
    if into.current_context.as_deref().unwrap_or("").is_empty() {
        into.current_context = next.current_context.filter(|c| !c.is_empty());
    }
}

/// Where to look for kubeconfig files. Mirrors `clientcmd.ClientConfigLoadingRules`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadingRules {
    /// A file that must exist and is used alone (`--kubeconfig`).
    pub explicit_path: Option<PathBuf>,
    /// Files merged in order when there is no explicit path (from `KUBECONFIG`, else `~/.kube/config`).
    pub precedence: Vec<PathBuf>,
}

impl LoadingRules {
    /// The rules client-go uses by default: `KUBECONFIG` (split on `:`, `;` on Windows) or else
    /// `~/.kube/config`. Mirrors `clientcmd.NewDefaultClientConfigLoadingRules`.
    pub fn from_env() -> Self {
        let precedence = match std::env::var_os(RECOMMENDED_CONFIG_PATH_ENV) {
            Some(list) if !list.is_empty() => std::env::split_paths(&list)
                .filter(|p| !p.as_os_str().is_empty())
                .collect(),
            _ => home_config().into_iter().collect(),
        };
        LoadingRules {
            explicit_path: None,
            precedence,
        }
    }

    /// Rules that read only `path`.
    pub fn explicit(path: impl Into<PathBuf>) -> Self {
        LoadingRules {
            explicit_path: Some(path.into()),
            precedence: Vec::new(),
        }
    }

    /// Rules merging `paths` in order (first wins).
    pub fn with_precedence(paths: Vec<PathBuf>) -> Self {
        LoadingRules {
            explicit_path: None,
            precedence: paths,
        }
    }

    /// Reads and merges the files. Mirrors `ClientConfigLoadingRules.Load`.
    ///
    /// # Errors
    /// A missing explicit file, or any file that exists but cannot be read or parsed.
    pub fn load(&self) -> Result<Kubeconfig, Error> {
        if let Some(path) = &self.explicit_path {
            return load_from_file(path);
        }
        let mut merged = Kubeconfig::default();
        for path in &self.precedence {
            if !path.exists() {
                tracing::debug!(path = %path.display(), "kubeconfig file in the list does not exist; skipped");
                continue;
            }
            merge(&mut merged, load_from_file(path)?);
        }
        Ok(merged)
    }
}

/// `~/.kube/config`, from `HOME` (or `USERPROFILE`).
pub fn home_config() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".kube").join("config"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_kubeconfig_names_the_file_line_and_column() {
        let dir = std::env::temp_dir().join(format!("clientgo-clientcmd-location-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        // Line 3 holds a sequence item where the mapping of line 2 expects a key.
        std::fs::write(&path, "clusters:\n- name: a\n  - server: https://h\n").unwrap();
        let e = load_from_file(&path).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(e, Error::Parse { .. }), "{e:?}");
        let shown = e.to_string();
        assert_eq!(shown, format!("invalid kubeconfig {}:3:3", path.display()));
        // The cause says what is wrong there, in serde_yaml's words.
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("line 3 column 3"), "{cause}");
    }
}
