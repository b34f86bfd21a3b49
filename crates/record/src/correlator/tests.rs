use super::*;
use clientgo_apimachinery::SharedStr;
use proptest::prelude::*;

fn event(name: &str, reason: &str, note: &str) -> Event {
    Event {
        reporting_controller: Some("example.com/demo".into()),
        reporting_instance: Some("demo-1".into()),
        reason: Some(reason.into()),
        action: Some(reason.into()),
        note: Some(note.into()),
        type_: Some("Normal".into()),
        regarding: Some(ObjectReference {
            kind: Some("ConfigMap".into()),
            namespace: Some("demo".into()),
            name: Some(name.into()),
            uid: Some(format!("uid-{name}").into()),
            api_version: Some("v1".into()),
            ..ObjectReference::default()
        }),
        ..Event::default()
    }
}

fn t(us: i64) -> MicroTime {
    MicroTime::from_unix_micros(us)
}

#[test]
fn first_occurrence_is_created_with_a_name_and_event_time() {
    let mut c = EventCorrelator::new(CorrelatorOptions::default());
    let now = Instant::now();
    let Correlation::Create(ev) = c.correlate(event("cm", "Synced", "ok"), now, t(1)) else {
        panic!("expected a create");
    };
    let name = ev.metadata.name.as_deref().unwrap();
    assert!(name.starts_with("cm."), "{name}");
    assert_eq!(ev.event_time, Some(t(1)));
}

#[test]
fn identical_events_grow_one_series_and_coalesce_while_a_patch_is_queued() {
    let mut c = EventCorrelator::new(CorrelatorOptions::default());
    let now = Instant::now();
    assert!(matches!(
        c.correlate(event("cm", "Synced", "ok"), now, t(1)),
        Correlation::Create(_)
    ));
    let Correlation::Patch(key) = c.correlate(event("cm", "Synced", "ok"), now, t(2)) else {
        panic!("expected a patch");
    };
    assert_eq!(
        c.correlate(event("cm", "Synced", "ok"), now, t(3)),
        Correlation::Coalesced
    );
    let patch = c.take_patch(&key).unwrap();
    assert_eq!((patch.count, patch.last_observed), (3, t(3)));
    // Once the patch is taken the next repeat queues a new one.
    assert_eq!(
        c.correlate(event("cm", "Synced", "ok"), now, t(4)),
        Correlation::Patch(key.clone())
    );
    assert_eq!(c.take_patch(&key).unwrap().count, 4);
}

#[test]
fn different_notes_or_objects_are_different_events() {
    let mut c = EventCorrelator::new(CorrelatorOptions::default());
    let now = Instant::now();
    for (name, note) in [("a", "x"), ("a", "y"), ("b", "x")] {
        assert!(matches!(
            c.correlate(event(name, "R", note), now, t(1)),
            Correlation::Create(_)
        ));
    }
}

#[test]
fn a_repeat_after_the_series_window_starts_a_new_event() {
    let mut c = EventCorrelator::new(CorrelatorOptions::default());
    let now = Instant::now();
    let Correlation::Create(first) = c.correlate(event("cm", "R", "n"), now, t(1)) else {
        panic!()
    };
    let later = now + Duration::from_secs(361);
    let Correlation::Create(second) = c.correlate(event("cm", "R", "n"), later, t(2)) else {
        panic!("expected a new event after the window");
    };
    assert_ne!(first.metadata.name, second.metadata.name);
}

#[test]
fn spam_filter_allows_a_burst_of_25_then_one_per_five_minutes() {
    let options = CorrelatorOptions {
        series_window: Duration::from_secs(3600),
        ..CorrelatorOptions::default()
    };
    let mut c = EventCorrelator::new(options);
    let now = Instant::now();
    let sent = (0..30)
        .filter(|i| c.correlate(event("cm", &format!("R{i}"), "n"), now, t(1)) != Correlation::Dropped)
        .count();
    assert_eq!(sent, 25);
    assert_eq!(
        c.correlate(event("cm", "R", "again"), now + Duration::from_secs(299), t(2)),
        Correlation::Dropped
    );
    assert_ne!(
        c.correlate(event("cm", "R", "again"), now + Duration::from_secs(300), t(3)),
        Correlation::Dropped
    );
    // Repeats folded into a queued patch need no token; a patch does.
    let Correlation::Patch(key) = c.correlate(event("cm", "R0", "n"), now + Duration::from_secs(600), t(4))
    else {
        panic!("a repeat is still counted");
    };
    assert_eq!(
        c.correlate(event("cm", "R0", "n"), now + Duration::from_secs(600), t(5)),
        Correlation::Coalesced
    );
    c.take_patch(&key);
    assert_eq!(
        c.correlate(event("cm", "R0", "n"), now + Duration::from_secs(600), t(6)),
        Correlation::Dropped
    );
    assert_eq!(
        c.take_patch(&key).unwrap().count,
        4,
        "a dropped repeat still counts"
    );
    // Another object has its own bucket.
    assert_ne!(
        c.correlate(event("other", "R", "n"), now, t(4)),
        Correlation::Dropped
    );
}

#[test]
fn more_than_ten_similar_notes_are_combined_into_one_series() {
    let mut c = EventCorrelator::new(CorrelatorOptions::default());
    let now = Instant::now();
    for i in 0..10 {
        assert!(matches!(
            c.correlate(event("cm", "Failed", &format!("try {i}")), now, t(i)),
            Correlation::Create(_)
        ));
    }
    let Correlation::Create(combined) = c.correlate(event("cm", "Failed", "try 10"), now, t(10)) else {
        panic!("the eleventh similar event starts the combined one");
    };
    assert_eq!(
        combined.note.as_deref(),
        Some("(combined from similar events): try 10")
    );
    let Correlation::Patch(key) = c.correlate(event("cm", "Failed", "try 11"), now, t(11)) else {
        panic!("later similar events count into the combined one");
    };
    assert_eq!(c.take_patch(&key).unwrap().count, 2);
    // A note seen before the limit is still its own series.
    assert!(matches!(
        c.correlate(event("cm", "Failed", "try 3"), now, t(12)),
        Correlation::Patch(_)
    ));
    // After the aggregation window similar events are counted afresh.
    let later = now + Duration::from_secs(601);
    let Correlation::Create(fresh) = c.correlate(event("cm", "Failed", "try 99"), later, t(13)) else {
        panic!()
    };
    assert_eq!(fresh.note.as_deref(), Some("try 99"));
}

#[test]
fn caches_stay_bounded() {
    let options = CorrelatorOptions {
        max_entries: 8,
        spam_burst: 1000,
        ..CorrelatorOptions::default()
    };
    let mut c = EventCorrelator::new(options);
    let now = Instant::now();
    for i in 0..100u64 {
        c.correlate(
            event(&format!("o{i}"), "R", "n"),
            now + Duration::from_millis(i),
            t(1),
        );
    }
    assert!(c.series.len() <= 8 && c.spam.len() <= 8 && c.similar.len() <= 8);
}

#[test]
fn entries_idle_past_their_windows_are_forgotten() {
    let mut c = EventCorrelator::new(CorrelatorOptions::default());
    let now = Instant::now();
    for i in 0..100u64 {
        c.correlate(event(&format!("o{i}"), "R", "n"), now, t(1));
    }
    assert_eq!((c.series.len(), c.spam.len(), c.similar.len()), (100, 100, 100));
    // Seven minutes on, the series (6 min window) are gone; similar records (10 min) and spam
    // buckets (25 tokens at one per 5 min: about 2 h to refill) are still needed.
    let later = now + Duration::from_secs(7 * 60);
    c.correlate(event("fresh", "R", "n"), later, t(2));
    assert_eq!((c.series.len(), c.spam.len(), c.similar.len()), (1, 101, 101));
    // Past every window, a write keeps only what it touched.
    let much_later = now + Duration::from_secs(3 * 3600);
    assert!(matches!(
        c.correlate(event("o1", "R", "n"), much_later, t(3)),
        Correlation::Create(_)
    ));
    assert_eq!((c.series.len(), c.spam.len(), c.similar.len()), (1, 1, 1));
}

#[test]
fn names_are_unique_even_within_one_nanosecond() {
    let mut c = EventCorrelator::new(CorrelatorOptions {
        spam_burst: 1000,
        ..CorrelatorOptions::default()
    });
    let now = Instant::now();
    let names: HashSet<SharedStr> = (0..200)
        .filter_map(
            |i| match c.correlate(event("cm", &format!("R{i}"), "n"), now, t(1)) {
                Correlation::Create(e) => e.metadata.name,
                _ => None,
            },
        )
        .collect();
    assert_eq!(names.len(), 200);
}

proptest! {
    /// Whatever the sequence, the series count of a key equals the number of non-dropped
    /// occurrences folded into it, and every occurrence is accounted for exactly once.
    #[test]
    fn every_allowed_occurrence_is_counted_once(seq in prop::collection::vec((0u8..3, 0u8..3, 0u64..900), 1..200)) {
        let mut c = EventCorrelator::new(CorrelatorOptions::default());
        let start = Instant::now();
        let mut elapsed = 0u64;
        let (mut created, mut repeats, mut dropped) = (0usize, 0usize, 0usize);
        for (obj, note, step) in &seq {
            elapsed += step;
            let now = start + Duration::from_secs(elapsed);
            match c.correlate(event(&format!("o{obj}"), "R", &format!("n{note}")), now, t(elapsed as i64)) {
                Correlation::Create(_) => created += 1,
                Correlation::Patch(key) => { repeats += 1; prop_assert!(c.take_patch(&key).unwrap().count >= 2); }
                Correlation::Coalesced => repeats += 1,
                Correlation::Dropped => dropped += 1,
            }
        }
        prop_assert_eq!(created + repeats + dropped, seq.len());
        let counted: i32 = c.series.values().map(|e| e.count).sum();
        prop_assert!(counted as usize <= created + repeats);
    }
}
