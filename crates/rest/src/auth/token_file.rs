//! A bearer token read from a file and re-read every minute.
//!
//! Mirrors client-go `transport.NewCachedFileTokenSource` (`transport/token_source.go`): projected
//! service-account tokens are rotated by the kubelet, so the file is read again once the cached copy
//! is a minute old. When a re-read fails the previous token is kept and the failure is logged.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::AuthError;

/// How long a token read from a file is used before the file is read again.
pub(crate) const TOKEN_FILE_REFRESH: Duration = Duration::from_secs(60);

pub(crate) struct TokenFile {
    path: PathBuf,
    cached: Mutex<Cached>,
}

struct Cached {
    token: Option<String>,
    read_at: Option<Instant>,
}

impl TokenFile {
    /// A source for `path`; `initial` (the config's static token) is used if the file never reads.
    pub(crate) fn new(path: PathBuf, initial: Option<String>) -> Self {
        TokenFile {
            path,
            cached: Mutex::new(Cached {
                token: initial,
                read_at: None,
            }),
        }
    }

    pub(crate) async fn token(&self) -> Result<String, AuthError> {
        let mut cached = self.cached.lock().await;
        let fresh = cached.read_at.is_some_and(|at| at.elapsed() < TOKEN_FILE_REFRESH);
        if fresh {
            if let Some(t) = &cached.token {
                return Ok(t.clone());
            }
        }
        match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => {
                let token = text.trim().to_owned();
                cached.token = Some(token.clone());
                cached.read_at = Some(Instant::now());
                Ok(token)
            }
            Err(source) => match &cached.token {
                Some(old) => {
                    tracing::warn!(path = %self.path.display(), error = %source,
                        "cannot re-read bearer token file; keeping the previous token");
                    // Try again after another period rather than on every request.
                    let old = old.clone();
                    cached.read_at = Some(Instant::now());
                    Ok(old)
                }
                None => Err(AuthError::TokenFile {
                    path: self.path.clone(),
                    source,
                }),
            },
        }
    }
}

impl fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what a tracing subscriber writes.
    #[derive(Clone, Default)]
    struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl LogBuffer {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    impl std::io::Write for LogBuffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
        type Writer = LogBuffer;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn rereads_after_a_minute_and_keeps_the_old_token_on_failure() {
        let dir = std::env::temp_dir().join(format!("clientgo-tokenfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, "one\n").unwrap();
        let src = TokenFile::new(path.clone(), None);
        assert_eq!(src.token().await.unwrap(), "one");
        std::fs::write(&path, "two").unwrap();
        assert_eq!(src.token().await.unwrap(), "one", "cached within the minute");
        tokio::time::advance(TOKEN_FILE_REFRESH).await;
        assert_eq!(src.token().await.unwrap(), "two", "rotated token picked up");
        std::fs::remove_file(&path).unwrap();
        tokio::time::advance(TOKEN_FILE_REFRESH).await;
        let logs = LogBuffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish();
        let kept = {
            let _guard = tracing::subscriber::set_default(subscriber);
            src.token().await.unwrap()
        };
        assert_eq!(kept, "two", "unreadable file keeps the old token");
        let logged = logs.text();
        assert!(
            logged.contains("WARN")
                && logged.contains("keeping the previous token")
                && logged.contains("token"),
            "the failure is logged with its path and reason: {logged}"
        );
        assert!(logged.contains(&path.display().to_string()), "{logged}");
        assert!(
            !logged.contains("two\n") && !logged.contains("\"two\""),
            "the token itself is not logged"
        );
        std::fs::remove_dir_all(&dir).unwrap();

        let missing = TokenFile::new(dir.join("nope"), None);
        let e = missing.token().await.unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
    }
}
