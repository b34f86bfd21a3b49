//! The `clientgo-codegen` binary: reads the vendored OpenAPI documents, reports on them, and regenerates the api
//! crate's generated modules.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clientgo_codegen::Difference;

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
    /// Write the generated modules of crates/api (and its round-trip table), deleting left-over files in
    /// generated directories.
    Regenerate {
        /// Write nothing; list what differs and fail if anything does.
        #[arg(long)]
        check: bool,
        /// The repository to write into [default: the one this generator belongs to]
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
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
    let ir = match ir {
        Ok(ir) => ir,
        Err(e) => {
            eprintln!("error: {} (in {})", e, dir.display());
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Summary => {
            print!("{}", clientgo_codegen::summary(&ir));
            ExitCode::SUCCESS
        }
        Command::Regenerate { check, root } => {
            let root = root.unwrap_or_else(clientgo_codegen::repository_root);
            let path = root.join(clientgo_codegen::OVERRIDES_FILE);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    eprintln!("error: reading {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            };
            let gvs = clientgo_codegen::emit::generated_group_versions();
            let generated = clientgo_codegen::Overrides::parse(&text, &ir)
                .and_then(|overrides| clientgo_codegen::emit::generate(&ir, &overrides, &gvs));
            let generated = match generated {
                Ok(generated) => generated,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let result = if check {
                clientgo_codegen::differences(&root, &generated)
            } else {
                clientgo_codegen::write(&root, &generated)
            };
            match result {
                Ok(changes) => report(&changes, check, generated.len()),
                Err(e) => {
                    eprintln!("error: under {}: {e}", root.display());
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Prints the changes; with `check`, any change is a failure.
fn report(changes: &[Difference], check: bool, total: usize) -> ExitCode {
    for change in changes {
        let (what, path) = match (change, check) {
            (Difference::Missing(p), true) => ("missing", p),
            (Difference::Differs(p), true) => ("differs", p),
            (Difference::Extra(p), true) => ("not generated", p),
            (Difference::Missing(p), false) => ("created", p),
            (Difference::Differs(p), false) => ("updated", p),
            (Difference::Extra(p), false) => ("deleted", p),
        };
        println!("{what:>13} {path}");
    }
    println!("{total} generated files, {} changed", changes.len());
    if check && !changes.is_empty() {
        eprintln!("error: the generated files are stale; run `cargo run -p clientgo-codegen -- regenerate`");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
