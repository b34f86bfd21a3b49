//! What clientgo's examples share, so each example file shows only its lesson.
//!
//! Every example that talks to a cluster starts a [`Session`]: the cluster is the one a kubeconfig
//! names (`--kubeconfig PATH` or `KUBECONFIG`), else the embedded API server, started and seeded like
//! a fresh kind cluster. An example that creates objects does so in its own namespace
//! ([`Session::namespace`], named after the example and created on first use) or registers the
//! cluster-scoped objects it creates ([`Session::delete_on_exit`]); when the example ends, fails or is
//! interrupted with Ctrl-C, the session deletes them, so every example can run twice in a row against
//! the same cluster and leaves nothing behind.
//!
//! Output is streamed: [`Out`] prints each line as it is produced (tests capture the same lines), and
//! errors reach the person running the example in words ([`report`]), never as a `Debug` dump.
//!
//! ```no_run
//! use std::process::ExitCode;
//! use clientgo_example::{outln, BoxError, NoArgs, Session};
//!
//! async fn run(session: &Session, _: &NoArgs) -> Result<(), BoxError> {
//!     let ns = session.namespace().await?;
//!     outln!(session.out(), "working in namespace {ns}");
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> ExitCode {
//!     Session::main("my_example", run).await
//! }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod args;
pub mod namespaces;
mod out;
pub mod pods;
mod report;
mod session;
pub mod values;

pub use args::{ClusterArgs, NoArgs};
pub use out::{Out, OutLineWriter};
pub use report::{report, BoxError};
pub use session::{Session, SessionBuilder, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
