//! Opaque list continue tokens, in the real server's format.
//!
//! Mirrors apiserver `storage.EncodeContinue`/`DecodeContinue` (`staging/src/k8s.io/apiserver/pkg/storage/
//! continue.go`): base64url (unpadded) of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

const VERSION: &str = "meta.k8s.io/v1";

#[derive(Serialize, Deserialize)]
struct Token {
    v: String,
    rv: i64,
    start: String,
}

/// A decoded continue token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continue {
    /// The resourceVersion the list is pinned to; `None` for a fallback token (rv -1: latest).
    pub rv: Option<u64>,
    /// The key to resume from (inclusive), relative to the list's prefix.
    pub start: String,
}

/// Why a token was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContinueError {
    /// Not base64 or not the expected JSON.
    #[error("continue key is not valid: {0}")]
    Malformed(&'static str),
}

/// Encodes a token resuming after `last_key` (relative to the list prefix) at `rv` (`None`: -1).
pub fn encode(rv: Option<u64>, last_key: &str) -> String {
    let token = Token {
        v: VERSION.to_owned(),
        rv: rv.and_then(|r| i64::try_from(r).ok()).unwrap_or(-1),
        start: format!("{last_key}\u{0}"),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Decodes a token.
///
/// # Errors
/// [`ContinueError::Malformed`] when the token is not one this server issued.
pub fn decode(s: &str) -> Result<Continue, ContinueError> {
    let raw = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| ContinueError::Malformed("incorrect encoding"))?;
    let t: Token =
        serde_json::from_slice(&raw).map_err(|_| ContinueError::Malformed("incorrect encoding"))?;
    if t.v != VERSION {
        return Err(ContinueError::Malformed(
            "server does not recognize this encoding",
        ));
    }
    if t.rv == 0 || t.rv < -1 {
        return Err(ContinueError::Malformed(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    Ok(Continue {
        rv: u64::try_from(t.rv).ok(),
        start: t.start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matches_the_real_servers_encoding() {
        assert_eq!(
            encode(Some(215), "/cm-2"),
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjE1LCJzdGFydCI6Ii9jbS0yXHUwMDAwIn0"
        );
        assert_eq!(
            encode(None, "cm-2"),
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiY20tMlx1MDAwMCJ9"
        );
        let c = decode("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjE1LCJzdGFydCI6Ii9jbS0yXHUwMDAwIn0").unwrap();
        assert_eq!(
            c,
            Continue {
                rv: Some(215),
                start: "/cm-2\u{0}".into()
            }
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode("!!!").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode(b"{\"v\":\"x\",\"rv\":1,\"start\":\"a\"}")).is_err());
    }

    proptest! {
        #[test]
        fn round_trips_and_never_panics(rv in 1u64..1_000_000, key in ".{0,40}", junk in ".{0,80}") {
            let c = decode(&encode(Some(rv), &key)).unwrap();
            prop_assert_eq!(c.rv, Some(rv));
            prop_assert_eq!(c.start, format!("{key}\u{0}"));
            let _ = decode(&junk);
        }
    }
}
