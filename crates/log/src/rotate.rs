//! A log file rotated by size. Mirrors klog's `-log_file` with `-log_file_max_size`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

/// klog's default `-log_file_max_size`: 1800 MB.
pub const DEFAULT_MAX_SIZE_MB: u64 = 1800;

struct State {
    file: File,
    size: u64,
}

/// An append-only log file that, when a line would take it past `max_bytes`, renames it to
/// `PATH.1` (replacing an older `PATH.1`) and starts a new `PATH`. A `max_bytes` of 0 means
/// unlimited, as klog's `-log_file_max_size=0`. Lines are never split across files.
///
/// Cloning shares the file. Mirrors klog's size-based rotation of `-log_file`.
#[derive(Clone)]
pub struct RotatingFile {
    path: Arc<PathBuf>,
    max_bytes: u64,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for RotatingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingFile")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl RotatingFile {
    /// Opens (creating or appending to) `path`, rotating past `max_bytes`.
    pub fn open(path: impl AsRef<Path>, max_bytes: u64) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: Arc::new(path),
            max_bytes,
            state: Arc::new(Mutex::new(State { file, size })),
        })
    }

    /// The path of the rotated-out file: `PATH.1`.
    pub fn backup_path(&self) -> PathBuf {
        let mut p = self.path.as_os_str().to_owned();
        p.push(".1");
        PathBuf::from(p)
    }

    fn write_line(&self, buf: &[u8]) -> io::Result<()> {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let len = buf.len() as u64;
        if self.max_bytes > 0 && st.size > 0 && st.size + len > self.max_bytes {
            st.file.flush()?;
            std::fs::rename(self.path.as_path(), self.backup_path())?;
            st.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path.as_path())?;
            st.size = 0;
        }
        st.file.write_all(buf)?;
        st.size += len;
        Ok(())
    }
}

/// A writer handle for one log line.
#[derive(Debug)]
pub struct RotatingWriter<'a>(&'a RotatingFile);

impl Write for RotatingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_line(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        let mut st = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.file.flush()
    }
}

impl<'a> MakeWriter<'a> for RotatingFile {
    type Writer = RotatingWriter<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        RotatingWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_without_splitting_lines() {
        let dir = std::env::temp_dir().join(format!("clientgo-log-rot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.log");
        let _ = std::fs::remove_file(&path);
        let f = RotatingFile::open(&path, 10).unwrap();
        let mut w = f.make_writer();
        w.write_all(b"aaaa\n").unwrap();
        w.write_all(b"bbbb\n").unwrap(); // exactly 10: stays
        w.write_all(b"cccc\n").unwrap(); // would be 15: rotates first
        w.flush().unwrap();
        assert_eq!(std::fs::read_to_string(f.backup_path()).unwrap(), "aaaa\nbbbb\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "cccc\n");
        // Reopening appends and counts the existing size.
        let g = RotatingFile::open(&path, 10).unwrap();
        g.make_writer().write_all(b"dddddd\n").unwrap();
        assert_eq!(std::fs::read_to_string(g.backup_path()).unwrap(), "cccc\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "dddddd\n");
        // A line longer than the limit still goes out whole into an empty file.
        let u = RotatingFile::open(dir.join("big.log"), 2).unwrap();
        u.make_writer().write_all(b"longer\n").unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("big.log")).unwrap(), "longer\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unlimited_never_rotates() {
        let dir = std::env::temp_dir().join(format!("clientgo-log-unl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = RotatingFile::open(dir.join("a.log"), 0).unwrap();
        for _ in 0..100 {
            f.make_writer().write_all(b"0123456789\n").unwrap();
        }
        assert!(!f.backup_path().exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
