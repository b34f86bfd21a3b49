//! No seed section: the figures of docs/performance.md's workqueue table that criterion cannot take
//! in a few seconds on 2 cores, the delaying queue's lateness on the real clock and the bucket
//! limiter's achieved rate.
//!
//! - Lateness: N `add_after` calls with pseudo-random 0-100 ms delays, offset by a lead time
//!   (`--lead-ms`, default 300) so that every item is scheduled before the first one is due (the
//!   figure then measures the timer and wake-up path, not how long scheduling 100k items takes);
//!   one worker records receive time minus due time for every item; p50, p99 and max (client-go,
//!   10k items: p99 2.2 ms).
//! - Bucket accuracy: a `TokenBucketRateLimiter` at `--qps` (default 100, burst 10) is drained by a
//!   task calling `accept()` for `--seconds` (default 10); achieved rate vs configured.
//!
//! Run: `cargo run --release --example workqueue_measure -- --items 100000 --seconds 10`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser as _;
use clientgo::util::flowcontrol::TokenBucketRateLimiter;
use clientgo::util::workqueue::DelayingQueue;
use clientgo_example::{outln, BoxError, Out};

/// Measures the delaying queue's lateness and the token bucket's achieved rate.
#[derive(Debug, Clone, clap::Parser)]
pub struct Args {
    /// Items in the second lateness run (the first always has 10,000, client-go's figure).
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
    /// How long the bucket limiter is drained, in seconds.
    #[arg(long, default_value_t = 10.0, value_parser = clientgo_example::values::positive)]
    pub seconds: f64,
    /// The bucket limiter's rate.
    #[arg(long, default_value_t = 100.0, value_parser = clientgo_example::values::positive)]
    pub qps: f64,
    /// How long before the first item is due all items are scheduled, in milliseconds.
    #[arg(long, default_value_t = 300)]
    pub lead_ms: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // `p` is a fraction, so the rounded product is at most `len - 1`; std has no checked
    // conversion from f64, float-to-int `as` saturates, and the index is clamped below anyway.
    #[allow(clippy::cast_possible_truncation)]
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn lateness(out: &Out, items: usize, lead: Duration) -> Result<(), BoxError> {
    let q: DelayingQueue<usize> = DelayingQueue::new();
    // Seeded, so every run schedules the same delays.
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    let delays: Vec<Duration> = (0..items)
        .map(|_| lead + Duration::from_micros(rng.u64(..100_000)))
        .collect();
    let start = Instant::now();
    let due: Arc<Vec<Instant>> = Arc::new(delays.iter().map(|d| start + *d).collect());
    // The worker runs from the start, as a controller's would.
    let worker = {
        let (q, due) = (q.clone(), due.clone());
        tokio::spawn(async move {
            let mut late = vec![Duration::ZERO; items];
            for _ in 0..items {
                let Some(i) = q.get().await else { break };
                late[i] = Instant::now().saturating_duration_since(due[i]);
                q.done(&i);
            }
            late
        })
    };
    for (i, delay) in delays.iter().enumerate() {
        // Schedule against the common start so an item's due time does not drift with the time
        // spent scheduling the others.
        let remaining = (start + *delay).saturating_duration_since(Instant::now());
        q.add_after(i, remaining);
    }
    let scheduling = start.elapsed();
    let mut late = worker.await?;
    q.shut_down();
    late.sort_unstable();
    outln!(
        out,
        "delaying queue lateness, {items} items due in 0-100 ms (after a {} ms lead): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (scheduling all items took {:.1} ms)",
        lead.as_millis(),
        percentile(&late, 0.50).as_secs_f64() * 1e3,
        percentile(&late, 0.99).as_secs_f64() * 1e3,
        late.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        scheduling.as_secs_f64() * 1e3,
    );
    Ok(())
}

async fn bucket_accuracy(out: &Out, qps: f64, seconds: f64) -> Result<(), BoxError> {
    let limiter = Arc::new(TokenBucketRateLimiter::new(qps, 10)?);
    // Drain the initial burst first so the window measures the refill rate only.
    while limiter.try_accept() {}
    let window = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut accepted = 0u64;
    while start.elapsed() < window {
        limiter.accept().await;
        accepted += 1;
    }
    let rate = accepted as f64 / start.elapsed().as_secs_f64();
    outln!(
        out,
        "bucket limiter: configured {qps} qps, achieved {rate:.2} qps over {seconds} s ({:+.2}%)",
        (rate / qps - 1.0) * 100.0
    );
    Ok(())
}

/// Lateness at 10,000 items and at `--items`, then the bucket's rate.
pub async fn run(out: &Out, args: &Args) -> Result<(), BoxError> {
    let lead = Duration::from_millis(args.lead_ms);
    lateness(out, 10_000, lead).await?;
    if args.items != 10_000 {
        lateness(out, args.items, lead).await?;
    }
    bucket_accuracy(out, args.qps, args.seconds).await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
