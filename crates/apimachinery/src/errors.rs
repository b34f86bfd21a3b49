//! Typed API errors and the predicates controllers branch on.
//!
//! Mirrors apimachinery `pkg/api/errors` (`errors.go`): an [`ApiError`] wraps the server's [`Status`]
//! and answers `is_not_found()`, `is_conflict()` and friends by reason first and HTTP code second,
//! exactly as Go's `ReasonForError` / `IsNotFound` do, so callers never match on message text.

use std::fmt;

use crate::status::{Status, StatusReason};

/// An error the API server reported, carrying its [`Status`].
///
/// Mirrors apimachinery `errors.StatusError`. Build one with [`ApiError::from_status`] (from a decoded
/// Status body or an ERROR watch event) or [`ApiError::from_response`] (an HTTP reply whose body was
/// not a Status).
#[doc(alias = "StatusError")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: Status,
    retry_after: Option<u32>,
}

impl ApiError {
    /// Wraps a Status returned by the server.
    pub fn from_status(status: Status) -> Self {
        ApiError {
            status,
            retry_after: None,
        }
    }

    /// Builds an error for a non-2xx reply whose body is not a Status, keeping the code and the body's
    /// first bytes as the message (like client-go's `newUnstructuredResponseError`).
    pub fn from_response(code: u16, body: &[u8]) -> Self {
        const MAX_BODY_IN_MESSAGE: usize = 512;
        let shown = &body[..body.len().min(MAX_BODY_IN_MESSAGE)];
        let text = String::from_utf8_lossy(shown);
        let reason = reason_for_code(code);
        let message = if text.trim().is_empty() {
            format!("the server responded with the status code {code} but did not return more information")
        } else {
            format!(
                "the server responded with the status code {code}: {}",
                text.trim()
            )
        };
        ApiError::from_status(Status::failure(code, reason, message))
    }

    /// Records the `Retry-After` header's value, which takes precedence over the Status details.
    pub fn with_retry_after(mut self, seconds: Option<u32>) -> Self {
        self.retry_after = seconds;
        self
    }

    /// The Status the server sent (or one synthesised from the reply).
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The HTTP code, or 0 when the Status named none.
    pub fn code(&self) -> u16 {
        self.status.code.unwrap_or(0)
    }

    /// The Status reason, or `""`.
    pub fn reason(&self) -> &str {
        self.status.reason.as_deref().unwrap_or("")
    }

    /// The Status message, or `""`.
    pub fn message(&self) -> &str {
        self.status.message.as_deref().unwrap_or("")
    }

    fn is(&self, reason: &str, code: u16) -> bool {
        match self.status.reason.as_deref() {
            Some(r) if !r.is_empty() => r == reason,
            _ => self.code() == code,
        }
    }

    /// 404 or reason `NotFound`. Mirrors `errors.IsNotFound`.
    pub fn is_not_found(&self) -> bool {
        self.is(StatusReason::NOT_FOUND, 404)
    }

    /// Reason `AlreadyExists` (a create of an existing name). Mirrors `errors.IsAlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.reason() == StatusReason::ALREADY_EXISTS
    }

    /// 409 or reason `Conflict` (a stale resourceVersion). Mirrors `errors.IsConflict`.
    pub fn is_conflict(&self) -> bool {
        self.is(StatusReason::CONFLICT, 409)
    }

    /// 410 Gone, or reason `Gone`/`Expired`: the resourceVersion or continue token was compacted.
    /// Mirrors `errors.IsGone` together with `errors.IsResourceExpired`; either means "relist".
    pub fn is_gone(&self) -> bool {
        matches!(self.reason(), StatusReason::GONE | StatusReason::EXPIRED) || self.code() == 410
    }

    /// Reason `Expired`. Mirrors `errors.IsResourceExpired`.
    pub fn is_resource_expired(&self) -> bool {
        self.reason() == StatusReason::EXPIRED
    }

    /// 422 or reason `Invalid`. Mirrors `errors.IsInvalid`.
    pub fn is_invalid(&self) -> bool {
        self.is(StatusReason::INVALID, 422)
    }

    /// 429 or reason `TooManyRequests`. Mirrors `errors.IsTooManyRequests`.
    pub fn is_too_many_requests(&self) -> bool {
        self.reason() == StatusReason::TOO_MANY_REQUESTS || self.code() == 429
    }

    /// 403 or reason `Forbidden`. Mirrors `errors.IsForbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.is(StatusReason::FORBIDDEN, 403)
    }

    /// 401 or reason `Unauthorized`. Mirrors `errors.IsUnauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.is(StatusReason::UNAUTHORIZED, 401)
    }

    /// 504 or reason `Timeout`. Mirrors `errors.IsTimeout`.
    pub fn is_timeout(&self) -> bool {
        self.is(StatusReason::TIMEOUT, 504)
    }

    /// 500 or reason `InternalError`. Mirrors `errors.IsInternalError`.
    pub fn is_internal_error(&self) -> bool {
        self.is(StatusReason::INTERNAL_ERROR, 500)
    }

    /// The delay the server asked for: the `Retry-After` header if recorded, else
    /// `details.retryAfterSeconds`. Mirrors `errors.SuggestsClientDelay`.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        self.retry_after
            .or_else(|| self.status.details.as_ref()?.retry_after_seconds)
    }
}

/// The reason client-go assigns to a bare HTTP code (`errors.NewGenericServerResponse`).
fn reason_for_code(code: u16) -> &'static str {
    match code {
        400 => StatusReason::BAD_REQUEST,
        401 => StatusReason::UNAUTHORIZED,
        403 => StatusReason::FORBIDDEN,
        404 => StatusReason::NOT_FOUND,
        405 => StatusReason::METHOD_NOT_ALLOWED,
        406 => StatusReason::NOT_ACCEPTABLE,
        409 => StatusReason::CONFLICT,
        410 => StatusReason::GONE,
        413 => StatusReason::REQUEST_ENTITY_TOO_LARGE,
        415 => StatusReason::UNSUPPORTED_MEDIA_TYPE,
        422 => StatusReason::INVALID,
        429 => StatusReason::TOO_MANY_REQUESTS,
        500 => StatusReason::INTERNAL_ERROR,
        503 => StatusReason::SERVICE_UNAVAILABLE,
        504 => StatusReason::TIMEOUT,
        _ => "",
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status.message.as_deref() {
            Some(m) if !m.is_empty() => f.write_str(m),
            _ => write!(f, "the server returned status {} {}", self.code(), self.reason()),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<Status> for ApiError {
    fn from(status: Status) -> Self {
        ApiError::from_status(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::StatusDetails;

    fn parse(json: &str) -> ApiError {
        ApiError::from_status(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn real_server_statuses_answer_their_predicates() {
        let gone = parse(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 215 (853)","reason":"Expired","code":410}"#,
        );
        assert!(gone.is_gone() && gone.is_resource_expired() && !gone.is_not_found());
        assert_eq!(gone.to_string(), "too old resource version: 215 (853)");

        let nf = parse(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}"#,
        );
        assert!(nf.is_not_found() && !nf.is_conflict());

        let exists = parse(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"x","reason":"AlreadyExists","code":409}"#,
        );
        assert!(
            exists.is_already_exists() && !exists.is_conflict(),
            "reason wins over code"
        );

        let conflict = parse(r#"{"kind":"Status","status":"Failure","reason":"Conflict","code":409}"#);
        assert!(conflict.is_conflict());
        let invalid = parse(r#"{"kind":"Status","status":"Failure","reason":"Invalid","code":422}"#);
        assert!(invalid.is_invalid());
        assert!(parse(r#"{"code":403,"reason":"Forbidden"}"#).is_forbidden());
        assert!(parse(r#"{"code":401,"reason":"Unauthorized"}"#).is_unauthorized());
    }

    #[test]
    fn retry_after_prefers_the_header() {
        let e = ApiError::from_status(Status::failure(429, "TooManyRequests", "slow down").with_details(
            StatusDetails {
                retry_after_seconds: Some(1),
                ..StatusDetails::default()
            },
        ));
        assert!(e.is_too_many_requests());
        assert_eq!(e.retry_after_seconds(), Some(1));
        assert_eq!(e.with_retry_after(Some(5)).retry_after_seconds(), Some(5));
    }

    #[test]
    fn non_status_bodies_keep_code_and_first_bytes() {
        let e = ApiError::from_response(503, b"upstream connect error");
        assert_eq!(e.code(), 503);
        assert_eq!(e.reason(), "ServiceUnavailable");
        assert!(e.to_string().contains("upstream connect error"));
        let big = vec![b'x'; 10_000];
        assert!(ApiError::from_response(500, &big).message().len() < 600);
        assert!(ApiError::from_response(404, b"").is_not_found());
    }
}
