//! [`Entry`]: one log call as klog sees it, handed to a [`LogSink`](crate::LogSink).
//!
//! How a `tracing` event maps onto klog's calls, and so how it prints:
//!
//! | tracing | klog | text output |
//! | --- | --- | --- |
//! | `info!("Info")`, `info!("{n} pods")` (no key/values) | `Info`, `Infof` | `] Info` (message bare) |
//! | `info!(k = 1, "msg")` (any key/value, or inside a [`logger_span!`](crate::logger_span)) | `InfoS`, `logger.Info` | `] "msg" k=1` (message quoted) |
//! | `k = "x"`, `k = s.as_str()`, `k = string` (recorded as a `str`) | a `string` value | `k="x"` |
//! | `k = %v` (Display) or `k = ?v` (Debug) | any other value, printed with `%+v` | `k=Running` |
//! | `k = 3`, `k = true`, `k = 1.5` | numbers, booleans | `k=3` |
//! | `error = &e as &dyn Error` | `ErrorS(err, ...)` | `err="timeout"` |
//!
//! klog quotes a value that is a `string` or has a `String()` method and prints anything else bare
//! with `%+v`: a `PodPhase` (a named string type without `String()`) prints `status=Running`.
//! `tracing` cannot tell `%` from `?` (both reach the subscriber as `Debug`), so both print bare;
//! a value klog would quote through its `String()` method (a duration, an [`ObjectRef`]) is quoted
//! when it is logged as a string: `latency = go_duration::format(d)`, `pod = kobj(&p).to_string()`.
//!
//! A message with no key/values prints bare, as klog's printf family does (`klog.Info("Info")`
//! prints `] Info`); one with key/values is structured and quoted, as `InfoS` prints it. `tracing`
//! has no separate call for an `InfoS` without key/values, so such a message prints bare.
//!
//! [`ObjectRef`]: crate::ObjectRef

use std::fmt::{self, Write as _};
use std::time::SystemTime;

use serde::{Serialize, Serializer};

use crate::format::{quote_into, Severity};

/// A key/value's value, kept as klog needs it to decide on quotes (see the module docs).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string (recorded as a `str`) or an error's text: quoted in text output.
    Str(String),
    /// A value formatted with `%` or `?`: bare in text output, a string in JSON.
    Fmt(String),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A floating-point number (non-finite ones are strings in JSON).
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Value {
    /// Appends the value as klog's text format writes it: strings quoted Go-style, the rest bare.
    pub fn write_text(&self, out: &mut String) {
        match self {
            Value::Str(s) => quote_into(out, s),
            Value::Fmt(s) => out.push_str(s),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Uint(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(s) | Value::Fmt(s) => serializer.serialize_str(s),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Uint(n) => serializer.serialize_u64(*n),
            Value::Float(n) if n.is_finite() => serializer.serialize_f64(*n),
            Value::Float(n) => serializer.collect_str(n),
            Value::Bool(b) => serializer.serialize_bool(*b),
        }
    }
}

/// One log call that passed klog's verbosity check: what a [`LogSink`](crate::LogSink) formats.
///
/// Mirrors what klog hands its `logr.LogSink` (`Info(level, msg, keysAndValues...)`,
/// `Error(err, msg, keysAndValues...)`), plus the caller and time klog's own output shows.
#[derive(Debug)]
pub struct Entry<'a> {
    pub(crate) time: SystemTime,
    pub(crate) severity: Severity,
    pub(crate) v: i32,
    pub(crate) name: &'a str,
    pub(crate) message: &'a str,
    pub(crate) structured: bool,
    pub(crate) key_values: &'a [(&'static str, Value)],
    pub(crate) metadata: &'static tracing::Metadata<'static>,
}

impl<'a> Entry<'a> {
    /// When the call was made.
    pub fn time(&self) -> SystemTime {
        self.time
    }

    /// klog's severity: INFO for `info!`/`debug!`/`trace!`, WARNING, ERROR, FATAL ([`fatal!`](crate::fatal)).
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The V level: the event's `v` field, or the level its `tracing` level stands for (0 for an
    /// un-V'd INFO, WARN or ERROR; see [`verbosity`](crate::verbosity)).
    pub fn v(&self) -> i32 {
        self.v
    }

    /// The contextual logger's name (`foo`, or `foo/bar` nested), empty outside a logger span.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The message, without the logger's name.
    pub fn message(&self) -> &'a str {
        self.message
    }

    /// Whether the call is structured (`InfoS` style: it has key/values or comes through a logger),
    /// so klog's text quotes the message.
    pub fn is_structured(&self) -> bool {
        self.structured
    }

    /// The key/values: the enclosing loggers' (outermost first), then the call's own. An `error`
    /// field is named `err`, as klog's `ErrorS` names it.
    pub fn key_values(&self) -> &'a [(&'static str, Value)] {
        self.key_values
    }

    /// The source file of the call, as `tracing` records it (e.g. `crates/rest/src/execute.rs`).
    pub fn file(&self) -> &'static str {
        self.metadata.file().unwrap_or("???")
    }

    /// The source line of the call.
    pub fn line(&self) -> u32 {
        self.metadata.line().unwrap_or(0)
    }

    /// The event's `tracing` metadata (target, level, module), for routing by target or level.
    pub fn metadata(&self) -> &'static tracing::Metadata<'static> {
        self.metadata
    }
}

/// The message with the logger's name before it (`foo: msg`), as klog's text shows a named logger.
pub(crate) struct NamedMessage<'a>(pub(crate) &'a Entry<'a>);

impl fmt::Display for NamedMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.name.is_empty() {
            write!(f, "{}: ", self.0.name)?;
        }
        f.write_str(self.0.message)
    }
}

/// Serialises a `Display` value as a JSON string written in place (serde's `collect_str`), with no
/// intermediate `String`.
pub(crate) struct Displayed<T>(pub(crate) T);

impl<T: fmt::Display> Serialize for Displayed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_quotes_only_strings() {
        let mut out = String::new();
        for v in [
            Value::Str("a b".into()),
            Value::Fmt("Running".into()),
            Value::Int(-3),
            Value::Uint(7),
            Value::Float(1.5),
            Value::Bool(false),
        ] {
            v.write_text(&mut out);
            out.push(' ');
        }
        assert_eq!(out, r#""a b" Running -3 7 1.5 false "#);
    }

    #[test]
    fn json_keeps_numbers_and_makes_the_rest_strings() {
        let vals = [
            Value::Str("x\"y".into()),
            Value::Fmt("Running".into()),
            Value::Int(-3),
            Value::Float(f64::NAN),
            Value::Bool(true),
        ];
        assert_eq!(
            serde_json::to_string(&vals).unwrap(),
            r#"["x\"y","Running",-3,"NaN",true]"#
        );
    }
}
