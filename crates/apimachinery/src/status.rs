//! The `Status` object the API server returns for errors and some successes.
//!
//! Mirrors apimachinery `metav1.Status`, `metav1.StatusDetails` and `metav1.StatusCause`.

use crate::list::ListMeta;
use crate::unknown_fields::UnknownFields;
use crate::wire_struct;

/// The API server's answer for failures (and some deletions): code, reason and a human message.
///
/// Mirrors apimachinery `metav1.Status` (`apimachinery/pkg/apis/meta/v1/types.go`); fields it does not
/// model are kept in [`Status::unknown_fields`].
#[doc(alias = "metav1.Status")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Always `Status`.
    pub kind: String,
    /// Always `v1`.
    pub api_version: String,
    /// Unused list metadata; the server writes `{}`.
    pub metadata: ListMeta,
    /// `Success` or `Failure`.
    pub status: Option<String>,
    /// Human-readable description.
    pub message: Option<String>,
    /// Machine-readable reason, e.g. `NotFound` (see [`StatusReason`]).
    pub reason: Option<String>,
    /// Extra data about the reason: the object named, validation causes, retry delay.
    pub details: Option<StatusDetails>,
    /// The HTTP status code this Status stands for.
    pub code: Option<u16>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(Status, "a Status" {
    "kind" => kind: omit,
    "apiVersion" => api_version: omit,
    "metadata" => metadata: req,
    "status" => status: opt,
    "message" => message: opt,
    "reason" => reason: opt,
    "details" => details: opt,
    "code" => code: opt,
});

/// Extra data attached to a [`Status`].
///
/// Mirrors apimachinery `metav1.StatusDetails`.
#[doc(alias = "metav1.StatusDetails")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusDetails {
    /// Name of the object concerned.
    pub name: Option<String>,
    /// API group of the object concerned.
    pub group: Option<String>,
    /// Kind (or, for not-found errors, resource) of the object concerned.
    pub kind: Option<String>,
    /// UID of the object concerned.
    pub uid: Option<String>,
    /// Individual causes, e.g. one per invalid field.
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying.
    pub retry_after_seconds: Option<u32>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(StatusDetails, "status details" {
    "name" => name: opt,
    "group" => group: opt,
    "kind" => kind: opt,
    "uid" => uid: opt,
    "causes" => causes: list,
    "retryAfterSeconds" => retry_after_seconds: opt,
});

/// One cause of a failure, typically one invalid field.
///
/// Mirrors apimachinery `metav1.StatusCause`.
#[doc(alias = "metav1.StatusCause")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCause {
    /// Machine-readable cause, e.g. `FieldValueNotSupported`.
    pub reason: Option<String>,
    /// Human-readable description.
    pub message: Option<String>,
    /// The field concerned, e.g. `spec.type`.
    pub field: Option<String>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(StatusCause, "a status cause" {
    "reason" => reason: opt,
    "message" => message: opt,
    "field" => field: opt,
});

/// The well-known values of [`Status::reason`].
///
/// Mirrors apimachinery `metav1.StatusReason` constants. The reason says why the request failed in a
/// form code can act on; the HTTP code alone is ambiguous (409 is both
/// [`ALREADY_EXISTS`](StatusReason::ALREADY_EXISTS) and [`CONFLICT`](StatusReason::CONFLICT), 410 both
/// [`GONE`](StatusReason::GONE) and [`EXPIRED`](StatusReason::EXPIRED)). The codes given below are the
/// ones the API server pairs with each reason. An empty or unknown reason means the server said
/// nothing more than the code; most of [`ApiError`](crate::ApiError)'s predicates then go by the
/// code alone.
#[doc(alias = "metav1.StatusReason")]
pub struct StatusReason;

impl StatusReason {
    /// The server needs the client to authenticate, and the request carried no credentials or ones
    /// it did not accept (an expired token, a wrong certificate). HTTP 401.
    pub const UNAUTHORIZED: &'static str = "Unauthorized";
    /// The client is authenticated but not permitted to do this to this resource; asking again with
    /// the same identity will not help. [`StatusDetails`] may name the object. HTTP 403.
    pub const FORBIDDEN: &'static str = "Forbidden";
    /// A resource the request needs does not exist (the object, or its namespace). [`StatusDetails`]
    /// carries the name and, confusingly, the resource (not the kind) in `kind`. HTTP 404.
    pub const NOT_FOUND: &'static str = "NotFound";
    /// A create named an object that already exists. [`StatusDetails`] names it. HTTP 409.
    pub const ALREADY_EXISTS: &'static str = "AlreadyExists";
    /// The request clashes with the current state and may succeed once it is changed: most often an
    /// update or patch carrying a `resourceVersion` that is no longer current (optimistic
    /// concurrency), so read the object again and retry. HTTP 409.
    pub const CONFLICT: &'static str = "Conflict";
    /// What was asked for existed once but the server no longer has it and knows of no other place
    /// to find it. Older servers used it for a watch from a compacted `resourceVersion`; current
    /// ones say [`EXPIRED`](StatusReason::EXPIRED). HTTP 410.
    pub const GONE: &'static str = "Gone";
    /// A create or update carried data that fails validation. The call could succeed with different
    /// data; [`StatusDetails::causes`] lists each offending field. HTTP 422.
    pub const INVALID: &'static str = "Invalid";
    /// The server understood the request but could not finish it in reasonable time, typically
    /// because something it depends on is briefly overloaded. Retrying is expected to work;
    /// [`StatusDetails::retry_after_seconds`] may say when. HTTP 500.
    pub const SERVER_TIMEOUT: &'static str = "ServerTimeout";
    /// The request did not complete within its time limit: the `timeout` the client asked for, or
    /// the server's own limit. It might succeed with a longer timeout; whether the operation took
    /// effect is unknown. HTTP 504.
    pub const TIMEOUT: &'static str = "Timeout";
    /// The client sent too many requests in a window (client throttling or API priority and
    /// fairness) and must wait before trying again; [`StatusDetails::retry_after_seconds`] and the
    /// `Retry-After` header say how long. HTTP 429.
    pub const TOO_MANY_REQUESTS: &'static str = "TooManyRequests";
    /// The request makes no sense as such (malformed body, impossible parameters), unlike
    /// [`INVALID`](StatusReason::INVALID), where the request is sound but its data is not. Retrying
    /// unchanged will not help. HTTP 400.
    pub const BAD_REQUEST: &'static str = "BadRequest";
    /// The resource does not support this verb, e.g. a write to a read-only resource. HTTP 405.
    pub const METHOD_NOT_ALLOWED: &'static str = "MethodNotAllowed";
    /// None of the media types the client listed in `Accept` can be served. HTTP 406.
    pub const NOT_ACCEPTABLE: &'static str = "NotAcceptable";
    /// The request body is larger than the server accepts (about 3 MiB by default, objects in etcd
    /// about 1.5 MiB). HTTP 413.
    pub const REQUEST_ENTITY_TOO_LARGE: &'static str = "RequestEntityTooLarge";
    /// The server cannot read the body's `Content-Type`, e.g. a patch type the resource does not
    /// support. HTTP 415.
    pub const UNSUPPORTED_MEDIA_TYPE: &'static str = "UnsupportedMediaType";
    /// Something unexpected went wrong inside the server; whether the operation took effect is
    /// unknown. [`StatusDetails::causes`] may say more. HTTP 500.
    pub const INTERNAL_ERROR: &'static str = "InternalError";
    /// The content asked for is no longer available, typically a list or watch from a
    /// `resourceVersion` older than the server keeps ("too old resource version"). Start again with
    /// a fresh list, as the reflector does. HTTP 410.
    pub const EXPIRED: &'static str = "Expired";
    /// The request was valid but the service needed is not available right now (the server is
    /// starting, shutting down, or an aggregated API is down); retrying later may succeed.
    /// HTTP 503.
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
            unknown_fields: UnknownFields::new(),
        }
    }

    /// Sets [`Status::details`] and returns the Status.
    pub fn with_details(mut self, details: StatusDetails) -> Self {
        self.details = Some(details);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawJson;

    #[test]
    fn unknown_fields_at_every_level_of_a_status_come_back() {
        let text = r#"{"kind":"Status","apiVersion":"v1","metadata":{"x-m":0},"status":"Failure","message":"m","reason":"Invalid","details":{"name":"n","causes":[{"reason":"FieldValueInvalid","field":"spec.x","x-c":[1]}],"x-d":{}},"code":422,"x-s":true}"#;
        let status: Status = serde_json::from_str(text).expect("decodes");
        assert_eq!(status.code, Some(422));
        let details = status.details.as_ref().expect("details");
        assert_eq!(
            details.causes[0].unknown_fields.get("x-c").map(RawJson::as_str),
            Some("[1]")
        );
        assert_eq!(details.unknown_fields.len(), 1);
        assert_eq!(status.metadata.unknown_fields.len(), 1);
        assert_eq!(
            status.unknown_fields.get("x-s").map(RawJson::as_str),
            Some("true")
        );
        assert_eq!(serde_json::to_string(&status).expect("encodes"), text);
    }

    #[test]
    fn a_built_status_encodes_as_the_server_writes_it() {
        let status = Status::failure(404, StatusReason::NOT_FOUND, "pods \"x\" not found");
        assert_eq!(
            serde_json::to_string(&status).expect("encodes"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","code":404}"#
        );
    }
}
