//! clientgo: a from-scratch Rust port of Go's client-go.
//!
//! The umbrella crate re-exports each layer under the path a Go developer expects:
//!
//! | path | crate | Go counterpart |
//! |---|---|---|
//! | `clientgo::apimachinery` | `clientgo-apimachinery` | `k8s.io/apimachinery` (meta types, `Status` errors, watch events and decoding, selectors) |
//! | `clientgo::api` | `clientgo-api` | `k8s.io/api` (typed resources) |
//! | `clientgo::util::flowcontrol` | `clientgo-flowcontrol` | client-go `util/flowcontrol` (token bucket, backoff) |
//! | `clientgo::util::workqueue` | `clientgo-workqueue` | client-go `util/workqueue` |
//! | `clientgo::rest` | `clientgo-rest` | client-go `rest` |
//! | `clientgo::tools::clientcmd` | `clientgo-clientcmd` | client-go `tools/clientcmd` (kubeconfig, in-cluster config) |
//! | `clientgo::kubernetes` | `clientgo-client` | client-go `kubernetes` (the Clientset) |
//! | `clientgo::discovery` | `clientgo-client` | client-go `discovery` |
//! | `clientgo::dynamic` | `clientgo-client` | client-go `dynamic` |
//! | `clientgo::tools::pager` | `clientgo-client` | client-go `tools/pager` |
//! | `clientgo::tools::cache` | `clientgo-cache` | client-go `tools/cache` (reflector, indexer, informers) |
//! | `clientgo::tools::watch` | `clientgo-watch` | client-go `tools/watch` (`RetryWatcher`, `UntilWithSync`) |
//! | `clientgo::tools::leaderelection` | `clientgo-leaderelection` | client-go `tools/leaderelection` (Lease lock) |
//! | `clientgo::tools::record` | `clientgo-record` | client-go `tools/record` and `tools/events` (event recorder) |
//! | `clientgo::controller` | `clientgo-controller` | none in client-go: the reconcile loop of sample-controller, with controller-runtime's semantics |
//! | `clientgo::klog` | `clientgo-log` | `k8s.io/klog/v2` (klog's format and flags for `tracing`) |
//!
//! See docs/ARCHITECTURE.md for the layers and the rules between them.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

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
