//! Seeds 000/001: a hand-written "watch" server. `/watch` (also `/heart`, seed 001's route) keeps the
//! response open and writes one record per interval over chunked transfer encoding, flushing each.
//! Like the API server's watch handler, it notices when the client goes away and stops.
//!
//! Records are JSON objects, one per line: `{"time":"2026-11-23T20:21:00.123456Z"}`, the same framing
//! as a real watch stream. `--text` writes seed 000's plain `YYYY-MM-DD HH:MM:SS` lines instead, and
//! `--no-newline` drops the trailing newline to reproduce seed 000's symptom (a line-oriented reader
//! such as curl's terminal output shows nothing until the connection ends; a structural frame decoder
//! still sees each JSON record as it arrives).
//!
//! Run: `cargo run --example chunked_stream_server [-- --port 8897] [--interval-ms 1000] [--text]
//! [--no-newline]`, then `curl localhost:8897/watch` or `cargo run --example chunked_stream_client`.

use std::convert::Infallible;
use std::error::Error;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use clientgo::apimachinery::MicroTime;
use http_body_util::StreamBody;
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// How the server writes its records.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Time between records.
    pub interval: Duration,
    /// Plain `YYYY-MM-DD HH:MM:SS` text instead of JSON records.
    pub text: bool,
    /// Leave out the newline after each record (seed 000's first version).
    pub no_newline: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            interval: Duration::from_secs(1),
            text: false,
            no_newline: false,
        }
    }
}

/// Parses `--port N`, `--interval-ms N`, `--text`, `--no-newline`.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<(u16, Options), String> {
    let mut port = 8897;
    let mut opts = Options::default();
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                let v = args.next().ok_or("--port needs a value")?;
                port = v.parse().map_err(|_| format!("--port: not a port: {v:?}"))?;
            }
            "--interval-ms" => {
                let v = args.next().ok_or("--interval-ms needs a value")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--interval-ms: not a number: {v:?}"))?;
                opts.interval = Duration::from_millis(ms.max(1));
            }
            "--text" => opts.text = true,
            "--no-newline" => opts.no_newline = true,
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    Ok((port, opts))
}

/// One record as written on the wire.
pub fn record(opts: Options, now: MicroTime) -> String {
    let mut s = if opts.text {
        // RFC 3339 "2026-11-23T20:21:00.123456Z" -> seed 000's "2026-11-23 20:21:00".
        let rfc = now.to_string();
        rfc.get(..19).unwrap_or(&rfc).replacen('T', " ", 1)
    } else {
        serde_json::json!({ "time": now.to_string() }).to_string()
    };
    if !opts.no_newline {
        s.push('\n');
    }
    s
}

/// Serves until the task is dropped; each line the server logs is also sent on `log`.
pub async fn serve(
    listener: TcpListener,
    opts: Options,
    log: mpsc::UnboundedSender<String>,
) -> std::io::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        let log = log.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(req, peer, opts, log.clone()));
            // A client that vanishes mid-response is normal here, not an error worth reporting.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), svc)
                .await;
        });
    }
}

type Body = StreamBody<futures_util::stream::BoxStream<'static, Result<Frame<Bytes>, Infallible>>>;

fn emit(log: &mpsc::UnboundedSender<String>, line: String) {
    tracing::info!("{line}");
    let _ = log.send(line);
}

async fn handle(
    req: Request<Incoming>,
    peer: SocketAddr,
    opts: Options,
    log: mpsc::UnboundedSender<String>,
) -> Result<Response<Body>, Infallible> {
    use futures_util::StreamExt as _;
    if !matches!(req.uri().path(), "/watch" | "/heart") {
        let body = futures_util::stream::once(async {
            Ok(Frame::data(Bytes::from_static(b"404 page not found\n")))
        })
        .boxed();
        let mut resp = Response::new(StreamBody::new(body));
        *resp.status_mut() = StatusCode::NOT_FOUND;
        return Ok(resp);
    }
    emit(&log, format!("client {peer} connected to {}", req.uri().path()));
    // A one-slot channel: the writer waits for hyper to take each record, so a record is flushed
    // before the next is produced, and the sender learns at once when hyper drops the body.
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(opts.interval);
        let reason = loop {
            tokio::select! {
                _ = tick.tick() => {
                    let rec = Bytes::from(record(opts, MicroTime::now()));
                    if tx.send(rec).await.is_err() {
                        break "write failed";
                    }
                }
                () = tx.closed() => break "context canceled",
            }
        };
        emit(&log, format!("Client has disconnected: {reason}"));
        emit(&log, "heart closed".to_owned());
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((Ok(Frame::data(chunk)), rx))
    })
    .boxed();
    let resp = Response::builder()
        .header("content-type", "application/json")
        .body(StreamBody::new(body))
        .unwrap_or_else(|_| Response::new(StreamBody::new(futures_util::stream::empty().boxed())));
    Ok(resp)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt().with_target(false).init();
    let (port, opts) = parse_args(std::env::args().skip(1))?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!("http server started at {}...", listener.local_addr()?);
    let (log, mut drain) = mpsc::unbounded_channel();
    tokio::spawn(async move { while drain.recv().await.is_some() {} });
    serve(listener, opts, log).await?;
    Ok(())
}
