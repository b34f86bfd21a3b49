//! The `clientgo-codegen` binary: reads the vendored OpenAPI documents and reports on them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// clientgo's API generator.
#[derive(Parser)]
#[command(
    name = "clientgo-codegen",
    about = "clientgo's API generator (docs/api-generation.md)"
)]
struct Cli {
    /// Directory of the OpenAPI v3 documents, one `<group>_<version>.json` per group/version
    /// [default: crates/api/openapi/v1.36.2 of this repository]
    #[arg(long, value_name = "DIR", global = true)]
    spec: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load and check the documents, then print the definitions, fields, enum fields and resources of each
    /// group/version.
    Summary,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli.spec.unwrap_or_else(clientgo_codegen::vendored_spec_dir);
    let files = match clientgo_codegen::read_dir(&dir) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: reading {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let ir = clientgo_codegen::spec::load(
        files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    )
    .and_then(|spec| clientgo_codegen::ir::build(&spec));
    match (ir, cli.command) {
        (Ok(ir), Command::Summary) => {
            print!("{}", clientgo_codegen::summary(&ir));
            ExitCode::SUCCESS
        }
        (Err(e), _) => {
            eprintln!("error: {} (in {})", e, dir.display());
            ExitCode::FAILURE
        }
    }
}
