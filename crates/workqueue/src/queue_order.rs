//! The order in which a queue hands out its waiting items, when first-in first-out is not it.
//!
//! Mirrors client-go's `workqueue.Queue[T]` interface, the `Queue` field of `TypedQueueConfig`
//! (`Touch`, `Push`, `Len`, `Pop`): the work queue keeps its guarantees (an item waits once, is
//! never handed to two workers, is queued again when added while processing) and asks the order
//! only which waiting item goes next. A priority order is the usual reason: reconcile the keys
//! that matter first.

/// Holds the waiting items of a queue and decides which goes next. Called with the queue's lock
/// held, so keep each call short. Mirrors client-go `workqueue.Queue[T]`.
///
/// ```
/// use std::cmp::Reverse;
/// use std::collections::BinaryHeap;
/// use clientgo_workqueue::{Queue, QueueConfig, QueueOrder};
///
/// /// Smallest first.
/// #[derive(Default)]
/// struct Smallest(BinaryHeap<Reverse<u32>>);
///
/// impl QueueOrder<u32> for Smallest {
///     fn touch(&mut self, _item: &u32) {}
///     fn push(&mut self, item: u32) {
///         self.0.push(Reverse(item));
///     }
///     fn len(&self) -> usize {
///         self.0.len()
///     }
///     fn pop(&mut self) -> Option<u32> {
///         self.0.pop().map(|Reverse(item)| item)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let q = Queue::with_order(QueueConfig::new(), Smallest::default());
/// for item in [30, 10, 20] {
///     q.add(item);
/// }
/// assert_eq!(q.get().await, Some(10));
/// # }
/// ```
pub trait QueueOrder<T>: Send {
    /// An item that is already waiting was added again; an order that ranks by something that
    /// may have changed can move it. Mirrors `Touch`.
    fn touch(&mut self, item: &T);

    /// A new waiting item. Mirrors `Push`.
    fn push(&mut self, item: T);

    /// How many items wait. Mirrors `Len`.
    fn len(&self) -> usize;

    /// True when no item waits.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes and returns the item to hand out next; `None` when none waits. Mirrors `Pop`.
    fn pop(&mut self) -> Option<T>;
}
