//! Seed 003 §5.7 "Timeouts", experiments T4 and T5 (L562-704): two ways to bound a request.
//!
//! - T4, a global timeout: `Config::timeout` (the seed's `Timeout = 30 * time.Second`) bounds every
//!   request of every client built from the config, and each URL carries it to the server as
//!   `?timeout=30s`. `ServerVersion()` takes no context, so this is the only bound it can have: it
//!   fails with `context deadline exceeded` after about 30 s.
//! - T5, a per-request deadline: the seed's `context.WithTimeout(ctx, 5s)` around
//!   `CoreV1().Namespaces().List`, here `tokio::time::timeout` around the typed `list` (dropping the
//!   call's future cancels the request). It fails after about 5 s, and the server is not told: the
//!   URL carries no `?timeout=`.
//!
//! Both calls are made first against the cluster, which answers at once, then against a local server
//! that reads each request and never answers (the seed pointed its kubeconfig at an HTTPS server whose
//! handlers sleep 60 s). That server prints the request line it received, showing where the timeout
//! travels on the URL. A real cluster cannot be made to stall, and the embedded server's stall fault
//! could not show what it received, so the local server stands in for both.
//!
//! Run: `cargo run --example timeout_global_and_per_request [-- --global-timeout 30 --per-request-timeout 5] [--kubeconfig PATH]`

use std::process::ExitCode;
use std::time::Duration;

use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::rest::{go_duration, Config, ErrorReport};
use clientgo_example::{outln, BoxError, Out, Session};
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// T4: `Config::timeout`, in seconds (the seed's 30).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = clientgo_example::values::seconds)]
    pub global_timeout: Duration,
    /// T5: the deadline around the typed list, in seconds (the seed's 5).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = clientgo_example::values::seconds)]
    pub per_request_timeout: Duration,
}

/// At most this much of a request head is read by the stalling server.
const MAX_HEAD: usize = 16 * 1024;
/// How long to wait for the stalling server to report a request the client sent.
const RECEIVED_WAIT: Duration = Duration::from_secs(5);

/// Reads one request head and sends its request line (`GET /version?timeout=30s`) to `received`,
/// then holds the connection, never answering, until the client hangs up.
async fn stall(mut socket: TcpStream, received: mpsc::Sender<String>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next().unwrap_or("");
    let line = line.strip_suffix(" HTTP/1.1").unwrap_or(line).to_owned();
    let _ = received.send(line).await;
    while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
}

/// Accepts connections and stalls each of them.
async fn stalling_server(listener: TcpListener, received: mpsc::Sender<String>) {
    let mut connections = JoinSet::new();
    while let Ok((socket, _)) = listener.accept().await {
        connections.spawn(stall(socket, received.clone()));
    }
}

/// The two calls against a client built from `config`, each timed; with `received`, the request
/// line the stalling server got for each.
async fn t4_t5(
    out: &Out,
    mut config: Config,
    args: &Args,
    mut received: Option<&mut mpsc::Receiver<String>>,
) -> Result<(), BoxError> {
    config.timeout = Some(args.global_timeout);
    let clientset = Clientset::new(&config)?;
    outln!(
        out,
        "T4: Config::timeout = {}, clientset.server_version():",
        go_duration::format(args.global_timeout)
    );
    let start = Instant::now();
    let version = clientset.server_version().await;
    outln!(out, "Used {:.2} seconds", start.elapsed().as_secs_f64());
    match version {
        Ok(v) => outln!(out, "gitVersion {}", v.git_version),
        Err(e) => outln!(out, "Error: {}", ErrorReport::new(&e)),
    }
    report_received(out, received.as_deref_mut()).await;

    config.timeout = None;
    let clientset = Clientset::new(&config)?;
    outln!(
        out,
        "T5: a {} deadline around core_v1().namespaces().list():",
        go_duration::format(args.per_request_timeout)
    );
    let start = Instant::now();
    let list = tokio::time::timeout(
        args.per_request_timeout,
        clientset.core_v1().namespaces().list(&ListOptions::default()),
    )
    .await;
    outln!(out, "Used {:.2} seconds", start.elapsed().as_secs_f64());
    match list {
        Ok(Ok(list)) => outln!(out, "{} namespaces", list.items.len()),
        Ok(Err(e)) => outln!(out, "Error: {}", ErrorReport::new(&e)),
        // tokio's `Elapsed` says only "deadline has elapsed"; in the seed's words:
        Err(_elapsed) => outln!(
            out,
            "Error: context deadline exceeded (the {} deadline dropped the list, which cancels its request)",
            go_duration::format(args.per_request_timeout)
        ),
    }
    report_received(out, received).await;
    Ok(())
}

/// Prints the request line the stalling server received for the last call.
async fn report_received(out: &Out, received: Option<&mut mpsc::Receiver<String>>) {
    let Some(received) = received else { return };
    match tokio::time::timeout(RECEIVED_WAIT, received.recv()).await {
        Ok(Some(line)) => outln!(out, "  the server received: {line}"),
        _ => outln!(out, "  the server received nothing"),
    }
}

/// T4 and T5 against the cluster, then against a server that never answers.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    outln!(
        out,
        "against the cluster at {}, which answers at once:",
        session.config().host
    );
    t4_t5(out, session.config().clone(), args, None).await?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (tx, mut received) = mpsc::channel(4);
    // Dropping the set when the example ends (or fails) stops the server.
    let mut server = JoinSet::new();
    server.spawn(stalling_server(listener, tx));
    outln!(out, "");
    outln!(out, "against {url}, which reads each request and never answers:");
    t4_t5(out, Config::new(url), args, Some(&mut received)).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
