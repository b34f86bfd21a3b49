//! The watch tools' errors.

/// The error a condition or precondition gives up with: any error, with its causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a watch tool could not start or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `""` and `"0"` do not name a point in the event history: a watch from them starts with
    /// synthetic ADDED events for everything, so resuming from them would replay the world.
    /// Mirrors the error of client-go `NewRetryWatcher`.
    #[error("initial resourceVersion {0:?} is not supported by a retry watcher; list first and watch from the list's resourceVersion")]
    UnsupportedResourceVersion(String),
    /// The list request failed.
    #[error("list failed")]
    List(#[source] clientgo_rest::Error),
    /// The watch ended before every condition was met. Mirrors client-go's `ErrWatchClosed`.
    #[error("the watch was stopped before the condition was met")]
    Stopped,
    /// A condition or precondition returned an error, which ends the wait.
    #[error("a wait condition failed")]
    Condition(#[source] BoxError),
}

impl Error {
    /// The list failed with 410 Gone, or the initial resourceVersion was refused.
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::List(e) if e.is_gone())
    }
}
