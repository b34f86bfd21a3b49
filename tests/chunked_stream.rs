//! Runs the chunked-streaming examples (seeds 000/001) in process: the hand-written server on
//! 127.0.0.1 port 0, read over raw TCP and by the streaming client, and the client's scripted demo.

#![allow(dead_code)] // Each example's `main` is unused here.

mod support;

#[path = "../examples/chunked_stream_client.rs"]
mod chunked_stream_client;
#[path = "../examples/chunked_stream_server.rs"]
mod chunked_stream_server;

use std::time::Duration;

use chunked_stream_server::{Args, Route};
use clap::Parser as _;
use clientgo::apimachinery::MicroTime;
use clientgo_example::Out;
use support::GUARD;
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A server on an ephemeral port; it stops when the returned task is aborted or dropped with the
/// runtime.
struct Server {
    addr: String,
    out: Out,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(route: Route, no_newline: bool) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let out = Out::capture();
    let args = Args {
        route,
        port: Some(0),
        interval_ms: 5,
        no_newline,
    };
    let task = tokio::spawn(chunked_stream_server::serve(listener, args, out.clone()));
    Server { addr, out, task }
}

/// Waits for the server to notice that its client went away: seed 001's two lines, in order.
async fn expect_disconnect(out: &Out, route: &str) {
    let closed = format!("{route} closed");
    tokio::time::timeout(GUARD, out.wait_for(|l| l == closed))
        .await
        .unwrap();
    let lines = out.lines();
    let at = lines.iter().position(|l| *l == closed).unwrap();
    assert_eq!(
        lines[at - 1],
        "Client has disconnected: context canceled",
        "{lines:?}"
    );
}

/// Whether `s` is a time line of seed 000: `2022-10-30 21:46:18`.
fn is_time_line(s: &str) -> bool {
    s.len() == 19 && MicroTime::parse(&format!("{}Z", s.replacen(' ', "T", 1))).is_ok()
}

/// Whether `s` is Go's `time.Now().String()` in UTC: `2024-03-31 07:41:18.259277 +0000 UTC m=+7.257596089`.
fn is_go_time(s: &str) -> bool {
    let Some((wall, monotonic)) = s.split_once(" +0000 UTC m=+") else {
        return false;
    };
    let (seconds, fraction) = wall.split_once('.').unwrap_or((wall, ""));
    let nanos = monotonic.split_once('.').map(|(_, n)| n.len());
    is_time_line(seconds)
        && fraction.len() <= 6
        && !fraction.ends_with('0')
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && nanos == Some(9)
        && monotonic.parse::<f64>().is_ok()
}

/// One CRLF-ended line of the raw reply, without the CRLF.
async fn read_crlf_line(r: &mut (impl AsyncBufRead + Unpin)) -> String {
    let mut line = String::new();
    r.read_line(&mut line).await.unwrap();
    line.strip_suffix("\r\n")
        .unwrap_or_else(|| panic!("line not ended by CRLF: {line:?}"))
        .to_owned()
}

/// One chunk of a chunked body: its size line (hex), its data and the CRLF after it.
async fn read_chunk(r: &mut (impl AsyncBufRead + Unpin)) -> String {
    let size_line = read_crlf_line(r).await;
    let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16)
        .unwrap_or_else(|_| panic!("chunk size {size_line:?}"));
    let mut data = vec![0; size + 2];
    r.read_exact(&mut data).await.unwrap();
    assert_eq!(
        &data[size..],
        b"\r\n",
        "chunk of {size} bytes not followed by CRLF"
    );
    data.truncate(size);
    String::from_utf8(data).unwrap()
}

/// Sends `GET path` over raw TCP and returns the status line, the headers (names lowercased) and
/// the reader positioned at the body.
async fn raw_get(addr: &str, path: &str) -> (String, Vec<(String, String)>, BufReader<TcpStream>) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut reader = BufReader::new(tcp);
    let status = read_crlf_line(&mut reader).await;
    let mut headers = Vec::new();
    loop {
        let line = read_crlf_line(&mut reader).await;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("header {line:?}"));
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    (status, headers, reader)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(h, _)| h == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn heart_writes_one_data_line_per_chunk_and_notices_the_client_leave() {
    let server = start(Route::Heart, false).await;
    let (status, headers, mut body) = raw_get(&server.addr, "/heart").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        header(&headers, "transfer-encoding"),
        Some("chunked"),
        "{headers:?}"
    );
    assert_eq!(header(&headers, "content-length"), None, "{headers:?}");
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/plain; charset=utf-8"),
        "{headers:?}"
    );
    for _ in 0..3 {
        let chunk = read_chunk(&mut body).await;
        let line = chunk
            .strip_prefix("data: ")
            .and_then(|l| l.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("not one `data: ...` line: {chunk:?}"));
        assert!(is_go_time(line), "{chunk:?}");
    }
    drop(body);
    expect_disconnect(&server.out, "heart").await;
}

/// Runs the client against the server's `/watch` until `stop_flag` (`--count` or `--chunks`) 3,
/// and returns what it printed.
async fn client_lines(addr: &str, stop_flag: &str) -> Vec<String> {
    let out = Out::capture();
    let args = chunked_stream_client::Args::parse_from([
        "chunked_stream_client",
        "--url",
        &format!("http://{addr}/watch"),
        stop_flag,
        "3",
    ]);
    tokio::time::timeout(
        GUARD,
        chunked_stream_client::run(&args, &out, std::future::pending()),
    )
    .await
    .unwrap()
    .unwrap();
    out.lines()
}

#[tokio::test]
async fn the_client_prints_each_watch_line_and_the_server_notices_it_stop() {
    let server = start(Route::Watch, false).await;
    let lines = client_lines(&server.addr, "--count").await;
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines[1..4].iter().all(|l| is_time_line(l)), "{lines:?}");
    // (How many pieces the network made of the 60 bytes is its business.)
    assert!(
        lines[4].starts_with("stopped at --count: ")
            && lines[4].ends_with(" arrived, 3 lines printed, 0 bytes wait for a newline"),
        "{lines:?}"
    );
    expect_disconnect(&server.out, "watch").await;
    // Seed 000's server logs each write, the same time it sent.
    let logged: Vec<String> = server.out.lines();
    assert!(
        logged
            .iter()
            .take(3)
            .all(|l| l.strip_prefix("info: ").is_some_and(is_time_line)),
        "{logged:?}"
    );
}

#[tokio::test]
async fn without_newlines_the_chunks_arrive_but_a_line_reader_prints_nothing() {
    let server = start(Route::Watch, true).await;
    // On the wire, every record leaves at once as its own chunk: the bytes are not held back...
    let (_, _, mut body) = raw_get(&server.addr, "/watch").await;
    for _ in 0..2 {
        let chunk = read_chunk(&mut body).await;
        assert!(is_time_line(&chunk), "{chunk:?}");
    }
    drop(body);
    // ...but a reader that waits for a newline has nothing to print.
    let lines = client_lines(&server.addr, "--chunks").await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    let summary = lines[1]
        .strip_prefix("stopped at --chunks: 3 chunks (")
        .unwrap_or_else(|| panic!("{lines:?}"));
    let (bytes, rest) = summary.split_once(" bytes) arrived, 0 lines printed, ").unwrap();
    let (waiting, text) = rest.split_once(" bytes wait for a newline: ").unwrap();
    assert_eq!(bytes, waiting, "every byte that came still waits: {lines:?}");
    // Seed 000's curl output: the times run together.
    let text: String = serde_json::from_str(text).unwrap();
    assert_eq!(text.len(), waiting.parse::<usize>().unwrap());
    assert!(text.len() >= 19 && is_time_line(&text[..19]), "{text:?}");
}

#[test]
fn records_have_the_seeds_shapes() {
    let now = MicroTime::parse("2024-03-31T07:41:18.259270Z").unwrap();
    let since = Duration::new(7, 257_596_089);
    assert_eq!(
        chunked_stream_server::record(Route::Watch, now, since, false),
        "2024-03-31 07:41:18\n"
    );
    assert_eq!(
        chunked_stream_server::record(Route::Watch, now, since, true),
        "2024-03-31 07:41:18"
    );
    assert_eq!(
        chunked_stream_server::record(Route::Heart, now, since, false),
        "data: 2024-03-31 07:41:18.25927 +0000 UTC m=+7.257596089\n"
    );
    let whole = MicroTime::parse("2024-03-31T07:41:18Z").unwrap();
    assert_eq!(
        chunked_stream_server::record(Route::Heart, whole, Duration::from_millis(1), true),
        "data: 2024-03-31 07:41:18 +0000 UTC m=+0.001000000"
    );
}

#[test]
fn each_route_has_its_seeds_path_and_port() {
    let parse = |args: &[&str]| {
        Args::try_parse_from(std::iter::once("chunked_stream_server").chain(args.iter().copied()))
    };
    let watch = parse(&[]).unwrap();
    assert_eq!(
        (watch.route.path(), watch.port(), watch.interval_ms),
        ("/watch", 8897, 1000)
    );
    let heart = parse(&["heart"]).unwrap();
    assert_eq!((heart.route.path(), heart.port()), ("/heart", 6789));
    assert_eq!(parse(&["heart", "--port", "9000"]).unwrap().port(), 9000);
    assert!(parse(&["--interval-ms", "0"]).is_err());
    assert!(parse(&["--port", "x"]).is_err());
}

#[test]
fn demo_shows_the_decoder_coping_where_a_line_reader_stalls() {
    let out = Out::capture();
    chunked_stream_client::demo(&out);
    let expected = r#"chunk 1: "{\"time\":\"2022-10-30"
chunk 2: "T21:11:59Z\""
chunk 3: "}\n"
  frame decoder: {"time":"2022-10-30T21:11:59Z"}
  line reader:   {"time":"2022-10-30T21:11:59Z"}
chunk 4: "{\"time\":\"2022-10-30T21:12:00Z\"}\n{\"time\":\"2022-10-30T21:12:01Z\"}\n"
  frame decoder: {"time":"2022-10-30T21:12:00Z"}
  frame decoder: {"time":"2022-10-30T21:12:01Z"}
  line reader:   {"time":"2022-10-30T21:12:00Z"}
  line reader:   {"time":"2022-10-30T21:12:01Z"}
chunk 5: "{\"time\":\"2022-10-30T21:12:02Z\"}"
  frame decoder: {"time":"2022-10-30T21:12:02Z"}
frame decoder: 4 records
line reader: 3 records, still waiting for a newline after "{\"time\":\"2022-10-30T21:12:02Z\"}""#;
    assert_eq!(out.lines().join("\n"), expected);
}
