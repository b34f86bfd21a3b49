//! Seed 003 §5.27 "Rate-limiting queue" (L6021-6156): a rate-limited queue with a token bucket of
//! burst 10 delays, never rejects, what exceeds the bucket. With 1 qps, twenty `add_rate_limited`
//! calls leave len at 10 and the gets come ten at once, then one a second; with 2 qps the eleventh
//! comes half a second later and then two a second.
//!
//! The seed's programs use `BucketRateLimiter{rate.NewLimiter(1, 10)}`, then `(2, 10)`. Each line
//! carries the elapsed (seed) seconds where Go's log prints the wall clock. `--qps N` runs one rate
//! (default: 1 then 2); `--time-scale 0.01` runs 100 times faster.
//!
//! Run: `cargo run --example rate_limiting_queue_bucket [-- --qps 2]`

use std::process::ExitCode;

use clap::Parser as _;
use clientgo::util::workqueue::{BucketRateLimiter, RateLimitingQueue};
use clientgo_example::{outln, BoxError, Out};
use tokio::time::Instant;

/// A token bucket of burst 10 lets ten items through at once, then qps a second (seed 003 §5.27).
#[derive(Debug, Clone, clap::Parser)]
pub struct Args {
    /// Run only this rate (tokens per second); default: 1, then 2.
    #[arg(long, value_parser = clientgo_example::values::positive)]
    pub qps: Option<f64>,
    /// Multiply the seed's durations by this factor (0.01 runs 100 times faster).
    #[arg(long, default_value_t = 1.0, value_parser = clientgo_example::values::positive)]
    pub time_scale: f64,
}

/// Twenty rate-limited adds into a fresh queue with a bucket of `qps` and burst 10, then twenty gets.
async fn one_rate(out: &Out, qps: f64, scale: f64) -> Result<(), BoxError> {
    outln!(out, "--- qps {qps}, burst 10");
    let q = RateLimitingQueue::new(BucketRateLimiter::new(qps / scale, 10)?);
    let start = Instant::now();
    let stamp = || format!("[{:6.2}s]", start.elapsed().as_secs_f64() / scale);
    for i in 1..=20u32 {
        q.add_rate_limited(i);
        outln!(out, "{} 添加数据: {:<3} 队列大小: {:<3}", stamp(), i, q.len());
    }
    for _ in 1..=20 {
        let item = q.get().await;
        outln!(
            out,
            "{} 读取数据: {:<3} 队列是否已经关闭: {:<5} 队列大小: {:<3}",
            stamp(),
            item.map_or("<nil>".to_string(), |i| i.to_string()),
            item.is_none(),
            q.len()
        );
        if let Some(item) = item {
            q.done(&item);
        }
    }
    q.shut_down();
    Ok(())
}

/// The seed's two runs (1 qps, then 2 qps), or the one `--qps` names.
pub async fn run(out: &Out, args: &Args) -> Result<(), BoxError> {
    match args.qps {
        Some(qps) => one_rate(out, qps, args.time_scale).await,
        None => {
            one_rate(out, 1.0, args.time_scale).await?;
            one_rate(out, 2.0, args.time_scale).await
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
