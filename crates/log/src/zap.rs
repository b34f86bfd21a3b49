//! [`ZapSink`]: a backend in the style of zap (`go.uber.org/zap`) as the seed configures it behind
//! klog through zapr, for [`KlogLayer::with_sink`](crate::KlogLayer::with_sink).
//!
//! What the seed's configuration gives, and this sink writes:
//! - levels: klog's `V(n)` becomes zap level `-n` (zapr's mapping), so a `V(n)` line passes
//!   only if `n <= -v` (klog) **and** `-n >= ` the sink's level (zap). A negative zap level is
//!   shown as `INFO`; the others in capitals (`WARN`, `ERROR`, `FATAL`);
//! - time in Go's layout `2006-01-02 15:04:05.00` (UTC here; Go uses local time);
//! - the caller as zap's short caller, the last directory and the file: `src/execute.rs:137`;
//! - a `stacktrace` at ERROR and above (zap's production setting);
//! - `json`: `{"level":..,"ts":..,"caller":..,"msg":..,<key/values>,"stacktrace":..}`;
//!   `console`: the same tab-separated, the key/values as one JSON object
//!   (`{"version": "v1.25.4"}`), the stack trace on the lines after.
//!
//! A contextual logger's name goes in zap's `logger` field. JSON is written by `serde_json`.

use std::io::{self, Write as _};

use serde::ser::{SerializeMap as _, Serializer as _};
use serde_json::ser::{CompactFormatter, Formatter};
use tracing_subscriber::fmt::MakeWriter;

use crate::entry::{Displayed, Entry};
use crate::format::{short_file, Centis, Severity};
use crate::sink::LogSink;
use crate::stack::caller_stack;

/// zap's encodings (its `Encoding` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// Tab-separated fields for people (zap's `console`).
    #[default]
    Console,
    /// One JSON object a line (zap's `json`).
    Json,
}

/// zap's levels, numbered as zap numbers them.
const WARN: i32 = 1;
const ERROR: i32 = 2;
const FATAL: i32 = 5;

/// A zap-style backend: zap's level filter, encodings, time layout and stack traces (see the
/// module docs). Mirrors a `zap.Config` built the way seed 003's program builds it.
#[derive(Debug)]
pub struct ZapSink<W> {
    level: i32,
    encoding: Encoding,
    writer: W,
}

impl<W> ZapSink<W>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    /// A sink passing entries whose zap level is at least `level` (the seed sets
    /// `-log_level * -1`), encoded as `encoding`, written through `writer`.
    pub fn new(level: i32, encoding: Encoding, writer: W) -> Self {
        ZapSink {
            level,
            encoding,
            writer,
        }
    }

    fn encode(&self, entry: &Entry<'_>, zap_level: i32, out: &mut Vec<u8>) -> io::Result<()> {
        let level = level_name(zap_level);
        let file = short_file(entry.file(), true);
        let line = entry.line();
        let stack = (zap_level >= ERROR).then(caller_stack);
        match self.encoding {
            Encoding::Json => {
                let mut ser = serde_json::Serializer::new(&mut *out);
                let mut map = ser.serialize_map(None)?;
                map.serialize_entry("level", level)?;
                map.serialize_entry("ts", &Displayed(Centis(entry.time())))?;
                if !entry.name().is_empty() {
                    map.serialize_entry("logger", entry.name())?;
                }
                map.serialize_entry("caller", &Displayed(format_args!("{file}:{line}")))?;
                map.serialize_entry("msg", entry.message())?;
                for (key, value) in entry.key_values() {
                    map.serialize_entry(key, value)?;
                }
                if let Some(stack) = &stack {
                    map.serialize_entry("stacktrace", stack)?;
                }
                map.end()?;
            }
            Encoding::Console => {
                write!(out, "{}\t{level}\t", Centis(entry.time()))?;
                if !entry.name().is_empty() {
                    write!(out, "{}\t", entry.name())?;
                }
                write!(out, "{file}:{line}\t{}", entry.message())?;
                if !entry.key_values().is_empty() {
                    out.push(b'\t');
                    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Spaced::default());
                    let mut map = ser.serialize_map(Some(entry.key_values().len()))?;
                    for (key, value) in entry.key_values() {
                        map.serialize_entry(key, value)?;
                    }
                    map.end()?;
                }
                if let Some(stack) = &stack {
                    write!(out, "\n{stack}")?;
                }
            }
        }
        out.push(b'\n');
        Ok(())
    }
}

/// The zap level of an entry: `-n` for an info line at `V(n)` (zapr's mapping; a negative V is
/// V(0), as in logr), zap's WARN, ERROR and FATAL for the others (their V level does not count).
pub fn zap_level(entry: &Entry<'_>) -> i32 {
    match entry.severity() {
        Severity::Info => -entry.v().max(0),
        Severity::Warning => WARN,
        Severity::Error => ERROR,
        Severity::Fatal => FATAL,
    }
}

/// The level as the seed's encoder writes it: capitals, and `INFO` for every level below zero.
fn level_name(zap_level: i32) -> &'static str {
    match zap_level {
        i32::MIN..=0 => "INFO",
        WARN => "WARN",
        ERROR => "ERROR",
        3 => "DPANIC",
        4 => "PANIC",
        _ => "FATAL",
    }
}

impl<W> LogSink for ZapSink<W>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    fn enabled(&self, entry: &Entry<'_>) -> bool {
        zap_level(entry) >= self.level
    }

    fn log(&self, entry: &Entry<'_>) {
        let mut out = Vec::with_capacity(160);
        if self.encode(entry, zap_level(entry), &mut out).is_ok() {
            let mut w = self.writer.make_writer_for(entry.metadata());
            let _ = w.write_all(&out);
            let _ = w.flush();
        }
    }
}

/// JSON with a space after `:` and `,`, as zap's console encoder writes the key/values
/// (`{"version": "v1.25.4", "platform": "linux/amd64"}`).
#[derive(Debug, Default)]
struct Spaced(CompactFormatter);

impl Formatter for Spaced {
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KlogLayer, Verbosity};
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt as _;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    /// The lines written with klog's `-v v` in front of a zap sink at `-level`, the time cut off.
    fn capture(v: i32, level: i32, encoding: Encoding, f: impl FnOnce()) -> Vec<String> {
        let buf = Buf::default();
        let layer = KlogLayer::with_sink(Verbosity::new(v), ZapSink::new(-level, encoding, buf.clone()));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    fn seed_calls() {
        tracing::info!(v = 1, "V(1)");
        tracing::info!(
            v = 2,
            version = "v1.25.4",
            platform = "linux/amd64",
            "Kubernetes server info"
        );
        tracing::info!(v = 3, "V(3)");
    }

    #[test]
    fn a_v_line_must_pass_klog_and_zap() {
        let msgs = |v, level| -> Vec<String> {
            capture(v, level, Encoding::Json, seed_calls)
                .iter()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["msg"].to_string())
                .collect()
        };
        assert_eq!(msgs(2, 2).len(), 2);
        assert_eq!(msgs(10, 2).len(), 2, "zap's level -2 stops V(3)");
        assert_eq!(msgs(2, 10).len(), 2, "klog's -v 2 stops V(3)");
        assert_eq!(msgs(3, 3).len(), 3);
        assert_eq!(msgs(0, 0).len(), 0);
    }

    #[test]
    fn json_lines_have_zaps_fields_and_capital_levels() {
        let lines = capture(2, 2, Encoding::Json, || {
            seed_calls();
            tracing::error!(v = 2, "error log test");
        });
        let json: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(json[0]["level"], "INFO");
        assert_eq!(json[1]["version"], "v1.25.4");
        assert!(lines[1].starts_with(r#"{"level":"INFO","ts":""#), "{}", lines[1]);
        assert!(lines[1].contains(r#"","caller":"src/zap.rs:"#), "{}", lines[1]);
        assert!(
            lines[1].ends_with(
                r#","msg":"Kubernetes server info","version":"v1.25.4","platform":"linux/amd64"}"#
            ),
            "{}",
            lines[1]
        );
        let ts = json[1]["ts"].as_str().unwrap();
        assert_eq!((ts.len(), &ts[10..11], &ts[19..20]), (22, " ", "."), "{ts}");
        assert!(json[1]["caller"].as_str().unwrap().starts_with("src/zap.rs:"));
        assert_eq!(json[2]["level"], "ERROR");
        assert!(
            json[2]["stacktrace"].as_str().is_some_and(|s| s.contains("\n\t")),
            "{}",
            json[2]
        );
        assert!(json[0].get("stacktrace").is_none());
    }

    #[test]
    fn console_lines_are_tab_separated_with_spaced_json_values() {
        let lines = capture(2, 2, Encoding::Console, seed_calls);
        let cut: Vec<&str> = lines.iter().map(|l| l.split_once('\t').unwrap().1).collect();
        assert_eq!(cut[0].split('\t').next(), Some("INFO"));
        let fields: Vec<&str> = cut[1].split('\t').collect();
        assert_eq!(fields[0], "INFO");
        assert!(fields[1].starts_with("src/zap.rs:"));
        assert_eq!(
            &fields[2..],
            [
                "Kubernetes server info",
                r#"{"version": "v1.25.4", "platform": "linux/amd64"}"#
            ]
        );
    }

    #[test]
    fn level_names() {
        assert_eq!(level_name(-4), "INFO");
        assert_eq!(level_name(0), "INFO");
        assert_eq!(level_name(1), "WARN");
        assert_eq!(level_name(2), "ERROR");
        assert_eq!(level_name(5), "FATAL");
    }
}
