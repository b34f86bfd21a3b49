//! Runs the chunked-streaming examples (seeds 000/001) in process: the hyper server on an ephemeral
//! port, the streaming client against it, and the scripted chunk demo.

#![allow(dead_code)] // Each example's `main` is unused here.

#[path = "../examples/chunked_stream_client.rs"]
mod chunked_stream_client;
#[path = "../examples/chunked_stream_server.rs"]
mod chunked_stream_server;

use std::time::Duration;

use chunked_stream_server::Options;
use clientgo::apimachinery::MicroTime;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

async fn start(opts: Options) -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/watch", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(chunked_stream_server::serve(listener, opts, tx));
    (url, rx)
}

async fn expect_disconnect(log: &mut mpsc::UnboundedReceiver<String>) {
    let mut lines = Vec::new();
    while let Some(l) = log.recv().await {
        let done = l == "heart closed";
        lines.push(l);
        if done {
            break;
        }
    }
    assert!(lines[0].starts_with("client 127.0.0.1:"), "{lines:?}");
    assert!(lines[0].ends_with(" connected to /watch"), "{lines:?}");
    assert!(
        lines[lines.len() - 2].starts_with("Client has disconnected: "),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("heart closed"));
}

fn assert_time_records(records: &[String]) {
    for r in records {
        let v: serde_json::Value = serde_json::from_str(r).unwrap();
        let t = v["time"].as_str().unwrap();
        MicroTime::parse(t).unwrap();
    }
}

#[tokio::test]
async fn client_prints_each_json_record_and_the_server_notices_the_disconnect() {
    let (url, mut log) = start(Options {
        interval: Duration::from_millis(5),
        ..Options::default()
    })
    .await;
    let mut records = Vec::new();
    let n = chunked_stream_client::run(&url, Some(3), |r| records.push(r.to_owned()))
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(records.len(), 3);
    assert_time_records(&records);
    expect_disconnect(&mut log).await;
}

#[tokio::test]
async fn without_newlines_the_frame_decoder_still_sees_every_record() {
    let (url, mut log) = start(Options {
        interval: Duration::from_millis(5),
        no_newline: true,
        ..Options::default()
    })
    .await;
    let mut records = Vec::new();
    chunked_stream_client::run(&url, Some(4), |r| records.push(r.to_owned()))
        .await
        .unwrap();
    assert_eq!(records.len(), 4);
    assert_time_records(&records);
    expect_disconnect(&mut log).await;
}

/// Reads one CRLF-terminated line (without the CRLF) of the raw HTTP reply.
async fn read_crlf_line(r: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> String {
    use tokio::io::AsyncBufReadExt as _;
    let mut line = String::new();
    r.read_line(&mut line).await.unwrap();
    line.strip_suffix("\r\n")
        .unwrap_or_else(|| panic!("line not ended by CRLF: {line:?}"))
        .to_owned()
}

/// Reads one chunk of a chunked body: its size line (hex, maybe with extensions), its data and the
/// CRLF after it.
async fn read_chunk(r: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> Vec<u8> {
    use tokio::io::AsyncReadExt as _;
    let size_line = read_crlf_line(r).await;
    let hex = size_line.split(';').next().unwrap().trim();
    let size = usize::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("chunk size {size_line:?}"));
    let mut data = vec![0; size + 2];
    r.read_exact(&mut data).await.unwrap();
    assert_eq!(
        &data[size..],
        b"\r\n",
        "chunk of {size} bytes not followed by CRLF"
    );
    data.truncate(size);
    data
}

#[tokio::test]
async fn the_watch_reply_is_chunked_with_one_chunk_per_record() {
    use tokio::io::AsyncWriteExt as _;
    let (url, mut log) = start(Options {
        interval: Duration::from_millis(5),
        ..Options::default()
    })
    .await;
    let addr = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/watch"))
        .unwrap();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /watch HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut reader = tokio::io::BufReader::new(tcp);
    assert_eq!(read_crlf_line(&mut reader).await, "HTTP/1.1 200 OK");
    let mut headers = Vec::new();
    loop {
        let line = read_crlf_line(&mut reader).await;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("header {line:?}"));
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.as_str());
    assert_eq!(header("transfer-encoding"), Some("chunked"), "{headers:?}");
    assert_eq!(header("content-length"), None, "{headers:?}");
    assert_eq!(header("content-type"), Some("application/json"), "{headers:?}");
    let mut records = Vec::new();
    for _ in 0..3 {
        let chunk = String::from_utf8(read_chunk(&mut reader).await).unwrap();
        let record = chunk
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("chunk is not one newline-ended record: {chunk:?}"));
        assert!(!record.contains('\n'), "several records in one chunk: {chunk:?}");
        records.push(record.to_owned());
    }
    assert_time_records(&records);
    drop(reader);
    expect_disconnect(&mut log).await;
}

#[test]
fn records_have_the_seed_shapes() {
    let t = MicroTime::parse("2022-10-30T21:11:59.123456Z").unwrap();
    let json = Options::default();
    assert_eq!(
        chunked_stream_server::record(json, t),
        "{\"time\":\"2022-10-30T21:11:59.123456Z\"}\n"
    );
    let text = Options {
        text: true,
        ..Options::default()
    };
    assert_eq!(chunked_stream_server::record(text, t), "2022-10-30 21:11:59\n");
    let bare = Options {
        text: true,
        no_newline: true,
        ..Options::default()
    };
    assert_eq!(chunked_stream_server::record(bare, t), "2022-10-30 21:11:59");
    let (port, opts) = chunked_stream_server::parse_args(
        ["--port", "9000", "--interval-ms", "20", "--no-newline"].map(String::from),
    )
    .unwrap();
    assert_eq!(
        (port, opts.interval, opts.no_newline),
        (9000, Duration::from_millis(20), true)
    );
    let err = chunked_stream_server::parse_args(["--port", "x"].map(String::from)).unwrap_err();
    assert_eq!(err, "--port: not a port: \"x\"");
}

#[test]
fn demo_shows_the_decoder_coping_where_a_line_reader_stalls() {
    let mut out = String::new();
    chunked_stream_client::demo(&mut out).unwrap();
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
line reader: 3 records, still waiting for a newline after "{\"time\":\"2022-10-30T21:12:02Z\"}"
"#;
    assert_eq!(out, expected);
}
