//! One run of an example: the cluster it talks to, the namespace it owns, and the clean-up that
//! leaves the cluster as it found it.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clap::{CommandFactory as _, FromArgMatches as _};
use clientgo_api::core::v1::Namespace;
use clientgo_apimachinery::{ApiResource, SharedStr};
use clientgo_apiserver::embedded::seed_demo_cluster;
use clientgo_apiserver::ApiServer;
use clientgo_client::{Clientset, DeleteOptions, DynamicClient, GetOptions, WriteOptions};
use clientgo_rest::Config;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::args::Cli;
use crate::{outln, report, BoxError, Out};

/// The label every object an example creates carries, so a later run (or a person) can tell what
/// the examples own: `app.kubernetes.io/managed-by=clientgo-examples`.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY_VALUE: &str = "clientgo-examples";
/// The label naming the example that created an object.
const EXAMPLE_LABEL: &str = "clientgo.example";

/// How long an interrupted example may take to stop on its own before it is dropped.
const INTERRUPT_GRACE: Duration = Duration::from_secs(10);

/// One run of an example against one cluster.
///
/// Built by [`Session::from_args`] in an example's `main` (or [`Session::builder`] in a test), it holds
/// the cluster (a kubeconfig's, or the embedded API server it started), the loaded
/// [`Config`] and a [`Clientset`], the example's [`Out`], and what to delete at the end.
pub struct Session {
    name: String,
    server: Option<ApiServer>,
    kubeconfig: PathBuf,
    config: Config,
    clientset: Clientset,
    out: Out,
    activity: bool,
    namespace: OnceCell<String>,
    owned: Mutex<Vec<(ApiResource, String)>>,
    finished: AtomicBool,
    interrupt: CancellationToken,
    /// Whether the example asked for [`Session::interrupted`]: only then does it get a grace period.
    listens: AtomicBool,
}

/// Builds a [`Session`]: which cluster, where the output goes, whether the example causes activity.
#[must_use]
pub struct SessionBuilder {
    name: String,
    server: Option<ApiServer>,
    kubeconfig: Option<PathBuf>,
    out: Out,
    activity: bool,
}

impl SessionBuilder {
    /// Talk to the cluster this kubeconfig names.
    pub fn kubeconfig(mut self, path: impl Into<PathBuf>) -> Self {
        self.kubeconfig = Some(path.into());
        self
    }

    /// Talk to this (already started) embedded server; the session owns it from now on, so the
    /// example can inject faults through [`Session::server`].
    pub fn embedded(mut self, server: ApiServer) -> Self {
        self.server = Some(server);
        self
    }

    /// Where the lines go (default: stdout).
    pub fn out(mut self, out: Out) -> Self {
        self.out = out;
        self
    }

    /// Whether the example creates the objects whose events it shows (default: yes).
    pub fn activity(mut self, on: bool) -> Self {
        self.activity = on;
        self
    }

    /// Starts the embedded server if no cluster was named, and loads the client configuration.
    ///
    /// # Errors
    /// When the server cannot start or the kubeconfig cannot be loaded. No request is sent yet.
    pub async fn start(self) -> Result<Session, BoxError> {
        let (server, kubeconfig) = match (self.server, self.kubeconfig) {
            (Some(server), _) => {
                let path = server.kubeconfig_path().to_owned();
                (Some(server), path)
            }
            (None, Some(path)) => (None, path),
            (None, None) => {
                let server = ApiServer::start().await?;
                seed_demo_cluster(&server);
                outln!(
                    self.out,
                    "no --kubeconfig or KUBECONFIG given: using the embedded API server at {} (kubeconfig {})",
                    server.url(),
                    server.kubeconfig_path().display()
                );
                let path = server.kubeconfig_path().to_owned();
                (Some(server), path)
            }
        };
        let config = clientgo_clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
        let clientset = Clientset::new(&config)?;
        Ok(Session {
            name: self.name,
            server,
            kubeconfig,
            config,
            clientset,
            out: self.out,
            activity: self.activity,
            namespace: OnceCell::new(),
            owned: Mutex::new(Vec::new()),
            finished: AtomicBool::new(false),
            interrupt: CancellationToken::new(),
            listens: AtomicBool::new(false),
        })
    }
}

impl Session {
    /// A builder for the example called `name` (its file name, e.g. `watch_pods_basic`).
    pub fn builder(name: impl Into<String>) -> SessionBuilder {
        SessionBuilder {
            name: name.into(),
            server: None,
            kubeconfig: None,
            out: Out::stdout(),
            activity: true,
        }
    }

    /// An example's whole `main`: parses the command line, starts the session, runs `run` with
    /// Ctrl-C handling, cleans up and reports any error in words ([`Session::from_args`], then
    /// [`Session::run`]).
    ///
    /// ```no_run
    /// # use std::process::ExitCode;
    /// # use clientgo_example::{BoxError, NoArgs, Session};
    /// async fn run(session: &Session, _: &NoArgs) -> Result<(), BoxError> { Ok(()) }
    ///
    /// #[tokio::main]
    /// async fn main() -> ExitCode {
    ///     Session::main("my_example", run).await
    /// }
    /// ```
    pub async fn main<A: clap::Args>(
        name: &'static str,
        run: impl AsyncFnOnce(&Session, &A) -> Result<(), BoxError>,
    ) -> ExitCode {
        match Session::from_args::<A>(name).await {
            Ok((session, args)) => session.run(run(&session, &args)).await,
            Err(code) => code,
        }
    }

    /// Parses the command line ([`ClusterArgs`](crate::ClusterArgs) plus the example's own `A`) and
    /// starts the session: what an example's `main` calls first.
    ///
    /// # Errors
    /// The exit code to return after the error was printed; `--help` and bad arguments exit inside,
    /// as clap does.
    pub async fn from_args<A: clap::Args>(name: &'static str) -> Result<(Session, A), ExitCode> {
        Session::from_args_from(name, std::env::args_os()).await
    }

    /// [`Session::from_args`] over a given command line (the program's name first), for an example
    /// that takes some arguments out before clap sees the rest (klog's Go-style flags).
    ///
    /// # Errors
    /// As [`Session::from_args`].
    pub async fn from_args_from<A, I, T>(name: &'static str, args: I) -> Result<(Session, A), ExitCode>
    where
        A: clap::Args,
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let (builder, args) = Session::parse_args_from::<A, _, _>(name, args);
        match builder.start().await {
            Ok(session) => Ok((session, args)),
            Err(e) => Err(report(e.as_ref())),
        }
    }

    /// Parses a command line (the program's name first) into a [`SessionBuilder`] and the example's
    /// own `A`, without starting anything yet: for an example that installs its logging first, so
    /// the session's own start (`Config loaded from file` at V(6)) is logged too. `--help` and bad
    /// arguments exit inside, as clap does.
    pub fn parse_args_from<A, I, T>(name: &'static str, args: I) -> (SessionBuilder, A)
    where
        A: clap::Args,
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        // A flattened struct's doc comment would become the help's heading ("The example's own
        // options"): the help shows the usage and the options only.
        let command = Cli::<A>::command().name(name).about(None).long_about(None);
        let matches = command.get_matches_from(args);
        let cli = Cli::<A>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let mut builder = Session::builder(name).activity(!cli.cluster.no_activity);
        if let Some(path) = cli.cluster.kubeconfig() {
            builder = builder.kubeconfig(path);
        }
        (builder, cli.args)
    }

    /// The example's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kubeconfig in use (the embedded server writes one too).
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The client configuration loaded from [`Session::kubeconfig`].
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A clientset over [`Session::config`].
    pub fn clientset(&self) -> &Clientset {
        &self.clientset
    }

    /// Where the example's lines go.
    pub fn out(&self) -> &Out {
        &self.out
    }

    /// Whether the example creates the objects whose events it shows (`--no-activity` turns it off).
    pub fn activity(&self) -> bool {
        self.activity
    }

    /// The embedded server, when the example talks to one (for fault injection); `None` on a real
    /// cluster.
    pub fn server(&self) -> Option<&ApiServer> {
        self.server.as_ref()
    }

    /// The example's own namespace, named after it (`watch_pods_basic` -> `watch-pods-basic`),
    /// created on first use and deleted with everything in it when the session finishes.
    ///
    /// A namespace of that name left by an earlier, killed run is deleted and created afresh; one that
    /// no example created is never touched.
    ///
    /// # Errors
    /// When the namespace cannot be created, or exists without the examples' label.
    pub async fn namespace(&self) -> Result<&str, BoxError> {
        self.namespace
            .get_or_try_init(|| self.create_namespace())
            .await
            .map(String::as_str)
    }

    async fn create_namespace(&self) -> Result<String, BoxError> {
        let name = self.name.replace('_', "-");
        let api = self.clientset.core_v1().namespaces();
        match api.get(&name, &GetOptions::default()).await {
            Ok(existing) => {
                let ours = existing
                    .metadata
                    .labels
                    .get(MANAGED_BY_LABEL)
                    .map(SharedStr::as_str)
                    == Some(MANAGED_BY_VALUE);
                if !ours {
                    return Err(format!(
                        "namespace {name} exists and was not created by a clientgo example \
                         (no {MANAGED_BY_LABEL}={MANAGED_BY_VALUE} label); refusing to use it"
                    )
                    .into());
                }
                outln!(
                    self.out,
                    "namespace {name}: left by an earlier run, deleting it first"
                );
                self.delete_namespace(&name).await?;
                self.wait_namespace_gone(&name).await?;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        let mut ns = Namespace::new(name.as_str());
        ns.metadata.labels.insert(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
        ns.metadata.labels.insert(EXAMPLE_LABEL, self.name.as_str());
        api.create(&ns, &WriteOptions::default()).await?;
        outln!(
            self.out,
            "namespace {name}: created (deleted when the example ends)"
        );
        Ok(name)
    }

    /// Deletes a namespace; one already gone, or already terminating (a real server answers a second
    /// DELETE of a terminating namespace with 409 Conflict), counts as deleted.
    async fn delete_namespace(&self, name: &str) -> Result<(), BoxError> {
        let api = self.clientset.core_v1().namespaces();
        match api.delete(name, &DeleteOptions::default()).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() || e.is_conflict() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn wait_namespace_gone(&self, name: &str) -> Result<(), BoxError> {
        crate::namespaces::wait_gone(self, |n| n == name).await
    }

    /// Registers a cluster-scoped object the example created, to be deleted when the session
    /// finishes (namespaced objects go with [`Session::namespace`]).
    pub fn delete_on_exit(&self, resource: ApiResource, name: impl Into<String>) {
        self.owned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((resource, name.into()));
    }

    /// Completes when the example is interrupted (Ctrl-C or SIGTERM during [`Session::run`], or
    /// [`Session::interrupt`]): long-running examples stop gracefully on it. An example that asks
    /// for this future gets [`INTERRUPT_GRACE`] to stop on its own; one that never asks is stopped at
    /// once.
    pub fn interrupted(&self) -> impl Future<Output = ()> + Send + 'static {
        self.listens.store(true, Ordering::Release);
        self.interrupt.clone().cancelled_owned()
    }

    /// Interrupts the example as Ctrl-C does (for tests and for examples that stop themselves).
    pub fn interrupt(&self) {
        self.interrupt.cancel();
    }

    /// Runs the example's body, stopping it on Ctrl-C (an example that listens to
    /// [`Session::interrupted`] gets [`INTERRUPT_GRACE`] to finish, any other is dropped at once; a
    /// second Ctrl-C exits the process), then cleans up and reports any error in words: what an
    /// example's `main` returns.
    pub async fn run(&self, body: impl Future<Output = Result<(), BoxError>>) -> ExitCode {
        let outcome = self.until_interrupted(body).await;
        let cleanup = self.finish().await;
        let mut code = ExitCode::SUCCESS;
        for e in [outcome.err(), cleanup.err()].into_iter().flatten() {
            code = report(e.as_ref());
        }
        code
    }

    async fn until_interrupted(
        &self,
        body: impl Future<Output = Result<(), BoxError>>,
    ) -> Result<(), BoxError> {
        let signal = clientgo_controller::setup_signal_handler()?;
        tokio::pin!(body);
        tokio::select! {
            result = &mut body => return result,
            () = signal => {}
            () = self.interrupt.cancelled() => {}
        }
        self.interrupt.cancel();
        outln!(
            self.out,
            "interrupted: stopping and cleaning up (Ctrl-C again exits at once)"
        );
        match tokio::time::timeout(INTERRUPT_GRACE, body).await {
            Ok(result) => result,
            Err(_) => Ok(()),
        }
    }

    /// Deletes what the example created: the registered cluster-scoped objects (newest first), then
    /// its namespace with everything in it, waiting until the namespace is gone. A second call does
    /// nothing.
    ///
    /// # Errors
    /// The first deletion that failed (the others are still attempted).
    pub async fn finish(&self) -> Result<(), BoxError> {
        if self.finished.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let owned = std::mem::take(&mut *self.owned.lock().unwrap_or_else(PoisonError::into_inner));
        let mut first_error: Option<BoxError> = None;
        // Namespaces (the example's own and any it registered) go last and are waited for: a real
        // cluster removes a namespace's contents first, and a re-run must not find it terminating.
        let mut namespaces: Vec<String> = Vec::new();
        if !owned.is_empty() {
            let dynamic = DynamicClient::new(&self.config)?;
            for (resource, name) in owned.into_iter().rev() {
                let is_namespace = resource.group.is_empty() && resource.plural == "namespaces";
                match dynamic
                    .resource(&resource, None)
                    .delete(&name, &DeleteOptions::default())
                    .await
                {
                    Ok(()) => outln!(self.out, "cleanup: deleted {} {name}", resource.kind),
                    Err(e) if e.is_not_found() => {}
                    // A real server refuses a second DELETE of a terminating namespace.
                    Err(e) if is_namespace && e.is_conflict() => {}
                    Err(e) => {
                        first_error.get_or_insert(e.into());
                    }
                }
                if is_namespace {
                    namespaces.push(name);
                }
            }
        }
        if let Some(ns) = self.namespace.get() {
            match self.delete_namespace(ns).await {
                Ok(()) => {
                    outln!(self.out, "cleanup: deleted namespace {ns}");
                    namespaces.push(ns.clone());
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        for ns in &namespaces {
            if let Err(e) = self.wait_namespace_gone(ns).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("name", &self.name)
            .field("kubeconfig", &self.kubeconfig)
            .field("embedded", &self.server.is_some())
            .field("namespace", &self.namespace.get())
            .finish_non_exhaustive()
    }
}
