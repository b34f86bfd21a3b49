//! The HTTP server: configuration, the accept loop, and the handle tests and examples hold.
//!
//! Mirrors what `kube-apiserver` assembles in `GenericAPIServer`: handler chain (auth, faults), routing
//! to discovery or resource handlers, and HTTP/1.1 + HTTP/2 serving (hyper-util's auto builder).

// `Status` is the API's error value and travels to the HTTP layer unchanged; boxing it at every
// step would add noise on a path that is never hot.
#![allow(clippy::result_large_err)]

mod apply;
mod crud;
mod discovery;
mod handlers;
pub(crate) mod http;
mod list;
mod openapi;
mod patch;
mod router;
mod tls;
mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch as tokio_watch;
use tracing::debug;

use crate::faults::Faults;
use crate::resources::Registry;
use crate::store::{LogLimits, Store};

/// Everything the handlers share.
pub(crate) struct ServerState {
    pub(crate) store: Store,
    pub(crate) registry: Registry,
    pub(crate) token: Option<String>,
    pub(crate) bookmark_interval: Duration,
    pub(crate) faults: Arc<Faults>,
    pub(crate) external_addr: std::sync::OnceLock<String>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Binding the listening socket failed.
    #[error("binding {addr} failed")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Generating the TLS certificate or configuring rustls failed.
    #[error("setting up TLS failed: {0}")]
    Tls(&'static str),
    /// Writing the kubeconfig failed.
    #[error("writing the kubeconfig to {path} failed")]
    Kubeconfig {
        /// Where.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Configures and starts an [`ApiServer`].
///
/// Mirrors the flags of `kube-apiserver` that matter here (`--secure-port`, `--token-auth-file`,
/// `--watch-cache-sizes`), as a builder.
#[derive(Debug, Clone)]
#[must_use]
pub struct ServerBuilder {
    addr: SocketAddr,
    tls: bool,
    token: Option<String>,
    limits: LogLimits,
    bookmark_interval: Duration,
    seed: bool,
    kubeconfig_path: Option<PathBuf>,
    disabled: Vec<(String, String)>,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            token: None,
            limits: LogLimits::default(),
            bookmark_interval: Duration::from_secs(60),
            seed: true,
            kubeconfig_path: None,
            disabled: Vec::new(),
        }
    }
}

impl ServerBuilder {
    /// Listen on this address (default `127.0.0.1:0`, an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serve HTTPS with a self-signed certificate generated at start.
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Require this bearer token (401 otherwise); default: anonymous access allowed.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Keep at most this many events for watch replay (older ones are compacted).
    pub fn max_events(mut self, n: usize) -> Self {
        self.limits.max_events = n.max(1);
        self
    }

    /// Compact events older than this.
    pub fn max_event_age(mut self, age: Duration) -> Self {
        self.limits.max_age = Some(age);
        self
    }

    /// How often watches with `allowWatchBookmarks` get a BOOKMARK (default 60 s, like the real server).
    pub fn bookmark_interval(mut self, d: Duration) -> Self {
        self.bookmark_interval = d;
        self
    }

    /// Whether to create the namespaces default, kube-system, kube-public and kube-node-lease at start
    /// (default true, as a real cluster has them).
    pub fn seed_namespaces(mut self, on: bool) -> Self {
        self.seed = on;
        self
    }

    /// Where to write the kubeconfig (default: a file in a per-server temporary directory).
    pub fn kubeconfig_path(mut self, p: impl Into<PathBuf>) -> Self {
        self.kubeconfig_path = Some(p.into());
        self
    }

    /// Do not serve the built-in `group/version` (e.g. `events.k8s.io/v1`): its discovery and
    /// its URLs answer 404, as with kube-apiserver's `--runtime-config=events.k8s.io/v1=false`.
    /// Lets tests check how clients fall back when an API is missing.
    pub fn disable_api(mut self, group: impl Into<String>, version: impl Into<String>) -> Self {
        self.disabled.push((group.into(), version.into()));
        self
    }

    /// Binds, writes the kubeconfig and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`StartError`] when binding, TLS setup or writing the kubeconfig fails.
    pub async fn start(self) -> Result<ApiServer, StartError> {
        let listener = TcpListener::bind(self.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.addr,
            source,
        })?;
        let tls = if self.tls {
            Some(tls::SelfSigned::generate()?)
        } else {
            None
        };
        let registry = Registry::with_builtins();
        for info in registry.all() {
            if self
                .disabled
                .iter()
                .any(|(g, v)| *g == info.group && *v == info.version)
            {
                registry.remove(&info.group, &info.version, &info.plural);
            }
        }
        let state = Arc::new(ServerState {
            store: Store::new(self.limits, 0),
            registry,
            token: self.token.clone(),
            bookmark_interval: self.bookmark_interval,
            faults: Arc::new(Faults::default()),
            external_addr: std::sync::OnceLock::new(),
        });
        let _ = state.external_addr.set(addr.to_string());
        if self.seed {
            for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
                let obj = serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":ns}});
                // Seeding a fresh store cannot conflict.
                let _ = state.create_object("", "v1", "namespaces", None, obj);
            }
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{addr}");
        let owns_kubeconfig_dir = self.kubeconfig_path.is_none();
        let kubeconfig_path = match self.kubeconfig_path {
            Some(p) => p,
            None => std::env::temp_dir()
                .join(format!(
                    "clientgo-apiserver-{}-{}",
                    std::process::id(),
                    addr.port()
                ))
                .join("kubeconfig"),
        };
        let kubeconfig = tls::kubeconfig(
            &url,
            tls.as_ref().map(|t| t.cert_pem.as_str()),
            self.token.as_deref(),
        );
        write_file(&kubeconfig_path, &kubeconfig)?;
        let acceptor = match &tls {
            Some(t) => Some(t.acceptor()?),
            None => None,
        };
        let (shutdown_tx, shutdown_rx) = tokio_watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, acceptor, state.clone(), shutdown_rx));
        Ok(ApiServer {
            addr,
            url,
            state,
            kubeconfig_path,
            owns_kubeconfig_dir,
            ca_pem: tls.map(|t| t.cert_pem),
            shutdown: shutdown_tx,
            task: Some(task),
        })
    }
}

fn write_file(path: &Path, contents: &str) -> Result<(), StartError> {
    let err = |source| StartError::Kubeconfig {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, contents).map_err(err)
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<ServerState>,
    mut shutdown: tokio_watch::Receiver<bool>,
) {
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    debug!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let state = state.clone();
        let acceptor = acceptor.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let state = state.clone();
                async move { router::handle(state, req).await }
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            let result = match acceptor {
                Some(acc) => match acc.accept(tcp).await {
                    Ok(tls) => {
                        let conn = builder.serve_connection(TokioIo::new(tls), svc);
                        tokio::select! { r = conn => r, _ = shutdown.changed() => Ok(()) }
                    }
                    Err(e) => {
                        debug!(%peer, error = %e, "TLS handshake failed");
                        Ok(())
                    }
                },
                None => {
                    let conn = builder.serve_connection(TokioIo::new(tcp), svc);
                    tokio::select! { r = conn => r, _ = shutdown.changed() => Ok(()) }
                }
            };
            if let Err(e) = result {
                debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
}

/// A running embedded API server. Dropping it stops the server and closes its connections.
///
/// Mirrors the role of client-go's `fake_controller_source.go` and of a test `kube-apiserver`: a real,
/// stateful server over HTTP that clients talk to exactly as to a cluster.
pub struct ApiServer {
    addr: SocketAddr,
    url: String,
    state: Arc<ServerState>,
    kubeconfig_path: PathBuf,
    /// Whether the kubeconfig's directory is our own temporary one, removed on drop.
    owns_kubeconfig_dir: bool,
    ca_pem: Option<String>,
    shutdown: tokio_watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("url", &self.url)
            .field("kubeconfig_path", &self.kubeconfig_path)
            .finish_non_exhaustive()
    }
}

impl ApiServer {
    /// A builder with the defaults (ephemeral port, plain HTTP, anonymous, seeded namespaces).
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Starts a server with the defaults.
    ///
    /// # Errors
    /// See [`ServerBuilder::start`].
    pub async fn start() -> Result<ApiServer, StartError> {
        ServerBuilder::default().start().await
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` or `https://...`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The kubeconfig file written for clients.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The self-signed CA certificate (PEM) when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The fault-injection controls.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Compacts the event log to the current resourceVersion now, so older versions get 410.
    /// Returns the compaction point.
    pub fn compact_now(&self) -> u64 {
        self.state.store.compact_now()
    }

    /// The store itself: a low-level hook for benchmarks and tests that need many revisions fast.
    /// Writes through it bypass the registry's rules (validation, defaults, managedFields, namespace
    /// checks); prefer [`ApiServer::create`] and [`ApiServer::update`].
    pub fn store(&self) -> &crate::store::Store {
        &self.state.store
    }

    /// The latest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.state.store.current_rv()
    }

    /// Creates an object without HTTP (seeding), with the same rules as a POST.
    ///
    /// # Errors
    /// The Status a POST would get.
    pub fn create(
        &self,
        group: &str,
        version: &str,
        plural: &str,
        namespace: Option<&str>,
        object: Value,
    ) -> Result<Value, clientgo_apimachinery::Status> {
        self.state
            .create_object(group, version, plural, namespace, object)
            .map(|w| w.object.to_value())
    }

    /// Replaces an object without HTTP (like a PUT without a resourceVersion precondition when the value
    /// carries none), with the same rules as a PUT.
    ///
    /// # Errors
    /// The Status a PUT would get.
    pub fn update(
        &self,
        group: &str,
        version: &str,
        plural: &str,
        namespace: Option<&str>,
        object: Value,
    ) -> Result<Value, clientgo_apimachinery::Status> {
        let info = self.state.lookup(group, version, plural)?;
        let name = crate::object::meta_str(&object, "name").unwrap_or("").to_owned();
        self.state
            .modify(
                &info,
                namespace,
                &name,
                crate::strategy::Part::Main,
                Some("clientgo-apiserver"),
                |_| Ok(object.clone()),
            )
            .map(|w| w.object.to_value())
    }

    /// Stops serving and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if self.owns_kubeconfig_dir {
            if let Some(dir) = self.kubeconfig_path.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
