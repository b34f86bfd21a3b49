//! HTTP plumbing: the response body type, JSON and Status responses, query parsing, body reading.

use std::convert::Infallible;

use bytes::Bytes;
use clientgo_apimachinery::Status;
use futures_util::Stream;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};

/// The largest request body the server reads, like the real server's 3 MiB limit.
pub const MAX_REQUEST_BODY: usize = 3 * 1024 * 1024;

/// The error a streaming body can end with: the connection is then cut (fault injection, shutdown).
pub type BodyError = std::io::Error;

/// Every response body: full or streamed.
pub type Body = UnsyncBoxBody<Bytes, BodyError>;

/// A full body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

/// A streamed body.
pub fn streamed<S>(stream: S) -> Body
where
    S: Stream<Item = Result<Frame<Bytes>, BodyError>> + Send + 'static,
{
    StreamBody::new(stream).boxed_unsync()
}

/// A JSON response.
pub fn json(code: StatusCode, bytes: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(bytes));
    *r.status_mut() = code;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    r
}

/// A Status response with the Status's code.
pub fn status(s: &Status) -> Response<Body> {
    let code = s
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = json(code, serde_json::to_vec(s).unwrap_or_default());
    if let Some(secs) = s.details.as_ref().and_then(|d| d.retry_after_seconds) {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    r
}

/// Reads a request body up to [`MAX_REQUEST_BODY`].
///
/// # Errors
/// A 413 Status when the body is larger, a 400 when the connection fails mid-body.
pub async fn read_body(body: Incoming) -> Result<Bytes, Status> {
    match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(crate::status::too_large(MAX_REQUEST_BODY))
        }
        Err(_) => Err(crate::status::bad_request("unable to read the request body")),
    }
}

/// Decoded query parameters (`?a=b&c=d`), percent-decoding values.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        Query { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A boolean parameter (`1`/`true`).
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "True"))
    }
}

/// Decodes `%XX` escapes and `+` (as a space), leaving malformed escapes as they are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < b.len() => {
                // A hex digit is below 16, so it fits a u8 and `h * 16 + l` is at most 0xff.
                let hex = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_queries() {
        let q = Query::parse(Some(
            "labelSelector=app%3Ddemo%2Cx+in+(a)&watch=1&limit=2&bad=%zz&end=%4",
        ));
        assert_eq!(q.get("labelSelector"), Some("app=demo,x in (a)"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("limit"), Some("2"));
        assert_eq!(q.get("bad"), Some("%zz"));
        assert_eq!(q.get("end"), Some("%4"));
        assert_eq!(q.get("missing"), None);
    }

    proptest! {
        #[test]
        fn percent_decode_never_panics(s in ".{0,64}") {
            let _ = percent_decode(&s);
        }
    }
}
