//! [`KlogLayer`]: a `tracing-subscriber` layer that writes klog text or JSON lines.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::format::{quote_into, rfc3339_micros, write_header, Severity};
use crate::verbosity::{default_level, EventKind, Verbosity};

/// The span name that carries a contextual logger (see [`crate::logger_span!`]).
pub const LOGGER_SPAN: &str = "klog";

/// The output format. Mirrors component-base's `--logging-format` (`text` or `json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// klog's text lines.
    #[default]
    Text,
    /// One JSON object a line with `ts`, `level`, `caller`, `msg`, `v` and the key/values.
    Json,
}

/// A recorded value: strings are quoted in text output, bare values (numbers, booleans) are not.
#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Bare(String),
}

/// Key/values recorded from a span or an event.
#[derive(Debug, Default)]
struct Fields {
    message: Option<String>,
    logger: Option<String>,
    v: Option<i64>,
    fatal: bool,
    kind: Option<EventKind>,
    kvs: Vec<(&'static str, Value)>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_value(field, Value::Str(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_value(field, Value::Str(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "v" {
            self.v = Some(value);
        } else {
            self.record_value(field, Value::Bare(value.to_string()));
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "v" {
            self.v = Some(i64::try_from(value).unwrap_or(i64::MAX));
        } else {
            self.record_value(field, Value::Bare(value.to_string()));
        }
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        let v = if value.is_finite() {
            Value::Bare(value.to_string())
        } else {
            Value::Str(value.to_string())
        };
        self.record_value(field, v);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "fatal" && value {
            self.fatal = true;
        } else {
            self.record_value(field, Value::Bare(value.to_string()));
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_value(field, Value::Str(value.to_string()));
    }
}

impl Fields {
    fn record_value(&mut self, field: &Field, value: Value) {
        let text = |v: Value| match v {
            Value::Str(s) | Value::Bare(s) => s,
        };
        match field.name() {
            "message" => self.message = Some(text(value)),
            "logger" => self.logger = Some(text(value)),
            name => {
                if name == "header" {
                    self.kind = Some(EventKind::Header);
                } else if name == "body" {
                    self.kind = Some(EventKind::Body);
                }
                // `error` is klog's `err` key.
                let name = if name == "error" { "err" } else { name };
                self.kvs.push((name, value));
            }
        }
    }
}

/// A layer writing klog lines for the events that pass klog's verbosity rules.
///
/// Mirrors klog's text output (and component-base's JSON output). Install it on a
/// `tracing_subscriber::Registry` in a program; libraries never install it.
pub struct KlogLayer<W> {
    verbosity: Verbosity,
    format: Format,
    writer: W,
    pid: u32,
}

impl KlogLayer<fn() -> std::io::Stderr> {
    /// A text layer writing to stderr (klog's `-logtostderr=true` default).
    pub fn stderr(verbosity: Verbosity) -> Self {
        KlogLayer::new(verbosity, std::io::stderr)
    }
}

impl<W> KlogLayer<W>
where
    W: for<'a> MakeWriter<'a> + 'static,
{
    /// A text layer writing each line to a writer made by `writer`.
    pub fn new(verbosity: Verbosity, writer: W) -> Self {
        KlogLayer {
            verbosity,
            format: Format::Text,
            writer,
            pid: std::process::id(),
        }
    }

    /// Chooses text or JSON output.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Overrides the pid shown in lines (tests use a fixed one).
    pub fn with_pid(mut self, pid: u32) -> Self {
        self.pid = pid;
        self
    }

    /// Renders one line (without the trailing newline) for an event, or `None` when verbosity
    /// drops it.
    fn render<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>, now: SystemTime) -> Option<String>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = match fields.v {
            Some(v) => i32::try_from(v).unwrap_or(i32::MAX),
            None => default_level(
                meta.level(),
                meta.target(),
                fields.kind.unwrap_or(EventKind::Other),
            ),
        };
        let un_vd = fields.v.is_none() && level == 0;
        if !un_vd && !self.verbosity.enabled(level, meta.file()) {
            return None;
        }
        let severity = if fields.fatal {
            Severity::Fatal
        } else {
            match *meta.level() {
                tracing::Level::ERROR => Severity::Error,
                tracing::Level::WARN => Severity::Warning,
                _ => Severity::Info,
            }
        };
        // Contextual logger: names and values of the enclosing `klog` spans, outermost first.
        let mut name = String::new();
        let mut ctx_kvs: Vec<(&'static str, Value)> = Vec::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if span.name() != LOGGER_SPAN {
                    continue;
                }
                if let Some(f) = span.extensions().get::<Fields>() {
                    if let Some(n) = &f.logger {
                        if !name.is_empty() {
                            name.push('/');
                        }
                        name.push_str(n);
                    }
                    ctx_kvs.extend(f.kvs.iter().cloned());
                }
            }
        }
        let mut msg = fields.message.unwrap_or_default();
        if !name.is_empty() {
            msg = format!("{name}: {msg}");
        }
        let kvs = ctx_kvs.iter().chain(fields.kvs.iter());
        let file = meta.file().unwrap_or("???");
        let line = meta.line().unwrap_or(0);
        let mut out = String::with_capacity(128);
        match self.format {
            Format::Text => {
                write_header(&mut out, severity, now, self.pid, file, line);
                quote_into(&mut out, &msg);
                for (k, v) in kvs {
                    out.push(' ');
                    out.push_str(k);
                    out.push('=');
                    match v {
                        Value::Str(s) => quote_into(&mut out, s),
                        Value::Bare(s) => out.push_str(s),
                    }
                }
            }
            Format::Json => {
                let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
                let lvl = match severity {
                    Severity::Info => "info",
                    Severity::Warning => "warn",
                    Severity::Error => "error",
                    Severity::Fatal => "fatal",
                };
                out.push_str("{\"ts\":");
                json_str(&mut out, &rfc3339_micros(now));
                let _ = write!(out, ",\"level\":\"{lvl}\",\"caller\":");
                json_str(&mut out, &format!("{base}:{line}"));
                out.push_str(",\"msg\":");
                json_str(&mut out, &msg);
                let _ = write!(out, ",\"v\":{}", level.max(0));
                for (k, v) in kvs {
                    out.push(',');
                    json_str(&mut out, k);
                    out.push(':');
                    match v {
                        Value::Str(s) => json_str(&mut out, s),
                        Value::Bare(s) => out.push_str(s),
                    }
                }
                out.push('}');
            }
        }
        Some(out)
    }
}

/// Appends a JSON string literal.
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<S, W> Layer<S> for KlogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        if metadata.is_span() {
            return true;
        }
        // Cheap pre-filter: DEBUG needs V(4) somewhere, TRACE V(6), unless a `v` field may lower it.
        let max = self.verbosity.max();
        let has_v = metadata.fields().field("v").is_some();
        match *metadata.level() {
            tracing::Level::DEBUG => has_v || max >= 4,
            tracing::Level::TRACE => has_v || max >= 6,
            _ => true,
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != LOGGER_SPAN {
            return;
        }
        if let Some(span) = ctx.span(id) {
            let mut fields = Fields::default();
            attrs.record(&mut fields);
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if let Some(mut line) = self.render(event, &ctx, SystemTime::now()) {
            line.push('\n');
            let mut w = self.writer.make_writer();
            // A logger has nowhere to report its own write errors; klog ignores them too.
            let _ = w.write_all(line.as_bytes());
            let _ = w.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kref;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt as _;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    /// Runs `f` under a klog layer and returns the lines with the header's time stripped.
    fn capture(v: Verbosity, format: Format, f: impl FnOnce()) -> Vec<String> {
        let buf = Buf::default();
        let layer = KlogLayer::new(v, buf.clone()).with_format(format).with_pid(42);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, f);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    fn strip_time(line: &str) -> String {
        // "I1223 12:30:38.017340      42 layer.rs:N] ..." -> "I     42 layer.rs] ..."
        let (sev, rest) = line.split_at(1);
        let rest = &rest[21..];
        let (loc, tail) = rest.split_once("] ").unwrap();
        let file = loc.rsplit_once(':').unwrap().0;
        format!("{sev}{file}] {tail}")
    }

    #[test]
    fn structured_text_line() {
        let lines = capture(Verbosity::new(0), Format::Text, || {
            let err = std::io::Error::other("timeout");
            tracing::info!(method = "GET", n = 2, ok = true, latency = %"1s", "Received HTTP request");
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "Failed to update pod status"
            );
            tracing::warn!(ns = %kref("", "default"), pod = %kref("kube-system", "dns"), "refs");
        });
        let got: Vec<String> = lines.iter().map(|l| strip_time(l)).collect();
        assert_eq!(
            got,
            [
                r#"I     42 layer.rs] "Received HTTP request" method="GET" n=2 ok=true latency="1s""#,
                r#"E     42 layer.rs] "Failed to update pod status" err="timeout""#,
                r#"W     42 layer.rs] "refs" ns="default" pod="kube-system/dns""#,
            ]
        );
        assert!(lines[0].starts_with('I') && lines[0].as_bytes()[5] == b' ');
    }

    #[test]
    fn verbosity_filters_v_fields_and_levels() {
        let run = |v| {
            capture(v, Format::Text, || {
                for i in -3i64..=5 {
                    tracing::info!(v = i, "klog");
                }
                tracing::debug!("debug");
                tracing::trace!("trace");
            })
            .len()
        };
        assert_eq!(run(Verbosity::new(0)), 4); // -3..=0
        assert_eq!(run(Verbosity::new(2)), 6); // -3..=2
        assert_eq!(run(Verbosity::new(4)), 9); // -3..=4 and debug
        assert_eq!(run(Verbosity::new(6)), 11); // all
        assert_eq!(run(Verbosity::new(0).with_vmodule("layer=5").unwrap()), 10);
        assert_eq!(run(Verbosity::new(-2)), 2); // -3, -2
        let unvd = capture(Verbosity::new(-5), Format::Text, || tracing::warn!("w"));
        assert_eq!(unvd.len(), 1);
    }

    #[test]
    fn contextual_logger_prefixes_name_and_appends_values() {
        let lines = capture(Verbosity::new(0), Format::Text, || {
            let span = crate::logger_span!("foo", time = "t0");
            let _g = span.enter();
            tracing::info!(i = 1, "0");
            let inner = crate::logger_span!("bar");
            inner.in_scope(|| tracing::info!("1"));
            // Spans that are not loggers add nothing.
            tracing::info_span!("request", verb = "GET").in_scope(|| tracing::info!("2"));
        });
        let got: Vec<String> = lines.iter().map(|l| strip_time(l)).collect();
        assert_eq!(
            got,
            [
                r#"I     42 layer.rs] "foo: 0" time="t0" i=1"#,
                r#"I     42 layer.rs] "foo/bar: 1" time="t0""#,
                r#"I     42 layer.rs] "foo: 2" time="t0""#,
            ]
        );
    }

    #[test]
    fn json_lines() {
        let lines = capture(Verbosity::new(1), Format::Json, || {
            tracing::info!(v = 1, version = "v1.25.4", n = 3, "Kubernetes \"server\" info");
            tracing::error!(error = "boom", "failed");
        });
        assert_eq!(lines.len(), 2);
        let a: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(a["level"], "info");
        assert_eq!(a["msg"], "Kubernetes \"server\" info");
        assert_eq!(a["v"], 1);
        assert_eq!(a["version"], "v1.25.4");
        assert_eq!(a["n"], 3);
        assert!(a["caller"].as_str().unwrap().starts_with("layer.rs:"));
        assert!(a["ts"].as_str().unwrap().ends_with('Z'));
        let b: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(b["level"], "error");
        assert_eq!(b["err"], "boom");
    }

    #[test]
    fn rest_request_logs_use_client_go_levels() {
        let emit = || {
            tracing::debug!(target: "clientgo_rest::execute", status = 200, milliseconds = 3, "GET /api 200 OK");
            tracing::trace!(target: "clientgo_rest::execute", direction = "request", header = "authorization", value = "<masked>", "header");
            tracing::trace!(target: "clientgo_rest::execute", direction = "response", bytes = 2, body = "{}", "body");
        };
        assert_eq!(capture(Verbosity::new(5), Format::Text, emit).len(), 0);
        assert_eq!(capture(Verbosity::new(6), Format::Text, emit).len(), 1);
        let seven = capture(Verbosity::new(7), Format::Text, emit);
        assert_eq!(seven.len(), 2);
        assert!(seven[1].ends_with(r#""header" direction="request" header="authorization" value="<masked>""#));
        assert_eq!(capture(Verbosity::new(8), Format::Text, emit).len(), 3);
    }

    #[test]
    fn a_full_body_is_shown_at_v9_only() {
        let emit = || {
            tracing::trace!(target: "clientgo_rest::execute", direction = "response", bytes = 2000, body = "{\"a\"", "body");
            tracing::trace!(target: "clientgo_rest::execute", direction = "response", bytes = 2000, full_body = "{\"a\":1}", "full body");
        };
        assert_eq!(capture(Verbosity::new(8), Format::Text, emit).len(), 1);
        let nine = capture(Verbosity::new(9), Format::Text, emit);
        assert_eq!(nine.len(), 2);
        assert!(nine[1].contains("full_body="), "{}", nine[1]);
    }
}
