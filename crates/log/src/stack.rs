//! The caller's stack for a log line: zap's `stacktrace` field and klog's `-log_backtrace_at`.

use std::backtrace::Backtrace;
use std::fmt::Write as _;

/// The most frames a trace shows.
const MAX_FRAMES: usize = 32;

/// Function-name prefixes of the frames between the caller and the sink: the backtrace itself, the
/// `tracing` dispatch and this crate. They are left off, as zap leaves off its own frames.
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
    "<alloc::boxed::Box<",
    "core::ops::function::",
];

/// The frame after which the language runtime's own frames begin (left off).
const RUNTIME_START: &str = "__rust_begin_short_backtrace";

/// The stack of the calling thread from the log call down, in zap's layout: a function per line
/// followed by a tab-indented `file:line` line, e.g. `app::main\n\tsrc/main.rs:12:5`.
///
/// Captured whether or not `RUST_BACKTRACE` is set (a logger asked for it). Function names need
/// debug symbols; without them a frame shows as `<unknown>`.
pub fn caller_stack() -> String {
    render(&Backtrace::force_capture().to_string())
}

/// Turns std's backtrace text (`  N: function` lines, each followed by `at file:line:col`) into
/// zap's layout, skipping the logging machinery's frames before the caller and the runtime's after.
fn render(trace: &str) -> String {
    let mut out = String::new();
    let mut in_caller = false;
    let mut frames = 0;
    for line in trace.lines().map(str::trim) {
        if let Some(location) = line.strip_prefix("at ") {
            if in_caller {
                let _ = write!(out, "\n\t{location}");
            }
            continue;
        }
        let Some((_, function)) = line.split_once(": ") else {
            continue;
        };
        if !in_caller && MACHINERY.iter().any(|m| function.starts_with(m)) {
            continue;
        }
        if function.contains(RUNTIME_START) || frames == MAX_FRAMES {
            break;
        }
        in_caller = true;
        frames += 1;
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(function);
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
   2: <tracing_subscriber::layer::layered::Layered<L,S> as tracing_core::subscriber::Subscriber>::event
   3: app::run
             at src/main.rs:12:5
   4: app::main
             at src/main.rs:3:5
   5: std::sys::backtrace::__rust_begin_short_backtrace
             at /rustc/x/library/std/src/sys/backtrace.rs:152:18
   6: main
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
