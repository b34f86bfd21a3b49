//! Executing a [`Request`]: throttling, sending, retrying, logging and turning replies into values.
//!
//! Mirrors client-go `rest/request.go` (`request`, `Do`, `DoRaw`, `Stream`, `transformResponse`) and
//! `rest/with_retry.go`. The decisions (is this retryable, how long to wait, what error does this
//! reply become) are plain functions tested without a server; this module only sequences them.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use clientgo_apimachinery::{ApiError, Status};
use futures_util::{Stream, StreamExt as _};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt as _, BodyStream};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::debug_log::{log_body, log_response};
use crate::error::{Error, Verb};
use crate::go_duration;
use crate::request::Request;
use crate::transport::SendError;

/// Waits longer than this are logged at info level, like client-go's `extraLongThrottleLatency`.
const LONG_THROTTLE_LOG: Duration = Duration::from_secs(1);
/// At most this much of an error body is read and kept.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The delay before retrying this reply, or `None` when it is final. Mirrors client-go's
/// `checkWait`/`IsNextRetry`: 429, or a 5xx carrying `Retry-After` (whole seconds), for every verb.
///
/// Both answers mean the server did not act on the request (429 is the API server's priority and
/// fairness rejecting it before it reaches storage), so even a POST or PATCH is safe to send again,
/// and client-go does. Unlike client-go, a 429 without `Retry-After` is retried after one second
/// too: the API server always sends the header, and a proxy that drops it should not turn
/// throttling into a hard failure.
pub fn retry_delay(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    let retry_after = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (status.as_u16(), retry_after) {
        (429, after) => Some(Duration::from_secs(after.unwrap_or(1))),
        (500..=599, Some(after)) => Some(Duration::from_secs(after)),
        _ => None,
    }
}

/// The error a non-2xx reply becomes: its Status body when it has one, else the code and the body's
/// first bytes. Mirrors client-go `transformResponse`.
pub fn error_from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let retry_after = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    let parsed = serde_json::from_slice::<Status>(body)
        .ok()
        .filter(|s| s.kind == "Status" || (s.kind.is_empty() && s.code.is_some()));
    let err = match parsed {
        Some(mut s) => {
            if s.code.is_none_or(|c| c == 0) {
                s.code = Some(status.as_u16());
            }
            ApiError::from_status(s)
        }
        None => ApiError::from_response(status.as_u16(), body),
    };
    err.with_retry_after(retry_after)
}

impl Request {
    /// Throttles, sends with retries, and returns a 2xx response whose body is still unread.
    async fn send(mut self) -> Result<(http::Response<Incoming>, String, Method), Error> {
        let req = self.to_http()?;
        let url = req.uri().to_string();
        let verb = self.verb.clone();
        let span = tracing::debug_span!("request", verb = %verb, url = %url);
        let client = self.client.clone();
        let max_retries = self.max_retries;
        async move {
            let mut attempt = 0u32;
            loop {
                if let Some(limiter) = client.limiter() {
                    let wait = limiter.reserve();
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                        if wait > LONG_THROTTLE_LOG {
                            tracing::info!(
                                "Waited for {} due to client-side throttling, not priority and fairness, request: {}:{}",
                                go_duration::format(wait),
                                verb,
                                url
                            );
                        }
                    }
                }
                log_body("request", req.body());
                let start = Instant::now();
                let resp = client.http_client().send(&req).await.map_err(|e| match e {
                    SendError::Auth(a) => Error::Auth(a),
                    SendError::Transport(source) => Error::Transport {
                        verb: Verb(verb.clone()),
                        url: url.clone(),
                        source,
                    },
                })?;
                let status = resp.status();
                log_response(&verb, &url, status, start.elapsed(), attempt, resp.headers());
                if status.is_success() {
                    return Ok((resp, url, verb));
                }
                if attempt < max_retries {
                    if let Some(delay) = retry_delay(status, resp.headers()) {
                        attempt += 1;
                        tracing::warn!(status = status.as_u16(), attempt, delay = %go_duration::format(delay), "retrying");
                        // Drain the body so the connection can be reused.
                        let _ = resp.into_body().collect().await;
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                }
                let headers = resp.headers().clone();
                let body = read_capped(resp.into_body(), MAX_ERROR_BODY).await;
                log_body("response", &body);
                return Err(error_from_response(status, &headers, &body).into());
            }
        }
        .instrument(span)
        .await
    }

    /// The smaller of the timeout and the deadline, if any.
    fn bound(&self) -> Option<Duration> {
        match (self.timeout, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn deadline_error(&self, after: Duration) -> Error {
        Error::DeadlineExceeded {
            verb: Verb(self.verb.clone()),
            url: self.url(),
            after,
        }
    }

    /// Sends the request and returns the whole 2xx body. Mirrors `Request.DoRaw` (and `Do().Raw()`).
    ///
    /// # Errors
    /// [`Error::Api`] for a non-2xx reply, [`Error::Transport`] when no reply came,
    /// [`Error::DeadlineExceeded`] when the timeout or deadline passed first.
    pub async fn do_raw(self) -> Result<Bytes, Error> {
        let Some(bound) = self.bound() else {
            return self.do_raw_unbounded().await;
        };
        let on_timeout = self.deadline_error(bound);
        tokio::time::timeout(bound, self.do_raw_unbounded())
            .await
            .unwrap_or(Err(on_timeout))
    }

    async fn do_raw_unbounded(self) -> Result<Bytes, Error> {
        let (resp, url, verb) = self.send().await?;
        let body = resp.into_body().collect().await.map_err(|source| Error::Body {
            verb: Verb(verb),
            url,
            source,
        })?;
        let bytes = body.to_bytes();
        log_body("response", &bytes);
        Ok(bytes)
    }

    /// Sends the request and decodes the 2xx body as JSON into `T`. Mirrors `Request.Do().Into(obj)`.
    ///
    /// # Errors
    /// As [`Request::do_raw`], plus [`Error::Decode`] when the body is not a `T` (an empty body
    /// included, as Go's "unexpected end of JSON input").
    pub async fn do_<T: DeserializeOwned>(self) -> Result<T, Error> {
        let verb = Verb(self.verb.clone());
        let url = self.url();
        let body = self.do_raw().await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode { verb, url, source })
    }

    /// Sends the request and returns the 2xx body as a stream of chunks, e.g. container logs.
    /// The timeout or deadline bounds only the wait for the response headers. Mirrors `Request.Stream`.
    ///
    /// Dropping the stream closes the response.
    ///
    /// # Errors
    /// As [`Request::do_raw`] for everything up to the response headers; read errors arrive as stream
    /// items.
    pub async fn stream(
        self,
    ) -> Result<impl Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static, Error> {
        let (resp, url, verb) = match self.bound() {
            Some(bound) => {
                let on_timeout = self.deadline_error(bound);
                tokio::time::timeout(bound, self.send())
                    .await
                    .unwrap_or(Err(on_timeout))?
            }
            None => self.send().await?,
        };
        Ok(body_stream(resp.into_body(), url, verb))
    }
}

/// The data frames of a body as a stream of chunks.
pub(crate) fn body_stream(
    body: Incoming,
    url: String,
    verb: Method,
) -> impl Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static {
    BodyStream::new(body).filter_map(move |frame| {
        let out = match frame {
            Ok(f) => f.into_data().ok().map(Ok),
            Err(source) => Some(Err(Error::Body {
                verb: Verb(verb.clone()),
                url: url.clone(),
                source,
            })),
        };
        std::future::ready(out)
    })
}

/// Reads at most `cap` bytes of a body; the rest is dropped with the connection.
async fn read_capped(body: Incoming, cap: usize) -> Bytes {
    let mut out = BytesMut::new();
    let mut stream = BodyStream::new(body);
    while let Some(Ok(frame)) = stream.next().await {
        if let Ok(data) = frame.into_data() {
            let room = cap.saturating_sub(out.len());
            out.extend_from_slice(&data[..data.len().min(room)]);
            if out.len() >= cap {
                break;
            }
        }
    }
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(http::header::RETRY_AFTER, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn retry_decisions() {
        let s = |c| StatusCode::from_u16(c).unwrap();
        assert_eq!(
            retry_delay(s(429), &headers(Some("3"))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_delay(s(429), &headers(None)), Some(Duration::from_secs(1)));
        assert_eq!(
            retry_delay(s(503), &headers(Some("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry_delay(s(503), &headers(None)), None, "5xx needs Retry-After");
        assert_eq!(retry_delay(s(404), &headers(Some("1"))), None);
        assert_eq!(retry_delay(s(500), &headers(Some("soon"))), None);
    }

    #[test]
    fn replies_become_typed_errors() {
        let status = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"namespaces"},"code":404}"#;
        let e = error_from_response(StatusCode::NOT_FOUND, &headers(None), status);
        assert!(e.is_not_found());
        assert_eq!(e.to_string(), "namespaces \"x\" not found");

        let e = error_from_response(
            StatusCode::BAD_GATEWAY,
            &headers(Some("7")),
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.code(), 502);
        assert!(e.message().contains("bad gateway"));
        assert_eq!(e.retry_after_seconds(), Some(7));

        // A JSON body that is not a Status keeps the code and text.
        let e = error_from_response(StatusCode::FORBIDDEN, &headers(None), br#"{"kind":"Pod"}"#);
        assert!(e.is_forbidden());
        assert!(e.message().contains("Pod"));

        // A Status without code takes the HTTP one.
        let e = error_from_response(
            StatusCode::CONFLICT,
            &headers(None),
            br#"{"kind":"Status","reason":"Conflict"}"#,
        );
        assert_eq!(e.code(), 409);
    }
}
