//! Seed 003 §5.25 "WorkQueue: the basic FIFO", `Done` (L5473-5549): an item added again while it is
//! being processed waits until `done`, which queues it once more; and `done` without `get` queues
//! an item twice (a client-go quirk, reproduced).
//!
//! The first part prints the seed's transcript. The second shows what the seed only describes from
//! client-go's source comments: adds during processing leave the queue empty and collapse into
//! one, which `done` queues.
//!
//! Run: `cargo run --example workqueue_done_requeue`

use std::process::ExitCode;

use clap::Parser as _;
use clientgo::util::workqueue::Queue;
use clientgo_example::{outln, BoxError, Out};

/// An item added while it is processed is queued again by `done`, once (seed 003 §5.25, Done).
#[derive(Debug, Clone, Default, clap::Parser)]
pub struct Args {}

/// The seed's program (`done` without `get`), then an item re-added three times while processing.
pub async fn run(out: &Out, _args: &Args) -> Result<(), BoxError> {
    let wq = Queue::new();
    wq.add("item");
    wq.done(&"item");
    outln!(out, "队列大小:  {}", wq.len());
    let item = wq.get().await;
    outln!(out, "{} {}", item.unwrap_or("<nil>"), item.is_none());
    outln!(out, "队列大小:  {}", wq.len());

    // Re-added while processing: stays dirty only (len 0) until done, then queued once.
    let wq = Queue::new();
    wq.add("pod");
    let got = wq.get().await.ok_or("the queue was shut down")?;
    outln!(out, "get: {got}, processing: {}", wq.processing());
    for _ in 0..3 {
        wq.add("pod");
    }
    outln!(out, "re-added 3 times while processing: len {}", wq.len());
    wq.done(&"pod");
    outln!(out, "after done: len {}", wq.len());
    let again = wq.get().await.ok_or("the queue was shut down")?;
    outln!(out, "get again: {again}, len {}", wq.len());
    wq.done(&"pod");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
