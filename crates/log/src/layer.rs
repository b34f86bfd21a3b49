//! [`KlogLayer`]: a `tracing-subscriber` layer that applies klog's verbosity rules and hands each
//! log call to a [`LogSink`] (klog's own text by default).

use std::fmt;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::entry::{Entry, Value};
use crate::format::Severity;
use crate::sink::{Format, Header, KlogSink, LogSink, TraceLocation};
use crate::verbosity::{default_level, EventKind, Verbosity};

/// The span name that carries a contextual logger (see [`crate::logger_span!`]).
pub const LOGGER_SPAN: &str = "klog";

/// Key/values recorded from a span or an event (see [`crate::entry`] for the mapping).
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
        self.record_value(field, Value::Fmt(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_value(field, Value::Str(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "v" {
            self.v = Some(value);
        } else {
            self.record_value(field, Value::Int(value));
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "v" {
            self.v = Some(i64::try_from(value).unwrap_or(i64::MAX));
        } else {
            self.record_value(field, Value::Uint(value));
        }
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.record_value(field, Value::Float(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "fatal" && value {
            self.fatal = true;
        } else {
            self.record_value(field, Value::Bool(value));
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_value(field, Value::Str(value.to_string()));
    }
}

impl Fields {
    fn record_value(&mut self, field: &Field, value: Value) {
        let text = |v: Value| match v {
            Value::Str(s) | Value::Fmt(s) => s,
            other => {
                let mut s = String::new();
                other.write_text(&mut s);
                s
            }
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

/// A layer that applies klog's verbosity rules (`-v`, `-vmodule`) to `tracing` events and hands
/// the log calls that pass to a [`LogSink`].
///
/// Mirrors klog itself: the V-level check, contextual loggers (`logger_span!`), and the backend
/// behind it, which is klog's text output ([`KlogSink`]) unless a program plugs in its own with
/// [`KlogLayer::with_sink`] (klog's `SetLogger`). Install it on a `tracing_subscriber::Registry`
/// in a program; libraries never install it.
pub struct KlogLayer<K> {
    verbosity: Verbosity,
    sink: K,
}

impl KlogLayer<KlogSink<fn() -> std::io::Stderr>> {
    /// klog's text on stderr (klog's `-logtostderr=true` default).
    pub fn stderr(verbosity: Verbosity) -> Self {
        KlogLayer::new(verbosity, std::io::stderr)
    }
}

impl<W> KlogLayer<KlogSink<W>>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    /// klog's text, each line written to a writer made by `writer`.
    pub fn new(verbosity: Verbosity, writer: W) -> Self {
        KlogLayer::with_sink(verbosity, KlogSink::new(writer))
    }

    /// Chooses text or JSON output.
    #[must_use]
    pub fn with_format(self, format: Format) -> Self {
        self.map_sink(|s| s.with_format(format))
    }

    /// Chooses what the text header shows (`-skip_headers`, `-add_dir_header`).
    #[must_use]
    pub fn with_header(self, header: Header) -> Self {
        self.map_sink(|s| s.with_header(header))
    }

    /// Writes a stack trace after lines logged at this source line (`-log_backtrace_at`).
    #[must_use]
    pub fn with_backtrace_at(self, location: Option<TraceLocation>) -> Self {
        self.map_sink(|s| s.with_backtrace_at(location))
    }

    /// Overrides the pid shown in lines (tests use a fixed one).
    #[must_use]
    pub fn with_pid(self, pid: u32) -> Self {
        self.map_sink(|s| s.with_pid(pid))
    }

    fn map_sink(self, f: impl FnOnce(KlogSink<W>) -> KlogSink<W>) -> Self {
        KlogLayer {
            verbosity: self.verbosity,
            sink: f(self.sink),
        }
    }
}

impl<K: LogSink> KlogLayer<K> {
    /// klog's verbosity in front of another backend. Mirrors `klog.SetLogger(logger)`: every
    /// call that passes `-v`/`-vmodule` (the library's too) reaches `sink`, which may filter
    /// again by its own level ([`LogSink::enabled`]).
    pub fn with_sink(verbosity: Verbosity, sink: K) -> Self {
        KlogLayer { verbosity, sink }
    }

    /// Builds the entry for an event and hands it to the sink, unless klog's verbosity or the
    /// sink's own level drops it.
    fn dispatch<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>, now: SystemTime)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = match fields.v {
            Some(v) => i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX }),
            None => default_level(
                meta.level(),
                meta.target(),
                fields.kind.unwrap_or(EventKind::Other),
            ),
        };
        let un_vd = fields.v.is_none() && level == 0;
        if !un_vd && !self.verbosity.enabled(level, meta.file()) {
            return;
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
        let mut in_logger = false;
        let mut kvs: Vec<(&'static str, Value)> = Vec::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root().filter(|s| s.name() == LOGGER_SPAN) {
                in_logger = true;
                if let Some(f) = span.extensions().get::<Fields>() {
                    if let Some(n) = &f.logger {
                        if !name.is_empty() {
                            name.push('/');
                        }
                        name.push_str(n);
                    }
                    kvs.extend(f.kvs.iter().cloned());
                }
            }
        }
        if kvs.is_empty() {
            kvs = fields.kvs;
        } else {
            kvs.append(&mut fields.kvs);
        }
        let entry = Entry {
            time: now,
            severity,
            v: level,
            name: &name,
            message: fields.message.as_deref().unwrap_or_default(),
            structured: in_logger || !kvs.is_empty(),
            key_values: &kvs,
            metadata: meta,
        };
        if self.sink.enabled(&entry) {
            self.sink.log(&entry);
        }
    }
}

impl<S, K> Layer<S> for KlogLayer<K>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    K: LogSink,
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
        self.dispatch(event, &ctx, SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kref;
    use crate::sink::{Header, TraceLocation};
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
    fn printf_style_messages_are_bare_and_structured_ones_quoted() {
        let lines = capture(Verbosity::new(0), Format::Text, || {
            let n = 3;
            tracing::info!("Info");
            tracing::info!("{n} pods \"listed\"");
            tracing::info!(n, "{n} pods");
        });
        let got: Vec<String> = lines.iter().map(|l| strip_time(l)).collect();
        assert_eq!(
            got,
            [
                r#"I     42 layer.rs] Info"#,
                r#"I     42 layer.rs] 3 pods "listed""#,
                r#"I     42 layer.rs] "3 pods" n=3"#,
            ]
        );
    }

    #[test]
    fn strings_are_quoted_and_formatted_values_bare() {
        #[derive(Debug)]
        #[allow(dead_code)] // read through Debug only
        struct Request {
            method: &'static str,
        }
        let lines = capture(Verbosity::new(0), Format::Text, || {
            let err = std::io::Error::other("timeout");
            let phase = "Running";
            let owned = String::from("GET");
            tracing::info!(method = owned, URL = "/metrics", n = 2, ok = true, latency = %"1s", "Received HTTP request");
            tracing::info!(status = %phase, phase, request = ?Request { method: "GET" }, "pod");
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "Failed to update pod status"
            );
            tracing::warn!(ns = %kref("", "default"), pod = kref("kube-system", "dns").to_string(), "refs");
        });
        let got: Vec<String> = lines.iter().map(|l| strip_time(l)).collect();
        assert_eq!(
            got,
            [
                r#"I     42 layer.rs] "Received HTTP request" method="GET" URL="/metrics" n=2 ok=true latency=1s"#,
                r#"I     42 layer.rs] "pod" status=Running phase="Running" request=Request { method: "GET" }"#,
                r#"E     42 layer.rs] "Failed to update pod status" err="timeout""#,
                r#"W     42 layer.rs] "refs" ns=default pod="kube-system/dns""#,
            ]
        );
        assert!(lines[0].starts_with('I') && lines[0].as_bytes()[5] == b' ');
    }

    #[test]
    fn headers_can_show_the_directory_or_nothing() {
        let run = |header| {
            let buf = Buf::default();
            let layer = KlogLayer::new(Verbosity::new(0), buf.clone())
                .with_header(header)
                .with_pid(42);
            let sub = tracing_subscriber::registry().with(layer);
            tracing::subscriber::with_default(sub, || tracing::info!("x"));
            let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
            text
        };
        assert_eq!(run(Header::Skip), "x\n");
        assert!(run(Header::DirAndFile).contains(" src/layer.rs:"));
    }

    #[test]
    fn a_backtrace_follows_the_line_logged_at_the_trace_location() {
        let buf = Buf::default();
        let line = line!() + 6;
        let at = TraceLocation::parse(&format!("layer.rs:{line}"));
        let layer = KlogLayer::new(Verbosity::new(0), buf.clone()).with_backtrace_at(at);
        let sub = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(sub, || {
            tracing::info!("before");
            tracing::info!("here");
            tracing::info!("after");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let here = lines.iter().position(|l| l.ends_with("] here")).unwrap();
        let after = lines.iter().position(|l| l.ends_with("] after")).unwrap();
        assert!(here == 1 && after > here + 1, "a trace between: {text}");
        assert!(
            lines[here + 1..after].iter().any(|l| l.starts_with('\t')),
            "{text}"
        );
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
