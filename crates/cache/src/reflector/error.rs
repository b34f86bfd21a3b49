//! Why a reflector's list, watch or resync failed: the server's or the transport's error, or a
//! condition the reflector noticed itself.

use std::time::Duration;

use clientgo_apimachinery::ApiError;
use clientgo_rest::Error as RestError;

use crate::error::Error as StoreError;

/// A reflector failure, as [`SyncStatus::last_error`](crate::SyncStatus::last_error) and the watch
/// error handler see it. Mirrors the `error` values client-go's `ListAndWatch` returns.
///
/// Only [`ReflectorError::Request`] carries what the server (or the network) said; every other
/// variant is a condition the client noticed, never dressed up as a server Status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReflectorError {
    /// A list or watch request failed, or the server ended a watch with an ERROR event.
    #[error(transparent)]
    Request(#[from] RestError),
    /// A list did not answer within the reflector's list timeout (our guard; client-go relies on
    /// the transport's timeouts).
    #[error("the list did not finish within {after:?}")]
    ListTimeout {
        /// The list timeout.
        after: Duration,
    },
    /// The server closed a watch at once with nothing in it. Mirrors client-go's `very short
    /// watch` error, which makes the reflector back off before it lists and watches again.
    #[error("very short watch: {name}: Unexpected watch close - watch lasted less than a second and no items received")]
    VeryShortWatch {
        /// The reflector's name.
        name: String,
    },
    /// A list came back as a `Table` (server-side printing), not as the list of objects the
    /// reflector asked for: the list-watch is sending the wrong `Accept` header.
    #[error("the list was answered as a {kind} ({api_version}), not as a list of objects; a reflector cannot store table rows")]
    Table {
        /// The `kind` of the answer (`Table`).
        kind: String,
        /// Its `apiVersion` (`meta.k8s.io/v1`).
        api_version: String,
    },
    /// The store could not resync. Mirrors the resync goroutine's error, which ends
    /// `ListAndWatch`.
    #[error("resync failed")]
    Resync(#[source] StoreError),
}

impl ReflectorError {
    /// The request's error, when the failure came from the server or the transport.
    pub fn request_error(&self) -> Option<&RestError> {
        match self {
            ReflectorError::Request(e) => Some(e),
            _ => None,
        }
    }

    /// The server's Status, when it answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        self.request_error().and_then(RestError::api_error)
    }

    /// 403 / Forbidden: the reflector is not allowed to list or watch.
    pub fn is_forbidden(&self) -> bool {
        self.request_error().is_some_and(RestError::is_forbidden)
    }

    /// 429 / TooManyRequests.
    pub fn is_too_many_requests(&self) -> bool {
        self.request_error().is_some_and(RestError::is_too_many_requests)
    }

    /// 500 / InternalError. Mirrors `errors.IsInternalError`.
    pub fn is_internal_error(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_internal_error)
    }

    /// The resourceVersion asked for is gone from the server's history (410 Gone / Expired).
    /// Mirrors the reflector's `isExpiredError`.
    pub fn is_expired(&self) -> bool {
        self.request_error()
            .is_some_and(|e| e.is_gone() || e.api_error().is_some_and(ApiError::is_resource_expired))
    }

    /// The resourceVersion asked for is newer than the server knows. Mirrors
    /// `isTooLargeResourceVersionError`: the `ResourceVersionTooLarge` cause current servers send,
    /// or the "Too large resource version" text of servers before 1.18.6.
    pub fn is_too_large_resource_version(&self) -> bool {
        let Some(api) = self.api_error() else {
            return false;
        };
        let status = api.status();
        let causes = status
            .details
            .as_ref()
            .map(|d| d.causes.as_slice())
            .unwrap_or_default();
        if causes
            .iter()
            .any(|c| c.reason.as_deref() == Some(CAUSE_RESOURCE_VERSION_TOO_LARGE))
        {
            return true;
        }
        if !api.is_timeout() {
            return false;
        }
        causes
            .iter()
            .any(|c| c.message.as_deref() == Some(TOO_LARGE_MESSAGE))
            || status
                .message
                .as_deref()
                .is_some_and(|m| m.contains(TOO_LARGE_MESSAGE))
    }

    /// Retrying the same watch later makes sense: the server refused the connection or asked to
    /// slow down (429). Mirrors `isWatchErrorRetriable`.
    pub(crate) fn is_watch_retriable(&self) -> bool {
        self.request_error()
            .is_some_and(|e| e.is_connection_refused() || e.is_too_many_requests())
    }
}

/// `metav1.CauseTypeResourceVersionTooLarge`.
const CAUSE_RESOURCE_VERSION_TOO_LARGE: &str = "ResourceVersionTooLarge";
/// The message older servers send for that condition.
const TOO_LARGE_MESSAGE: &str = "Too large resource version";
