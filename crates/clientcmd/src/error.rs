//! Errors of kubeconfig loading and client-config building.

use std::path::PathBuf;

/// A kubeconfig could not be loaded or turned into a client config. Every variant names the file
/// and the entry concerned; none contains a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read (missing, unreadable).
    #[error("cannot read kubeconfig {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid kubeconfig YAML. Shown as `invalid kubeconfig FILE:LINE:COLUMN` (the
    /// place the YAML parser stopped, 1-based, in the `file:line:column` form editors jump to) when
    /// the parser knows it; the cause says what is wrong there.
    #[error("invalid kubeconfig {}{}", path.display(), at_location(source))]
    Parse {
        /// The file.
        path: PathBuf,
        /// The YAML error (with line and column).
        #[source]
        source: serde_yaml::Error,
    },
    /// Nothing was configured: no file, no current context, no server. client-go's `ErrEmptyConfig`.
    #[error("invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable")]
    Empty,
    /// The current or requested context does not exist.
    #[error("context \"{context}\" does not exist{}", in_files(files))]
    ContextNotFound {
        /// The context name.
        context: String,
        /// The files that were read.
        files: Vec<PathBuf>,
    },
    /// A context names a cluster that does not exist.
    #[error(
        "context \"{context}\" names cluster \"{cluster}\", which does not exist{}",
        in_file(source_file.as_ref())
    )]
    ClusterNotFound {
        /// The context.
        context: String,
        /// The missing cluster.
        cluster: String,
        /// The file defining the context.
        source_file: Option<PathBuf>,
    },
    /// A context names a user that does not exist.
    #[error(
        "context \"{context}\" names user \"{user}\", which does not exist{}",
        in_file(source_file.as_ref())
    )]
    UserNotFound {
        /// The context.
        context: String,
        /// The missing user.
        user: String,
        /// The file defining the context.
        source_file: Option<PathBuf>,
    },
    /// The cluster has no server address.
    #[error("cluster \"{cluster}\" has no server{}", in_file(source_file.as_ref()))]
    NoServer {
        /// The cluster.
        cluster: String,
        /// The file defining it.
        source_file: Option<PathBuf>,
    },
    /// A `*-data` field is not valid base64.
    #[error(
        "{entry} \"{name}\": field {field} is not valid base64{}",
        in_file(source_file.as_ref())
    )]
    Base64 {
        /// `cluster` or `user`.
        entry: &'static str,
        /// The entry's name.
        name: String,
        /// The field, e.g. `certificate-authority-data`.
        field: &'static str,
        /// The file defining it.
        source_file: Option<PathBuf>,
    },
    /// A certificate, key or token file named by an entry cannot be read.
    #[error("{entry} \"{name}\": cannot read {field} {}", path.display())]
    ReadReferenced {
        /// `cluster` or `user`.
        entry: &'static str,
        /// The entry's name.
        name: String,
        /// The field, e.g. `client-certificate`.
        field: &'static str,
        /// The file it names.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// In-cluster configuration failed (outside a pod: client-go's `ErrNotInCluster` message).
    #[error(transparent)]
    InCluster(#[from] clientgo_rest::InClusterError),
}

/// `:LINE:COLUMN` of a YAML error, or nothing when the parser gave no place (a few semantic errors).
fn at_location(e: &serde_yaml::Error) -> String {
    e.location()
        .map(|l| format!(":{}:{}", l.line(), l.column()))
        .unwrap_or_default()
}

fn in_file(p: Option<&PathBuf>) -> String {
    p.map(|p| format!(" in kubeconfig {}", p.display()))
        .unwrap_or_default()
}

fn in_files(files: &[PathBuf]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let names: Vec<_> = files.iter().map(|p| p.display().to_string()).collect();
    format!(" in kubeconfig {}", names.join(", "))
}
