//! Seed 003 §5.7 "Timeouts", experiments T1-T3 (L376-560): by default a request has no timeout
//! (`Config::timeout` is `None`, Go's zero "no timeout"), yet failures can look like timeouts. Each
//! experiment asks for the server version and prints the seed's `Used N seconds` and the error:
//!
//! - (a) nothing listens on the port: refused at once (`connection refused`); the peer answered, so
//!   this is no timeout (the seed's 2 s were Windows retrying the connect);
//! - (b) a listener accepts TCP but never speaks TLS (the seed's `ncat -lvp`): the TLS handshake
//!   times out after 10 s, a transport bound (`Config::connect_timeout`), not a request timeout;
//! - (c) a server holds the request and answers only after a while with an empty 200 (the seed's
//!   handler sleeping 60 s): the client waits all of it, as long as the server takes, then fails to
//!   parse the empty body. Had that server never answered, the call would never have ended.
//!
//! Only local listeners are involved; no cluster is needed. `--handshake-timeout` and `--sleep`
//! shorten experiments (b) and (c).
//!
//! Run: `cargo run --example timeout_default_behaviour [-- --handshake-timeout 10 --sleep 60]`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;
use clientgo::kubernetes::Clientset;
use clientgo::rest::{Config, Error, ErrorReport};
use clientgo_example::{outln, BoxError, Out};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The example's options.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "timeout_default_behaviour")]
pub struct Args {
    /// Bound on the TCP connect and TLS handshake, in seconds (the client's default is 10, as Go's).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = clientgo_example::values::seconds)]
    pub handshake_timeout: Duration,
    /// How long the slow server of experiment (c) holds the request before it answers, in seconds.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = clientgo_example::values::seconds)]
    pub sleep: Duration,
}

/// What kind of failure an error is, in the words of the seed's conclusions.
fn kind(e: &Error) -> &'static str {
    if e.is_connection_refused() {
        "connection refused: the peer said no at once, nothing timed out"
    } else if e.is_tls_handshake_timeout() {
        "TLS handshake timeout: a bound of the transport, not of the request"
    } else if matches!(e, Error::Decode { .. }) {
        "unable to parse the server version: the client waited for the whole answer, which was empty"
    } else {
        "another failure"
    }
}

/// `clientset.ServerVersion()`, timed, with its outcome in words.
async fn server_version(config: &Config, out: &Out) -> Result<(), BoxError> {
    let clientset = Clientset::new(config)?;
    let start = Instant::now();
    let result = clientset.server_version().await;
    outln!(out, "Used {:.2} seconds", start.elapsed().as_secs_f64());
    match result {
        Ok(v) => outln!(out, "unexpected: an answer, {}", v.git_version),
        Err(e) => {
            outln!(out, "Error: {}", ErrorReport::new(&e));
            outln!(out, "  {}", kind(&e));
        }
    }
    Ok(())
}

/// A local address where nothing listens (a port the OS just handed out and took back).
fn closed_address() -> std::io::Result<SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Accepts connections and holds them open without a byte, as `ncat -lvp` does.
async fn silent_listener(listener: TcpListener) {
    let mut held = Vec::new();
    while let Ok((socket, _)) = listener.accept().await {
        held.push(socket);
    }
}

/// Reads each request's head, holds it for `sleep`, then answers 200 with an empty body.
async fn slow_server(listener: TcpListener, sleep: Duration) {
    let mut connections = JoinSet::new();
    while let Ok((mut socket, _)) = listener.accept().await {
        connections.spawn(async move {
            let mut head = [0u8; 4096];
            if socket.read(&mut head).await.is_ok() {
                tokio::time::sleep(sleep).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n",
                    )
                    .await;
            }
        });
    }
}

/// The three experiments, one after the other.
pub async fn run(args: &Args, out: &Out) -> Result<(), BoxError> {
    let closed = closed_address()?;
    outln!(out, "(a) nothing listens on {closed}");
    let mut config = Config::new(format!("https://{closed}"));
    config.tls.insecure = true;
    server_version(&config, out).await?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    outln!(out, "(b) {addr} accepts TCP and never speaks TLS");
    // Dropping the set at the end (or on an error) stops the local servers.
    let mut servers = JoinSet::new();
    servers.spawn(silent_listener(listener));
    let mut config = Config::new(format!("https://{addr}"));
    config.tls.insecure = true;
    config.connect_timeout = args.handshake_timeout;
    server_version(&config, out).await?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    outln!(
        out,
        "(c) {addr} holds the request {:.2} seconds, then answers 200 with an empty body (no request timeout by default)",
        args.sleep.as_secs_f64()
    );
    servers.spawn(slow_server(listener, args.sleep));
    let config = Config::new(format!("http://{addr}"));
    server_version(&config, out).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args, &Out::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
