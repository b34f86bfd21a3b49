//! Property tests of the watch frame decoder: any chunking of any event sequence decodes to the same
//! events, and no input makes it panic.

use clientgo_apimachinery::watch::FrameError;
use clientgo_apimachinery::{
    Bookmark, DynamicObject, FrameDecoder, ObjectMeta, RawJson, Status, WatchEvent, WatchEventDecoder,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

type Event = WatchEvent<DynamicObject>;

/// Strings full of what trips naive framers: quotes, braces, brackets, backslashes, newlines,
/// multi-byte characters.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9\\-]{0,12}",
        "[\"{}\\[\\]\\\\:,/ a-z\u{e9}\u{65e5}\u{1f600}\n\t]{0,24}",
        any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        tricky_string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(tricky_string(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn object() -> impl Strategy<Value = DynamicObject> {
    (
        tricky_string(),
        "[0-9]{1,6}",
        prop::collection::btree_map(tricky_string(), tricky_string(), 0..3),
        prop::collection::btree_map("x[a-z]{1,7}", json_value(), 0..3),
        prop::collection::btree_map("x[a-z]{1,7}", json_value(), 0..2),
    )
        .prop_map(|(name, rv, labels, data, unknown_meta)| DynamicObject {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("demo".into()),
                resource_version: Some(rv.into()),
                labels: labels.into_iter().collect(),
                // Fields a newer server might add to metadata come through the decoder too.
                unknown_fields: unknown_meta
                    .into_iter()
                    .map(|(k, v)| (k, RawJson::from_serialize(&v).expect("a JSON value serializes")))
                    .collect(),
                ..ObjectMeta::default()
            },
            data: data.into_iter().collect(),
        })
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        object().prop_map(WatchEvent::Added),
        object().prop_map(WatchEvent::Modified),
        object().prop_map(WatchEvent::Deleted),
        "[0-9]{1,6}".prop_map(|rv| WatchEvent::Bookmark(Bookmark {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            metadata: ObjectMeta {
                resource_version: Some(rv.into()),
                ..ObjectMeta::default()
            },
        })),
        tricky_string().prop_map(|msg| WatchEvent::Error(Status::failure(410, "Expired", msg))),
    ]
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["\n", "", " ", "\r\n", "\n\n", "\t \n "])
}

/// Cuts `bytes` into pieces: all 1-byte, or random sizes (1 to 300 bytes).
fn chunk<'a>(bytes: &'a [u8], one_byte: bool, sizes: &[usize]) -> Vec<&'a [u8]> {
    if one_byte {
        return bytes.chunks(1).collect();
    }
    let mut out = Vec::new();
    let mut rest = bytes;
    for &n in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at(n.clamp(1, rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

fn decode_events<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<Event> {
    let mut decoder = WatchEventDecoder::new();
    let mut events = Vec::new();
    for c in chunks {
        decoder.push(c);
        while let Some(e) = decoder.next_event() {
            events.push(e.expect("a valid stream decodes without errors"));
        }
    }
    decoder.finish();
    while let Some(e) = decoder.next_event() {
        events.push(e.expect("a valid stream decodes without errors"));
    }
    events
}

/// Everything the frame decoder says about a stream, owned, for comparing chunkings.
fn frame_outcome<'a>(
    max_frame_size: usize,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<Result<(u64, Vec<u8>), FrameError>> {
    let mut decoder = FrameDecoder::with_max_frame_size(max_frame_size);
    let mut out = Vec::new();
    let drain = |d: &mut FrameDecoder, out: &mut Vec<_>| {
        while let Some(item) = d.next_frame() {
            out.push(item.map(|f| (f.offset(), f.bytes().to_vec())));
        }
    };
    for c in chunks {
        decoder.push(c);
        drain(&mut decoder, &mut out);
        // Bounded memory: never more than the limit plus the chunk just pushed.
        assert!(decoder.buffered_len() <= max_frame_size + c.len().max(64));
    }
    decoder.finish();
    drain(&mut decoder, &mut out);
    assert!(
        decoder.next_frame().is_none(),
        "the decoder is exhausted after finish"
    );
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_chunking_of_any_events_decodes_to_the_same_events(
        events in prop::collection::vec(event(), 0..8),
        seps in prop::collection::vec(separator(), 8),
        trailing in separator(),
        one_byte in any::<bool>(),
        sizes in prop::collection::vec(1usize..300, 1..16),
    ) {
        let mut stream = Vec::new();
        for (i, e) in events.iter().enumerate() {
            stream.extend_from_slice(&serde_json::to_vec(e).unwrap());
            let sep = if i + 1 == events.len() { trailing } else { seps[i % seps.len()] };
            stream.extend_from_slice(sep.as_bytes());
        }
        let decoded = decode_events(chunk(&stream, one_byte, &sizes));
        prop_assert_eq!(&decoded, &events);
        let whole = decode_events([&stream[..]]);
        prop_assert_eq!(whole, events);
    }

    #[test]
    fn garbage_never_panics_and_reads_the_same_whatever_the_chunking(
        garbage in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b"{}[]\"\\ \n:,ab0".to_vec()),
                1 => any::<u8>(),
            ],
            0..400,
        ),
        max in prop_oneof![Just(16usize), Just(64), Just(1 << 20)],
        one_byte in any::<bool>(),
        sizes in prop::collection::vec(1usize..50, 1..8),
    ) {
        let whole = frame_outcome(max, [&garbage[..]]);
        let chunked = frame_outcome(max, chunk(&garbage, one_byte, &sizes));
        prop_assert_eq!(&chunked, &whole);
        for item in &whole {
            match item {
                Ok((offset, bytes)) => {
                    prop_assert_eq!(bytes.first(), Some(&b'{'));
                    prop_assert!(bytes.len() <= max);
                    let at = usize::try_from(*offset).unwrap();
                    prop_assert_eq!(&garbage[at..at + bytes.len()], &bytes[..]);
                }
                Err(e) => prop_assert!(e.offset() <= garbage.len() as u64),
            }
        }
        // The typed decoder on top never panics either, and stops after finish.
        let mut typed = WatchEventDecoder::<DynamicObject>::with_max_frame_size(max);
        for c in chunk(&garbage, one_byte, &sizes) {
            typed.push(c);
            while typed.next_event().is_some() {}
        }
        typed.finish();
        while typed.next_event().is_some() {}
        prop_assert!(typed.next_event().is_none());
    }

    #[test]
    fn a_damaged_stream_still_yields_its_intact_leading_events(
        events in prop::collection::vec(event(), 1..5),
        cut in any::<prop::sample::Index>(),
        sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let mut stream = Vec::new();
        let mut ends = Vec::new();
        for e in &events {
            stream.extend_from_slice(&serde_json::to_vec(e).unwrap());
            ends.push(stream.len());
            stream.push(b'\n');
        }
        let cut = cut.index(stream.len());
        let truncated = &stream[..cut];
        let intact = ends.iter().filter(|&&end| end <= cut).count();
        let mut decoder = WatchEventDecoder::<DynamicObject>::new();
        let mut got = Vec::new();
        let mut errors = Vec::new();
        for c in chunk(truncated, false, &sizes) {
            decoder.push(c);
            while let Some(e) = decoder.next_event() {
                match e { Ok(ev) => got.push(ev), Err(err) => errors.push(err) }
            }
        }
        decoder.finish();
        while let Some(e) = decoder.next_event() {
            match e { Ok(ev) => got.push(ev), Err(err) => errors.push(err) }
        }
        prop_assert_eq!(&got[..], &events[..intact]);
        // A cut inside a frame is reported as truncated, at that frame's offset; a cut between
        // frames is no error at all.
        let partial_start = if intact == 0 { 0 } else { ends[intact - 1] + 1 };
        if cut > partial_start {
            prop_assert_eq!(errors.len(), 1);
            let truncated_at = matches!(
                &errors[0],
                clientgo_apimachinery::watch::DecodeError::Frame(FrameError::Truncated { offset, .. })
                    if *offset == partial_start as u64
            );
            prop_assert!(truncated_at, "{:?}", errors);
        } else {
            prop_assert!(errors.is_empty(), "{:?}", errors);
        }
    }
}
