//! The EventCorrelator (tools/record) alone: what one recorded event costs before any I/O.
//!
//! Events are shaped as a controller's recorder builds them (`EventRecorder::publish`): reporting
//! controller and instance, regarding a Pod (kind, apiVersion, namespace, name, uid,
//! resourceVersion), type, reason, action, and a note of about 80 characters. They are built
//! before the clock starts; each one is correlated with fresh `Instant::now()` and
//! `MicroTime::now()` readings, as the recorder does. Default options (client-go's).
//!
//! - `distinct`: every event about a different Pod (aggregation-key miss, new spam bucket, new
//!   series: `Create`), 1,000 into a fresh correlator (below the 4,096-entry cap), and 1,000 into a
//!   correlator already holding 4,096 entries (every new entry evicts the oldest).
//! - `identical`: 10,000 copies of one event (1 `Create`, 1 `Patch`, then `Coalesced` while the
//!   patch stays queued, as when the writer has not yet sent it).
//! - `similar`: 10,000 events about one Pod that differ only in the note (10 `Create`s, then one
//!   combined series: 1 `Create`, 1 `Patch`, then `Coalesced`).
//!
//! Run: `cargo bench --bench record_correlator` (small sample sizes: the machine has 2 cores).

use std::time::{Duration, Instant};

use clientgo::api::core::v1::ObjectReference;
use clientgo::api::events::v1::Event;
use clientgo::apimachinery::MicroTime;
use clientgo::tools::record::{Correlation, CorrelatorOptions, EventCorrelator};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const CAP: usize = 4_096;

fn pod_ref(i: usize) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        api_version: Some("v1".into()),
        namespace: Some("demo".into()),
        name: Some(format!("web-7c9f8d6b5-{i:05}").into()),
        uid: Some(format!("3f2b8c1e-9a4d-4e7b-8f15-{i:012x}").into()),
        resource_version: Some(format!("{}", 100_000 + i).into()),
        ..ObjectReference::default()
    }
}

/// An event as `EventRecorder::publish` builds it, before correlation.
fn event(regarding: ObjectReference, reason: &str, note: String) -> Event {
    let mut ev = Event {
        reporting_controller: Some("example.com/widget-operator".into()),
        reporting_instance: Some("widget-operator-0".into()),
        action: Some(reason.into()),
        reason: Some(reason.into()),
        note: Some(note.into()),
        type_: Some("Normal".into()),
        ..Event::default()
    };
    ev.metadata.namespace = regarding.namespace.clone();
    ev.regarding = Some(regarding);
    ev
}

/// ~80 characters.
fn pulled_note(i: usize) -> String {
    format!("Successfully pulled image \"registry.example.com/web:1.27.3\" in 1.204s (id {i:05})")
}

fn distinct_events(from: usize, n: usize) -> Vec<Event> {
    (from..from + n)
        .map(|i| event(pod_ref(i), "Pulled", pulled_note(i)))
        .collect()
}

#[derive(Default, Debug, PartialEq)]
struct Outcomes {
    create: usize,
    patch: usize,
    coalesced: usize,
    dropped: usize,
}

/// Correlates `events` and returns the time it took and what came out.
fn run(c: &mut EventCorrelator, events: Vec<Event>) -> (Duration, Outcomes) {
    let mut out = Outcomes::default();
    let start = Instant::now();
    for ev in events {
        match c.correlate(ev, Instant::now(), MicroTime::now()) {
            Correlation::Create(_) => out.create += 1,
            Correlation::Patch(_) => out.patch += 1,
            Correlation::Coalesced => out.coalesced += 1,
            Correlation::Dropped => out.dropped += 1,
        }
    }
    (start.elapsed(), out)
}

/// Criterion's `iter_custom` body: `iters` rounds, each on a fresh correlator with default
/// options; `round` returns the time it measured (its set-up excluded).
fn rounds(iters: u64, mut round: impl FnMut(&mut EventCorrelator) -> Duration) -> Duration {
    (0..iters)
        .map(|_| round(&mut EventCorrelator::new(CorrelatorOptions::default())))
        .sum()
}

fn expect(got: &Outcomes, create: usize, patch: usize, coalesced: usize) {
    let want = Outcomes {
        create,
        patch,
        coalesced,
        dropped: 0,
    };
    assert_eq!(got, &want, "unexpected correlation outcomes");
}

fn distinct(c: &mut Criterion) {
    const N: usize = 1_000;
    let mut g = c.benchmark_group("record/correlator_distinct");
    g.sample_size(10).throughput(Throughput::Elements(N as u64));
    g.bench_function(BenchmarkId::from_parameter("fresh"), |b| {
        b.iter_custom(|iters| {
            rounds(iters, |c| {
                let (t, out) = run(c, distinct_events(0, N));
                expect(&out, N, 0, 0);
                t
            })
        });
    });
    g.bench_function(BenchmarkId::from_parameter("at_capacity_4096"), |b| {
        b.iter_custom(|iters| {
            rounds(iters, |c| {
                let (_, filled) = run(c, distinct_events(0, CAP));
                expect(&filled, CAP, 0, 0);
                let (t, out) = run(c, distinct_events(CAP, N));
                expect(&out, N, 0, 0);
                t
            })
        });
    });
    g.finish();
}

fn repeated(c: &mut Criterion) {
    const N: usize = 10_000;
    let mut g = c.benchmark_group("record/correlator_repeated");
    g.sample_size(10).throughput(Throughput::Elements(N as u64));
    g.bench_function(BenchmarkId::from_parameter("identical"), |b| {
        let one = event(pod_ref(7), "Pulled", pulled_note(7));
        b.iter_custom(|iters| {
            rounds(iters, |c| {
                let (t, out) = run(c, vec![one.clone(); N]);
                expect(&out, 1, 1, N - 2);
                t
            })
        });
    });
    g.bench_function(BenchmarkId::from_parameter("similar_note_differs"), |b| {
        let pod = pod_ref(7);
        b.iter_custom(|iters| {
            rounds(iters, |c| {
                let events = (0..N)
                    .map(|i| {
                        let note = format!(
                            "Back-off restarting failed container web in pod web-7c9f8d6b5-00007 (try {i:05})"
                        );
                        event(pod.clone(), "BackOff", note)
                    })
                    .collect();
                let (t, out) = run(c, events);
                // 10 distinct notes are tolerated, then one combined series.
                expect(&out, 11, 1, N - 12);
                t
            })
        });
    });
    g.finish();
}

criterion_group!(benches, distinct, repeated);
criterion_main!(benches);
