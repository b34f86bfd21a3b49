//! Per-key backoff on a fake clock, with the cases of client-go's `util/flowcontrol/backoff_test.go`
//! ported under their Go names. Go's tests read the private `perItemBackoff` map; these read
//! `len` instead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo_flowcontrol::{Backoff, Clock, FakeClock};

const STEP: Duration = Duration::from_secs(1);

/// Go's `NewFakeBackOff(initial, max, clock)`.
fn fake_backoff(initial: Duration, max: Duration) -> (FakeClock, Backoff<String>) {
    let clock = FakeClock::new();
    let backoff = Backoff::new(initial, max).clock(Arc::new(clock.clone()) as Arc<dyn Clock>);
    (clock, backoff)
}

/// Steps the backoff of `id` once per `STEP` until it sits at `max` (Go's "get to backoff =
/// maxDuration" loop).
fn step_to_max(clock: &FakeClock, backoff: &Backoff<String>, id: &String, max: Duration) {
    for _ in 0..=max.as_secs() {
        clock.advance(STEP);
        backoff.next(id, clock.now());
    }
}

/// Mirrors `TestSlowBackoff`: 0, 1, 2, 4, ... seconds, capped at 50; `reset` clears it.
#[test]
fn test_slow_backoff() {
    let id = "_idSlow".to_string();
    let (clock, b) = fake_backoff(STEP, 50 * STEP);
    for (i, secs) in [0, 1, 2, 4, 8, 16, 32, 50, 50, 50].into_iter().enumerate() {
        clock.advance(STEP);
        assert_eq!(b.get(&id), secs * STEP, "step {i}");
        b.next(&id, clock.now());
    }
    b.next(&id, clock.now());
    b.reset(&id);
    assert_eq!(b.get(&id), Duration::ZERO, "reset clears the backoff");
}

/// Mirrors `TestBackoffReset`: a key at its maximum is in backoff, and no longer once more than
/// twice the maximum has passed since its last update.
#[test]
fn test_backoff_reset() {
    let id = "_idReset".to_string();
    let max = 5 * STEP;
    let (clock, b) = fake_backoff(STEP, max);
    step_to_max(&clock, &b, &id, max);
    assert!(b.is_in_backoff_since(&id, clock.now()), "got {:?}", b.get(&id));

    let last_update = clock.now();
    clock.advance(2 * max + STEP);
    assert!(!b.is_in_backoff_since(&id, last_update), "expired after 2 * max");
}

/// Mirrors `TestBackoffHighWaterMark`: a step within twice the maximum of the last update stays at
/// the maximum instead of starting over.
#[test]
fn test_backoff_high_water_mark() {
    let id = "_idHiWaterMark".to_string();
    let max = 5 * STEP;
    let (clock, b) = fake_backoff(STEP, max);
    step_to_max(&clock, &b, &id, max);
    clock.advance(max + STEP);
    b.next(&id, clock.now());
    assert_eq!(b.get(&id), max);
}

/// Mirrors `TestBackoffGC`: `gc` keeps a key updated within twice the maximum and drops it after.
#[test]
fn test_backoff_gc() {
    let id = "_idGC".to_string();
    let max = 5 * STEP;
    let (clock, b) = fake_backoff(STEP, max);
    step_to_max(&clock, &b, &id, max);
    clock.advance(max + STEP);
    b.gc();
    assert_eq!(b.len(), 1, "6 s after the last update: kept");
    clock.advance(max + STEP);
    b.gc();
    assert!(b.is_empty(), "12 s after the last update: collected");
    assert_eq!(b.get(&id), Duration::ZERO);
}

/// Mirrors `TestIsInBackOffSinceUpdate`: a key stepped whenever it is out of backoff, checked once
/// a second: in backoff for its current delay after each update, and starting over once twice
/// the maximum has passed.
#[test]
fn test_is_in_backoff_since_update() {
    let id = "_idIsInBackOffSinceUpdate".to_string();
    let (clock, b) = fake_backoff(STEP, 10 * STEP);
    let start: Instant = clock.now();
    // (tick in seconds, in backoff, backoff in seconds when in backoff)
    let cases: [(u32, bool, u32); 38] = [
        (0, false, 0),
        (1, false, 1),
        (2, true, 2),
        (3, false, 2),
        (4, true, 4),
        (5, true, 4),
        (6, true, 4),
        (7, false, 4),
        (8, true, 8),
        (9, true, 8),
        (10, true, 8),
        (11, true, 8),
        (12, true, 8),
        (13, true, 8),
        (14, true, 8),
        (15, false, 8),
        (16, true, 10),
        (17, true, 10),
        (18, true, 10),
        (19, true, 10),
        (20, true, 10),
        (21, true, 10),
        (22, true, 10),
        (23, true, 10),
        (24, true, 10),
        (25, false, 10),
        (26, true, 10),
        (27, true, 10),
        (28, true, 10),
        (29, true, 10),
        (30, true, 10),
        (31, true, 10),
        (32, true, 10),
        (33, true, 10),
        (34, true, 10),
        (35, false, 10),
        (56, false, 0),
        (57, false, 1),
    ];
    for (tick, in_backoff, value) in cases {
        clock.set(start + tick * STEP);
        assert_eq!(
            b.is_in_backoff_since_update(&id, clock.now()),
            in_backoff,
            "at tick {tick}"
        );
        if in_backoff {
            assert_eq!(b.get(&id), value * STEP, "at tick {tick}");
        } else {
            b.next(&id, clock.now());
        }
    }
}

/// Mirrors `TestBackoffWithJitter`: each jittered step is the previous delay doubled plus at most
/// the jitter factor of it (the first: the initial delay plus jitter), until the maximum caps it.
#[test]
fn test_backoff_with_jitter() {
    let id = "_idJitter".to_string();
    let clock = FakeClock::new();
    let initial = Duration::from_millis(100);
    let max = Duration::from_secs(60);
    let factor = 0.1;
    // With these numbers the maximum is reached within the steps even with no jitter at all, so the
    // cap is exercised too.
    let b = Backoff::with_jitter(initial, max, factor).clock(Arc::new(clock.clone()) as Arc<dyn Clock>);
    let check = |multiplier: u32, prev: Duration, got: Duration| {
        let low = prev * multiplier;
        // One nanosecond of slack for the float-to-duration rounding of the jitter.
        let high = low + prev.mul_f64(factor) + Duration::from_nanos(1);
        assert!(
            (got >= low && got <= high) || got == max,
            "jittered delay {got:?} not within [{low:?}, {high:?}]"
        );
    };
    let next = || {
        clock.advance(initial);
        b.next(&id, clock.now());
        b.get(&id)
    };
    assert_eq!(b.get(&id), Duration::ZERO);
    let mut prev = next();
    check(1, initial, prev);
    let mut delays = vec![prev];
    for _ in 0..10 {
        let got = next();
        check(2, prev, got);
        delays.push(got);
        prev = got;
    }
    assert_eq!(prev, max, "the steps reach the maximum: {delays:?}");
}
