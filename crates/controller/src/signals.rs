//! Process signals as a shutdown future for [`Controller::run`](crate::Controller::run).
//!
//! Mirrors controller-runtime's `signals.SetupSignalHandler`: the first SIGINT (Ctrl-C) or SIGTERM
//! (what the kubelet sends when a pod is deleted) starts a graceful shutdown, so in-flight
//! reconciles drain and a leader releases its lease; a second signal exits the process at once
//! with status 1, for the operator who does not want to wait.

use std::future::Future;
use std::io;

/// Installs the signal handlers and returns a future that completes on the first SIGINT or
/// SIGTERM (on non-Unix platforms: Ctrl-C). After that first signal, a second one exits the
/// process with status 1.
///
/// The handlers are installed when this is called, not when the future is first polled, so a
/// signal that arrives in between is not lost. Call it once per process, inside a tokio runtime.
///
/// # Errors
/// When the operating system refuses to install a handler.
pub fn setup_signal_handler() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    let mut signals = Signals::install()?;
    Ok(async move {
        let name = signals.next().await;
        tracing::info!(
            signal = name,
            "shutdown signal received; a second signal exits at once"
        );
        tokio::spawn(async move {
            let name = signals.next().await;
            tracing::warn!(signal = name, "second shutdown signal: exiting");
            std::process::exit(1);
        });
    })
}

/// The installed SIGINT and SIGTERM streams.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for the next signal and names it.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// Ctrl-C, the one signal tokio offers everywhere.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> io::Result<Self> {
        Ok(Signals)
    }

    /// Waits for the next Ctrl-C.
    async fn next(&mut self) -> &'static str {
        // An error means the handler could not be installed: never complete rather than spin.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        "Ctrl-C"
    }
}
