//! An embedded, in-memory Kubernetes API server: the default target of clientgo's examples and tests,
//! and a standalone binary (`clientgo-apiserver`) that kubectl can talk to.
//!
//! It is a real, stateful implementation of the API's semantics, checked against recorded transcripts
//! of a real kube-apiserver: one MVCC store with a global resourceVersion, an event log with compaction
//! (and the real server's 410 answers), list paging with continue tokens, watches with bookmarks and
//! `sendInitialEvents`, selectors, finalizers, namespaces, CustomResourceDefinitions and discovery.
//!
//! ```no_run
//! # async fn demo() -> Result<(), clientgo_apiserver::StartError> {
//! let server = clientgo_apiserver::ApiServer::start().await?;
//! println!("kubectl --kubeconfig {} get ns", server.kubeconfig_path().display());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod apply;
mod client_faults;
pub mod continue_token;
pub mod embedded;
mod faults;
mod filter;
pub mod object;
pub mod patch;
pub mod resources;
mod server;
pub mod status;
pub mod store;
mod strategy;
pub mod validation;

pub use client_faults::{ClientFault, ClientFaults, ServedRequest, MAX_LOGGED_REQUESTS};
pub use faults::{Faults, InjectedError};
pub use server::{ApiServer, ServerBuilder, StartError};
