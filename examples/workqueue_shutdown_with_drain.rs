//! Seed 003 §5.25 "WorkQueue: the basic FIFO", `ShutDownWithDrain` (L5658-5779):
//! `shut_down_with_drain` blocks until every item handed out by `get` is done (here a worker
//! finishes item 1 after 5 s), does not wait for the items still queued, and then the queue behaves
//! as after `shut_down`.
//!
//! Prints the seed's transcript plus how long the drain blocked (the seed marks the spot with "this
//! blocks"). It would block forever if nobody called `done`. `--time-scale 0.01` runs the 5 s wait
//! 100 times faster.
//!
//! Run: `cargo run --example workqueue_shutdown_with_drain`

#[allow(dead_code)] // Its `main` and `run`: this example reuses the transcript around the shutdown.
#[path = "workqueue_shutdown.rs"]
pub mod workqueue_shutdown;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;
use clientgo::util::workqueue::Queue;
use clientgo_example::{outln, BoxError, Out};
use tokio::time::Instant;

use workqueue_shutdown::{after_shutdown, fill_and_take_one};

/// shut_down_with_drain waits for the items handed out to be done (seed 003 §5.25, ShutDownWithDrain).
#[derive(Debug, Clone, clap::Parser)]
pub struct Args {
    /// Multiply the seed's 5 s of processing by this factor (0.01 runs 100 times faster).
    #[arg(long, default_value_t = 1.0, value_parser = clientgo_example::values::positive)]
    pub time_scale: f64,
}

/// Takes item 1 and has a worker finish it 5 s later, drains, then shows what still works.
pub async fn run(out: &Out, args: &Args) -> Result<(), BoxError> {
    let scale = args.time_scale;
    let wq = Queue::new();
    if let Some(item) = fill_and_take_one(out, &wq).await {
        let wq = wq.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(5.0 * scale)).await;
            wq.done(&item);
        });
    }
    outln!(out, "关闭队列");
    let start = Instant::now();
    wq.shut_down_with_drain().await;
    outln!(
        out,
        "shut_down_with_drain blocked for {:.1}s",
        start.elapsed().as_secs_f64() / scale
    );
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
