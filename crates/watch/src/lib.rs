//! clientgo tools/watch: watches that survive their connection.
//!
//! Mirrors client-go `k8s.io/client-go/tools/watch`:
//! - [`RetryWatcher`]: a [`Stream`](futures_util::Stream) of watch events that resumes every closed
//!   or failed watch from the last resourceVersion it delivered, so no event is lost or repeated,
//!   and ends with the ERROR event on 410 Gone (the caller must list again);
//! - [`new_indexer_informer_watcher`]: the events of an informer as a watch stream that survives
//!   410 Gone by relisting, with the informer's store;
//! - [`until_without_retry`], [`until`] and [`until_with_sync`]: wait until a chain of
//!   [`ConditionFunc`]s holds on a watch, on a resuming watch, or on a list then watch that
//!   relists on 410.
//!
//! Both take a [`ListerWatcher`](clientgo_cache::ListerWatcher) (usually a
//! [`ListWatch`](clientgo_cache::ListWatch) over a typed or dynamic client). Nothing here spawns a
//! task: the work happens while the stream or future is polled, and dropping it stops it.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod conditions;
mod error;
mod informer_watcher;
mod retry_watcher;
mod until;

pub use clientgo_cache::{FnListWatch, ListWatch, ListerWatcher, WatchStream};
pub use conditions::{condition, ConditionFunc};
pub use error::{BoxError, Error};
pub use informer_watcher::{new_indexer_informer_watcher, InformerWatcher};
pub use retry_watcher::{RetryWatcher, RetryWatcherOptions, MIN_RESTART_DELAY};
pub use tokio_util::sync::CancellationToken;
pub use until::{until, until_with_sync, until_without_retry, ListSnapshot};
