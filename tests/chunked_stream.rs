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
