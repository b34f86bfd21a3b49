//! The command line every cluster example accepts.

use std::path::PathBuf;

/// Where the example's requests go and whether it causes the events it shows.
#[derive(Debug, Clone, Default, clap::Args)]
#[non_exhaustive]
pub struct ClusterArgs {
    /// The kubeconfig of a real cluster (default: the KUBECONFIG environment variable; without
    /// either, the embedded API server is started).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Do not create the objects whose events the example shows; print what it waits for and how to
    /// cause it instead.
    #[arg(long)]
    pub no_activity: bool,
}

impl ClusterArgs {
    /// `--kubeconfig`, else a non-empty `KUBECONFIG`.
    pub fn kubeconfig(&self) -> Option<PathBuf> {
        self.kubeconfig.clone().or_else(|| {
            std::env::var_os("KUBECONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }
}

/// The arguments of an example that takes none besides [`ClusterArgs`].
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct NoArgs {}

// The whole command line: the shared arguments, then the example's own (a `//` comment: a doc
// comment would become every example's `--help` text).
#[derive(Debug, clap::Parser)]
pub(crate) struct Cli<A: clap::Args> {
    #[command(flatten)]
    pub(crate) cluster: ClusterArgs,
    #[command(flatten)]
    pub(crate) args: A,
}
