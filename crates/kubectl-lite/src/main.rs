//! The `kubectl-lite` binary: parse, run, exit with kubectl's codes.

use std::io::Write as _;

use clientgo_kubectl_lite::{parse, run, Parsed};
use clientgo_log::{KlogLayer, Verbosity};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

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
    // klog-format logs on stderr at kubectl's `-v` levels: 6 request lines, 7 headers (the
    // Authorization header masked), 8 bodies, 9 whole bodies.
    // Only the client's own events: the HTTP stack's internals are not kubectl's output.
    let layer = KlogLayer::stderr(Verbosity::new(i32::from(cli.verbosity)))
        .with_filter(filter_fn(|meta| meta.target().starts_with("clientgo")));
    let _ = tracing_subscriber::registry().with(layer).try_init();
    let code = run(
        &cli,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
    .await;
    std::process::exit(code);
}
