//! Authentication: what goes into the `Authorization` header of each request.
//!
//! Mirrors client-go `transport/round_trippers.go` (bearer and basic auth round trippers),
//! `transport/token_source.go` (the token file re-read every minute) and
//! `plugin/pkg/client/auth/exec` (exec credential plugins). Header values are marked sensitive so
//! that `http`'s `Debug` hides them, and nothing here logs a credential.

pub(crate) mod exec;
mod token_file;

use http::HeaderValue;

use base64::Engine as _;

use crate::config::Config;
use exec::ExecAuth;
pub use exec::ExecError;
use token_file::TokenFile;

/// Why credentials could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Both basic auth and a bearer token were configured; client-go refuses this too.
    #[error("username/password or bearer token may be set, but not both")]
    BasicAndToken,
    /// The credential contains bytes that cannot go into an HTTP header.
    #[error("credential is not a valid HTTP header value")]
    InvalidHeader,
    /// The bearer token file could not be read and no earlier token is known.
    #[error("cannot read bearer token file {}", path.display())]
    TokenFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The exec credential plugin failed.
    #[error("exec credential plugin")]
    Exec(#[from] ExecError),
}

/// The configured way of authenticating, shared by every request of a transport.
#[derive(Debug)]
pub(crate) enum Authenticator {
    None,
    Basic(HeaderValue),
    Bearer(HeaderValue),
    TokenFile(TokenFile),
    Exec(ExecAuth),
}

impl Authenticator {
    /// Picks the mechanism from the config, as client-go's `HTTPWrappersForConfig` does: exec plugin,
    /// else bearer token (file first), else basic auth. Performs no I/O.
    pub(crate) fn from_config(config: &Config) -> Result<Self, AuthError> {
        let has_token = config.bearer_token.is_some() || config.bearer_token_file.is_some();
        let has_basic = config.username.is_some() || config.password.is_some();
        if has_token && has_basic {
            return Err(AuthError::BasicAndToken);
        }
        if let Some(exec) = &config.exec_provider {
            return Ok(Authenticator::Exec(ExecAuth::new(exec.clone())));
        }
        if let Some(path) = &config.bearer_token_file {
            return Ok(Authenticator::TokenFile(TokenFile::new(
                path.clone(),
                config.bearer_token.clone(),
            )));
        }
        if let Some(token) = &config.bearer_token {
            return Ok(Authenticator::Bearer(bearer(token)?));
        }
        if has_basic {
            let raw = format!(
                "{}:{}",
                config.username.as_deref().unwrap_or(""),
                config.password.as_deref().unwrap_or("")
            );
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
            return Ok(Authenticator::Basic(sensitive(&format!("Basic {encoded}"))?));
        }
        Ok(Authenticator::None)
    }

    /// The `Authorization` value for the next request, if any.
    pub(crate) async fn header(&self) -> Result<Option<HeaderValue>, AuthError> {
        match self {
            Authenticator::None => Ok(None),
            Authenticator::Basic(v) | Authenticator::Bearer(v) => Ok(Some(v.clone())),
            Authenticator::TokenFile(f) => f.token().await.and_then(|t| bearer(&t)).map(Some),
            Authenticator::Exec(e) => e
                .token()
                .await
                .map_err(AuthError::from)
                .and_then(|t| bearer(&t))
                .map(Some),
        }
    }

    /// Called after a 401: forgets cached credentials that may be stale. Returns true when a retry
    /// with fresh credentials is worth making (only exec plugins can produce a new token on demand).
    pub(crate) async fn unauthorized(&self) -> bool {
        match self {
            Authenticator::Exec(e) => {
                e.invalidate().await;
                true
            }
            _ => false,
        }
    }
}

fn bearer(token: &str) -> Result<HeaderValue, AuthError> {
    sensitive(&format!("Bearer {token}"))
}

fn sensitive(value: &str) -> Result<HeaderValue, AuthError> {
    let mut v = HeaderValue::from_str(value).map_err(|_| AuthError::InvalidHeader)?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn picks_the_mechanism_like_client_go() {
        let mut c = Config::new("https://h");
        assert!(matches!(
            Authenticator::from_config(&c).unwrap(),
            Authenticator::None
        ));
        c.username = Some("admin".into());
        c.password = Some("secret".into());
        let basic = Authenticator::from_config(&c).unwrap();
        let h = basic.header().await.unwrap().unwrap();
        assert_eq!(h.to_str().unwrap(), "Basic YWRtaW46c2VjcmV0");
        assert!(h.is_sensitive());
        c.bearer_token = Some("t".into());
        assert!(matches!(
            Authenticator::from_config(&c),
            Err(AuthError::BasicAndToken)
        ));
        c.username = None;
        c.password = None;
        let b = Authenticator::from_config(&c).unwrap();
        assert_eq!(b.header().await.unwrap().unwrap().to_str().unwrap(), "Bearer t");
        c.bearer_token = Some("bad\ntoken".into());
        assert!(matches!(
            Authenticator::from_config(&c),
            Err(AuthError::InvalidHeader)
        ));
    }
}
