//! Seed 000 "kube-operator" (S000:L14-83) and seed 001 "chunked Response 实现示例" (S001:L32-96):
//! a hand-written watch server, the long-lived HTTP response the API server's watch handler
//! writes, with no library in between.
//!
//! - `watch` (seed 000, the default): `GET /watch` on port 8897 writes the time as
//!   `2022-10-30 21:46:18` once a second and logs `info: ...` for each write.
//! - `heart` (seed 001): `GET /heart` on port 6789 sets `Transfer-Encoding: chunked` and writes
//!   `data: <time>` once a second, the time as Go's `time.Now()` prints it
//!   (`2024-03-31 07:41:18.259277 +0000 UTC m=+7.257596089`; UTC here, where the seed showed its
//!   own zone).
//!
//! Each record is written and flushed as one HTTP chunk as soon as it is made. When the client
//! goes away (curl's Ctrl-C) the handler notices and ends, printing seed 001's
//! `Client has disconnected: context canceled` and `heart closed` (`watch closed` for seed 000's
//! route, whose disconnect the seed does not show).
//!
//! `--no-newline` is seed 000's first server (its FAQ): records without their trailing newline.
//! The chunks still leave at once, but curl prints nothing until the connection ends, then
//! everything run together (`2022-10-30 21:11:592022-10-30 21:12:00...`): a line-oriented reader
//! waits for the newline, not the network. See `chunked_stream_client` (and its `--demo`).
//!
//! The server listens on 127.0.0.1 only (the seeds' Go servers listen on every interface).
//!
//! Run: `cargo run --example chunked_stream_server [-- watch|heart] [--port N] [--interval-ms N]
//! [--no-newline]`, then `curl localhost:8897/watch` (or `curl localhost:6789/heart`), or
//! `cargo run --example chunked_stream_client`.

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser as _;
use clientgo::apimachinery::MicroTime;
use clientgo_example::{outln, BoxError, Out};
use futures_util::stream::BoxStream;
use futures_util::StreamExt as _;
use http_body_util::StreamBody;
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Which seed's route the server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Route {
    /// Seed 000: `GET /watch` on port 8897, `2022-10-30 21:46:18` lines.
    Watch,
    /// Seed 001: `GET /heart` on port 6789, `data: <time>` lines.
    Heart,
}

impl Route {
    /// The route's path.
    pub fn path(self) -> &'static str {
        match self {
            Route::Watch => "/watch",
            Route::Heart => "/heart",
        }
    }

    /// The seed's port.
    pub fn default_port(self) -> u16 {
        match self {
            Route::Watch => 8897,
            Route::Heart => 6789,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Route::Watch => "watch",
            Route::Heart => "heart",
        }
    }
}

/// The command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "chunked_stream_server")]
pub struct Args {
    /// Which seed's route to serve.
    #[arg(value_enum, default_value_t = Route::Watch)]
    pub route: Route,
    /// The port to listen on (default: the seed's, 8897 for watch, 6789 for heart; 0 picks a
    /// free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// Time between two records, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub interval_ms: u64,
    /// Leave out the newline after each record, as seed 000's first server did.
    #[arg(long)]
    pub no_newline: bool,
}

impl Args {
    /// `--port`, else the route's seed port.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.route.default_port())
    }
}

/// One record as written on the wire: seed 000's time line or seed 001's `data:` line, with its
/// newline unless `no_newline`. `since_start` is Go's monotonic clock reading (`m=+...`).
pub fn record(route: Route, now: MicroTime, since_start: Duration, no_newline: bool) -> String {
    let mut record = match route {
        Route::Watch => time_line(now),
        Route::Heart => format!("data: {}", go_time_string(now, since_start)),
    };
    if !no_newline {
        record.push('\n');
    }
    record
}

/// `2022-10-30 21:46:18`: Go's `time.Now().Format("2006-01-02 15:04:05")`, in UTC.
fn time_line(now: MicroTime) -> String {
    let rfc = now.to_string();
    format!("{} {}", rfc_part(&rfc, 0..10), rfc_part(&rfc, 11..19))
}

/// A part of an RFC 3339 time with microseconds (`2022-10-30T21:46:18.123456Z`); empty for a
/// year past 9999, whose text is longer.
fn rfc_part(rfc: &str, at: std::ops::Range<usize>) -> &str {
    rfc.get(at).filter(|_| rfc.len() == 27).unwrap_or("")
}

/// `2024-03-31 07:41:18.259277 +0000 UTC m=+7.257596089`: Go's `time.Time.String()` in UTC, its
/// fraction without trailing zeros, then the monotonic reading.
fn go_time_string(now: MicroTime, since_start: Duration) -> String {
    let rfc = now.to_string();
    let fraction = rfc_part(&rfc, 20..26).trim_end_matches('0');
    let dot = if fraction.is_empty() { "" } else { "." };
    format!(
        "{}{dot}{fraction} +0000 UTC m=+{}.{:09}",
        time_line(now),
        since_start.as_secs(),
        since_start.subsec_nanos()
    )
}

type Body = StreamBody<BoxStream<'static, Result<Frame<Bytes>, Infallible>>>;

/// Serves `args.route` on `listener` until dropped, printing the server's lines to `out`.
/// Dropping it closes every connection.
///
/// # Errors
/// When accepting a connection fails.
pub async fn serve(listener: TcpListener, args: Args, out: Out) -> std::io::Result<()> {
    let started = Instant::now();
    // The connections live as long as this future: dropping it aborts them (and their handlers
    // notice, as on a client's disconnect).
    let mut connections = JoinSet::new();
    loop {
        let (tcp, _peer) = listener.accept().await?;
        let (args, out) = (args.clone(), out.clone());
        connections.spawn(async move {
            let service = service_fn(move |req| {
                let (args, out) = (args.clone(), out.clone());
                async move { Ok::<_, Infallible>(handle(&req, &args, &out, started)) }
            });
            // A client that goes away mid-response is this server's normal end, not an error.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
        // Reap the finished ones so the set does not grow with every connection.
        while connections.try_join_next().is_some() {}
    }
}

/// The route's endless response, or Go's `404 page not found`.
fn handle(req: &Request<Incoming>, args: &Args, out: &Out, started: Instant) -> Response<Body> {
    if req.uri().path() != args.route.path() {
        let body = futures_util::stream::once(async {
            Ok(Frame::data(Bytes::from_static(b"404 page not found\n")))
        });
        let mut response = Response::new(StreamBody::new(body.boxed()));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    let mut response = Response::new(StreamBody::new(records(args, out, started)));
    let headers = response.headers_mut();
    // What Go's net/http sniffs from the first write of these text lines.
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if args.route == Route::Heart {
        // Seed 001 sets it explicitly; hyper chunks a body of unknown length anyway.
        headers.insert(
            hyper::header::TRANSFER_ENCODING,
            hyper::header::HeaderValue::from_static("chunked"),
        );
    }
    response
}

/// One record per interval, each its own chunk, the first after one interval (Go's
/// `time.After(1 * time.Second)`). hyper drops the stream when the client is gone, and with it the
/// [`Gone`] that says so.
fn records(args: &Args, out: &Out, started: Instant) -> BoxStream<'static, Result<Frame<Bytes>, Infallible>> {
    let interval = Duration::from_millis(args.interval_ms);
    let ticks = tokio::time::interval_at(Instant::now() + interval, interval);
    let gone = Gone {
        out: out.clone(),
        route: args.route,
    };
    let (route, no_newline) = (args.route, args.no_newline);
    futures_util::stream::unfold((ticks, gone), move |(mut ticks, gone)| async move {
        ticks.tick().await;
        let record = record(route, MicroTime::now(), started.elapsed(), no_newline);
        if route == Route::Watch {
            outln!(gone.out, "info: {}", record.trim_end());
        }
        Some((Ok(Frame::data(Bytes::from(record))), (ticks, gone)))
    })
    .boxed()
}

/// Prints seed 001's lines when the response ends: its body is only dropped when the client has
/// gone (or the server stops).
struct Gone {
    out: Out,
    route: Route,
}

impl Drop for Gone {
    fn drop(&mut self) {
        outln!(self.out, "Client has disconnected: context canceled");
        outln!(self.out, "{} closed", self.route.name());
    }
}

/// Listens on `args.port()` and serves until Ctrl-C.
///
/// # Errors
/// When the port cannot be listened on.
pub async fn run(args: &Args, out: &Out) -> Result<(), BoxError> {
    let port = args.port();
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("listening on 127.0.0.1:{port}: {e}"))?;
    let at = listener.local_addr()?;
    outln!(out, "http server started at {at}...");
    outln!(out, "try: curl localhost:{}{}", at.port(), args.route.path());
    let interrupted = clientgo::controller::setup_signal_handler()?;
    tokio::select! {
        served = serve(listener, args.clone(), out.clone()) => served?,
        () = interrupted => outln!(out, "interrupted: stopping"),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args, &Out::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
