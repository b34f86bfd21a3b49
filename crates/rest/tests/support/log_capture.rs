//! What the rest layer logs during one test, captured without the per-thread subscriber race.
//!
//! `tracing` caches, per callsite, whether any subscriber is interested. With a thread-local
//! subscriber (`set_default`) in one test and none in the tests running beside it in the same process
//! (plain `cargo test`), a callsite first reached by another test while this one installs its
//! subscriber can keep the cached "nobody listens" answer, and the log lines go missing. Here one
//! process-wide subscriber is installed once at TRACE, so every callsite is always enabled, and its
//! writer sends each line to the capture active on the writing thread (the tests run their client on
//! a current-thread runtime, so every request's log lines are written on the test's own thread).

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

thread_local! {
    static ACTIVE: RefCell<Option<Arc<Mutex<Vec<u8>>>>> = const { RefCell::new(None) };
}

/// The log lines written on this thread while it is alive.
pub struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    /// Starts capturing this thread's log lines (TRACE and up, no colours).
    pub fn start() -> Self {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| ThreadWriter)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other test in this binary installs a global subscriber");
            tracing::callsite::rebuild_interest_cache();
        });
        let buf = Arc::new(Mutex::new(Vec::new()));
        ACTIVE.with(|a| *a.borrow_mut() = Some(Arc::clone(&buf)));
        LogCapture { buf }
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap()).into_owned()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        ACTIVE.with(|a| *a.borrow_mut() = None);
    }
}

/// Writes to the current thread's capture, or nowhere.
struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        ACTIVE.with(|a| {
            if let Some(buf) = a.borrow().as_ref() {
                buf.lock().unwrap().extend_from_slice(b);
            }
        });
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
