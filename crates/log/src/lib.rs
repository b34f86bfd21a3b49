//! clientgo-log: klog's look for programs that use `tracing`.
//!
//! Mirrors k8s.io/klog/v2. The library crates log with `tracing` and never install a subscriber;
//! a program installs [`KlogLayer`] on a `tracing_subscriber::Registry` to get klog's text format
//! (`I1223 12:30:38.017340   11656 main.go:16] "msg" k1="v1" k2=2`), klog's verbosity rules
//! (`-v N`, `-vmodule pattern=N`, see [`verbosity`]), klog's flags ([`Flags`], parsed as Go parses
//! them, see [`goflag`]) and klog's contextual logging (span fields named `logger` give the
//! `WithName` prefix, other span fields are `WithValues`). Behind klog sits a [`LogSink`]: klog's
//! own text ([`KlogSink`]) or another backend, as `klog.SetLogger` plugs one in ([`ZapSink`]).
//!
//! How an event maps onto klog's calls (`Info` or `InfoS`, quoted or bare values) is in
//! [`entry`]. Where this differs from klog, and why:
//! - Times are UTC (klog and zap use local time): no time-zone database is needed, and lines from
//!   several hosts compare directly.
//! - [`KlogSink`]'s JSON `ts` is RFC 3339 with microseconds (component-base writes epoch seconds as
//!   a float), and every JSON line carries `level` and `v`.
//! - `tracing` cannot tell `%` from `?` values; both print bare, as klog prints non-strings, so a
//!   value klog would quote through its `String()` method is logged as a string to be quoted.
//! - Multi-line strings are escaped on one line (`\n`); klog's `<<` block form is not produced.
//! - A body longer than 1,024 bytes appears twice at V(9): its prefix (the V(8) line) and then
//!   whole; client-go prints it once, whole.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod entry;
pub mod filter;
pub mod flags;
pub mod format;
pub mod goflag;
pub mod layer;
pub mod objref;
pub mod rotate;
pub mod sink;
mod stack;
pub mod verbosity;
pub mod zap;

pub use entry::{Entry, Value};
pub use filter::client_only;
pub use flags::{FlagError, Flags, SetupError};
pub use format::{quote_into, Severity};
pub use layer::{KlogLayer, LOGGER_SPAN};
pub use objref::{kobj, kref, ObjectRef};
pub use rotate::RotatingFile;
pub use sink::{Format, Header, KlogSink, LogSink, TraceLocation};
pub use stack::caller_stack;
pub use verbosity::{Verbosity, VmoduleError};
pub use zap::{Encoding, ZapSink};

/// Opens a contextual logger span: `logger_span!("foo", time = %now)` makes every event inside
/// print `"foo: msg" time="..."`. Nested spans join names with `/`. Mirrors klog's
/// `logger.WithName(name).WithValues(...)` carried in a context.
#[macro_export]
macro_rules! logger_span {
    ($name:expr $(, $($fields:tt)*)?) => {
        ::tracing::info_span!("klog", logger = $name $(, $($fields)*)?)
    };
}

/// Opens a span adding key/values to every event inside, under the enclosing logger's name:
/// `with_values!(time = now.as_str())`. Mirrors logr's `logger.WithValues(...)`.
#[macro_export]
macro_rules! with_values {
    ($($fields:tt)+) => {
        ::tracing::info_span!("klog", $($fields)+)
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
