//! The rest layer of clientgo: configuration, transport, authentication and the request builder.
//!
//! Mirrors client-go's `rest` and `transport` packages: a [`Config`] describes the server and
//! credentials, [`HttpClient`] is the pooled hyper-util + rustls transport built from it, and
//! [`RestClient`] hands out [`Request`] builders (`client.get().namespace("ns").resource("pods")`)
//! that run with `do_raw`, `do_`, `stream` or `watch`. Creating any of these performs no network I/O.
//!
//! Request composition is sans-IO ([`Request::to_http`]); the async part only throttles, sends,
//! retries and decodes.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
mod client;
mod config;
mod debug_log;
mod error;
mod execute;
pub mod go_duration;
mod in_cluster;
mod report;
mod request;
mod throttle;
mod transport;
mod watch;

pub use auth::{AuthError, ExecError};
pub use client::{rate_limiter_for, RestClient};
pub use config::{Config, ExecConfig, ImpersonationConfig, TlsClientConfig, DEFAULT_BURST, DEFAULT_QPS};
pub use error::{ConfigError, Error, RequestError, Verb};
pub use execute::{error_from_response, retry_delay, MAX_ERROR_BODY};
pub use in_cluster::{in_cluster_config, InCluster, InClusterError, SERVICE_ACCOUNT_DIR};
pub use report::ErrorReport;
pub use request::{BaseUrl, Request, ACCEPT_JSON, DEFAULT_MAX_RETRIES};
pub use throttle::{FakeAlwaysRateLimiter, FakeNeverRateLimiter, RateLimiter};
pub use transport::{ConnectError, HttpClient};
