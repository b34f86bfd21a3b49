//! Seed 003 §"Timeouts", experiments T1-T3: by default a request has no timeout, but connecting is
//! bounded. (a) A closed port fails at once with "connection refused"; (b) a listener that accepts TCP
//! but never speaks TLS fails after the TLS handshake timeout (10 s, like Go); (c) a server that sleeps
//! before sending an empty 200 is waited for as long as it sleeps, then the empty body fails to parse.
//!
//! Local listeners only, no cluster needed. `--handshake-timeout SECS` (default 10) and `--sleep SECS`
//! (default 5) scale the experiments down.
//! Run: `cargo run --example timeout_default_behaviour`

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use clientgo::kubernetes::Clientset;
use clientgo::rest::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The causes of an error, joined like Go's wrapped errors.
pub fn chain(e: &dyn Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

async fn version(config: Config, out: &mut String) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let result = Clientset::new(&config)?.server_version().await;
    writeln!(out, "Used {:.2} seconds", start.elapsed().as_secs_f64())?;
    match result {
        Ok(v) => writeln!(out, "{}", v.git_version)?,
        Err(e) => {
            let what = if e.is_connection_refused() {
                "connection refused"
            } else if e.is_tls_handshake_timeout() {
                "TLS handshake timeout"
            } else if matches!(e, clientgo::rest::Error::Decode { .. }) {
                "unable to parse the server version"
            } else {
                "other"
            };
            writeln!(out, "[{what}] {}", chain(&e))?;
        }
    }
    Ok(())
}

/// Runs the three experiments.
pub async fn run(
    handshake_timeout: Duration,
    sleep: Duration,
    out: &mut String,
) -> Result<(), Box<dyn Error>> {
    writeln!(out, "(a) nothing listening")?;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut c = Config::new(format!("https://{closed}"));
    c.tls.insecure = true;
    version(c, out).await?;

    writeln!(out, "(b) TCP accepted, TLS never answered (like `ncat -lvp`)")?;
    let silent = TcpListener::bind("127.0.0.1:0").await?;
    let silent_addr = silent.local_addr()?;
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let mut c = Config::new(format!("https://{silent_addr}"));
    c.tls.insecure = true;
    c.connect_timeout = handshake_timeout;
    version(c, out).await?;
    hold.abort();

    writeln!(
        out,
        "(c) server sleeps {} s, then answers 200 with an empty body",
        sleep.as_secs_f64()
    )?;
    let slow = TcpListener::bind("127.0.0.1:0").await?;
    let slow_addr = slow.local_addr()?;
    let server = tokio::spawn(async move {
        while let Ok((mut s, _)) = slow.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                tokio::time::sleep(sleep).await;
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
            });
        }
    });
    version(Config::new(format!("http://{slow_addr}")), out).await?;
    server.abort();
    Ok(())
}

fn flag(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let handshake = Duration::from_secs_f64(flag("--handshake-timeout", 10.0));
    let sleep = Duration::from_secs_f64(flag("--sleep", 5.0));
    let mut out = String::new();
    let result = run(handshake, sleep, &mut out).await;
    print!("{out}");
    result
}
