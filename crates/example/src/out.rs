//! Where an example's lines go: straight to stdout as they are produced, or into a capture a test
//! reads.

use std::fmt::Display;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// An example's output, one line at a time. Cheap to clone; clones write to the same place.
///
/// Printed lines are flushed one by one (never buffered until the end), so a person watching a
/// long-running example sees each event when it happens. A capturing `Out` (for tests) also keeps
/// the lines and prints them through the test harness, which shows them when the test fails.
#[derive(Clone, Default)]
pub struct Out {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    captured: Option<Mutex<Vec<String>>>,
    changed: Notify,
}

impl Out {
    /// Lines go to stdout.
    pub fn stdout() -> Self {
        Out::default()
    }

    /// Lines are kept for [`Out::lines`] (and printed through the test harness's capture).
    pub fn capture() -> Self {
        Out {
            inner: Arc::new(Inner {
                captured: Some(Mutex::new(Vec::new())),
                changed: Notify::new(),
            }),
        }
    }

    /// Writes one line (a `\n` is added). Use the [`outln!`](crate::outln) macro to format it.
    pub fn line(&self, line: impl Display) {
        match &self.inner.captured {
            Some(lines) => {
                let line = line.to_string();
                println!("{line}");
                lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                self.inner.changed.notify_waiters();
            }
            // A closed stdout (`| head`) ends the output, not the example.
            None => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
        }
    }

    /// Every captured line so far (empty when printing to stdout).
    pub fn lines(&self) -> Vec<String> {
        self.inner
            .captured
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }

    /// Waits until a captured line satisfies `pred` and returns it (never returns when printing to
    /// stdout). Lets a test act at a point of the example's progress instead of sleeping.
    pub async fn wait_for(&self, pred: impl Fn(&str) -> bool) -> String {
        loop {
            let changed = self.inner.changed.notified();
            if let Some(found) = self.lines().into_iter().find(|l| pred(l)) {
                return found;
            }
            changed.await;
        }
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = if self.inner.captured.is_some() {
            "capture"
        } else {
            "stdout"
        };
        f.debug_struct("Out").field("to", &to).finish()
    }
}

/// Writes one formatted line to an [`Out`]: `outln!(session.out(), "{} pods", n)`.
#[macro_export]
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {
        $out.line(::std::format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_capture_keeps_lines_in_order_and_wakes_a_waiter() {
        let out = Out::capture();
        let waiter = {
            let out = out.clone();
            tokio::spawn(async move { out.wait_for(|l| l.starts_with("second")).await })
        };
        crate::outln!(out, "first {}", 1);
        crate::outln!(out, "second {}", 2);
        assert_eq!(waiter.await.unwrap(), "second 2");
        assert_eq!(out.lines(), ["first 1", "second 2"]);
    }

    #[test]
    fn stdout_keeps_nothing() {
        let out = Out::stdout();
        crate::outln!(out, "printed");
        assert!(out.lines().is_empty());
    }
}
