//! Seed "延迟队列": `add_after(i, i s)` for i = 1..3, `len` once a second, three gets and a fourth
//! that blocks; then 2000 `add_after` calls that return at once, a zero delay, and shutdown.
//!
//! Mirrors seed L5787-5963. The seed's Len samples were 0, 0, 1, 3, 3 (each sample races the item
//! due at the same second; ours may differ by one the same way). The task count is the main task
//! plus the delaying queue's single timer task, like Go's `runtime.NumGoroutine()` = 2. Go's fourth
//! Get hangs forever; ours is bounded by a timeout. `--time-scale 0.01` runs 100 times faster.
//!
//! Run: `cargo run --example delaying_queue_add_after`

use std::time::{Duration, Instant};

use clientgo::util::workqueue::DelayingQueue;

fn time_scale() -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == "--time-scale")
        .and_then(|w| w[1].parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let scale = time_scale();
    let secs = move |s: f64| Duration::from_secs_f64(s * scale);
    let start = Instant::now();
    let stamp = || format!("[{:6.2}s]", start.elapsed().as_secs_f64() / scale);
    let tasks = || 1 + tokio::runtime::Handle::current().metrics().num_alive_tasks();

    let wq = DelayingQueue::new();
    for i in 1..=3u32 {
        println!("{} 添加元素: {i}", stamp());
        wq.add_after(i, secs(f64::from(i)));
    }
    for _ in 0..5 {
        println!("{} 队列大小: {}", stamp(), wq.len());
        tokio::time::sleep(secs(1.0)).await;
    }
    for _ in 0..4 {
        match tokio::time::timeout(secs(2.0), wq.get()).await {
            Ok(item) => println!(
                "{} 读取数据: {} 队列是否已经关闭: {} Goroutine数量: {}",
                stamp(),
                item.map_or("<nil>".to_string(), |i| i.to_string()),
                item.is_none(),
                tasks()
            ),
            Err(_) => println!(
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
    println!(
        "添加元素: 2000 (in {:?}, waiting {}, tasks {})",
        t.elapsed(),
        burst.waiting_len(),
        tasks()
    );

    burst.add_after(0, Duration::ZERO);
    println!("add_after(0, 0s): len {} (added at once)", burst.len());
    burst.shut_down();
    burst.add_after(1, Duration::ZERO);
    println!("after shut_down, add_after ignored: len {}", burst.len());
}
