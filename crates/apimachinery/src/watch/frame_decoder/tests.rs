use super::*;
use crate::watch::{DecodeError, WatchEvent, WatchEventDecoder};
use crate::{ApiError, DynamicObject, Object};

/// What the decoder produced, owned so that runs with different chunkings can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Frame(u64, String),
    Error(FrameError),
}

fn drain(decoder: &mut FrameDecoder, out: &mut Vec<Out>) {
    while let Some(item) = decoder.next_frame() {
        out.push(match item {
            Ok(frame) => Out::Frame(
                frame.offset(),
                String::from_utf8_lossy(frame.bytes()).into_owned(),
            ),
            Err(e) => Out::Error(e),
        });
    }
}

fn run_chunks<'a>(decoder: &mut FrameDecoder, chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<Out> {
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        drain(decoder, &mut out);
    }
    decoder.finish();
    drain(decoder, &mut out);
    out
}

fn run(input: &[u8], chunk: usize) -> Vec<Out> {
    run_chunks(&mut FrameDecoder::new(), input.chunks(chunk.max(1)))
}

fn frames(out: &[Out]) -> Vec<&str> {
    out.iter()
        .filter_map(|o| match o {
            Out::Frame(_, s) => Some(s.as_str()),
            Out::Error(_) => None,
        })
        .collect()
}

const TRICKY: &[&str] = &[
    r#"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#,
    r#"{"s":"}}}{{{ ]][[ braces in a string"}"#,
    r#"{"s":"escaped \" quote }","t":"\"}"}"#,
    r#"{"s":"backslashes \\","t":"\\\\","u":"\\\"}"}"#,
    r#"{"u":"\u007d\u005d\u0022 \ud83d\ude00","k":"k:{\"name\":\"web\"}"}"#,
    r#"{"nested":[[[{"a":[1,2,{"b":[]}]}]],{}],"n":-1.5e3,"t":true,"f":false,"z":null}"#,
    "{\"utf8\":\"caf\u{e9} \u{1f600} \u{65e5}\u{672c}\"}",
    r#"{}"#,
];

#[test]
fn finds_each_frame_whatever_the_separators() {
    for sep in ["\n", "", " ", "\r\n", "\n\n \t", "  \n"] {
        let input = TRICKY.join(sep);
        let out = run(input.as_bytes(), input.len());
        assert_eq!(frames(&out), TRICKY, "separator {sep:?}");
        assert!(out.iter().all(|o| matches!(o, Out::Frame(..))), "{out:?}");
    }
}

#[test]
fn splitting_at_every_position_gives_the_same_frames_and_offsets() {
    let input = format!("  {}\n", TRICKY.join("\n"));
    let whole = run(input.as_bytes(), input.len());
    assert_eq!(frames(&whole), TRICKY);
    for cut in 0..=input.len() {
        let (a, b) = input.as_bytes().split_at(cut);
        let out = run_chunks(&mut FrameDecoder::new(), [a, b]);
        assert_eq!(out, whole, "split at {cut}");
    }
    for cut in 1..input.len() {
        let (a, rest) = input.as_bytes().split_at(cut);
        for cut2 in (0..=rest.len()).step_by(7) {
            let (b, c) = rest.split_at(cut2);
            let out = run_chunks(&mut FrameDecoder::new(), [a, b, c]);
            assert_eq!(out, whole, "split at {cut} and {}", cut + cut2);
        }
    }
    for size in 1..=9 {
        assert_eq!(run(input.as_bytes(), size), whole, "{size}-byte chunks");
    }
}

#[test]
fn offsets_are_stream_positions() {
    let input = b"\n{\"a\":1}\n  {\"b\":2}{\"c\":3}";
    let out = run(input, 3);
    assert_eq!(
        out,
        vec![
            Out::Frame(1, r#"{"a":1}"#.into()),
            Out::Frame(11, r#"{"b":2}"#.into()),
            Out::Frame(18, r#"{"c":3}"#.into()),
        ]
    );
}

#[test]
fn a_missing_trailing_newline_is_fine_and_trailing_whitespace_is_not_an_error() {
    assert_eq!(frames(&run(br#"{"a":1}"#, 1)), [r#"{"a":1}"#]);
    assert_eq!(run(b" \r\n\t\n", 1), vec![]);
    assert_eq!(run(b"", 1), vec![]);
}

#[test]
fn a_frame_cut_off_by_the_end_of_the_stream_is_truncated() {
    let input = b"{\"a\":1}\n{\"type\":\"ADDED\",\"object\":{\"s\":\"}";
    for size in [1, 5, input.len()] {
        let out = run(input, size);
        assert_eq!(
            out,
            vec![
                Out::Frame(0, r#"{"a":1}"#.into()),
                Out::Error(FrameError::Truncated {
                    offset: 8,
                    len: 32,
                    head: r#"{"type":"ADDED","object":{"s":"}"#.into(),
                }),
            ],
            "{size}-byte chunks"
        );
    }
}

#[test]
fn finish_reports_the_truncated_frame_once_and_only_after_complete_frames() {
    let mut d = FrameDecoder::new();
    d.push(br#"{"a":1} {"b":2} {"c""#);
    d.finish();
    assert_eq!(d.next_frame().unwrap().unwrap().bytes(), br#"{"a":1}"#);
    assert_eq!(d.next_frame().unwrap().unwrap().bytes(), br#"{"b":2}"#);
    let err = d.next_frame().unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::Truncated {
                offset: 16,
                len: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(d.next_frame().is_none());
    assert!(d.next_frame().is_none());
}

#[test]
fn values_that_are_not_objects_are_reported_and_skipped_to_the_next_line() {
    let input = b"{\"a\":1}\n]\n[1,2]\nhello world\n\"str\" {\"x\":1}\n{\"b\":2}\n42";
    let expected = vec![
        Out::Frame(0, r#"{"a":1}"#.into()),
        Out::Error(FrameError::NotAnObject {
            offset: 8,
            head: "]".into(),
        }),
        Out::Error(FrameError::NotAnObject {
            offset: 10,
            head: "[1,2]".into(),
        }),
        Out::Error(FrameError::NotAnObject {
            offset: 16,
            head: "hello world".into(),
        }),
        Out::Error(FrameError::NotAnObject {
            offset: 28,
            head: "\"str\" {\"x\":1}".into(),
        }),
        Out::Frame(42, r#"{"b":2}"#.into()),
        Out::Error(FrameError::NotAnObject {
            offset: 50,
            head: "42".into(),
        }),
    ];
    for size in [1, 2, 3, 10, input.len()] {
        assert_eq!(run(input, size), expected, "{size}-byte chunks");
    }
}

#[test]
fn a_long_bad_line_shows_only_its_first_64_bytes() {
    let line = "x".repeat(200);
    for size in [1, 64, 1000] {
        let out = run(format!("{line}\n{{}}").as_bytes(), size);
        assert_eq!(
            out,
            vec![
                Out::Error(FrameError::NotAnObject {
                    offset: 0,
                    head: "x".repeat(64),
                }),
                Out::Frame(201, "{}".into()),
            ],
            "{size}-byte chunks"
        );
    }
}

#[test]
fn the_head_is_cut_at_a_character_boundary() {
    let text = format!("{}\u{e9}\u{e9}", "a".repeat(63));
    assert_eq!(head_of(text.as_bytes()), "a".repeat(63));
    assert_eq!(head_of(b"\xff\xfe"), "\u{fffd}\u{fffd}");
    assert_eq!(head_of(b"{}"), "{}");
}

#[test]
fn an_oversized_frame_is_reported_skipped_and_not_buffered() {
    let big = format!(r#"{{"data":"{}","s":"}}"}}"#, "z".repeat(1000));
    let input = format!("{{\"a\":1}}\n{big}\n{{\"b\":2}}\n");
    let expected = vec![
        Out::Frame(0, r#"{"a":1}"#.into()),
        Out::Error(FrameError::TooLarge {
            offset: 8,
            limit: 100,
            head: format!(r#"{{"data":"{}"#, "z".repeat(55)),
        }),
        Out::Frame(8 + big.len() as u64 + 1, r#"{"b":2}"#.into()),
    ];
    for size in [1, 7, 64, 100, 101, input.len()] {
        let mut d = FrameDecoder::with_max_frame_size(100);
        let mut out = Vec::new();
        for chunk in input.as_bytes().chunks(size) {
            d.push(chunk);
            drain(&mut d, &mut out);
            assert!(
                d.buffered_len() <= 100,
                "{} bytes buffered with {size}-byte chunks",
                d.buffered_len()
            );
        }
        d.finish();
        drain(&mut d, &mut out);
        assert_eq!(out, expected, "{size}-byte chunks");
    }
}

#[test]
fn a_frame_of_exactly_the_limit_is_accepted() {
    let frame = r#"{"a":"0123456789"}"#;
    let limit = frame.len();
    for (max, ok) in [(limit, true), (limit - 1, false), (0, false)] {
        let out = run_chunks(&mut FrameDecoder::with_max_frame_size(max), [frame.as_bytes()]);
        match &out[..] {
            [Out::Frame(0, f)] if ok => assert_eq!(f, frame),
            [Out::Error(FrameError::TooLarge { offset: 0, limit, .. })] if !ok => {
                assert_eq!(*limit, max);
            }
            other => panic!("limit {max}: {other:?}"),
        }
    }
}

#[test]
fn a_large_object_fed_one_byte_at_a_time_is_scanned_in_one_pass() {
    // 2 MiB one byte at a time: a decoder that rescanned its buffer on every push would do ~2e12
    // steps and never finish; this one does ~2e6.
    let payload = "ab\\\"{[".repeat(2 * 1024 * 1024 / 6);
    let frame = format!(r#"{{"big":"{payload}","n":[{{}}]}}"#);
    let mut d = FrameDecoder::new();
    let mut seen = 0;
    for b in frame.as_bytes().chunks(1) {
        d.push(b);
        while let Some(item) = d.next_frame() {
            assert_eq!(item.unwrap().bytes(), frame.as_bytes());
            seen += 1;
        }
    }
    assert_eq!(seen, 1);
    assert_eq!(d.buffered_len(), 0);
    assert_eq!(d.offset(), frame.len() as u64);
}

#[test]
fn consumed_bytes_are_released_as_frames_are_drained() {
    let frame = format!(r#"{{"s":"{}"}}"#, "q".repeat(500));
    let mut d = FrameDecoder::new();
    let stream = format!("{frame}\n").repeat(2000);
    let mut count = 0;
    for chunk in stream.as_bytes().chunks(4096) {
        d.push(chunk);
        while let Some(f) = d.next_frame() {
            assert_eq!(f.unwrap().bytes().len(), frame.len());
            count += 1;
        }
        assert!(d.buffered_len() < frame.len() + 1, "{}", d.buffered_len());
        assert!(d.buf.capacity() <= 3 * 4096, "capacity {}", d.buf.capacity());
    }
    assert_eq!(count, 2000);
    assert_eq!(d.offset(), stream.len() as u64);
}

#[test]
fn capacity_is_given_back_after_a_large_frame() {
    let big = format!(r#"{{"s":"{}"}}"#, "q".repeat(4 * RETAINED_CAPACITY));
    let mut d = FrameDecoder::new();
    d.push(big.as_bytes());
    assert_eq!(d.next_frame().unwrap().unwrap().bytes().len(), big.len());
    d.push(b"{}");
    assert!(d.buf.capacity() <= RETAINED_CAPACITY);
    assert_eq!(d.next_frame().unwrap().unwrap().offset(), big.len() as u64);
}

// Typed decoding.

fn decode_all(input: &[u8], chunk: usize) -> Vec<Result<WatchEvent<DynamicObject>, DecodeError>> {
    let mut d = WatchEventDecoder::new();
    let mut out = Vec::new();
    for c in input.chunks(chunk.max(1)) {
        d.push(c);
        out.extend(std::iter::from_fn(|| d.next_event()));
    }
    d.finish();
    out.extend(std::iter::from_fn(|| d.next_event()));
    out
}

#[test]
fn decodes_real_server_frames_into_typed_events() {
    let input = concat!(
        r#"{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm-6","namespace":"demo","resourceVersion":"218"},"data":{"k":"v6"}}}"#,
        "\n",
        r#"{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"222"}}}"#,
        "\n",
        r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 215 (853)","reason":"Expired","code":410}}"#,
        "\n",
    );
    for size in [1, 13, input.len()] {
        let events: Vec<_> = decode_all(input.as_bytes(), size)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(events.len(), 3);
        assert!(matches!(&events[0], WatchEvent::Added(o) if o.name() == "cm-6"));
        assert!(matches!(&events[1], WatchEvent::Bookmark(b) if b.resource_version() == "222"));
        match &events[2] {
            WatchEvent::Error(s) => assert!(ApiError::from_status(s.clone()).is_gone()),
            other => panic!("expected ERROR, got {other:?}"),
        }
    }
}

#[test]
fn each_kind_of_bad_frame_has_its_own_error_and_the_stream_goes_on() {
    let frames = [
        r#"{"type":"ADDED","object":{"metadata":{"name":"ok-1"}}}"#,
        r#"{"type":"ADDED","object":{"metadata":{"name":}}}"#,
        r#"{"type":"CHANGED","object":{}}"#,
        r#"{"type":"ADDED"}"#,
        r#"{"type":"ADDED","object":{"metadata":{"name":7}}}"#,
        r#"["not","an","object"]"#,
        r#"{"type":"DELETED","object":{"metadata":{"name":"ok-2"}}}"#,
    ];
    let input = frames.join("\n");
    let offset_of = |i: usize| -> u64 { frames[..i].iter().map(|f| f.len() as u64 + 1).sum() };
    for size in [1, 10, input.len()] {
        let out = decode_all(input.as_bytes(), size);
        assert_eq!(out.len(), 7, "{out:?}");
        assert!(matches!(&out[0], Ok(WatchEvent::Added(o)) if o.name() == "ok-1"));
        match &out[1] {
            Err(DecodeError::InvalidJson { offset, head, source }) => {
                assert_eq!(*offset, offset_of(1));
                assert_eq!(head, frames[1]);
                assert!(source.is_syntax());
            }
            other => panic!("expected InvalidJson, got {other:?}"),
        }
        match &out[2] {
            Err(DecodeError::UnknownEventType {
                offset, event_type, ..
            }) => {
                assert_eq!(*offset, offset_of(2));
                assert_eq!(event_type, "CHANGED");
            }
            other => panic!("expected UnknownEventType, got {other:?}"),
        }
        for i in [3, 4] {
            match &out[i] {
                Err(e @ DecodeError::InvalidEvent { .. }) => {
                    assert_eq!(e.offset(), offset_of(i));
                    assert_eq!(e.head(), frames[i]);
                }
                other => panic!("frame {i}: expected InvalidEvent, got {other:?}"),
            }
        }
        match &out[5] {
            Err(DecodeError::Frame(FrameError::NotAnObject { offset, head })) => {
                assert_eq!(*offset, offset_of(5));
                assert_eq!(head, frames[5]);
            }
            other => panic!("expected NotAnObject, got {other:?}"),
        }
        assert!(matches!(&out[6], Ok(WatchEvent::Deleted(o)) if o.name() == "ok-2"));
    }
}

#[test]
fn errors_name_what_and_where() {
    let out = decode_all(br#"{"type":"CHANGED","object":{}}"#, 100);
    let msg = out[0].as_ref().unwrap_err().to_string();
    assert_eq!(
        msg,
        "unknown watch event type \"CHANGED\" in the frame at byte 0, expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR"
    );
    let out = decode_all(b"\n\n{\"type\":", 100);
    let msg = out[0].as_ref().unwrap_err().to_string();
    assert_eq!(
        msg,
        "watch stream ended inside the frame at byte 2 after 8 bytes (starts with \"{\\\"type\\\":\")"
    );
    let mut d = WatchEventDecoder::<DynamicObject>::with_max_frame_size(4);
    d.push(b"{\"ab\":1}");
    let msg = d.next_event().unwrap().unwrap_err().to_string();
    assert_eq!(
        msg,
        "watch frame at byte 0 is larger than the limit of 4 bytes (starts with \"{\\\"ab\")"
    );
}

#[test]
fn decoders_can_move_between_threads_whatever_the_object_type() {
    // A watch stream adapter holds the decoder across `.await`s on a multi-threaded runtime.
    fn send_sync<D: Send + Sync>() {}
    send_sync::<FrameDecoder>();
    send_sync::<WatchEventDecoder<DynamicObject>>();
    send_sync::<WatchEventDecoder<std::rc::Rc<DynamicObject>>>();
    send_sync::<DecodeError>();
}
