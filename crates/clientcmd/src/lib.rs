//! clientgo's clientcmd: kubeconfig files, contexts and overrides, and the in-cluster fallback.
//!
//! Mirrors client-go `tools/clientcmd`: [`LoadingRules`] find and merge kubeconfig files,
//! [`ClientConfig`] applies [`ConfigOverrides`] and produces a [`clientgo_rest::Config`], and
//! [`build_config_from_flags`] is the one-call entry point most programs use. Loading reads files
//! only; no network I/O happens here.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod api;
mod client_config;
mod error;
mod loader;

pub use api::Kubeconfig;
pub use client_config::{
    build_config_from_flags, default_config, ClientConfig, ConfigOverrides, DEFAULT_NAMESPACE,
};
pub use clientgo_rest::{in_cluster_config, InCluster, InClusterError};
pub use error::Error;
pub use loader::{home_config, load, load_from_file, LoadingRules, RECOMMENDED_CONFIG_PATH_ENV};
