//! The command line, parsed with clap the way cobra parses kubectl's.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand};

/// The program name used in messages.
pub const NAME: &str = "kubectl-lite";

/// `kubectl-lite [global flags] COMMAND`. Mirrors kubectl's root command.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-lite",
    about = "kubectl-lite controls the Kubernetes cluster manager.",
    disable_version_flag = true
)]
pub struct Cli {
    /// Path to the kubeconfig file to use for CLI requests.
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,
    /// The name of the kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// If present, the namespace scope for this CLI request.
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Number for the log level verbosity.
    #[arg(short = 'v', long = "v", global = true, default_value_t = 0)]
    pub verbosity: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply a configuration to a resource by file name or stdin.
    Apply(ApplyArgs),
    /// Delete resources by file names or stdin.
    Delete(FileArgs),
    /// Display one or many resources.
    Get(GetArgs),
}

/// `-f` as kubectl takes it: repeatable, FILE, DIR or `-` for stdin.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// The files that contain the configurations (a file, a directory, or - for stdin).
    #[arg(short = 'f', long = "filename")]
    pub filename: Vec<String>,
}

/// `apply` flags.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Files.
    #[command(flatten)]
    pub files: FileArgs,
    /// Accepted for kubectl compatibility: apply is always server-side.
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true")]
    pub server_side: bool,
    /// Take ownership of fields other managers own instead of failing with a conflict.
    #[arg(long)]
    pub force_conflicts: bool,
    /// The field manager recorded by server-side apply.
    #[arg(long, default_value = "kubectl-lite")]
    pub field_manager: String,
}

/// `get` arguments.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The kind or resource: `pods`, `pod`, `po`, `deployments.apps`, `Service`.
    pub kind: Option<String>,
    /// One object's name; all objects when absent.
    pub name: Option<String>,
    /// Output format: json, yaml or name.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

/// What parsing produced: a command to run, or text to print and an exit code.
#[derive(Debug)]
pub enum Parsed {
    /// Run this.
    Run(Cli),
    /// Print this (help on stdout with 0, errors on stderr with 1).
    Exit {
        /// The text.
        text: String,
        /// To stderr?
        stderr: bool,
        /// Exit code.
        code: i32,
    },
}

/// Parses `args` (without the program name), turning clap's errors into kubectl's words.
pub fn parse(args: &[String]) -> Parsed {
    let all = std::iter::once(NAME.to_owned()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(all) {
        Ok(cli) => cli,
        Err(e) => return from_clap(e, args),
    };
    let files = match &cli.command {
        Command::Apply(a) => Some(&a.files),
        Command::Delete(f) => Some(f),
        Command::Get(_) => None,
    };
    if files.is_some_and(|f| f.filename.is_empty()) {
        return fail("error: must specify one of -f and -k\n".to_owned());
    }
    if let Command::Get(g) = &cli.command {
        if g.kind.is_none() {
            return fail(format!(
                "You must specify the type of resource to get.\n\n\
                 error: Required resource not specified.\nSee '{NAME} get -h' for help and examples\n"
            ));
        }
        if let Some(o) = g.output.as_deref() {
            if !matches!(o, "json" | "yaml" | "name" | "wide") {
                return fail(format!(
                    "error: unable to match a printer suitable for the output format \"{o}\", \
                     allowed formats are: json,name,yaml\n"
                ));
            }
        }
    }
    Parsed::Run(cli)
}

fn fail(text: String) -> Parsed {
    Parsed::Exit {
        text,
        stderr: true,
        code: 1,
    }
}

fn from_clap(e: clap::Error, args: &[String]) -> Parsed {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Parsed::Exit {
            text: e.render().to_string(),
            stderr: false,
            code: 0,
        },
        ErrorKind::InvalidSubcommand => {
            let cmd = match e.get(ContextKind::InvalidSubcommand) {
                Some(ContextValue::String(s)) => s.clone(),
                _ => args
                    .iter()
                    .find(|a| !a.starts_with('-'))
                    .cloned()
                    .unwrap_or_default(),
            };
            fail(format!("error: unknown command \"{cmd}\" for \"{NAME}\"\n"))
        }
        ErrorKind::MissingSubcommand => Parsed::Exit {
            text: e.render().to_string(),
            stderr: false,
            code: 0,
        },
        _ => {
            let text = e.render().to_string();
            // clap's first paragraph is the error ("error: ...", possibly with a list under it).
            let head: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).collect();
            fail(format!("{}\nSee '{NAME} --help' for usage.\n", head.join("\n")))
        }
    }
}
