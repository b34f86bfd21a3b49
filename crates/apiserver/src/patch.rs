//! The three patch formats of `PATCH` requests, as pure functions on JSON values.
//!
//! - [`json_patch`]: `application/json-patch+json` (RFC 6902), atomic.
//! - [`merge_patch`]: `application/merge-patch+json` (RFC 7386).
//! - [`strategic_merge_patch`]: `application/strategic-merge-patch+json`: merge-patch semantics plus
//!   merging of the well-known lists by their merge key, and the `$patch` directives.
//!
//! Mirrors the patch half of apiserver `pkg/endpoints/handlers/patch.go` (which calls evanphx/json-patch
//! and apimachinery `pkg/util/strategicpatch`). No I/O: the HTTP layer decodes the body into a
//! [`serde_json::Value`], calls one of these, and turns a [`PatchError`] into the real server's
//! Status with [`PatchError::to_status`].

mod json_patch;
mod merge_patch;
pub mod schema;
mod strategic_merge;
#[cfg(test)]
pub(crate) mod transcript;

use clientgo_apimachinery::{Status, StatusDetails, StatusReason};
use serde_json::Value;

pub use self::json_patch::{json_patch, MAX_JSON_PATCH_OPERATIONS};
pub use self::merge_patch::merge_patch;
pub use self::strategic_merge::strategic_merge_patch;

/// Why a patch could not be applied.
///
/// Messages name the operation and the JSON pointer, never the values (they may be Secret data).
/// [`PatchError::to_status`] gives the Status the real API server answers with.
///
/// Mirrors the errors of evanphx/json-patch and apimachinery `mergepatch` as the apiserver's patch
/// handler reports them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// A JSON patch document that is not an array.
    #[error("a json patch must be an array of operations, not {found}")]
    NotAnArray {
        /// The JSON type found (`object`, `string`, ...).
        found: &'static str,
    },
    /// A JSON patch element that is not an object.
    #[error("json patch operation {index} must be an object, not {found}")]
    OperationNotAnObject {
        /// Position of the operation in the patch.
        index: usize,
        /// The JSON type found.
        found: &'static str,
    },
    /// A JSON patch with more operations than the server accepts.
    #[error("json patch has {got} operations, at most {max} are allowed")]
    TooManyOperations {
        /// [`MAX_JSON_PATCH_OPERATIONS`].
        max: usize,
        /// Operations in the patch.
        got: usize,
    },
    /// A JSON patch operation that failed; the target is left unchanged.
    #[error("json patch operation {index} ({op}) failed")]
    Operation {
        /// Position of the operation in the patch.
        index: usize,
        /// The operation's `op`, as written.
        op: String,
        /// What went wrong.
        #[source]
        reason: OperationError,
    },
    /// A merge or strategic merge patch that is not a JSON object.
    #[error("a merge patch must be a JSON object, not {found}")]
    NotAnObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// A `$patch` directive other than `replace`, `delete` or `merge`, or one in a wrong place.
    #[error("invalid strategic merge patch directive {directive:?} at {path}")]
    InvalidDirective {
        /// The directive's value.
        directive: String,
        /// Where it was found, as a dotted path.
        path: String,
    },
    /// A `$deleteFromPrimitiveList` or `$setElementOrder` directive whose value is not a list.
    #[error("strategic merge patch directive at {path} must be a list")]
    DirectiveNotAList {
        /// Where it was found, as a dotted path.
        path: String,
    },
}

/// Why one JSON patch operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperationError {
    /// `op` is not one of add, remove, replace, move, copy, test.
    #[error("unknown operation")]
    UnknownOp,
    /// A required member (`op`, `path`, `from`, `value`) is missing or not a string.
    #[error("missing or invalid member {0:?}")]
    MissingMember(&'static str),
    /// A JSON pointer that does not start with `/` or has a bad `~` escape.
    #[error("invalid JSON pointer {0:?}")]
    InvalidPointer(String),
    /// The pointer names nothing in the document.
    #[error("path {0:?} does not exist")]
    PathNotFound(String),
    /// An array index that is not a number, has leading zeros, or is out of range.
    #[error("invalid array index in path {0:?}")]
    InvalidIndex(String),
    /// A `move` into one of its own children.
    #[error("cannot move {from:?} into its own child {path:?}")]
    MoveIntoChild {
        /// The `from` pointer.
        from: String,
        /// The `path` pointer.
        path: String,
    },
    /// `remove` of the whole document.
    #[error("cannot remove the whole document")]
    RemoveRoot,
    /// A `test` whose value differs from the document's.
    #[error("test failed: the value at {0:?} differs")]
    TestFailed(String),
}

impl PatchError {
    /// The HTTP status code the real API server answers with.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::TooManyOperations { .. } => 413,
            PatchError::Operation { .. } => 422,
            _ => 400,
        }
    }

    /// The Status the real API server answers with for this error.
    ///
    /// A failed JSON patch operation (including a failed `test`) is the server's generic 422, whose
    /// message does not say which operation failed (11-finalizers-deletion.txt); documents that do not
    /// decode are 400 BadRequest with Go's decoder message; too many operations is 413.
    pub fn to_status(&self) -> Status {
        match self {
            PatchError::Operation { .. } => Status::failure(
                422,
                StatusReason::INVALID,
                "the server rejected our request due to an error in our request",
            )
            .with_details(StatusDetails::default()),
            PatchError::TooManyOperations { max, got } => Status::failure(
                413,
                StatusReason::REQUEST_ENTITY_TOO_LARGE,
                format!("The allowed maximum operations in a JSON patch is {max}, got {got}"),
            ),
            PatchError::NotAnArray { found } => bad_request(format!(
                "json: cannot unmarshal {found} into Go value of type jsonpatch.Patch"
            )),
            PatchError::OperationNotAnObject { found, .. } => bad_request(format!(
                "json: cannot unmarshal {found} into Go value of type jsonpatch.Operation"
            )),
            PatchError::NotAnObject { found } => bad_request(format!(
                "json: cannot unmarshal {found} into Go value of type map[string]interface {{}}"
            )),
            other => bad_request(other.to_string()),
        }
    }
}

fn bad_request(message: String) -> Status {
    Status::failure(400, StatusReason::BAD_REQUEST, message)
}

/// The JSON type name Go's decoder uses in its messages.
pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON equality with numbers compared by value, so `1` equals `1.0` (Go decodes both to float64).
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_operation_is_the_generic_422_of_the_transcript() {
        let err = PatchError::Operation {
            index: 0,
            op: "test".into(),
            reason: OperationError::TestFailed("/metadata/resourceVersion".into()),
        };
        let body = serde_json::to_value(err.to_status()).unwrap();
        assert_eq!(
            body,
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "the server rejected our request due to an error in our request",
                "reason": "Invalid", "details": {}, "code": 422
            })
        );
    }

    #[test]
    fn undecodable_documents_are_400_with_go_messages() {
        let err = PatchError::NotAnArray { found: "object" };
        let st = err.to_status();
        assert_eq!(st.code, Some(400));
        assert_eq!(st.reason.as_deref(), Some("BadRequest"));
        assert_eq!(
            st.message.as_deref(),
            Some("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        );
        let st = PatchError::NotAnObject { found: "array" }.to_status();
        assert_eq!(
            st.message.as_deref(),
            Some("json: cannot unmarshal array into Go value of type map[string]interface {}")
        );
    }

    #[test]
    fn too_many_operations_is_413() {
        let st = PatchError::TooManyOperations {
            max: 10000,
            got: 10001,
        }
        .to_status();
        assert_eq!(st.code, Some(413));
        assert_eq!(
            st.message.as_deref(),
            Some("The allowed maximum operations in a JSON patch is 10000, got 10001")
        );
    }

    #[test]
    fn json_equal_compares_numbers_by_value() {
        assert!(json_equal(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": "1"})));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }
}
