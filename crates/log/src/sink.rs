//! Where log lines go: the [`LogSink`] a [`KlogLayer`](crate::KlogLayer) hands each [`Entry`] to,
//! and [`KlogSink`], klog's own text (or JSON) output.

use std::fmt::Write as _;
use std::io::Write as _;

use serde::ser::{SerializeMap as _, Serializer as _};
use tracing_subscriber::fmt::MakeWriter;

use crate::entry::{Displayed, Entry, NamedMessage};
use crate::format::{quote_into, short_file, write_header, Rfc3339Micros, Severity};
use crate::stack::caller_stack;

/// The backend behind klog: formats and writes the entries that passed klog's verbosity check.
///
/// Mirrors `logr.LogSink` as klog uses it after `klog.SetLogger`: the default is [`KlogSink`]
/// (klog's text); a program plugs in another (the seed plugs in zap, see [`ZapSink`](crate::ZapSink))
/// with [`KlogLayer::with_sink`](crate::KlogLayer::with_sink), and the library's logs flow
/// through it too.
pub trait LogSink: Send + Sync + 'static {
    /// Whether the backend's own level lets this entry through (a second filter after klog's
    /// `-v`). Mirrors `logr.LogSink.Enabled`. Everything passes by default.
    fn enabled(&self, entry: &Entry<'_>) -> bool {
        let _ = entry;
        true
    }

    /// Formats and writes one entry. Write errors are dropped: a logger has nowhere to report them
    /// (klog drops them too).
    fn log(&self, entry: &Entry<'_>);
}

/// The output format of [`KlogSink`]. Mirrors component-base's `--logging-format` (`text` or `json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// klog's text lines.
    #[default]
    Text,
    /// One JSON object a line with `ts`, `level`, `caller`, `msg`, `v` and the key/values.
    Json,
}

/// What klog's text header shows. Mirrors `-skip_headers` and `-add_dir_header`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Header {
    /// `I1223 12:30:38.017340   11656 main.rs:16] ` (the default).
    #[default]
    File,
    /// The caller's directory too: `... src/main.rs:16] ` (`-add_dir_header`).
    DirAndFile,
    /// No header (`-skip_headers`).
    Skip,
}

/// A source line where logging also writes a stack trace: klog's `-log_backtrace_at file:N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLocation {
    /// The file's base name (`main.rs`).
    pub file: String,
    /// The line.
    pub line: u32,
}

impl TraceLocation {
    /// Parses `file:N` as klog does (`main.rs:16`); `None` when it is not that shape.
    pub fn parse(s: &str) -> Option<TraceLocation> {
        let (file, line) = s.rsplit_once(':')?;
        let line = line.parse().ok()?;
        (!file.is_empty()).then(|| TraceLocation {
            file: file.to_owned(),
            line,
        })
    }

    fn matches(&self, entry: &Entry<'_>) -> bool {
        entry.line() == self.line && short_file(entry.file(), false) == self.file
    }
}

impl std::fmt::Display for TraceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// klog's own output: text lines (or JSON) written to a `MakeWriter` (stderr by default).
///
/// Mirrors klog's default text logger (`-logtostderr`); see [`crate::entry`] for how values are
/// quoted. JSON output is serialised with `serde_json`.
#[derive(Debug)]
pub struct KlogSink<W> {
    writer: W,
    format: Format,
    header: Header,
    backtrace_at: Option<TraceLocation>,
    pid: u32,
}

impl<W> KlogSink<W>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    /// Text lines with the full header, written through `writer`.
    pub fn new(writer: W) -> Self {
        KlogSink {
            writer,
            format: Format::Text,
            header: Header::File,
            backtrace_at: None,
            pid: std::process::id(),
        }
    }

    /// Chooses text or JSON output.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Chooses what the text header shows.
    #[must_use]
    pub fn with_header(mut self, header: Header) -> Self {
        self.header = header;
        self
    }

    /// Writes a stack trace after lines logged at this source line (`-log_backtrace_at`).
    #[must_use]
    pub fn with_backtrace_at(mut self, location: Option<TraceLocation>) -> Self {
        self.backtrace_at = location;
        self
    }

    /// Overrides the pid shown in lines (tests use a fixed one).
    #[must_use]
    pub fn with_pid(mut self, pid: u32) -> Self {
        self.pid = pid;
        self
    }

    /// The text line of an entry: header, message (quoted when structured) and key/values.
    fn text(&self, entry: &Entry<'_>, out: &mut String) {
        if self.header != Header::Skip {
            let file = short_file(entry.file(), self.header == Header::DirAndFile);
            write_header(out, entry.severity(), entry.time(), self.pid, file, entry.line());
        }
        match (entry.is_structured(), entry.name().is_empty()) {
            (true, true) => quote_into(out, entry.message()),
            (true, false) => quote_into(out, &NamedMessage(entry).to_string()),
            (false, _) => {
                let _ = write!(out, "{}", NamedMessage(entry));
            }
        }
        for (key, value) in entry.key_values() {
            out.push(' ');
            out.push_str(key);
            out.push('=');
            value.write_text(out);
        }
    }

    /// The JSON line of an entry, in the order component-base writes: ts, level, caller, msg, v,
    /// then the key/values.
    fn json(&self, entry: &Entry<'_>, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let level = match entry.severity() {
            Severity::Info => "info",
            Severity::Warning => "warn",
            Severity::Error => "error",
            Severity::Fatal => "fatal",
        };
        let (file, line) = (short_file(entry.file(), false), entry.line());
        let mut ser = serde_json::Serializer::new(out);
        let mut map = ser.serialize_map(None)?;
        map.serialize_entry("ts", &Displayed(Rfc3339Micros(entry.time())))?;
        map.serialize_entry("level", level)?;
        map.serialize_entry("caller", &Displayed(format_args!("{file}:{line}")))?;
        map.serialize_entry("msg", &Displayed(NamedMessage(entry)))?;
        map.serialize_entry("v", &entry.v().max(0))?;
        for (key, value) in entry.key_values() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<W> LogSink for KlogSink<W>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    fn log(&self, entry: &Entry<'_>) {
        let mut line = match self.format {
            Format::Text => {
                let mut out = String::with_capacity(128);
                self.text(entry, &mut out);
                out.into_bytes()
            }
            Format::Json => {
                let mut out = Vec::with_capacity(160);
                if self.json(entry, &mut out).is_err() {
                    return;
                }
                out
            }
        };
        if self.backtrace_at.as_ref().is_some_and(|at| at.matches(entry)) {
            line.push(b'\n');
            line.extend_from_slice(caller_stack().as_bytes());
        }
        line.push(b'\n');
        let mut w = self.writer.make_writer_for(entry.metadata());
        let _ = w.write_all(&line);
        let _ = w.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_locations_parse_as_klog_does() {
        assert_eq!(
            TraceLocation::parse("main.rs:16"),
            Some(TraceLocation {
                file: "main.rs".into(),
                line: 16
            })
        );
        assert_eq!(TraceLocation::parse("main.rs"), None);
        assert_eq!(TraceLocation::parse(":3"), None);
        assert_eq!(TraceLocation::parse("a:b"), None);
        assert_eq!(TraceLocation::parse("a.rs:7").unwrap().to_string(), "a.rs:7");
    }
}
