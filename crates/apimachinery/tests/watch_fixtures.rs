//! Every watch stream recorded from a real kube-apiserver decodes to the same events whatever the
//! chunking, and those events say what the server meant.

mod support;

use clientgo_apimachinery::watch::DecodeError;
use clientgo_apimachinery::{ApiError, DynamicObject, Object, WatchEvent, WatchEventDecoder};
use support::transcript::{watch_bodies, WatchBody};

type Event = WatchEvent<DynamicObject>;

fn decode<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<Event>, DecodeError> {
    let mut decoder = WatchEventDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            events.push(event?);
        }
    }
    decoder.finish();
    while let Some(event) = decoder.next_event() {
        events.push(event?);
    }
    Ok(events)
}

/// Splits `body` into chunks of 1-700 bytes; seeded, so that a seed chunks the same on every run.
fn random_chunks(body: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut rest = body;
    let mut chunks = Vec::new();
    while !rest.is_empty() {
        let n = rng.usize(1..=rest.len().min(700));
        let (a, b) = rest.split_at(n);
        chunks.push(a);
        rest = b;
    }
    chunks
}

/// The events serde_json's own stream reader finds in the whole body: the independent reference.
fn reference(body: &[u8]) -> Vec<Event> {
    serde_json::Deserializer::from_slice(body)
        .into_iter::<Event>()
        .collect::<Result<_, _>>()
        .expect("the recorded body is valid JSON")
}

fn bodies() -> Vec<WatchBody> {
    let bodies = watch_bodies();
    // 04, 05, 05b, 06a (three), 08b, 10 (two), 11, 12, 16.
    assert_eq!(bodies.len(), 12, "watch responses found: {:#?}", labels(&bodies));
    bodies
}

fn labels(bodies: &[WatchBody]) -> Vec<String> {
    bodies.iter().map(WatchBody::label).collect()
}

#[test]
fn every_recorded_watch_decodes_identically_whatever_the_chunking() {
    for w in bodies() {
        let expected = reference(&w.body);
        assert!(!expected.is_empty(), "{}", w.label());
        let whole = decode([&w.body[..]]).unwrap();
        assert_eq!(whole, expected, "{}: whole body", w.label());
        for size in [1, 2, 7, 64, 4096] {
            let got = decode(w.body.chunks(size)).unwrap();
            assert_eq!(got, expected, "{}: {size}-byte chunks", w.label());
        }
        for seed in 1..=20 {
            let got = decode(random_chunks(&w.body, seed)).unwrap();
            assert_eq!(got, expected, "{}: random chunks, seed {seed}", w.label());
        }
        if let Some(server_chunks) = &w.server_chunks {
            let got = decode(server_chunks.iter().map(Vec::as_slice)).unwrap();
            assert_eq!(got, expected, "{}: the server's own chunks", w.label());
        }
        // Without the newlines the frames still separate.
        let joined: Vec<u8> = w.body.iter().copied().filter(|&b| b != b'\n').collect();
        assert_eq!(
            decode(joined.chunks(3)).unwrap(),
            expected,
            "{}: no newlines",
            w.label()
        );
    }
}

#[test]
fn the_server_splits_frames_mid_string_and_packs_several_per_chunk() {
    // The point of structural framing: in 06a the server's 2 KiB chunks cut frames inside strings
    // ("Config" | "Map"), and in 08b one chunk holds two frames.
    let bodies = bodies();
    let splits = bodies
        .iter()
        .filter_map(|w| w.server_chunks.as_ref())
        .flatten()
        .filter(|c| !c.ends_with(b"\n"))
        .count();
    assert!(splits >= 4, "chunks that end inside a frame: {splits}");
    let packed = bodies
        .iter()
        .filter_map(|w| w.server_chunks.as_ref())
        .flatten()
        .filter(|c| c.iter().filter(|&&b| b == b'\n').count() >= 2)
        .count();
    assert!(packed >= 3, "chunks holding several frames: {packed}");
}

fn summary(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let rv = match e {
                WatchEvent::Bookmark(b) => b.resource_version().to_string(),
                WatchEvent::Error(s) => format!("code {}", s.code.unwrap_or(0)),
                other => (other
                    .object()
                    .and_then(|o| o.metadata().resource_version.clone())
                    .unwrap_or_default())
                .into(),
            };
            (e.event_type().to_string(), rv)
        })
        .collect()
}

fn find<'a>(bodies: &'a [WatchBody], file: &str, target_part: &str) -> &'a WatchBody {
    bodies
        .iter()
        .find(|w| w.file == file && w.target.contains(target_part))
        .unwrap_or_else(|| panic!("no watch in {file} matching {target_part}"))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn events_match_what_the_transcripts_record() {
    let bodies = bodies();
    let w = find(&bodies, "04-watch-raw-chunked.txt", "resourceVersion=215");
    let events = decode(w.body.chunks(5)).unwrap();
    assert_eq!(
        summary(&events),
        pairs(&[
            ("ADDED", "218"),
            ("MODIFIED", "219"),
            ("MODIFIED", "220"),
            ("MODIFIED", "221"),
            ("DELETED", "222"),
            ("BOOKMARK", "222"),
            ("BOOKMARK", "222"),
        ])
    );
    let names: Vec<&str> = events
        .iter()
        .filter_map(|e| e.object())
        .map(Object::name)
        .collect();
    assert_eq!(names, ["cm-6", "cm-1", "cm-2", "cm-4", "cm-3"]);
    match &events[0] {
        WatchEvent::Added(cm) => {
            assert_eq!(cm.namespace(), Some("demo"));
            assert_eq!(cm.data["data"]["k"], "v6");
        }
        other => panic!("expected ADDED, got {other:?}"),
    }

    let w = find(
        &bodies,
        "05-watchlist-sendInitialEvents.txt",
        "sendInitialEvents=true",
    );
    let events = decode(w.body.chunks(11)).unwrap();
    assert_eq!(events.len(), 6);
    match events.last() {
        Some(WatchEvent::Bookmark(b)) => {
            assert!(b.is_initial_events_end());
            assert_eq!(b.resource_version(), "226");
        }
        other => panic!("expected the initial-events-end bookmark, got {other:?}"),
    }

    let w = find(&bodies, "05b-watch-rv0-selectors.txt", "fieldSelector");
    assert_eq!(
        summary(&decode(w.body.chunks(1)).unwrap()),
        pairs(&[("ADDED", "215")])
    );

    let w = find(&bodies, "08b-crd-watch-raw.txt", "widgets");
    let events = decode(w.body.chunks(9)).unwrap();
    assert_eq!(
        summary(&events),
        pairs(&[
            ("ADDED", "3370"),
            ("BOOKMARK", "3371"),
            ("ADDED", "3374"),
            ("MODIFIED", "3375"),
            ("DELETED", "3376"),
            ("BOOKMARK", "3376"),
        ])
    );
    assert_eq!(events[0].object().map(|o| o.kind.as_str()), Some("Widget"));

    let w = find(&bodies, "11-finalizers-deletion.txt", "resourceVersion=209");
    let events = decode(w.body.chunks(3)).unwrap();
    assert_eq!(
        summary(&events),
        pairs(&[("MODIFIED", "210"), ("DELETED", "211"), ("BOOKMARK", "211")])
    );
    let terminating = events[0].object().expect("an object");
    assert!(terminating.metadata().deletion_timestamp.is_some());

    let w = find(&bodies, "12-leases.txt", "leases");
    let events = decode(w.body.chunks(13)).unwrap();
    assert_eq!(
        summary(&events),
        pairs(&[
            ("ADDED", "221"),
            ("MODIFIED", "224"),
            ("DELETED", "225"),
            ("BOOKMARK", "225"),
            ("BOOKMARK", "225"),
        ])
    );

    let w = find(
        &bodies,
        "16-status-subresource-and-watch-bookmarks.txt",
        "timeoutSeconds=65",
    );
    let events = decode(w.body.chunks(17)).unwrap();
    assert_eq!(events.len(), 9);
    assert_eq!(summary(&events)[0], ("ADDED".to_string(), "274".to_string()));
    assert_eq!(summary(&events)[6], ("DELETED".to_string(), "280".to_string()));
}

#[test]
fn expired_resource_versions_arrive_as_error_events_that_are_gone() {
    let bodies = bodies();
    let expired: Vec<&WatchBody> = bodies
        .iter()
        .filter(|w| {
            (w.file.starts_with("06a") && w.query("resourceVersion") == Some("215"))
                || (w.file.starts_with("10") && w.query("resourceVersion") == Some("3397"))
        })
        .collect();
    assert_eq!(expired.len(), 2, "{:?}", labels(&bodies));
    for w in expired {
        for size in [1, 7, w.body.len()] {
            let events = decode(w.body.chunks(size)).unwrap();
            match &events[..] {
                [WatchEvent::Error(status)] => {
                    let err = ApiError::from_status(status.clone());
                    assert!(err.is_gone(), "{}: {err:?}", w.label());
                    assert!(err.is_resource_expired(), "{}", w.label());
                    assert_eq!(err.code(), 410);
                }
                other => panic!("{}: expected one ERROR event, got {other:?}", w.label()),
            }
        }
    }
    let w = find(&bodies, "06a-watch-too-old-rv-410.txt", "resourceVersion=215");
    match &decode([&w.body[..]]).unwrap()[..] {
        [WatchEvent::Error(s)] => {
            assert_eq!(s.message.as_deref(), Some("too old resource version: 215 (853)"));
        }
        other => panic!("{other:?}"),
    }

    // Watching exactly at the compaction point with the watch cache off is a 500, not a 410.
    let w = find(&bodies, "10-watch-cache-disabled-410.txt", "resourceVersion=3394");
    match &decode(w.body.chunks(7)).unwrap()[..] {
        [WatchEvent::Error(status)] => {
            let err = ApiError::from_status(status.clone());
            assert!(!err.is_gone());
            assert!(err.is_internal_error());
            assert_eq!(err.code(), 500);
        }
        other => panic!("expected one ERROR event, got {other:?}"),
    }
}

#[test]
fn resource_versions_increase_where_the_server_guarantees_it() {
    // A watch from a given non-zero resourceVersion delivers changes in order, so their
    // resourceVersions strictly increase, and a bookmark never goes back. Initial events of a
    // streaming list (sendInitialEvents) or of resourceVersion=0 come in key order instead; there only
    // the initial-events-end bookmark is guaranteed to be at or past every one of them.
    let mut ordered = 0;
    for w in bodies() {
        let events = decode(w.body.chunks(4096)).unwrap();
        let rvs: Vec<(bool, u64)> = events
            .iter()
            .filter_map(|e| match e {
                WatchEvent::Bookmark(b) => Some((true, b.resource_version().parse().ok()?)),
                WatchEvent::Error(_) => None,
                other => Some((
                    false,
                    other
                        .object()?
                        .metadata()
                        .resource_version
                        .as_deref()?
                        .parse()
                        .ok()?,
                )),
            })
            .collect();
        let from_rv = w.query("resourceVersion").unwrap_or("0");
        if from_rv != "0" && w.query("sendInitialEvents").is_none() {
            ordered += 1;
            let mut last = from_rv.parse::<u64>().unwrap();
            for &(bookmark, rv) in &rvs {
                if bookmark {
                    assert!(rv >= last, "{}: bookmark {rv} after {last}", w.label());
                } else {
                    assert!(rv > last, "{}: {rv} after {last}", w.label());
                }
                last = rv;
            }
        } else {
            let end = events
                .iter()
                .position(|e| matches!(e, WatchEvent::Bookmark(b) if b.is_initial_events_end()));
            if let Some(end) = end {
                let (_, end_rv) = rvs[end];
                let initial_max = rvs[..end].iter().map(|(_, rv)| *rv).max().unwrap_or(0);
                assert!(
                    end_rv >= initial_max,
                    "{}: end {end_rv} < {initial_max}",
                    w.label()
                );
            }
        }
    }
    assert_eq!(ordered, 9, "watches from a given resourceVersion");
}
