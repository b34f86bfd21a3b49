//! kubectl's words for errors.
//!
//! Mirrors kubectl's `cmdutil.CheckErr` and `StandardErrorMessage` (`k8s.io/kubectl/pkg/cmd/util/
//! helpers.go`): a server's Status is printed as `Error from server (Reason): message` (an Invalid
//! one as `The Kind "name" is invalid: ...`), a request that never reached the server as `The
//! connection to the server HOST was refused - did you specify the right host or port?` or `Unable
//! to connect to the server: CAUSE`, and anything else as `error: ` and the error. Where kubectl
//! prints Go's `err.Error()` (the whole wrapped chain), we print the error with its causes in words
//! ([`ErrorReport`]), since each level of our errors describes only itself.

use std::error::Error as StdError;

use clientgo_rest::{Error, ErrorReport};

/// `error: ` and `e` with every cause: kubectl's line for an error it has no words of its own for.
pub(crate) fn error_line(e: &(dyn StdError + 'static)) -> String {
    format!("error: {}", ErrorReport::new(e))
}

/// kubectl's message for a request that got no HTTP answer, or `None` when the server answered
/// (or the request was never sent).
///
/// A refused connection names the server's `host:port` as the URL gives it; any other transport
/// failure (DNS, TLS, a reset) gives its cause in words after `Unable to connect to the server: `.
pub(crate) fn unreachable_message(e: &Error) -> Option<String> {
    let Error::Transport { url, source, .. } = e else {
        return None;
    };
    if e.is_connection_refused() {
        let host = url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.authority().map(ToString::to_string))
            .unwrap_or_else(|| url.clone());
        return Some(format!(
            "The connection to the server {host} was refused - did you specify the right host or port?"
        ));
    }
    Some(format!(
        "Unable to connect to the server: {}",
        ErrorReport::new(source)
    ))
}

/// Why one document failed: on its own (the command goes on with the next document), or because
/// the server cannot be reached (the command stops and says so once, as kubectl does).
#[derive(Debug)]
pub(crate) enum DocumentError {
    /// This document's error, printed with the others after the successes.
    Document(String),
    /// The server is unreachable: [`unreachable_message`].
    Unreachable(String),
}

impl From<String> for DocumentError {
    fn from(message: String) -> Self {
        DocumentError::Document(message)
    }
}

/// kubectl's message for `e`, met while `verb`ing (`applying`, `deleting`) a document of `source`:
/// an Invalid Status as `The ` and its message (`The Service "demo" is invalid: ...`), other
/// Statuses as `Error from server (Reason): error when VERB "FILE": message`, an unreachable server
/// as [`unreachable_message`], anything else as `error: error when VERB "FILE": ` and the error
/// with its causes.
pub(crate) fn document_error(e: &Error, verb: &str, source: &str) -> DocumentError {
    if let Some(message) = unreachable_message(e) {
        return DocumentError::Unreachable(message);
    }
    DocumentError::Document(match e.api_error() {
        Some(a) if a.is_invalid() => format!("The {}", a.message()),
        Some(a) => format!(
            "Error from server ({}): error when {verb} \"{source}\": {}",
            reason(a),
            a.message()
        ),
        None => format!("error: error when {verb} \"{source}\": {}", ErrorReport::new(e)),
    })
}

/// kubectl's message for `e` outside a document (discovery, `get`): `Error from server (Reason):
/// message`, [`unreachable_message`], or [`error_line`].
pub(crate) fn request_error(e: &Error) -> String {
    match e.api_error() {
        Some(a) => format!("Error from server ({}): {}", reason(a), a.message()),
        None => unreachable_message(e).unwrap_or_else(|| error_line(e)),
    }
}

/// A Status's reason, `InternalError` when the server gave none (kubectl then prints `Error from
/// server:`; a reason keeps our lines uniform).
fn reason(a: &clientgo_apimachinery::ApiError) -> &str {
    match a.reason() {
        "" => "InternalError",
        r => r,
    }
}
