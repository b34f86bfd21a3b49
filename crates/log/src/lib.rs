//! clientgo-log: klog's look for programs that use `tracing`.
//!
//! Mirrors k8s.io/klog/v2. The library crates log with `tracing` and never install a subscriber;
//! a program installs [`KlogLayer`] on a `tracing_subscriber::Registry` to get klog's text format
//! (`I1223 12:30:38.017340   11656 main.go:16] "msg" k1="v1" k2=2`), klog's verbosity rules
//! (`-v N`, `--vmodule pattern=N`, see [`verbosity`]) and klog's contextual logging (span fields
//! named `logger` give the `WithName` prefix, other span fields are `WithValues`).
//!
//! Where this differs from klog, and why:
//! - Header times are UTC (klog uses local time): no time-zone database is needed, and lines from
//!   several hosts compare directly.
//! - JSON `ts` is RFC 3339 with microseconds (zap writes epoch seconds as a float), and every JSON
//!   line carries `level` and `v`.
//! - `tracing` cannot tell `%` from `?` values, so both are quoted: a `Debug` struct prints as
//!   `request="Request { method: \"GET\" }"` rather than klog's bare `{Method:GET}`.
//! - Multi-line strings are escaped on one line (`\n`); klog's `<<` block form is not produced.
//! - A body longer than 1,024 bytes appears twice at V(9): its prefix (the V(8) line) and then
//!   whole; client-go prints it once, whole.
#![warn(missing_docs)]

pub mod flags;
pub mod format;
pub mod layer;
pub mod objref;
pub mod rotate;
pub mod verbosity;

pub use flags::{FlagError, Flags};
pub use format::{quote_into, Severity};
pub use layer::KlogLayer;
pub use layer::{Format, LOGGER_SPAN};
pub use objref::{kobj, kref, ObjectRef};
pub use rotate::RotatingFile;
pub use verbosity::{Verbosity, VmoduleError};

/// Opens a contextual logger span: `logger_span!("foo", time = %now)` makes every event inside
/// print `"foo: msg" time="..."`. Nested spans join names with `/`. Mirrors klog's
/// `logger.WithName(name).WithValues(...)` carried in a context.
#[macro_export]
macro_rules! logger_span {
    ($name:expr $(, $($fields:tt)*)?) => {
        ::tracing::info_span!("klog", logger = $name $(, $($fields)*)?)
    };
}

/// Logs at klog's Fatal severity (`F...` line, at the caller's file:line), flushes stdout and
/// stderr, and exits with status 255. Mirrors klog's `Fatal`/`FlushAndExit`.
#[macro_export]
macro_rules! fatal {
    ($($arg:tt)+) => {{
        ::tracing::error!(fatal = true, $($arg)+);
        $crate::exit_fatal()
    }};
}

/// Flushes stdout and stderr and exits with klog's fatal status 255. Used by [`fatal!`].
pub fn exit_fatal() -> ! {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(255)
}
