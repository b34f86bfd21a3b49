//! clientgo: a from-scratch Rust port of Go's client-go.
//!
//! The umbrella crate re-exports each layer under the path a Go developer expects:
//! `clientgo::apimachinery` (k8s.io/apimachinery), `clientgo::api` (k8s.io/api),
//! `clientgo::util::flowcontrol` and `clientgo::util::workqueue` (client-go's util/...),
//! `clientgo::tools::cache` (client-go's tools/cache), `clientgo::rest`, `clientgo::tools::clientcmd`,
//! `clientgo::tools::pager`, `clientgo::kubernetes` (the Clientset), `clientgo::discovery` and
//! `clientgo::dynamic`, and `clientgo::klog` (k8s.io/klog: klog's format and flags for `tracing`).
//! See docs/ARCHITECTURE.md for the layers and the rules between them.
#![warn(missing_docs)]

pub use clientgo_api as api;
pub use clientgo_apimachinery as apimachinery;
pub use clientgo_client::{discovery, dynamic, kubernetes};
pub use clientgo_controller as controller;
pub use clientgo_log as klog;
pub use clientgo_rest as rest;

/// client-go's `util` packages.
pub mod util {
    pub use clientgo_flowcontrol as flowcontrol;
    pub use clientgo_workqueue as workqueue;
}

/// client-go's `tools` packages.
pub mod tools {
    pub use clientgo_cache as cache;
    pub use clientgo_client::pager;
    pub use clientgo_clientcmd as clientcmd;
    pub use clientgo_leaderelection as leaderelection;
    pub use clientgo_record as record;
    pub use clientgo_watch as watch;
}
