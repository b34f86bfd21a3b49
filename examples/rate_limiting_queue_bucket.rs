//! Seed "限速队列": a rate-limited queue with a token bucket of burst 10. With 1 qps, twenty
//! `add_rate_limited` calls leave len at 10 and the gets come ten at once, then one a second; with
//! 2 qps the eleventh comes half a second later and then two a second.
//!
//! Mirrors seed L6021-6156 (`BucketRateLimiter{rate.NewLimiter(1, 10)}`, then `(2, 10)`). Each line
//! carries the elapsed (seed) seconds where Go's log prints the wall clock. `--qps N` runs one rate
//! (default: 1 then 2); `--time-scale 0.01` runs 100 times faster.
//!
//! Run: `cargo run --example rate_limiting_queue_bucket`

use std::time::Instant;

use clientgo::util::workqueue::{BucketRateLimiter, RateLimitingQueue};

fn flag(name: &str) -> Option<f64> {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
}

async fn run(qps: f64, scale: f64) {
    println!("--- qps {qps}, burst 10");
    let limiter = match BucketRateLimiter::new(qps / scale, 10) {
        Ok(limiter) => limiter,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(2);
        }
    };
    let q = RateLimitingQueue::new(limiter);
    let start = Instant::now();
    let stamp = || format!("[{:6.2}s]", start.elapsed().as_secs_f64() / scale);
    for i in 1..=20u32 {
        q.add_rate_limited(i);
        println!("{} 添加数据: {:<3} 队列大小: {:<3}", stamp(), i, q.len());
    }
    for _ in 1..=20 {
        let item = q.get().await;
        println!(
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
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let scale = flag("--time-scale").unwrap_or(1.0);
    match flag("--qps") {
        Some(qps) => run(qps, scale).await,
        None => {
            run(1.0, scale).await;
            run(2.0, scale).await;
        }
    }
}
