//! Keeping unknown fields must cost no allocation when there are none: decoding the bench pod makes
//! exactly as many heap blocks as it did before `UnknownFields` existed, and an unknown key in its
//! metadata is what adds some. A counting allocator (per thread, so the harness's other threads do
//! not count) checks it; this binary holds one test so nothing else touches the interner meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use clientgo_api::core::v1::Pod;
use clientgo_api::rbac::v1::RoleRef;
use clientgo_api::scheduling::v1::{PreemptionPolicy, PriorityClass};
use clientgo_apimachinery::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::Value;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const POD_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/bench/pod.json"
));

/// Heap blocks allocated (and reallocated) while decoding `json` into a `Pod`, the pod kept alive
/// until after the count so that its drop does not run inside the window.
fn allocations_decoding(json: &str) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    let pod: Pod = serde_json::from_str(json).expect("the pod decodes");
    let count = ALLOCATIONS.with(Cell::get) - before;
    drop(pod);
    count
}

/// Heap blocks allocated while decoding `json` into a `T` (dropped after the count).
fn allocations_of<T: DeserializeOwned>(json: &str) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    let value: T = serde_json::from_str(json).expect("decodes");
    let count = ALLOCATIONS.with(Cell::get) - before;
    drop(value);
    count
}

/// What decoding the bench pod allocates once its shared strings are in the interner (a second
/// decode, as every pod after the first of a template in a cache): the blocks of its lists, of its
/// strings unique per pod (uid, resourceVersion, IPs) and of `RawJson` boxes on their way to the
/// interner. It was 61 before `UnknownFields` and stayed 61 with it (the slots allocate nothing);
/// it is 51 since timestamps are parsed in place instead of through a `String` copy (the pod has
/// 10). A change here means decoding now allocates differently, which is a regression unless the
/// hand-written api types changed (phase 2b of docs/api-generation.md replaces them and re-pins
/// this figure).
const BENCH_POD_WARM_ALLOCATIONS: usize = 51;

#[test]
fn decoding_allocates_nothing_for_the_unknown_field_slots() {
    let first: Pod = serde_json::from_str(POD_JSON).expect("the bench pod decodes");
    let warm = allocations_decoding(POD_JSON);
    assert_eq!(
        warm,
        allocations_decoding(POD_JSON),
        "a warm decode is repeatable"
    );
    assert_eq!(warm, BENCH_POD_WARM_ALLOCATIONS);

    let mut with_unknown: Value = serde_json::from_str(POD_JSON).expect("the bench pod is JSON");
    with_unknown["metadata"]["zzNewField"] = serde_json::json!({"a": [1, "x"]});
    let with_unknown = with_unknown.to_string();
    // Canonicalise the known part the same way, so that only the unknown key differs.
    let plain = serde_json::from_str::<Value>(POD_JSON)
        .expect("the bench pod is JSON")
        .to_string();
    // A first decode of each interns its shared strings (`Value` reorders the keys, so raw
    // sub-objects differ in text from the fixture's); the second is what a later pod costs.
    allocations_decoding(&plain);
    allocations_decoding(&with_unknown);
    let plain_count = allocations_decoding(&plain);
    let unknown_count = allocations_decoding(&with_unknown);
    assert!(
        unknown_count > plain_count,
        "an unknown key in metadata is kept, which allocates: {unknown_count} vs {plain_count}"
    );
    drop(first);

    // Metadata whose strings fit in a word and that has no list or map allocates nothing at all:
    // the unknown-field slot stays a null pointer.
    let count = allocations_of::<ObjectMeta>;
    let short = r#"{"name":"web-1","namespace":"ns-1","uid":"u-1","resourceVersion":"42","generation":3,"creationTimestamp":"2026-11-23T06:48:34Z","labels":null}"#;
    assert_eq!(count(short), 0);
    let unknown = r#"{"name":"web-1","namespace":"ns-1","x-new":7}"#;
    assert!(count(unknown) > 0, "an unknown key is kept, which allocates");

    // Generated types (docs/api-generation.md, phase 2a) likewise; and a listed enum value decodes to its
    // constant, with no interner lookup and no allocation however long it is (`PreemptLowerPriority` is past
    // the 7 bytes a `SharedStr` holds inline), while an unlisted one is interned.
    assert_eq!(
        allocations_of::<RoleRef>(r#"{"apiGroup":"g","kind":"Role","name":"view"}"#),
        0
    );
    let class = r#"{"value":7,"preemptionPolicy":"PreemptLowerPriority","globalDefault":true}"#;
    assert_eq!(allocations_of::<PriorityClass>(class), 0);
    assert_eq!(allocations_of::<PreemptionPolicy>(r#""PreemptLowerPriority""#), 0);
    assert!(allocations_of::<PreemptionPolicy>(r#""PreemptHigherPriority""#) > 0);
    assert!(allocations_of::<RoleRef>(r#"{"kind":"Role","name":"view","x-new":1}"#) > 0);
}
