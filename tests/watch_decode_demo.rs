//! `watch_decode_demo` prints what the recorded real watch streams contain, however the body is
//! cut. The example's source is compiled in, so its `run` is checked directly.

#[allow(dead_code)] // `main` is the example's entry point, unused here.
#[path = "../examples/watch_decode_demo.rs"]
mod demo;

use clap::Parser as _;
use clientgo_example::Out;
use demo::{Summary, DEFAULT_TRANSCRIPT};

/// Decodes `input` in pieces of `size` bytes; the printed text (a newline after each line) and the
/// summary.
fn run(input: &[u8], name: &str, size: usize) -> (String, Summary) {
    let out = Out::capture();
    let summary = demo::run(input, name, size, &out);
    let text: String = out.lines().iter().map(|l| format!("{l}\n")).collect();
    (text, summary)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/real-apiserver/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

#[test]
fn the_default_stream_prints_one_line_per_event_and_a_summary() {
    let args = demo::Args::parse_from(["watch_decode_demo"]);
    assert_eq!(args.file.to_str(), Some(DEFAULT_TRANSCRIPT));
    assert_eq!(args.chunk_size, 64);
    let out = Out::capture();
    let summary = demo::decode_file(&args, &out).unwrap();
    let out: String = out.lines().iter().map(|l| format!("{l}\n")).collect();
    // The real server's head says what the body is: JSON, in chunks.
    let expected = "\
== GET /api/v1/namespaces/demo/configmaps?watch=1&resourceVersion=215&allowWatchBookmarks=true&timeoutSeconds=12 HTTP/1.1
   HTTP/1.1 200 OK, Content-Type: application/json, Transfer-Encoding: chunked
   2921 bytes in 7 HTTP chunks, fed in pieces of at most 64 bytes
ADDED     demo/cm-6            rv=218
MODIFIED  demo/cm-1            rv=219
MODIFIED  demo/cm-2            rv=220
MODIFIED  demo/cm-4            rv=221
DELETED   demo/cm-3            rv=222
BOOKMARK  rv=222
BOOKMARK  rv=222
summary: 7 events in 1 watch stream (ADDED 1, MODIFIED 3, DELETED 1, BOOKMARK 2, ERROR 0), 0 decode errors, 2921 bytes in 49 pushes
";
    assert_eq!(out, expected);
    assert_eq!(
        summary,
        Summary {
            streams: 1,
            by_type: [1, 3, 1, 2, 0],
            errors: 0,
            bytes: 2921,
            pushes: 49,
        }
    );
}

#[test]
fn the_events_do_not_depend_on_how_the_body_is_cut() {
    let input = fixture("06a-watch-too-old-rv-410.txt");
    let event_lines = |size: usize| {
        let (out, summary) = run(&input, "06a", size);
        let lines: Vec<String> = out
            .lines()
            .filter(|l| !l.starts_with("   ") && !l.starts_with("summary:"))
            .map(str::to_string)
            .collect();
        (lines, summary.by_type)
    };
    let (reference, counts) = event_lines(1 << 20);
    assert_eq!(counts, [12, 9, 2, 0, 1]);
    for size in [1, 3, 64, 500] {
        assert_eq!(
            event_lines(size),
            (reference.clone(), counts),
            "{size}-byte pieces"
        );
    }
}

#[test]
fn an_expired_watch_prints_the_410_and_what_to_do() {
    let (out, summary) = run(&fixture("06a-watch-too-old-rv-410.txt"), "06a", 64);
    assert_eq!(summary.streams, 3);
    assert!(
        out.contains(
            "ERROR     410 Expired: too old resource version: 215 (853) -> resourceVersion too old: relist, then watch again\n"
        ),
        "{out}"
    );

    let (out, summary) = run(&fixture("10-watch-cache-disabled-410.txt"), "10", 16);
    assert_eq!(summary.by_type, [0, 0, 0, 0, 2]);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("ERROR")).collect();
    assert_eq!(errors.len(), 2);
    assert!(errors[0].starts_with(
        "ERROR     500 InternalError: Internal error occurred: etcd event received with PrevKv=nil"
    ));
    assert!(!errors[0].contains("relist"));
    assert_eq!(
        errors[1],
        "ERROR     410 Expired: The resourceVersion for the provided watch is too old. -> resourceVersion too old: relist, then watch again"
    );
}

#[test]
fn a_plain_stream_without_final_newline_and_with_a_bad_frame_still_decodes() {
    let input = concat!(
        r#"{"type":"ADDED","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo","resourceVersion":"5"}}}"#,
        "\n",
        r#"{"type":"RENAMED","object":{}}"#,
        r#"{"type":"DELETED","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"demo","resourceVersion":"9"}}}"#,
    );
    let (out, summary) = run(input.as_bytes(), "events.json", 5);
    let expected = "\
== events.json
   259 bytes in 1 HTTP chunk, fed in pieces of at most 5 bytes
ADDED     demo                 rv=5
decode error: unknown watch event type \"RENAMED\" in the frame at byte 114, expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR
DELETED   demo                 rv=9
summary: 2 events in 1 watch stream (ADDED 1, MODIFIED 0, DELETED 1, BOOKMARK 0, ERROR 0), 1 decode error, 259 bytes in 52 pushes
";
    assert_eq!(out, expected);
    assert_eq!(summary.errors, 1);
}

#[test]
fn arguments_are_checked_and_a_missing_file_is_named() {
    let parse = |args: &[&str]| {
        demo::Args::try_parse_from(std::iter::once("watch_decode_demo").chain(args.iter().copied()))
    };
    assert!(parse(&["--chunk-size", "0"]).is_err());
    assert!(parse(&["--chunk-size", "x"]).is_err());
    let args = parse(&["/nonexistent/events.json", "--chunk-size", "3"]).unwrap();
    assert_eq!(args.chunk_size, 3);
    let err = demo::decode_file(&args, &Out::capture()).unwrap_err();
    assert!(
        err.to_string().starts_with("reading /nonexistent/events.json: "),
        "{err}"
    );
}
