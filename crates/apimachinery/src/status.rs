//! The `Status` object the API server returns for errors and some successes.
//!
//! Mirrors apimachinery `metav1.Status`, `metav1.StatusDetails` and `metav1.StatusCause`.

use serde::{Deserialize, Serialize};

use crate::list::ListMeta;
use crate::serde_util::null_as_default;

/// The API server's answer for failures (and some deletions): code, reason and a human message.
///
/// Mirrors apimachinery `metav1.Status` (`apimachinery/pkg/apis/meta/v1/types.go`).
#[doc(alias = "metav1.Status")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Always `Status`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// Always `v1`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: String,
    /// Unused list metadata; the server writes `{}`.
    #[serde(default)]
    pub metadata: ListMeta,
    /// `Success` or `Failure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Machine-readable reason, e.g. `NotFound` (see [`StatusReason`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Extra data about the reason: the object named, validation causes, retry delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code this Status stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
}

/// Extra data attached to a [`Status`].
///
/// Mirrors apimachinery `metav1.StatusDetails`.
#[doc(alias = "metav1.StatusDetails")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// Name of the object concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// API group of the object concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind (or, for not-found errors, resource) of the object concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// UID of the object concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Individual causes, e.g. one per invalid field.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

/// One cause of a failure, typically one invalid field.
///
/// Mirrors apimachinery `metav1.StatusCause`.
#[doc(alias = "metav1.StatusCause")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCause {
    /// Machine-readable cause, e.g. `FieldValueNotSupported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The field concerned, e.g. `spec.type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The well-known values of [`Status::reason`].
///
/// Mirrors apimachinery `metav1.StatusReason` constants.
#[doc(alias = "metav1.StatusReason")]
pub struct StatusReason;

#[allow(missing_docs)]
impl StatusReason {
    pub const UNAUTHORIZED: &'static str = "Unauthorized";
    pub const FORBIDDEN: &'static str = "Forbidden";
    pub const NOT_FOUND: &'static str = "NotFound";
    pub const ALREADY_EXISTS: &'static str = "AlreadyExists";
    pub const CONFLICT: &'static str = "Conflict";
    pub const GONE: &'static str = "Gone";
    pub const INVALID: &'static str = "Invalid";
    pub const SERVER_TIMEOUT: &'static str = "ServerTimeout";
    pub const TIMEOUT: &'static str = "Timeout";
    pub const TOO_MANY_REQUESTS: &'static str = "TooManyRequests";
    pub const BAD_REQUEST: &'static str = "BadRequest";
    pub const METHOD_NOT_ALLOWED: &'static str = "MethodNotAllowed";
    pub const NOT_ACCEPTABLE: &'static str = "NotAcceptable";
    pub const REQUEST_ENTITY_TOO_LARGE: &'static str = "RequestEntityTooLarge";
    pub const UNSUPPORTED_MEDIA_TYPE: &'static str = "UnsupportedMediaType";
    pub const INTERNAL_ERROR: &'static str = "InternalError";
    pub const EXPIRED: &'static str = "Expired";
    pub const SERVICE_UNAVAILABLE: &'static str = "ServiceUnavailable";
}

impl Status {
    /// A `Failure` Status with the given code, reason and message, as the API server builds them.
    pub fn failure(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Status {
            kind: "Status".to_owned(),
            api_version: "v1".to_owned(),
            metadata: ListMeta::default(),
            status: Some("Failure".to_owned()),
            message: Some(message.into()),
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
            details: None,
            code: Some(code),
        }
    }

    /// Sets [`Status::details`] and returns the Status.
    pub fn with_details(mut self, details: StatusDetails) -> Self {
        self.details = Some(details);
        self
    }
}
