//! What the rest layer logs about each request, at klog's V levels.
//!
//! Mirrors client-go's debugging round tripper (`transport/round_trippers.go`) and the body logging
//! of `rest/request.go`: the request line with status and latency at V(6); request and response
//! headers at V(7), with the `Authorization` value masked; bodies at V(8) (the first
//! [`MAX_LOGGED_BODY`] bytes) and whole at V(9); and at V(9) the request as a `curl` command line and
//! the `HTTP Statistics` of the exchange. Events carry a `v` field (klog's level) and use DEBUG for
//! V(6) and TRACE above, so a plain `tracing` subscriber filters them by level as well.
//!
//! Secrets never reach a log line: an `Authorization` value shows only its scheme (`Bearer
//! <masked>`), and headers marked sensitive are masked whole.

use std::fmt::Write as _;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method};

/// At most this much of a body is written to the V(8) `body` event.
pub(crate) const MAX_LOGGED_BODY: usize = 1024;

/// A header value as it may be logged: an `Authorization` value as its scheme and `<masked>`, a
/// sensitive value as `<masked>`, a value that is not text as `<binary>`.
pub(crate) fn shown_value<'a>(name: &http::HeaderName, value: &'a HeaderValue) -> std::borrow::Cow<'a, str> {
    if name == http::header::AUTHORIZATION {
        let scheme = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' ').map(|(scheme, _)| scheme))
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()));
        return match scheme {
            Some(scheme) => format!("{scheme} <masked>").into(),
            None => "<masked>".into(),
        };
    }
    if value.is_sensitive() {
        return "<masked>".into();
    }
    value.to_str().unwrap_or("<binary>").into()
}

/// The request as a `curl` command line, as client-go prints it at V(9) (`curl -v -XGET  -H
/// "Accept: ..." 'https://...'`), with the credentials masked.
pub(crate) fn curl_command(method: &Method, url: &http::Uri, headers: &HeaderMap) -> String {
    let mut line = format!("curl -v -X{method} ");
    for (name, value) in headers {
        let shown = shown_value(name, value).replace('"', "\\\"");
        let _ = write!(line, " -H \"{}: {shown}\"", canonical(name.as_str()));
    }
    let _ = write!(line, " '{url}'");
    line
}

/// A header name as Go's `http.CanonicalHeaderKey` writes it (`content-type` -> `Content-Type`).
fn canonical(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

/// Logs a request about to be sent: its headers at V(7) and the `curl` line at V(9).
pub(crate) fn log_request(method: &Method, url: &http::Uri, headers: &HeaderMap) {
    if tracing::enabled!(tracing::Level::TRACE) {
        tracing::trace!(v = 9, "{}", curl_command(method, url, headers));
        log_headers("request", headers);
    }
}

/// Logs the answer's arrival: the request line at V(6), the statistics at V(9), the headers at V(7).
pub(crate) fn log_response(
    method: &Method,
    url: &str,
    status: http::StatusCode,
    elapsed: Duration,
    attempt: u32,
    headers: &HeaderMap,
) {
    let milliseconds = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    tracing::debug!(
        status = status.as_u16(),
        milliseconds,
        attempt,
        "{} {} {}",
        method,
        url,
        status
    );
    if tracing::enabled!(tracing::Level::TRACE) {
        // The time until the response headers, over a pooled connection (client-go adds the DNS,
        // dial and TLS phases of a new connection, which the pool does not report here).
        tracing::trace!(v = 9, "HTTP Statistics: Duration {milliseconds} ms");
        log_headers("response", headers);
    }
}

fn log_headers(direction: &'static str, headers: &HeaderMap) {
    for (name, value) in headers {
        // A string field, so klog's layer quotes it as klog quotes strings.
        let shown = shown_value(name, value);
        tracing::trace!(direction, header = %name, value = shown.as_ref(), "header");
    }
}

/// Logs a body at TRACE as client-go does at V(8) and V(9): a `body` field with at most the first
/// [`MAX_LOGGED_BODY`] bytes, and, when the body is longer, a second event whose `full_body` field
/// holds all of it (klog's layer shows that one at V(9) only).
pub(crate) fn log_body(direction: &'static str, body: &[u8]) {
    if tracing::enabled!(tracing::Level::TRACE) && !body.is_empty() {
        let shown = &body[..body.len().min(MAX_LOGGED_BODY)];
        tracing::trace!(direction, bytes = body.len(), body = %String::from_utf8_lossy(shown), "body");
        if body.len() > MAX_LOGGED_BODY {
            tracing::trace!(direction, bytes = body.len(), full_body = %String::from_utf8_lossy(body), "full body");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn curl_command_has_client_gos_shape_and_masks_the_token() {
        let h = headers(&[
            ("accept", "application/json, */*"),
            ("user-agent", "main/v0.0.0 (linux/amd64) kubernetes/$Format"),
            ("authorization", "Bearer s3cr3t"),
        ]);
        let url = http::Uri::from_static("https://api.k8s.local:6443/version");
        let line = curl_command(&Method::GET, &url, &h);
        assert_eq!(
            line,
            "curl -v -XGET  -H \"Accept: application/json, */*\" -H \"User-Agent: main/v0.0.0 (linux/amd64) \
             kubernetes/$Format\" -H \"Authorization: Bearer <masked>\" 'https://api.k8s.local:6443/version'"
        );
        assert!(!line.contains("s3cr3t"));
    }

    #[test]
    fn authorization_keeps_only_its_scheme_and_sensitive_values_are_masked() {
        let name = http::header::AUTHORIZATION;
        assert_eq!(
            shown_value(&name, &HeaderValue::from_static("Basic YWRtaW46cHc=")),
            "Basic <masked>"
        );
        assert_eq!(
            shown_value(&name, &HeaderValue::from_static("s3cr3t")),
            "<masked>"
        );
        assert_eq!(
            shown_value(&name, &HeaderValue::from_static("we!rd s3cr3t")),
            "<masked>"
        );
        let mut secret = HeaderValue::from_static("token");
        secret.set_sensitive(true);
        assert_eq!(shown_value(&http::header::COOKIE, &secret), "<masked>");
        assert_eq!(
            shown_value(
                &http::header::ACCEPT,
                &HeaderValue::from_static("application/json")
            ),
            "application/json"
        );
    }

    #[test]
    fn header_names_are_canonical_as_go_writes_them() {
        assert_eq!(
            canonical("x-kubernetes-pf-flowschema-uid"),
            "X-Kubernetes-Pf-Flowschema-Uid"
        );
        assert_eq!(canonical("accept"), "Accept");
    }
}
