//! Seed 003 §5.26 "Delaying queue" (L5787-5963): an item given to `add_after(item, d)` enters the
//! queue `d` later; `add_after` never blocks (2000 calls return at once), a zero delay adds at once,
//! and after shutdown `add_after` is ignored.
//!
//! The seed's program: `add_after(i, i s)` for i = 1..3, `len` once a second, three gets and a
//! fourth that blocks; then the 2000 delayed adds. The seed's Len samples were 0, 0, 1, 3, 3 (each sample races the item
//! due at the same second; ours may differ by one the same way). The task count is the main task
//! plus the delaying queue's single timer task, like Go's `runtime.NumGoroutine()` = 2. Go's fourth
//! Get hangs forever; ours is bounded by a timeout. `--time-scale 0.01` runs 100 times faster.
//!
//! Run: `cargo run --example delaying_queue_add_after [-- --time-scale 0.1]`

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;
use clientgo::util::workqueue::DelayingQueue;
use clientgo_example::{outln, BoxError, Out};
use tokio::time::Instant;

/// add_after adds an item once its delay has passed, and never blocks (seed 003 §5.26).
#[derive(Debug, Clone, clap::Parser)]
pub struct Args {
    /// Multiply the seed's durations by this factor (0.01 runs 100 times faster).
    #[arg(long, default_value_t = 1.0, value_parser = clientgo_example::values::positive)]
    pub time_scale: f64,
}

/// The seed's delayed adds and gets, then the 2000-item burst, a zero delay and a shutdown.
pub async fn run(out: &Out, args: &Args) -> Result<(), BoxError> {
    let scale = args.time_scale;
    let secs = move |s: f64| Duration::from_secs_f64(s * scale);
    let start = Instant::now();
    let stamp = || format!("[{:6.2}s]", start.elapsed().as_secs_f64() / scale);
    let tasks = || 1 + tokio::runtime::Handle::current().metrics().num_alive_tasks();

    let wq = DelayingQueue::new();
    for i in 1..=3u32 {
        outln!(out, "{} 添加元素: {i}", stamp());
        wq.add_after(i, secs(f64::from(i)));
    }
    for _ in 0..5 {
        outln!(out, "{} 队列大小: {}", stamp(), wq.len());
        tokio::time::sleep(secs(1.0)).await;
    }
    for _ in 0..4 {
        match tokio::time::timeout(secs(2.0), wq.get()).await {
            Ok(item) => outln!(
                out,
                "{} 读取数据: {} 队列是否已经关闭: {} Goroutine数量: {}",
                stamp(),
                item.map_or("<nil>".to_string(), |i| i.to_string()),
                item.is_none(),
                tasks()
            ),
            Err(_) => outln!(
                out,
                "{} get blocked (no item will come; Go hangs here forever)",
                stamp()
            ),
        }
    }

    // 2000 delayed adds never block (Go buffers 1000 in a channel; we insert into the heap).
    let burst = DelayingQueue::new();
    let t = Instant::now();
    for i in 1..=2000u32 {
        burst.add_after(i, Duration::from_secs(u64::from(i)));
    }
    outln!(
        out,
        "添加元素: 2000 (in {:?}, waiting {}, tasks {})",
        t.elapsed(),
        burst.waiting_len(),
        tasks()
    );

    burst.add_after(0, Duration::ZERO);
    outln!(out, "add_after(0, 0s): len {} (added at once)", burst.len());
    burst.shut_down();
    burst.add_after(1, Duration::ZERO);
    outln!(out, "after shut_down, add_after ignored: len {}", burst.len());
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
