//! The `kubectl-lite` binary: parse, run, exit with kubectl's codes.

use std::io::Write as _;

use clientgo_kubectl_lite::{parse, run, Parsed};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match parse(&args) {
        Parsed::Run(cli) => cli,
        Parsed::Exit { text, stderr, code } => {
            if stderr {
                let _ = std::io::stderr().write_all(text.as_bytes());
            } else {
                let _ = std::io::stdout().write_all(text.as_bytes());
            }
            std::process::exit(code);
        }
    };
    let level = match cli.verbosity {
        0..=3 => tracing::Level::WARN,
        4..=5 => tracing::Level::INFO,
        6..=7 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
    let code = run(
        &cli,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
    .await;
    std::process::exit(code);
}
