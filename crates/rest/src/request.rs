//! The request builder, and the sans-IO step that turns it into an `http::Request`.
//!
//! Mirrors client-go `rest/request.go` (`Request`, `Request.URL`): one builder for every verb and
//! resource, from which typed clients are thin wrappers. [`Request::to_http`] does no I/O, so URL and
//! header composition is tested with plain unit tests; execution (`do_raw`, `do_`, `stream`, `watch`)
//! lives in `execute.rs`.

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, Method};
use serde::Serialize;

use crate::client::RestClient;
use crate::config::Config;
use crate::error::{ConfigError, RequestError};
use crate::go_duration;

/// How many times a retryable answer (429, or 5xx with `Retry-After`) is retried. client-go's default.
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// `Accept` sent with every request, as client-go's JSON serializer does.
pub const ACCEPT_JSON: &str = "application/json, */*";

/// Scheme, authority and path prefix of the server, from [`Config::host`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    path: String,
}

impl BaseUrl {
    /// Parses `config.host`. A host without scheme gets `https` when TLS settings are present and
    /// `http` otherwise, like client-go's `DefaultServerURL`.
    ///
    /// # Errors
    /// [`ConfigError::Host`] when the host is empty, has another scheme, or does not parse.
    pub fn parse(config: &Config) -> Result<Self, ConfigError> {
        let host = config.host.trim();
        let bad = |why| ConfigError::Host {
            host: config.host.clone(),
            why,
        };
        if host.is_empty() {
            return Err(bad("host must be a URL or a host:port pair"));
        }
        let with_scheme = if host.contains("://") {
            host.to_owned()
        } else {
            let t = &config.tls;
            let tls = t.insecure
                || t.ca_file.is_some()
                || t.ca_data.is_some()
                || t.cert_file.is_some()
                || t.cert_data.is_some();
            format!("{}://{host}", if tls { "https" } else { "http" })
        };
        let uri: http::Uri = with_scheme.parse().map_err(|_| bad("not a valid URL"))?;
        let scheme = uri.scheme().cloned().ok_or_else(|| bad("missing scheme"))?;
        if scheme != http::uri::Scheme::HTTP && scheme != http::uri::Scheme::HTTPS {
            return Err(bad("scheme must be http or https"));
        }
        let authority = uri.authority().cloned().ok_or_else(|| bad("missing host"))?;
        if uri.query().is_some() {
            return Err(bad("must not have a query"));
        }
        Ok(BaseUrl {
            scheme,
            authority,
            path: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// True for `https`.
    pub fn is_https(&self) -> bool {
        self.scheme == http::uri::Scheme::HTTPS
    }

    /// `scheme://authority/path` without trailing slash.
    pub fn as_string(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.path)
    }
}

/// One API request being built: verb, path parts, query parameters, headers and body.
///
/// Mirrors client-go `rest.Request`. Created by [`RestClient::verb`] (or `get()`, `post()`, ...), then
/// refined with chained calls and executed with `do_raw`, `do_`, `stream` or `watch`. Errors in the
/// chain (an invalid name, an unencodable body) are kept and returned by the executing call, as in Go.
#[derive(Debug)]
#[must_use = "a request does nothing until executed with do_raw, do_, stream or watch"]
pub struct Request {
    pub(crate) client: RestClient,
    pub(crate) verb: Method,
    path_prefix: String,
    namespace: Option<String>,
    resource: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
    params: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_retries: u32,
    err: Option<RequestError>,
}

impl Request {
    pub(crate) fn new(client: RestClient, verb: Method) -> Self {
        let path_prefix = client.versioned_path().to_owned();
        let timeout = client.default_timeout();
        Request {
            client,
            verb,
            path_prefix,
            namespace: None,
            resource: None,
            name: None,
            subresource: None,
            params: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout,
            deadline: None,
            max_retries: DEFAULT_MAX_RETRIES,
            err: None,
        }
    }

    fn fail(mut self, e: RequestError) -> Self {
        if self.err.is_none() {
            self.err = Some(e);
        }
        self
    }

    fn set_segment(
        mut self,
        what: &'static str,
        value: &str,
        slot: fn(&mut Self) -> &mut Option<String>,
    ) -> Self {
        match check_segment(what, value) {
            None => {
                *slot(&mut self) = Some(value.to_owned());
                self
            }
            Some(e) => self.fail(e),
        }
    }

    /// Replaces the versioned API path (`/api/v1`) with an absolute path such as `/version`.
    /// Mirrors `Request.AbsPath`.
    pub fn abs_path(mut self, path: &str) -> Self {
        self.path_prefix = format!("/{}", path.trim_matches('/'));
        if self.path_prefix == "/" {
            self.path_prefix.clear();
        }
        self
    }

    /// The namespace; empty means none (cluster-scoped or all namespaces). Mirrors `Request.Namespace`.
    pub fn namespace(self, namespace: &str) -> Self {
        if namespace.is_empty() {
            return self;
        }
        self.set_segment("namespace", namespace, |r| &mut r.namespace)
    }

    /// The resource (plural), e.g. `pods`. Mirrors `Request.Resource`.
    pub fn resource(self, resource: &str) -> Self {
        self.set_segment("resource", resource, |r| &mut r.resource)
    }

    /// The object name; may not be empty. Mirrors `Request.Name`.
    pub fn name(self, name: &str) -> Self {
        self.set_segment("resource name", name, |r| &mut r.name)
    }

    /// A subresource such as `status`, `scale` or `log`. Mirrors `Request.SubResource`.
    pub fn sub_resource(self, subresource: &str) -> Self {
        self.set_segment("subresource", subresource, |r| &mut r.subresource)
    }

    /// Adds a query parameter. Mirrors `Request.Param`.
    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.params.push((key.to_owned(), value.to_owned()));
        self
    }

    /// `labelSelector=...` (skipped when empty).
    pub fn label_selector(self, selector: &str) -> Self {
        if selector.is_empty() {
            self
        } else {
            self.param("labelSelector", selector)
        }
    }

    /// `fieldSelector=...` (skipped when empty).
    pub fn field_selector(self, selector: &str) -> Self {
        if selector.is_empty() {
            self
        } else {
            self.param("fieldSelector", selector)
        }
    }

    /// Sets a request header. Mirrors `Request.SetHeader`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
                self
            }
            _ => self.fail(RequestError::Header {
                name: name.to_owned(),
            }),
        }
    }

    /// A JSON body from any serializable value.
    pub fn body_json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(b) => {
                self.body = Bytes::from(b);
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                self
            }
            Err(e) => self.fail(RequestError::EncodeBody(e)),
        }
    }

    /// A body given as one YAML document, sent as JSON (the API server's native format).
    pub fn body_yaml(self, yaml: &str) -> Self {
        match serde_yaml::from_str::<serde_json::Value>(yaml) {
            Ok(v) => self.body_json(&v),
            Err(e) => self.fail(RequestError::YamlBody(e)),
        }
    }

    /// A raw body with its content type (e.g. `application/merge-patch+json`).
    pub fn body_raw(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = body.into();
        match HeaderValue::from_str(content_type) {
            Ok(v) => {
                self.headers.insert(CONTENT_TYPE, v);
                self
            }
            Err(_) => self.fail(RequestError::Header {
                name: CONTENT_TYPE.to_string(),
            }),
        }
    }

    /// Bounds the call by `timeout` and asks the server to give up then too (`?timeout=30s`).
    /// Mirrors `Request.Timeout`; defaults to [`Config::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Bounds the call by `deadline` from now without telling the server, like a Go
    /// `context.WithTimeout` around the call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How often a 429 or a 5xx with `Retry-After` is retried (every verb, as client-go); default 10.
    /// Mirrors `Request.MaxRetries`.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The verb.
    pub fn verb(&self) -> &Method {
        &self.verb
    }

    /// The full URL of this request. Mirrors `Request.URL`.
    pub fn url(&self) -> String {
        let mut path = self.client.base_url().path.clone();
        path.push_str(&self.path_prefix);
        for (prefix, part) in [
            ("namespaces/", self.namespace.as_deref()),
            ("", self.resource.as_deref()),
            ("", self.name.as_deref()),
            ("", self.subresource.as_deref()),
        ] {
            if let Some(p) = part {
                path.push('/');
                path.push_str(prefix);
                escape_path_segment(&mut path, p);
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        let mut params: Vec<(&str, String)> =
            self.params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        if let Some(t) = self.timeout {
            params.push(("timeout", go_duration::format(t)));
        }
        // Go's url.Values.Encode sorts by key; keep that so URLs match client-go's logs.
        params.sort_by(|a, b| a.0.cmp(b.0));
        let base = self.client.base_url();
        let mut url = format!("{}://{}{}", base.scheme, base.authority, path);
        for (i, (k, v)) in params.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            query_escape(&mut url, k);
            url.push('=');
            query_escape(&mut url, v);
        }
        url
    }

    /// Builds the `http::Request` this builder describes. Pure: no I/O, no credentials (the transport
    /// adds those).
    ///
    /// # Errors
    /// The first error recorded while building (invalid path segment, header or body).
    pub fn to_http(&mut self) -> Result<http::Request<Bytes>, RequestError> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        let url = self.url();
        let uri: http::Uri = url.parse().map_err(|_| RequestError::Url { url: url.clone() })?;
        let mut req = http::Request::new(self.body.clone());
        *req.method_mut() = self.verb.clone();
        *req.uri_mut() = uri;
        *req.headers_mut() = self.headers.clone();
        req.headers_mut()
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static(ACCEPT_JSON));
        Ok(req)
    }
}

/// client-go's `IsValidPathSegmentName` plus non-emptiness.
fn check_segment(what: &'static str, value: &str) -> Option<RequestError> {
    let why = if value.is_empty() {
        "may not be empty"
    } else if value == "." || value == ".." {
        "may not be '.' or '..'"
    } else if value.contains('/') {
        "may not contain '/'"
    } else if value.contains('%') {
        "may not contain '%'"
    } else {
        return None;
    };
    Some(RequestError::PathSegment {
        what,
        value: value.to_owned(),
        why,
    })
}

fn escape_path_segment(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Go's `url.QueryEscape`.
fn query_escape(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientgo_apimachinery::GroupVersion;

    fn client(host: &str, gv: Option<(&str, &str)>) -> RestClient {
        let mut c = Config::new(host);
        if let Some((g, v)) = gv {
            c.group_version = Some(GroupVersion::new(g, v));
            if !g.is_empty() {
                c.api_path = "/apis".into();
            }
            RestClient::new(&c).unwrap()
        } else {
            RestClient::new_unversioned(&c).unwrap()
        }
    }

    #[test]
    fn urls_match_client_go() {
        let core = client("https://10.0.0.1:6443", Some(("", "v1")));
        assert_eq!(
            core.get().namespace("kube-system").resource("pods").url(),
            "https://10.0.0.1:6443/api/v1/namespaces/kube-system/pods"
        );
        assert_eq!(
            core.get().resource("namespaces").name("test").url(),
            "https://10.0.0.1:6443/api/v1/namespaces/test"
        );
        let apps = client("https://h/prefix/", Some(("apps", "v1")));
        assert_eq!(
            apps.put()
                .namespace("ns")
                .resource("deployments")
                .name("web")
                .sub_resource("status")
                .url(),
            "https://h/prefix/apis/apps/v1/namespaces/ns/deployments/web/status"
        );
        let r = core
            .get()
            .resource("pods")
            .param("watch", "true")
            .label_selector("app=web,tier in (a b)")
            .param("limit", "500")
            .timeout(Duration::from_secs(30));
        assert_eq!(
            r.url(),
            "https://10.0.0.1:6443/api/v1/pods?labelSelector=app%3Dweb%2Ctier+in+%28a+b%29&limit=500&timeout=30s&watch=true"
        );
        assert_eq!(
            core.get().abs_path("/version").url(),
            "https://10.0.0.1:6443/version"
        );
        assert_eq!(
            client("127.0.0.1:8080", None).get().abs_path("/").url(),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn global_timeout_adds_the_parameter_but_a_deadline_does_not() {
        let mut c = Config::new("https://h");
        c.timeout = Some(Duration::from_secs(30));
        let rc = RestClient::new_unversioned(&c).unwrap();
        assert_eq!(
            rc.get().abs_path("/version").url(),
            "https://h/version?timeout=30s"
        );
        let plain = client("https://h", None);
        let r = plain
            .get()
            .abs_path("/api/v1/namespaces")
            .deadline(Duration::from_secs(5));
        assert_eq!(r.url(), "https://h/api/v1/namespaces");
    }

    #[test]
    fn bad_segments_become_errors_at_build_time() {
        let c = client("https://h", Some(("", "v1")));
        let mut r = c.get().resource("pods").name("a/b");
        let e = r.to_http().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid resource name \"a/b\": may not contain '/'"
        );
        assert!(c.get().name("").to_http().is_err());
        assert!(c.get().namespace("..").to_http().is_err());
        assert!(c.get().body_yaml("a: [").to_http().is_err());
        assert!(c.get().header("x", "bad\nvalue").to_http().is_err());
    }

    #[test]
    fn http_request_has_headers_and_body() {
        let c = client("https://h", Some(("", "v1")));
        let mut r = c
            .post()
            .resource("namespaces")
            .body_yaml("metadata:\n  name: test\n");
        let req = r.to_http().unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.headers()[ACCEPT], ACCEPT_JSON);
        assert_eq!(req.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(&req.body()[..], br#"{"metadata":{"name":"test"}}"#);
        let mut p = c
            .patch()
            .resource("namespaces")
            .name("t")
            .body_raw("[]", "application/json-patch+json");
        assert_eq!(
            p.to_http().unwrap().headers()[CONTENT_TYPE],
            "application/json-patch+json"
        );
    }

    #[test]
    fn base_urls() {
        let mut c = Config::new("10.0.0.1:6443");
        c.tls.insecure = true;
        assert_eq!(BaseUrl::parse(&c).unwrap().as_string(), "https://10.0.0.1:6443");
        for bad in ["", "ftp://x", "https://h?x=1"] {
            assert!(BaseUrl::parse(&Config::new(bad)).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_segment_builds_or_errors_without_panicking(s in ".*") {
            let c = client("https://h", Some(("", "v1")));
            let mut r = c.get().namespace(&s).resource("pods").name(&s).param(&s, &s);
            if let Ok(req) = r.to_http() {
                proptest::prop_assert!(req.uri().path().starts_with("/api/v1/"));
            }
        }
    }
}
