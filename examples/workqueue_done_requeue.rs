//! Seed "Done方法": an item re-added while processing is queued again by `done`, and `done`
//! without `get` queues an item twice (a client-go quirk, reproduced).
//!
//! Mirrors seed L5473-5549 (the quirk transcript) and the source comments on re-adding while
//! processing, which the seed describes but does not run.
//!
//! Run: `cargo run --example workqueue_done_requeue`

use clientgo::util::workqueue::Queue;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // The seed's program: Done without Get.
    let wq = Queue::new();
    wq.add("item");
    wq.done(&"item");
    println!("队列大小:  {}", wq.len());
    let item = wq.get().await;
    println!("{} {}", item.unwrap_or("<nil>"), item.is_none());
    println!("队列大小:  {}", wq.len());

    // Re-added while processing: stays dirty only (len 0) until done, then queued once.
    let wq = Queue::new();
    wq.add("pod");
    let got = wq.get().await.unwrap_or_default();
    println!("get: {got}, processing: {}", wq.processing());
    for _ in 0..3 {
        wq.add("pod");
    }
    println!("re-added 3 times while processing: len {}", wq.len());
    wq.done(&"pod");
    println!("after done: len {}", wq.len());
    let again = wq.get().await.unwrap_or_default();
    println!("get again: {again}, len {}", wq.len());
    wq.done(&"pod");
}
