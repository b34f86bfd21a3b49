//! Seed 003 §5.25 "WorkQueue: the basic FIFO", `Get` and `Len` (L5315-5394, L5398-5469): `get` on
//! an empty queue blocks until another task adds an item, and `len()` then `get()` is not atomic:
//! another task can take the item in between, and the `get` then blocks.
//!
//! Go detects the deadlock of a lone blocked `Get` and crashes; Rust has no such detector, so this
//! program bounds the second wait with a timeout and says what happened. The durations are the
//! seed's (a producer that adds after 10 s; 1 s and 2 s sleeps); `--time-scale 0.01` runs them 100
//! times faster. Each line starts with the elapsed time in seed seconds, where Go's log prints the
//! wall clock.
//!
//! Run: `cargo run --example workqueue_get_blocking [-- --time-scale 0.1]`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser as _;
use clientgo::util::workqueue::Queue;
use clientgo_example::{outln, BoxError, Out};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Get blocks until an item arrives, and Len-then-Get is not atomic (seed 003 §5.25, Get and Len).
#[derive(Debug, Clone, clap::Parser)]
pub struct Args {
    /// Multiply the seed's durations by this factor (0.01 runs 100 times faster).
    #[arg(long, default_value_t = 1.0, value_parser = clientgo_example::values::positive)]
    pub time_scale: f64,
}

/// Part 1: `get` waits for a producer. Part 2: the item seen by `len()` is gone before `get()`.
pub async fn run(out: &Out, args: &Args) -> Result<(), BoxError> {
    let scale = args.time_scale;
    let secs = move |s: f64| Duration::from_secs_f64(s * scale);
    let start = Instant::now();
    let stamp = || format!("[{:6.2}s]", start.elapsed().as_secs_f64() / scale);
    // Go's `runtime.NumGoroutine()`: this task and the ones it spawned.
    let tasks = || 1 + tokio::runtime::Handle::current().metrics().num_alive_tasks();

    let wq = Queue::new();
    let producer = {
        let wq = wq.clone();
        tokio::spawn(async move {
            tokio::time::sleep(secs(10.0)).await;
            wq.add(1);
        })
    };
    outln!(out, "{} Get start", stamp());
    outln!(out, "{} Goroutine数量:  {}", stamp(), tasks());
    let item = wq.get().await;
    outln!(out, "{} {} {}", stamp(), item.unwrap_or_default(), item.is_none());
    producer.await?;

    let wq = Queue::new();
    wq.add(1);
    let took = Arc::new(Notify::new());
    let thief = {
        let (wq, took) = (wq.clone(), took.clone());
        tokio::spawn(async move {
            tokio::time::sleep(secs(1.0)).await;
            let item = wq.get().await;
            took.notify_one();
            item
        })
    };
    // The seed's `for wq.Len() > 0`.
    while !wq.is_empty() {
        tokio::time::sleep(secs(2.0)).await;
        // The seed relies on 1 s < 2 s for the other task to win the race; a loaded machine could
        // reorder the two wake-ups, so wait until it has actually taken the item.
        took.notified().await;
        match tokio::time::timeout(secs(3.0), wq.get()).await {
            Ok(item) => outln!(out, "{} {:?} {}", stamp(), item, item.is_none()),
            Err(_) => {
                outln!(
                    out,
                    "{} Get still blocked after 3s: the item was taken between Len and Get (Go reports: all goroutines are asleep - deadlock!)",
                    stamp()
                );
                break;
            }
        }
    }
    let taken = thief.await?;
    outln!(out, "{} the other task got {:?}", stamp(), taken);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
