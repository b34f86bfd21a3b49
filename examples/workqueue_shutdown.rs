//! Seed 003 §5.25 "WorkQueue: the basic FIFO", `ShutDown` (L5553-5654): after `shut_down`, adds are
//! ignored, the items already queued can still be taken (`get` says "not shut down" while
//! `shutting_down()` says it is), and only then does `get` report the shutdown.
//!
//! Prints the seed's transcript (`<nil>` for Go's nil item).
//!
//! Run: `cargo run --example workqueue_shutdown`

use std::process::ExitCode;

use clap::Parser as _;
use clientgo::util::workqueue::Queue;
use clientgo_example::{outln, BoxError, Out};

/// After shut_down, adds are ignored and the queued items are still handed out (seed 003 §5.25).
#[derive(Debug, Clone, Default, clap::Parser)]
pub struct Args {}

/// One `get`, printed the seed's way: the item, what `get` says, what `shutting_down()` says.
pub async fn read(out: &Out, wq: &Queue<i32>) -> Option<i32> {
    let item = wq.get().await;
    let shown = item.map_or("<nil>".to_string(), |i| i.to_string());
    outln!(
        out,
        "读取数据: {:<5} 队列是否已经关闭(Get): {:<5} 队列是否已经关闭(ShuttingDown): {:<5}",
        shown,
        item.is_none(),
        wq.shutting_down()
    );
    item
}

/// Before the shutdown: adds 1..=4 and takes one item (returned, not done).
pub async fn fill_and_take_one(out: &Out, wq: &Queue<i32>) -> Option<i32> {
    for i in 1..5 {
        wq.add(i);
        outln!(out, "添加元素: {i}");
    }
    read(out, wq).await
}

/// After the shutdown: adds 10 (ignored), prints the length, then gets four times.
pub async fn after_shutdown(out: &Out, wq: &Queue<i32>) {
    wq.add(10);
    outln!(out, "队列大小: {}", wq.len());
    for _ in 1..5 {
        read(out, wq).await;
    }
}

/// Fills the queue and takes one item, shuts the queue down, then shows what still works.
pub async fn run(out: &Out, _args: &Args) -> Result<(), BoxError> {
    let wq = Queue::new();
    fill_and_take_one(out, &wq).await;
    outln!(out, "关闭队列");
    wq.shut_down();
    after_shutdown(out, &wq).await;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
