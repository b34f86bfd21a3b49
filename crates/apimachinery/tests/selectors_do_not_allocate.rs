//! Matching label and field selectors must not allocate: informers and the API server match every
//! object of every event. A counting allocator (per thread, so parallel tests do not interfere)
//! checks it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;

use clientgo_apimachinery::{fields, labels, DynamicObject, Object, ObjectMeta, StringMap};

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

fn allocations_during<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    (ALLOCATIONS.with(Cell::get) - before, result)
}

struct Pod {
    metadata: ObjectMeta,
    phase: String,
}

impl Object for Pod {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }

    fn field(&self, path: &str) -> Option<Cow<'_, str>> {
        match path {
            "status.phase" => Some(Cow::Borrowed(&self.phase)),
            "metadata.name" => Some(Cow::Borrowed(self.name())),
            _ => None,
        }
    }
}

#[test]
fn label_matching_does_not_allocate() {
    let selector = labels::Selector::parse(
        "app=web,tier in (front,back),env notin (prod),!canary,owner,n>3,m<10,x!=y,app==web",
    )
    .unwrap();
    let mut object = DynamicObject::default();
    object.metadata.labels = StringMap::from([
        ("app", "web"),
        ("tier", "front"),
        ("owner", "me"),
        ("n", "5"),
        ("m", "9"),
        ("x", "z"),
    ]);
    let (count, matched) = allocations_during(|| {
        (0..100).all(|_| selector.matches_object(&object) && selector.matches(&object.metadata.labels))
    });
    assert!(matched);
    assert_eq!(count, 0);

    let (count, matched) = allocations_during(|| selector.matches(&StringMap::new()));
    assert!(!matched);
    assert_eq!(count, 0);
}

#[test]
fn field_matching_does_not_allocate() {
    let selector = fields::Selector::parse("metadata.name=web,status.phase!=Pending").unwrap();
    let mut pod = Pod {
        metadata: ObjectMeta::default(),
        phase: "Running".to_owned(),
    };
    pod.metadata.name = Some("web".into());
    let (count, matched) = allocations_during(|| (0..100).all(|_| selector.matches(&pod)));
    assert!(matched);
    assert_eq!(count, 0);
}

#[test]
fn the_counter_sees_allocations() {
    let (count, v) = allocations_during(|| vec![1u8; 16]);
    assert_eq!(v.len(), 16);
    assert!(count >= 1);
}
