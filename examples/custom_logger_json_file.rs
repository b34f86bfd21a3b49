//! Seed 003 §5.15.6 "Custom logger: zap via zapr" (L2598-2960): klog's backend replaced by zap,
//! with the program's own logging flags, JSON output and a log file.
//!
//! The seed keeps klog as the API (`klog.V(2).InfoS(...)`, and client-go's own logs) and plugs zap
//! in behind it (`klog.SetLogger(zapr.NewLogger(zapLogger))`), so the library's lines come out in
//! the same format as the program's. Its own flags, Go-style, are all `-h` shows:
//! - `-log_level N` (default 2) sets klog's `-v` to N **and** zap's level to -N. zapr turns `V(n)`
//!   into zap level -n, so a `V(n)` line passes only if n <= N (klog) and -n >= -N (zap); the seed
//!   explains the double filter and syncs the two. Negative zap levels print as `INFO`;
//! - `-log_format console|json`: zap's encodings, with the seed's time layout
//!   (`2006-01-02 15:04:05.00`), capital levels, the caller, and a `stacktrace` on ERROR lines;
//! - `-log_file PATH`: lines also go to the file (a tee: stderr and the file).
//!
//! The program asks the server its version, then logs the seed's lines: `V(2).ErrorS` "error log
//! test" (with a stack trace), `V(1)`, `V(2)` "Kubernetes server info" with the version, `V(3)`. At
//! the default `-log_level 2` the `V(3)` line is dropped; at `-log_level 10` the library's request
//! logs appear too (`-v 6` the request line, `7` headers with the Authorization header masked, `8` the
//! body), in the same format. Only the client's events reach the log: the embedded API server runs
//! in this process, and its own request logs and hyper's connection-pool internals are filtered out
//! by target. If the version cannot be had, the error is logged and the program exits with status 1
//! (the seed's `klog.FlushAndExit`).
//!
//! Unlike the seed, nothing is written to the current directory: a relative `-log_file` is placed
//! under the temp directory, and a file the example created is removed at the end unless
//! `--keep-log-file` is given. Unknown flags are an error.
//!
//! The flags are Go's single-dash flags, which clap cannot parse: they are taken out first with
//! `clientgo::klog::goflag` (Go's `flag` semantics), and clap parses the rest (the cluster options
//! and `--keep-log-file`).
//!
//! Run: `cargo run --example custom_logger_json_file [-- -log_format json -log_level 10 -log_file app.log]`

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clientgo::klog::goflag::{self, FlagSpec, GoFlags, Kind};
use clientgo::klog::{self, Encoding, KlogLayer, RotatingFile, Verbosity, ZapSink};
use clientgo_example::{outln, BoxError, Session};
use tracing_subscriber::fmt::writer::MakeWriterExt as _;
use tracing_subscriber::layer::{Layer, SubscriberExt as _};
use tracing_subscriber::Registry;

const NAME: &str = "custom_logger_json_file";

/// The program's own logging flags, as the seed defines them with Go's `flag` package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFlags {
    /// `-log_level`: klog's `-v`, and zap's level negated.
    pub log_level: i32,
    /// `-log_format`: `console` or `json`.
    pub log_format: Encoding,
    /// `-log_file`: also write the lines to this file.
    pub log_file: Option<String>,
}

impl Default for LogFlags {
    fn default() -> Self {
        LogFlags {
            log_level: 2,
            log_format: Encoding::Console,
            log_file: None,
        }
    }
}

const SPECS: &[FlagSpec] = &[
    FlagSpec {
        name: "log_level",
        kind: Kind::Int,
        default: Some("2"),
        usage: "number for the log log_level verbosity",
    },
    FlagSpec {
        name: "log_format",
        kind: Kind::String,
        default: Some("console"),
        usage: r#"Sets the log log_format. Permitted formats: "json", "console"."#,
    },
    FlagSpec {
        name: "log_file",
        kind: Kind::String,
        default: None,
        usage: "If non-empty, use this log file",
    },
];

impl GoFlags for LogFlags {
    fn specs(&self) -> &'static [FlagSpec] {
        SPECS
    }

    fn set_value(&mut self, name: &str, value: &str) -> Result<(), String> {
        match name {
            "log_level" => self.log_level = value.parse().map_err(|_| "parse error".to_owned())?,
            "log_format" => {
                self.log_format = match value {
                    "console" => Encoding::Console,
                    "json" => Encoding::Json,
                    _ => return Err(r#"permitted formats: "json", "console""#.to_owned()),
                }
            }
            _ => self.log_file = Some(value.to_owned()).filter(|v| !v.trim().is_empty()),
        }
        Ok(())
    }
}

/// The example's options besides its Go-style logging flags.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(after_help = goflag::usage(&LogFlags::default(), NAME))]
pub struct Args {
    /// Keep the -log_file file at the end (a file the example created is removed otherwise).
    #[arg(long)]
    pub keep_log_file: bool,
}

/// Where `-log_file` writes: an absolute path as given, a relative one under the temp directory
/// (never the current directory).
pub fn log_file_path(file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::temp_dir().join(NAME).join(path)
    }
}

/// The log file, removed on drop when the example created it and was not asked to keep it.
#[derive(Debug)]
pub struct LogFile {
    path: PathBuf,
    remove: bool,
}

impl LogFile {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_file(&self.path);
            // The example's own directory under the temp directory goes too, once empty.
            if let Some(dir) = self.path.parent().filter(|d| d.ends_with(NAME)) {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// The seed's `Init`: klog's `-v` set from `-log_level`, and zap behind klog at level
/// `-log_level * -1` in the chosen encoding, writing to stderr and, with `-log_file`, to the file
/// too. Only the client's events reach it.
///
/// # Errors
/// When the log file cannot be opened or a global subscriber is already installed.
pub fn install_logging(flags: &LogFlags, args: &Args) -> Result<Option<LogFile>, BoxError> {
    let verbosity = Verbosity::new(flags.log_level);
    let zap_level = -flags.log_level;
    let (layer, file): (Box<dyn Layer<Registry> + Send + Sync>, _) = match &flags.log_file {
        None => {
            let sink = ZapSink::new(zap_level, flags.log_format, std::io::stderr);
            (Box::new(KlogLayer::with_sink(verbosity, sink)), None)
        }
        Some(file) => {
            let path = log_file_path(file);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let existed = path.exists();
            let writer = RotatingFile::open(&path, 0)?;
            let sink = ZapSink::new(zap_level, flags.log_format, std::io::stderr.and(writer));
            let remove = !existed && !args.keep_log_file;
            (
                Box::new(KlogLayer::with_sink(verbosity, sink)),
                Some(LogFile { path, remove }),
            )
        }
    };
    let layer = layer.with_filter(klog::client_only(module_path!()));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    Ok(file)
}

/// Asks the server its version and logs the seed's lines at V(1)..V(3).
pub async fn run(session: &Session, _args: &Args) -> Result<(), BoxError> {
    let info = match session.clientset().discovery().server_version().await {
        Ok(info) => info,
        Err(e) => {
            tracing::error!(
                v = 2,
                error = &e as &dyn Error,
                "Failed to get kubernetes server version"
            );
            return Err(e.into());
        }
    };
    tracing::error!(v = 2, "error log test");
    tracing::info!(v = 1, "我是V(1)日志");
    tracing::info!(
        v = 2,
        version = info.git_version.as_str(),
        platform = info.platform.as_str(),
        goVersion = info.go_version.as_str(),
        "Kubernetes server info"
    );
    tracing::info!(v = 3, "我是V(3)日志");
    Ok(())
}

/// Tells where the log file is and whether it stays.
pub fn announce(session: &Session, file: &LogFile) {
    let fate = if file.remove {
        "removed at the end; --keep-log-file keeps it"
    } else {
        "kept"
    };
    outln!(session.out(), "log file {} ({fate})", file.path().display());
}

#[tokio::main]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let mut flags = LogFlags::default();
    let rest = match goflag::parse_known(&mut flags, argv.iter().skip(1).cloned()) {
        Ok(rest) => rest,
        Err(e) => return clientgo_example::report(&e),
    };
    let (builder, args) = Session::parse_args_from::<Args, _, _>(NAME, argv.iter().take(1).chain(&rest));
    // Logging first, so the session's start (the kubeconfig loaded, at -v 6) is logged too.
    let file = match install_logging(&flags, &args) {
        Ok(file) => file,
        Err(e) => return clientgo_example::report(e.as_ref()),
    };
    let session = match builder.start().await {
        Ok(session) => session,
        Err(e) => return clientgo_example::report(e.as_ref()),
    };
    if let Some(file) = &file {
        announce(&session, file);
    }
    session.run(run(&session, &args)).await
}
