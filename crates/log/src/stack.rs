//! The caller's stack for a log line: zap's `stacktrace` field and klog's `-log_backtrace_at`.

use std::backtrace::Backtrace;
use std::fmt::Write as _;

/// The most frames a trace shows.
const MAX_FRAMES: usize = 32;

/// Function-name prefixes of the frames between the log call and the sink: the backtrace itself,
/// the `tracing` dispatch, `tracing-subscriber`'s layers and this crate. The caller's frames start
/// after the last of them, as zap's trace starts at the caller.
const MACHINERY: &[&str] = &[
    "std::backtrace",
    "clientgo_log::stack::caller_stack",
    "clientgo_log::sink::KlogSink",
    "clientgo_log::zap::ZapSink",
    "clientgo_log::layer::KlogLayer",
    "<clientgo_log::",
    "tracing::",
    "<tracing::",
    "tracing_core::",
    "<tracing_core::",
    "tracing_subscriber::",
    "<tracing_subscriber::",
];

/// Frames from here on are the language runtime's or the async runtime's own (left off, as zap
/// stops at Go's `runtime.main`).
const RUNTIME: &[&str] = &[
    "std::rt::",
    "std::sys::backtrace::__rust_begin_short_backtrace",
    "tokio::runtime::",
];

/// A source path inside the `tracing` crate: the closure its macros expand to.
const TRACING_SOURCE: &str = "/tracing-";

/// The stack of the calling thread from the log call down, in zap's layout: a function per line
/// followed by a tab-indented `file:line` line, e.g. `app::main\n\tsrc/main.rs:12:5`.
///
/// Captured whether or not `RUST_BACKTRACE` is set (a logger asked for it). Function names need
/// debug symbols; without them a frame shows as `<unknown>`.
pub fn caller_stack() -> String {
    render(&Backtrace::force_capture().to_string())
}

/// One frame of std's backtrace text: `  N: function` and, when known, `at file:line:col`.
struct Frame<'a> {
    function: &'a str,
    location: Option<&'a str>,
}

fn frames(trace: &str) -> Vec<Frame<'_>> {
    let mut frames: Vec<Frame<'_>> = Vec::new();
    for line in trace.lines().map(str::trim) {
        if let Some(location) = line.strip_prefix("at ") {
            if let Some(last) = frames.last_mut() {
                last.location.get_or_insert(location);
            }
        } else if let Some((_, function)) = line.split_once(": ") {
            frames.push(Frame {
                function,
                location: None,
            });
        }
    }
    frames
}

/// Turns std's backtrace text into zap's layout: the frames after the last logging-machinery
/// frame, without the `tracing` macro's closure, up to the runtime's frames.
fn render(trace: &str) -> String {
    let frames = frames(trace);
    let is_machinery = |f: &Frame<'_>| MACHINERY.iter().any(|m| f.function.starts_with(m));
    let start = frames.iter().rposition(is_machinery).map_or(0, |i| i + 1);
    let mut out = String::new();
    let caller = frames[start..]
        .iter()
        .filter(|f| !f.location.is_some_and(|l| l.contains(TRACING_SOURCE)))
        .take_while(|f| !RUNTIME.iter().any(|r| f.function.starts_with(r)))
        .take(MAX_FRAMES);
    for frame in caller {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(frame.function);
        if let Some(location) = frame.location {
            let _ = write!(out, "\n\t{location}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machinery_and_runtime_frames_are_left_off() {
        let trace = "   0: std::backtrace::Backtrace::force_capture
             at /rustc/x/library/std/src/backtrace.rs:312:9
   1: clientgo_log::stack::caller_stack
             at crates/log/src/stack.rs:30:12
   2: core::bool::<impl bool>::then
   3: <tracing_subscriber::layer::layered::Layered<L,S> as tracing_core::subscriber::Subscriber>::event
   4: tracing_core::event::Event::dispatch
   5: app::run::{{closure}}
             at /cargo/registry/tracing-0.1.44/src/macros.rs:905:17
   6: app::run
             at src/main.rs:12:5
   7: app::main
             at src/main.rs:3:5
   8: std::sys::backtrace::__rust_begin_short_backtrace
             at /rustc/x/library/std/src/sys/backtrace.rs:152:18
   9: main
";
        assert_eq!(
            render(trace),
            "app::run\n\tsrc/main.rs:12:5\napp::main\n\tsrc/main.rs:3:5"
        );
    }

    #[test]
    fn a_captured_stack_starts_at_the_caller() {
        let stack = caller_stack();
        assert!(
            stack.starts_with("clientgo_log::stack::tests::a_captured_stack_starts_at_the_caller\n\t")
                || stack.starts_with("<unknown>"),
            "{stack}"
        );
    }
}
