//! `clientgo-apiserver`: the embedded Kubernetes API server as a standalone process.
//!
//! ```text
//! clientgo-apiserver [--port 6443] [--tls] [--token T] [--kubeconfig PATH] [--max-events N]
//!                    [--bookmark-interval-secs S] [--seed-demo]
//!                    [--fault-close-watches-after-events N] [--fault-close-watches-after-secs S]
//!                    [--fault-cut-watches] [--fault-fail N/M:429|500|409]
//! ```
//! Prints the kubeconfig path, then serves until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clientgo_apiserver::{ApiServer, InjectedError};

struct Faults {
    close_events: Option<u64>,
    close_secs: Option<u64>,
    cut: bool,
    fail: Option<(u64, u64, InjectedError)>,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("clientgo-apiserver: {msg}");
    eprintln!("usage: clientgo-apiserver [--port 6443] [--tls] [--token T] [--kubeconfig PATH] [--max-events N] [--bookmark-interval-secs S] [--seed-demo] [--fault-close-watches-after-events N] [--fault-close-watches-after-secs S] [--fault-cut-watches] [--fault-fail N/M:429|500|409]");
    ExitCode::from(2)
}

fn parse_fail(s: &str) -> Option<(u64, u64, InjectedError)> {
    let (ratio, code) = s.split_once(':')?;
    let (n, m) = ratio.split_once('/')?;
    let kind = match code {
        "429" => InjectedError::TooManyRequests { retry_after: 1 },
        "500" => InjectedError::Internal,
        "409" => InjectedError::Conflict,
        _ => return None,
    };
    Some((n.parse().ok()?, m.parse().ok()?, kind))
}

fn main() -> ExitCode {
    let mut builder = ApiServer::builder();
    let mut port = 6443u16;
    let mut seed_demo = false;
    let mut faults = Faults {
        close_events: None,
        close_secs: None,
        cut: false,
        fail: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let r: Result<(), String> = (|| {
            match a.as_str() {
                "--port" => {
                    port = value("--port")?
                        .parse()
                        .map_err(|_| "--port must be a number".to_owned())?
                }
                "--tls" => builder = builder.clone().tls(true),
                "--token" => builder = builder.clone().token(value("--token")?),
                "--kubeconfig" => builder = builder.clone().kubeconfig_path(value("--kubeconfig")?),
                "--max-events" => {
                    let n = value("--max-events")?
                        .parse()
                        .map_err(|_| "--max-events must be a number".to_owned())?;
                    builder = builder.clone().max_events(n);
                }
                "--bookmark-interval-secs" => {
                    let n = value("--bookmark-interval-secs")?
                        .parse()
                        .map_err(|_| "--bookmark-interval-secs must be a number".to_owned())?;
                    builder = builder.clone().bookmark_interval(Duration::from_secs(n));
                }
                "--seed-demo" => seed_demo = true,
                "--fault-close-watches-after-events" => {
                    faults.close_events =
                        Some(value(&a)?.parse().map_err(|_| "expected a number".to_owned())?);
                }
                "--fault-close-watches-after-secs" => {
                    faults.close_secs = Some(value(&a)?.parse().map_err(|_| "expected a number".to_owned())?);
                }
                "--fault-cut-watches" => faults.cut = true,
                "--fault-fail" => {
                    faults.fail = Some(
                        parse_fail(&value(&a)?)
                            .ok_or_else(|| "--fault-fail wants N/M:429 or N/M:500".to_owned())?,
                    );
                }
                "-h" | "--help" => return Err("help".to_owned()),
                other => return Err(format!("unknown argument {other}")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            return usage(&e);
        }
    }
    let builder = builder.addr(SocketAddr::from(([127, 0, 0, 1], port)));
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("clientgo-apiserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let server = match builder.start().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("clientgo-apiserver: {e}");
                return ExitCode::FAILURE;
            }
        };
        if seed_demo {
            clientgo_apiserver::embedded::seed_demo_cluster(&server);
        }
        let f = server.faults();
        f.close_watches_after_events(faults.close_events);
        f.close_watches_after(faults.close_secs.map(Duration::from_secs));
        f.cut_watches(faults.cut);
        if let Some((n, m, kind)) = faults.fail {
            f.fail_requests(n, m, kind);
        }
        println!("serving on {}", server.url());
        println!("kubeconfig: {}", server.kubeconfig_path().display());
        println!(
            "try: kubectl --kubeconfig {} get ns",
            server.kubeconfig_path().display()
        );
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
