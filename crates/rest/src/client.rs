//! `RestClient`: a base URL, a versioned API path, a shared transport and a rate limiter.
//!
//! Mirrors client-go `rest/client.go` (`RESTClient`, `RESTClientFor`, `UnversionedRESTClientFor`,
//! `RESTClientForConfigAndClient`). Building one performs no network I/O.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clientgo_apimachinery::GroupVersion;
use http::Method;

use crate::config::Config;
use crate::error::ConfigError;
use crate::request::{BaseUrl, Request};
use clientgo_flowcontrol::TokenBucketRateLimiter;

use crate::throttle::RateLimiter;
use crate::transport::HttpClient;

/// A client for one group/version of one API server; the base of every other client kind.
///
/// Mirrors client-go `rest.RESTClient`. Cheap to clone (an `Arc`); clones share connections and the
/// client-side rate limiter.
#[doc(alias = "RESTClient")]
#[derive(Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

struct Inner {
    base: BaseUrl,
    versioned_path: String,
    group_version: Option<GroupVersion>,
    http: HttpClient,
    limiter: Option<Arc<dyn RateLimiter>>,
    timeout: Option<Duration>,
}

/// The limiter a config asks for: its `rate_limiter`, else a QPS/Burst token bucket, else none when
/// QPS is negative. Mirrors the defaulting in client-go `RESTClientForConfigAndClient`.
pub fn rate_limiter_for(config: &Config) -> Option<Arc<dyn RateLimiter>> {
    if let Some(l) = &config.rate_limiter {
        return Some(l.clone());
    }
    let qps = f64::from(config.effective_qps());
    if qps.is_nan() || qps <= 0.0 {
        return None;
    }
    // Only a non-finite QPS can be refused here; treat it as "no limit" rather than fail.
    TokenBucketRateLimiter::new(qps, config.effective_burst().max(1))
        .ok()
        .map(|l| Arc::new(l) as Arc<dyn RateLimiter>)
}

impl RestClient {
    /// A client for `config.group_version` under `config.api_path`, with its own transport.
    /// Mirrors `rest.RESTClientFor`.
    ///
    /// # Errors
    /// [`ConfigError::MissingGroupVersion`] without a group version; see [`HttpClient::new`] for the
    /// rest.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        if config.group_version.is_none() {
            return Err(ConfigError::MissingGroupVersion);
        }
        Self::with_http_client(config, HttpClient::new(config)?)
    }

    /// A client without a group version, for absolute paths such as `/version` or `/apis`.
    /// Mirrors `rest.UnversionedRESTClientFor`.
    ///
    /// # Errors
    /// See [`HttpClient::new`].
    pub fn new_unversioned(config: &Config) -> Result<Self, ConfigError> {
        Self::with_http_client(config, HttpClient::new(config)?)
    }

    /// A client over an existing transport, so several clients share connections.
    /// Mirrors `rest.RESTClientForConfigAndClient`.
    ///
    /// # Errors
    /// [`ConfigError::Host`] when the host does not parse.
    pub fn with_http_client(config: &Config, http: HttpClient) -> Result<Self, ConfigError> {
        let base = BaseUrl::parse(config)?;
        let mut versioned_path = format!("/{}", config.api_path.trim_matches('/'));
        if let Some(gv) = &config.group_version {
            for part in [&gv.group, &gv.version] {
                if !part.is_empty() {
                    versioned_path.push('/');
                    versioned_path.push_str(part);
                }
            }
        }
        if versioned_path == "/" {
            versioned_path.clear();
        }
        Ok(RestClient {
            inner: Arc::new(Inner {
                base,
                versioned_path,
                group_version: config.group_version.clone(),
                http,
                limiter: rate_limiter_for(config),
                timeout: config.timeout,
            }),
        })
    }

    /// A client for another group version on the same server, sharing this one's transport, rate
    /// limiter and timeout. `api_path` is `/api` for the core group and `/apis` otherwise. No I/O.
    /// This is how client-go's clientset gives every group client one shared `http.Client`.
    pub fn for_group_version(&self, api_path: &str, group_version: GroupVersion) -> RestClient {
        let mut versioned_path = format!("/{}", api_path.trim_matches('/'));
        for part in [&group_version.group, &group_version.version] {
            if !part.is_empty() {
                versioned_path.push('/');
                versioned_path.push_str(part);
            }
        }
        RestClient {
            inner: Arc::new(Inner {
                base: self.inner.base.clone(),
                versioned_path,
                group_version: Some(group_version),
                http: self.inner.http.clone(),
                limiter: self.inner.limiter.clone(),
                timeout: self.inner.timeout,
            }),
        }
    }

    /// Starts a request with any verb. Mirrors `RESTClient.Verb`.
    pub fn verb(&self, verb: Method) -> Request {
        Request::new(self.clone(), verb)
    }

    /// Starts a GET.
    pub fn get(&self) -> Request {
        self.verb(Method::GET)
    }

    /// Starts a POST.
    pub fn post(&self) -> Request {
        self.verb(Method::POST)
    }

    /// Starts a PUT.
    pub fn put(&self) -> Request {
        self.verb(Method::PUT)
    }

    /// Starts a PATCH; set the patch's content type with [`Request::body_raw`].
    pub fn patch(&self) -> Request {
        self.verb(Method::PATCH)
    }

    /// Starts a DELETE.
    pub fn delete(&self) -> Request {
        self.verb(Method::DELETE)
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// `/api/v1`, `/apis/apps/v1`, or empty for an unversioned client.
    pub fn versioned_path(&self) -> &str {
        &self.inner.versioned_path
    }

    /// The group version, if any.
    pub fn group_version(&self) -> Option<&GroupVersion> {
        self.inner.group_version.as_ref()
    }

    /// The shared transport.
    pub fn http_client(&self) -> &HttpClient {
        &self.inner.http
    }

    pub(crate) fn limiter(&self) -> Option<&Arc<dyn RateLimiter>> {
        self.inner.limiter.as_ref()
    }

    pub(crate) fn default_timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("base", &self.inner.base.as_string())
            .field("versioned_path", &self.inner.versioned_path)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_client_requires_a_group_version() {
        let c = Config::new("https://h");
        let e = RestClient::new(&c).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GroupVersion is required when initializing a RESTClient"
        );
        let root = RestClient::new_unversioned(&c).unwrap();
        assert_eq!(root.versioned_path(), "/api");
        let apps = root.for_group_version("/apis", GroupVersion::new("apps", "v1"));
        assert_eq!(apps.versioned_path(), "/apis/apps/v1");
        assert!(
            Arc::ptr_eq(apps.limiter().unwrap(), root.limiter().unwrap()),
            "limiter shared"
        );
    }

    #[test]
    fn limiter_defaults() {
        let mut c = Config::new("https://h");
        assert!(rate_limiter_for(&c).is_some());
        c.qps = -1.0;
        assert!(rate_limiter_for(&c).is_none(), "negative QPS disables throttling");
    }
}
