//! Controllers: a reconcile loop over a shared informer and a rate-limited workqueue.
//!
//! client-go leaves the loop to every author (sample-controller copies it by hand); this crate
//! ships it as a library, with controller-runtime's semantics: a controller is a reconcile
//! function plus a few lines of setup. Keys are `namespace/name` strings; the queue discipline
//! is client-go's (`get` -> reconcile -> `done`), so a key is never reconciled by two workers at
//! once and a key changed during its reconcile is reconciled again afterwards.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod action;
mod controller;
mod finalizer;
mod metrics;
mod signals;

pub use action::{Action, Request};
pub use controller::{Config, Controller, DEFAULT_SHUTDOWN_GRACE};
pub use finalizer::{finalizer, FinalizerError, FinalizerEvent};
pub use metrics::{ControllerMetrics, ReconcileResult};
pub use signals::setup_signal_handler;
