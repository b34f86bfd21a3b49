//! Errors of the rest layer, with client-go's predicates.
//!
//! Mirrors the error handling of client-go `rest/request.go` (`transformResponse`, `newUnstructuredResponseError`)
//! and the `errors.IsXxx` helpers: a non-2xx reply becomes the typed [`ApiError`], transport failures
//! keep their cause chain, and callers ask `is_not_found()`, `is_connect()` or `is_timeout()` instead of
//! matching text. `Display` describes one level; walk `source()` for the causes.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::time::Duration;

use clientgo_apimachinery::ApiError;
use http::Method;

use crate::auth::AuthError;
use crate::transport::ConnectError;

/// An error from building a client or sending a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status (its Status body, or the code and first bytes).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request never got an HTTP answer: connect, TLS or protocol failure. Shown as the method and
    /// URL (`GET https://host/version`); the cause says what went wrong.
    #[error("{} {url}", verb.0)]
    Transport {
        /// The HTTP method, Go-cased (`Get`).
        verb: Verb,
        /// The URL.
        url: String,
        /// The transport failure.
        #[source]
        source: hyper_util::client::legacy::Error,
    },
    /// The request's timeout or deadline passed before it completed.
    #[error("{verb} \"{url}\": context deadline exceeded")]
    DeadlineExceeded {
        /// The HTTP method, Go-cased.
        verb: Verb,
        /// The URL.
        url: String,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// Reading the response body failed midway.
    #[error("reading the response body of {verb} \"{url}\"")]
    Body {
        /// The HTTP method, Go-cased.
        verb: Verb,
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: hyper::Error,
    },
    /// The response body is not the JSON the caller asked for (including an empty body).
    #[error("decoding the response of {verb} \"{url}\"")]
    Decode {
        /// The HTTP method, Go-cased.
        verb: Verb,
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The request could not be built: bad path segment or body.
    #[error("invalid request")]
    Request(#[from] RequestError),
    /// Credentials could not be produced.
    #[error("authentication failed")]
    Auth(#[from] AuthError),
    /// The client could not be built from its config.
    #[error("invalid client configuration")]
    Config(#[from] ConfigError),
    /// A watch stream failed to decode a frame.
    #[error("decoding a watch event from {url}")]
    WatchDecode {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

/// An HTTP method printed the way Go's `net/http` errors print it (`Get`, `Post`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verb(pub Method);

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0.as_str();
        let mut chars = m.chars();
        if let Some(first) = chars.next() {
            write!(
                f,
                "{}{}",
                first.to_ascii_uppercase(),
                chars.as_str().to_ascii_lowercase()
            )?;
        }
        Ok(())
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl Error {
    /// The server's error, when it answered with a non-2xx status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The HTTP status code of an [`Error::Api`].
    pub fn status_code(&self) -> Option<u16> {
        self.api_error().map(ApiError::code)
    }

    /// 404 / NotFound. Mirrors `errors.IsNotFound`.
    pub fn is_not_found(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_not_found)
    }

    /// AlreadyExists. Mirrors `errors.IsAlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_already_exists)
    }

    /// 409 / Conflict. Mirrors `errors.IsConflict`.
    pub fn is_conflict(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_conflict)
    }

    /// 410 / Gone / Expired. Mirrors `errors.IsGone` and `errors.IsResourceExpired`.
    pub fn is_gone(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_gone)
    }

    /// 422 / Invalid. Mirrors `errors.IsInvalid`.
    pub fn is_invalid(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_invalid)
    }

    /// 429 / TooManyRequests. Mirrors `errors.IsTooManyRequests`.
    pub fn is_too_many_requests(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_too_many_requests)
    }

    /// 401 / Unauthorized. Mirrors `errors.IsUnauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_unauthorized)
    }

    /// 403 / Forbidden. Mirrors `errors.IsForbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_forbidden)
    }

    /// The client's own deadline passed, or the server answered 504 / Timeout.
    /// Mirrors `errors.IsTimeout` plus Go's `context.DeadlineExceeded` check.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::DeadlineExceeded { .. } => true,
            Error::Api(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// No connection could be established (refused, unreachable, DNS, connect or TLS handshake
    /// failure or timeout). Mirrors hyper-util's `Error::is_connect`.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_connect())
    }

    /// The TCP connection was actively refused (nothing listens on the port).
    pub fn is_connection_refused(&self) -> bool {
        self.find_source::<ConnectError>()
            .is_some_and(|e| matches!(e, ConnectError::Refused { .. }))
    }

    /// The TLS handshake did not finish within the connect timeout (Go: `net/http: TLS handshake timeout`).
    pub fn is_tls_handshake_timeout(&self) -> bool {
        self.find_source::<ConnectError>()
            .is_some_and(|e| matches!(e, ConnectError::TlsHandshakeTimeout { .. }))
    }

    fn find_source<T: StdError + 'static>(&self) -> Option<&T> {
        let mut cur: Option<&(dyn StdError + 'static)> = self.source();
        while let Some(e) = cur {
            if let Some(t) = e.downcast_ref::<T>() {
                return Some(t);
            }
            cur = e.source();
        }
        None
    }
}

/// Why a request could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A namespace, resource, name or subresource cannot be a URL path segment.
    #[error("invalid {what} {value:?}: {why}")]
    PathSegment {
        /// Which part of the path.
        what: &'static str,
        /// The offending value.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The object could not be encoded as JSON.
    #[error("encoding the request body as JSON")]
    EncodeBody(#[source] serde_json::Error),
    /// The YAML body could not be read.
    #[error("decoding the YAML request body")]
    YamlBody(#[source] serde_yaml::Error),
    /// A header value (content type, custom header) is not valid.
    #[error("invalid value for header {name}")]
    Header {
        /// The header name.
        name: String,
    },
    /// The composed URL is not valid.
    #[error("invalid request URL {url:?}")]
    Url {
        /// The URL.
        url: String,
    },
}

/// Why a client could not be built from its [`Config`](crate::Config). Building never does network I/O,
/// but reads certificate files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `host` is not an `http(s)://host[:port][/path]` URL.
    #[error("invalid host {host:?}: {why}")]
    Host {
        /// The configured host.
        host: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A certificate, key or CA file could not be read.
    #[error("cannot read {what} file {}", path.display())]
    ReadFile {
        /// `client certificate`, `client key` or `CA`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// PEM data holds no usable certificate or key.
    #[error("invalid {what} PEM data{}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Pem {
        /// `client certificate`, `client key` or `CA`.
        what: &'static str,
        /// The file it came from, when it came from one.
        path: Option<PathBuf>,
    },
    /// A client certificate was given without a key, or the reverse.
    #[error("client certificate and key must be given together")]
    CertWithoutKey,
    /// rustls rejected the TLS settings (for example a key that does not match the certificate).
    #[error("invalid TLS settings")]
    Tls(#[source] rustls::Error),
    /// The authentication settings are inconsistent.
    #[error("invalid authentication settings")]
    Auth(#[source] AuthError),
    /// A user agent or impersonation value cannot be sent as an HTTP header.
    #[error("invalid value for header {name}")]
    Header {
        /// The header.
        name: String,
    },
    /// `group_version` is required for a versioned RESTClient (client-go's `RESTClientFor` message).
    #[error("GroupVersion is required when initializing a RESTClient")]
    MissingGroupVersion,
}
