//! `clientgo-apiserver`: the embedded Kubernetes API server as a standalone process.
//!
//! ```text
//! clientgo-apiserver [--port 6443] [--tls] [--token T] [--kubeconfig PATH] [--max-events N]
//!                    [--bookmark-interval-secs S] [--seed-demo] [--compact-every-secs S]
//!                    [--fault-close-watches-after-events N] [--fault-close-watches-after-secs S]
//!                    [--fault-cut-watches] [--fault-cut N] [--fault-stall N]
//!                    [--fault-fail N/M:429|500|409] [--fault-fail-writes N/M:429|500|409]
//!                    [--fault-clear]
//! ```
//! Prints `serving on URL` and `kubeconfig: PATH`, then serves on 127.0.0.1 until SIGINT or SIGTERM
//! (`--port 0` picks a free port). The `--fault-*` flags mirror [`clientgo_apiserver::Faults`] one to
//! one. While serving, stdin takes one command per line: `compact` compacts the event log now (as
//! [`clientgo_apiserver::ApiServer::compact_now`]), and any `--fault-*` flag written without its dashes
//! (`fault-stall 1`) sets that fault; each command is acknowledged with one line on stdout.

mod args;
mod control;
mod fault_flags;

use std::process::ExitCode;

use clientgo_apiserver::ApiServer;
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};

use args::Config;
use control::Control;

fn main() -> ExitCode {
    // `--help` prints the help and exits 0; a bad argument prints the error and the usage and
    // exits 2.
    let config = args::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("clientgo-apiserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(serve(config))
}

async fn serve(config: Config) -> ExitCode {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], config.port));
    let server = match config.builder.addr(addr).start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("clientgo-apiserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    if config.seed_demo {
        clientgo_apiserver::embedded::seed_demo_cluster(&server);
    }
    for f in &config.faults {
        f.apply(server.faults());
    }
    println!("serving on {}", server.url());
    println!("kubeconfig: {}", server.kubeconfig_path().display());
    println!(
        "try: kubectl --kubeconfig {} get ns",
        server.kubeconfig_path().display()
    );
    let mut commands = control::stdin_lines();
    let mut stdin_open = true;
    let mut compaction = config.compact_every.map(|every| {
        let mut i = interval_at(Instant::now() + every, every);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            line = commands.recv(), if stdin_open => match line {
                Some(line) => run_command(&server, &line),
                None => stdin_open = false,
            },
            () = tick(&mut compaction) => compact(&server),
        }
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}

fn compact(server: &ApiServer) {
    println!("compacted at resourceVersion {}", server.compact_now());
}

fn run_command(server: &ApiServer, line: &str) {
    match control::parse_line(line) {
        Ok(None) => {}
        Ok(Some(Control::Compact)) => compact(server),
        Ok(Some(Control::Fault(f))) => {
            f.apply(server.faults());
            println!("applied {f}");
        }
        Err(e) => eprintln!("clientgo-apiserver: stdin: {e}"),
    }
}

/// The next compaction tick; never, without `--compact-every-secs`.
async fn tick(compaction: &mut Option<Interval>) {
    match compaction {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM. A signal whose handler cannot be installed never comes.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("clientgo-apiserver: cannot handle SIGINT: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                let _ = term.recv().await;
            }
            Err(e) => {
                eprintln!("clientgo-apiserver: cannot handle SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::args::flags_in;

    #[test]
    fn the_module_doc_synopsis_lists_every_flag_of_the_command() {
        let doc: String = include_str!("main.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! clientgo-apiserver ["))
            .take_while(|l| !l.starts_with("//! ```"))
            .collect();
        let command = super::args::command();
        let mut flags: Vec<String> = command
            .get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|long| *long != "help")
            .map(|long| format!("--{long}"))
            .collect();
        flags.sort_unstable();
        assert_eq!(flags_in(&doc), flags);
    }
}
