//! The command line (parsed by clap): server options, `--fault-*` flags and the compaction schedule.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, ArgMatches, CommandFactory as _, FromArgMatches as _};
use clientgo_apiserver::{ApiServer, ServerBuilder};

use crate::fault_flags::FaultSetting;

/// What `--help` prints after the options.
const STDIN_COMMANDS: &str = "\
While serving, stdin takes one command per line: `compact` (compact the event log now), or any
--fault-* flag without its dashes (`fault-stall 1`, `fault-fail 1/2:500`, `fault-clear`).
SIGINT or SIGTERM stops the server and removes the kubeconfig it wrote.";

/// The embedded Kubernetes API server as a standalone process: prints `serving on URL` and
/// `kubeconfig: PATH`, then serves on 127.0.0.1 until SIGINT or SIGTERM.
#[derive(Debug, clap::Parser)]
#[command(name = "clientgo-apiserver", after_help = STDIN_COMMANDS)]
struct Cli {
    /// Listen on this port of 127.0.0.1 (0: an ephemeral port, printed as `serving on URL`).
    #[arg(long, value_name = "PORT", default_value_t = 6443)]
    port: u16,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    tls: bool,
    /// Require this bearer token (401 otherwise); without it, anonymous access is allowed.
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// Where to write the kubeconfig (default: a file in a temporary directory); removed on exit.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// Keep at most N events for watch replay (older ones are compacted).
    #[arg(long, value_name = "N")]
    max_events: Option<usize>,
    /// Send a BOOKMARK every S seconds to watches that allow them (default 60, like the real server).
    #[arg(long, value_name = "S")]
    bookmark_interval_secs: Option<u64>,
    /// Add a node and the kube-system pods after start, as a fresh kind cluster has them.
    #[arg(long)]
    seed_demo: bool,
    /// Compact the event log every S seconds (older resourceVersions get 410).
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(1..))]
    compact_every_secs: Option<u64>,
    #[command(flatten)]
    faults: FaultArgs,
}

/// The `--fault-*` flags. Each may be given more than once; they are set in command-line order
/// (see [`faults_in_order`]), so the fields are only there for clap's help and checks.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Faults (set at start, in this order; also stdin commands)")]
#[allow(dead_code)] // Read through `ArgMatches`, in command-line order.
struct FaultArgs {
    /// Close every watch after it has sent N events (0: off).
    #[arg(long, value_name = "N", value_parser = fault("fault-close-watches-after-events"))]
    fault_close_watches_after_events: Vec<FaultSetting>,
    /// Close every watch S seconds after it opened (0: off).
    #[arg(long, value_name = "S", value_parser = fault("fault-close-watches-after-secs"))]
    fault_close_watches_after_secs: Vec<FaultSetting>,
    /// Cut every watch's connection without a clean end.
    #[arg(long, action = ArgAction::Append, num_args = 0, default_missing_value = "",
          value_parser = fault("fault-cut-watches"))]
    fault_cut_watches: Vec<FaultSetting>,
    /// Drop the connection without answering for the next N requests.
    #[arg(long, value_name = "N", value_parser = fault("fault-cut"))]
    fault_cut: Vec<FaultSetting>,
    /// Send headers and then nothing, forever, for the next N requests.
    #[arg(long, value_name = "N", value_parser = fault("fault-stall"))]
    fault_stall: Vec<FaultSetting>,
    /// Answer the first N of every M requests with CODE (429, 500 or 409; 429 has Retry-After: 1).
    #[arg(long, value_name = "N/M:CODE", value_parser = fault("fault-fail"))]
    fault_fail: Vec<FaultSetting>,
    /// The same as --fault-fail, counting only writes (POST, PUT, PATCH, DELETE).
    #[arg(long, value_name = "N/M:CODE", value_parser = fault("fault-fail-writes"))]
    fault_fail_writes: Vec<FaultSetting>,
    /// Clear the faults set before it.
    #[arg(long, action = ArgAction::Append, num_args = 0, default_missing_value = "",
          value_parser = fault("fault-clear"))]
    fault_clear: Vec<FaultSetting>,
}

/// clap's parser for the value of the fault flag `name` (an empty value for flags that take none),
/// through [`FaultSetting::parse`], which stdin commands use too.
fn fault(
    name: &'static str,
) -> impl Fn(&str) -> Result<FaultSetting, String> + Clone + Send + Sync + 'static {
    move |value| {
        let value = (!value.is_empty()).then(|| value.to_owned());
        FaultSetting::parse(name, || value)?.ok_or_else(|| format!("--{name} is not a fault flag"))
    }
}

/// Every `--fault-*` value, in command-line order: clap groups values by flag, so they are put
/// back in order by their positions.
fn faults_in_order(matches: &ArgMatches) -> Vec<FaultSetting> {
    let mut found: Vec<(usize, FaultSetting)> = Vec::new();
    for id in matches.ids() {
        // Only the fault flags hold `FaultSetting`s; every other id answers with an error here.
        if let (Ok(Some(values)), Some(positions)) = (
            matches.try_get_many::<FaultSetting>(id.as_str()),
            matches.indices_of(id.as_str()),
        ) {
            found.extend(positions.zip(values.copied()));
        }
    }
    found.sort_by_key(|(position, _)| *position);
    found.into_iter().map(|(_, fault)| fault).collect()
}

/// What the command line asks for.
pub(crate) struct Config {
    /// The server options.
    pub(crate) builder: ServerBuilder,
    /// The port on 127.0.0.1.
    pub(crate) port: u16,
    /// Add a node and kube-system pods after start.
    pub(crate) seed_demo: bool,
    /// Faults set right after start, in flag order.
    pub(crate) faults: Vec<FaultSetting>,
    /// Compact the event log this often.
    pub(crate) compact_every: Option<Duration>,
}

/// Parses a command line (the program name first).
///
/// # Errors
/// clap's error for `--help` (its `exit()` prints the help and exits 0) or for an argument that is
/// unknown, lacks its value or has a malformed one (printed with the usage, exit code 2).
pub(crate) fn parse_from<I, T>(args: I) -> Result<Config, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = command().try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let mut builder = ApiServer::builder().tls(cli.tls);
    if let Some(token) = cli.token {
        builder = builder.token(token);
    }
    if let Some(path) = cli.kubeconfig {
        builder = builder.kubeconfig_path(path);
    }
    if let Some(n) = cli.max_events {
        builder = builder.max_events(n);
    }
    if let Some(secs) = cli.bookmark_interval_secs {
        builder = builder.bookmark_interval(Duration::from_secs(secs));
    }
    Ok(Config {
        builder,
        port: cli.port,
        seed_demo: cli.seed_demo,
        faults: faults_in_order(&matches),
        compact_every: cli.compact_every_secs.map(Duration::from_secs),
    })
}

/// The command clap parses, for its help text and argument list.
pub(crate) fn command() -> clap::Command {
    Cli::command()
}

/// The `--flag` words of a text, sorted, without repeats (to keep the docs in sync with the command).
#[cfg(test)]
pub(crate) fn flags_in(text: &str) -> Vec<&str> {
    let mut flags: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.len() > 2 && w.starts_with("--") && !w.ends_with('-'))
        .collect();
    flags.sort_unstable();
    flags.dedup();
    flags
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;
    use crate::fault_flags::ErrorCode;

    fn run(args: &[&str]) -> Result<Config, clap::Error> {
        parse_from(std::iter::once("clientgo-apiserver").chain(args.iter().copied()))
    }

    #[test]
    fn clap_accepts_its_own_definition() {
        command().debug_assert();
    }

    #[test]
    fn flags_fill_the_config_and_faults_keep_their_order() {
        let c = run(&[
            "--port",
            "0",
            "--seed-demo",
            "--fault-stall",
            "1",
            "--compact-every-secs",
            "5",
            "--fault-cut-watches",
            "--fault-fail",
            "1/2:429",
            "--fault-clear",
            "--fault-stall",
            "2",
        ])
        .unwrap();
        assert_eq!(c.port, 0);
        assert!(c.seed_demo);
        assert_eq!(c.compact_every, Some(Duration::from_secs(5)));
        assert_eq!(
            c.faults,
            [
                FaultSetting::Stall(1),
                FaultSetting::CutWatches,
                FaultSetting::Fail {
                    fail: 1,
                    per: 2,
                    code: ErrorCode::TooManyRequests
                },
                FaultSetting::Clear,
                FaultSetting::Stall(2),
            ]
        );
    }

    #[test]
    fn defaults_and_help() {
        let c = run(&[]).unwrap();
        assert_eq!((c.port, c.seed_demo, c.compact_every), (6443, false, None));
        assert!(c.faults.is_empty());
        let help = run(&["--help"]).err().unwrap();
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        let text = help.to_string();
        assert!(text.contains("--fault-fail <N/M:CODE>"), "{text}");
        assert!(text.contains("stdin takes one command per line"), "{text}");
    }

    #[test]
    fn errors_name_the_argument() {
        for (args, kind, named) in [
            (&["--port"][..], ErrorKind::InvalidValue, "--port"),
            (&["--port", "x"], ErrorKind::ValueValidation, "--port"),
            (&["--bogus"], ErrorKind::UnknownArgument, "--bogus"),
            (&["--fault-stall"], ErrorKind::InvalidValue, "--fault-stall"),
            (
                &["--fault-fail", "1/2:418"],
                ErrorKind::ValueValidation,
                "N/M:429, N/M:500 or N/M:409",
            ),
            (
                &["--compact-every-secs", "0"],
                ErrorKind::ValueValidation,
                "--compact-every-secs",
            ),
        ] {
            let e = run(args).err().unwrap();
            assert_eq!(e.kind(), kind, "{args:?}: {e}");
            assert!(e.to_string().contains(named), "{args:?}: {e}");
        }
    }
}
