//! Seed 003 §5.15.5 "Verbosity levels" (L2330-2594): klog's V levels, how `-v` is set, and the library's own
//! request logs at the high levels.
//!
//! klog has no DEBUG/INFO/WARN levels to choose from: a line logged with `V(n)` prints iff `n` is
//! at most the global level `-v` (default 0), and lines without `V` always print. The seed's
//! experiments, each one run of this example:
//! 1. `V(i)` for i in -3..=5 at the default level prints `Level="-3"` .. `Level="0"`;
//! 2. `-v=2` prints up to `Level="2"`;
//! 3. a default set in the program before the command line is parsed (`flag.Set("v", "2")`
//!    before `flag.Parse()`, here `--preset-v 2`) is overridden by the command line's `-v`; one set
//!    after parsing (here `--override-v 4`) overrides the command line;
//! 4. a logger fixed at `V(1)` (`logger := klog.V(1)`) prints its nine lines only at `-v=1` and up.
//!
//! Which level to use: the seed counts client-go's own calls (mostly `V(4)`, some up to `V(10)`) and
//! recommends 0 to 3 for a program's lines, coarse to detailed.
//!
//! Then the example asks the server its version, and the library logs the request at the levels
//! client-go uses: `-v 6` the request line with its status and latency (`"GET URL 200 OK"
//! status=200 milliseconds=N`), `-v 7` each request and response header (the Authorization header
//! masked), `-v 8` the body's first 1,024 bytes, `-v 9` a longer body whole. client-go also prints a
//! `curl` line, "Config loaded from file" and HTTP statistics at `-v 6`..`10`; clientgo's rest and
//! clientcmd crates do not log those (yet). Only the client's events are shown: the embedded API
//! server runs in this process, and its own logs (and hyper's) are filtered out by target.
//!
//! klog's flags are Go's single-dash flags (`-v=2`, `-vmodule=...`), which clap cannot parse:
//! `Flags::parse` takes them out first, and clap parses the rest (the example's own options and the
//! cluster options). `-h` lists both.
//!
//! Run: `cargo run --example log_verbosity_levels [-- -v=2 | --preset-v 2 [-v=-1] | -v 6]`

use std::process::ExitCode;

use clientgo::klog::{self, FlagError, Flags};
use clientgo_example::{outln, BoxError, Session};
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};

const NAME: &str = "log_verbosity_levels";

/// The example's own options: where `-v` is set besides the command line.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(after_help = Flags::usage(NAME))]
pub struct Args {
    /// Set -v to N in the program before the command line is parsed (the seed's flag.Set("v", "2")
    /// before flag.Parse()): a default that the command line's -v overrides.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub preset_v: Option<i32>,
    /// Set -v to N after the command line is parsed (flag.Set("v", "4") after flag.Parse()): it
    /// overrides the command line's -v.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub override_v: Option<i32>,
}

/// klog's flags in the seed's order: the program's preset, then the command line (`klog_args`,
/// klog's Go-style flags), then the program's override.
///
/// # Errors
/// A bad klog flag on the command line.
pub fn klog_flags(args: &Args, klog_args: &[String]) -> Result<Flags, FlagError> {
    let mut flags = Flags::default();
    if let Some(v) = args.preset_v {
        flags.set("v", &v.to_string())?;
    }
    flags.parse_args(klog_args.iter().cloned())?;
    if let Some(v) = args.override_v {
        flags.set("v", &v.to_string())?;
    }
    Ok(flags)
}

/// Installs the output the flags select (klog's text on stderr by default), for the client's
/// events only.
///
/// # Errors
/// When the output cannot be opened or a global subscriber is already installed.
pub fn install_logging(flags: &Flags) -> Result<(), BoxError> {
    let layer = flags.layer(NAME)?.with_filter(klog::client_only(module_path!()));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    Ok(())
}

/// Logs `V(i)` for i in -3..=5, then nine lines through a logger fixed at `V(1)`, then asks the
/// server its version (the library logs the request at `-v 6` and up).
pub async fn run(session: &Session, _args: &Args) -> Result<(), BoxError> {
    for level in -3i32..=5 {
        tracing::info!(v = level, Level = level.to_string(), "klog");
    }
    // klog.V(1) kept in a variable: every line through it is a V(1) line.
    let fixed = 1;
    for i in -3i32..=5 {
        tracing::info!(v = fixed, Number = i.to_string(), "klog");
    }
    let info = session.clientset().discovery().server_version().await?;
    outln!(
        session.out(),
        "server version {} (the request is logged at -v 6 and up)",
        info.git_version
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let rest = match Flags::parse(argv.iter().skip(1).cloned()) {
        Ok((_, rest)) => rest,
        Err(e) => return clientgo_example::report(&e),
    };
    let (builder, args) = Session::parse_args_from::<Args, _, _>(NAME, argv.iter().take(1).chain(&rest));
    // Logging first, so the session's start (the kubeconfig loaded, at -v 6) is logged too.
    let logging = klog_flags(&args, &argv[1..]).map_err(BoxError::from);
    if let Err(e) = logging.and_then(|flags| install_logging(&flags)) {
        return clientgo_example::report(e.as_ref());
    }
    match builder.start().await {
        Ok(session) => session.run(run(&session, &args)).await,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
