//! Measures what criterion cannot in a few seconds on 2 cores: the delaying queue's lateness on the
//! real clock and the bucket limiter's achieved rate. Prints figures for docs/performance.md.
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

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo::util::flowcontrol::TokenBucketRateLimiter;
use clientgo::util::workqueue::DelayingQueue;

fn flag(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn lateness(items: usize, lead: Duration) {
    let q: DelayingQueue<usize> = DelayingQueue::new();
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let delays: Vec<Duration> = (0..items)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            lead + Duration::from_micros(rng % 100_000)
        })
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
    let mut late = worker.await.expect("worker");
    q.shut_down();
    late.sort_unstable();
    println!(
        "delaying queue lateness, {items} items due in 0-100 ms (after a {} ms lead): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (scheduling all items took {:.1} ms)",
        lead.as_millis(),
        percentile(&late, 0.50).as_secs_f64() * 1e3,
        percentile(&late, 0.99).as_secs_f64() * 1e3,
        late.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        scheduling.as_secs_f64() * 1e3,
    );
}

async fn bucket_accuracy(qps: f64, seconds: f64) {
    let limiter = match TokenBucketRateLimiter::new(qps, 10) {
        Ok(l) => Arc::new(l),
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(2);
        }
    };
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
    println!(
        "bucket limiter: configured {qps} qps, achieved {rate:.2} qps over {seconds} s ({:+.2}%)",
        (rate / qps - 1.0) * 100.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let items = flag("--items", 100_000.0) as usize;
    let seconds = flag("--seconds", 10.0);
    let qps = flag("--qps", 100.0);
    let lead = Duration::from_millis(flag("--lead-ms", 300.0) as u64);
    lateness(10_000, lead).await;
    if items != 10_000 {
        lateness(items, lead).await;
    }
    bucket_accuracy(qps, seconds).await;
}
