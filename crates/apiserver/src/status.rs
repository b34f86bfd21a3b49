//! Status builders that mirror the real API server's error bodies word for word.
//!
//! Mirrors apimachinery `k8s.io/apimachinery/pkg/api/errors` (`NewNotFound`, `NewAlreadyExists`,
//! `NewConflict`, `NewInvalid`, `NewResourceExpired`, ...). The messages are checked against the
//! transcripts in `fixtures/real-apiserver`.

use clientgo_apimachinery::{Status, StatusCause, StatusDetails, StatusReason};

/// `resource.group` as the real server prints it in messages (`configmaps`, `leases.coordination.k8s.io`).
pub fn qualified(resource: &str, group: &str) -> String {
    if group.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}.{group}")
    }
}

fn details(name: &str, group: &str, kind: &str) -> StatusDetails {
    StatusDetails {
        name: (!name.is_empty()).then(|| name.to_owned()),
        group: (!group.is_empty()).then(|| group.to_owned()),
        kind: (!kind.is_empty()).then(|| kind.to_owned()),
        ..StatusDetails::default()
    }
}

/// 404 `configmaps "x" not found`.
pub fn not_found(resource: &str, group: &str, name: &str) -> Status {
    Status::failure(
        404,
        StatusReason::NOT_FOUND,
        format!("{} \"{name}\" not found", qualified(resource, group)),
    )
    .with_details(details(name, group, resource))
}

/// 404 for a path the server does not serve at all.
pub fn path_not_found() -> Status {
    Status::failure(
        404,
        StatusReason::NOT_FOUND,
        "the server could not find the requested resource",
    )
    .with_details(StatusDetails::default())
}

/// 409 `configmaps "x" already exists`.
pub fn already_exists(resource: &str, group: &str, name: &str) -> Status {
    Status::failure(
        409,
        StatusReason::ALREADY_EXISTS,
        format!("{} \"{name}\" already exists", qualified(resource, group)),
    )
    .with_details(details(name, group, resource))
}

/// 409 on a stale resourceVersion.
pub fn conflict(resource: &str, group: &str, name: &str) -> Status {
    Status::failure(
        409,
        StatusReason::CONFLICT,
        format!(
            "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            qualified(resource, group)
        ),
    )
    .with_details(details(name, group, resource))
}

/// 409 on a delete precondition mismatch.
pub fn precondition_conflict(kind: &str, name: &str, wanted: &str, actual: u64) -> Status {
    Status::failure(
        409,
        StatusReason::CONFLICT,
        format!(
            "Operation cannot be fulfilled on {kind} \"{name}\": the ResourceVersion in the precondition ({wanted}) does not match the ResourceVersion in record ({actual}). The object might have been modified"
        ),
    )
    .with_details(details(name, "", kind))
}

/// 422 `Kind "name" is invalid: field: message` with one cause per entry.
pub fn invalid(kind: &str, group: &str, name: &str, causes: Vec<StatusCause>) -> Status {
    let parts: Vec<String> = causes
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c.field.as_deref().unwrap_or(""),
                c.message.as_deref().unwrap_or("")
            )
        })
        .collect();
    let summary = if parts.len() == 1 {
        parts.concat()
    } else {
        format!("[{}]", parts.join(", "))
    };
    Status::failure(
        422,
        StatusReason::INVALID,
        format!("{kind} \"{name}\" is invalid: {summary}"),
    )
    .with_details(StatusDetails {
        causes,
        ..details(name, group, kind)
    })
}

/// One validation cause.
pub fn cause(reason: &str, field: &str, message: impl Into<String>) -> StatusCause {
    StatusCause {
        reason: Some(reason.to_owned()),
        message: Some(message.into()),
        field: Some(field.to_owned()),
        ..StatusCause::default()
    }
}

/// 400 BadRequest with a message.
pub fn bad_request(message: impl Into<String>) -> Status {
    Status::failure(400, StatusReason::BAD_REQUEST, message)
}

/// 410 on a watch from a compacted resourceVersion (sent as an ERROR event).
pub fn too_old_resource_version(requested: u64, oldest: u64) -> Status {
    Status::failure(
        410,
        StatusReason::EXPIRED,
        format!("too old resource version: {requested} ({oldest})"),
    )
}

/// 410 on a list with resourceVersionMatch=Exact on a compacted version.
pub fn list_too_old() -> Status {
    Status::failure(
        410,
        StatusReason::EXPIRED,
        "The resourceVersion for the provided list is too old.",
    )
}

/// The message of a 410 for an expired continue token.
pub const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// 410 for an expired continue token, carrying the fallback token in `metadata.continue`.
pub fn continue_expired(fallback: String) -> Status {
    let mut s = Status::failure(410, StatusReason::EXPIRED, CONTINUE_EXPIRED);
    s.metadata.continue_ = Some(fallback);
    s
}

/// 401 Unauthorized.
pub fn unauthorized() -> Status {
    Status::failure(401, StatusReason::UNAUTHORIZED, "Unauthorized")
}

/// 405 for a verb the resource does not support.
pub fn method_not_allowed(method: &str) -> Status {
    Status::failure(
        405,
        StatusReason::METHOD_NOT_ALLOWED,
        format!("the server does not allow this method on the requested resource ({method})"),
    )
    .with_details(StatusDetails::default())
}

/// 413 for a body over the request size limit.
pub fn too_large(limit: usize) -> Status {
    Status::failure(
        413,
        StatusReason::REQUEST_ENTITY_TOO_LARGE,
        format!("Request entity too large: limit is {limit}"),
    )
}

/// 415 for a patch or body content type the server does not accept.
pub fn unsupported_media_type(ct: &str) -> Status {
    Status::failure(
        415,
        StatusReason::UNSUPPORTED_MEDIA_TYPE,
        format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {ct:?})"),
    )
}

/// 429 with Retry-After, as the server's priority and fairness or a fault answers.
pub fn too_many_requests(message: &str, retry_after: u32) -> Status {
    Status::failure(429, StatusReason::TOO_MANY_REQUESTS, message).with_details(StatusDetails {
        retry_after_seconds: Some(retry_after),
        ..StatusDetails::default()
    })
}

/// 500 InternalError.
pub fn internal(message: &str) -> Status {
    Status::failure(
        500,
        StatusReason::INTERNAL_ERROR,
        format!("Internal error occurred: {message}"),
    )
    .with_details(StatusDetails {
        causes: vec![StatusCause {
            message: Some(message.to_owned()),
            ..StatusCause::default()
        }],
        ..StatusDetails::default()
    })
}
