//! Where an example's lines go: straight to stdout as they are produced, or into a capture a test
//! reads.

use std::fmt::Display;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

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
                lines.lock().unwrap_or_else(PoisonError::into_inner).push(line);
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
            .map(|l| l.lock().unwrap_or_else(PoisonError::into_inner).clone())
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

/// A log layer's writer for an [`Out`] (`KlogLayer::new(verbosity, out.clone())`): each complete
/// line it is given becomes one line of the example's output, so library log lines interleave with
/// the example's own, in order.
impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Out {
    type Writer = OutLineWriter;

    fn make_writer(&'a self) -> OutLineWriter {
        OutLineWriter {
            out: self.clone(),
            pending: Vec::new(),
        }
    }
}

/// Collects what a log layer writes for one event and hands the [`Out`] each complete line; a last
/// line without its newline is handed over when the writer is dropped.
pub struct OutLineWriter {
    out: Out,
    pending: Vec<u8>,
}

impl std::io::Write for OutLineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.out.line(String::from_utf8_lossy(&line[..end]));
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for OutLineWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.out.line(String::from_utf8_lossy(&self.pending));
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
    fn a_log_layer_writes_whole_lines() {
        use std::io::Write as _;
        use tracing_subscriber::fmt::MakeWriter as _;
        let out = Out::capture();
        {
            let mut w = out.make_writer();
            w.write_all(b"I1223 first line\nI1223 sec").unwrap();
            w.write_all(b"ond line\ntail").unwrap();
        }
        assert_eq!(out.lines(), ["I1223 first line", "I1223 second line", "tail"]);
    }

    #[test]
    fn stdout_keeps_nothing() {
        let out = Out::stdout();
        crate::outln!(out, "printed");
        assert!(out.lines().is_empty());
    }
}
