//! Seed "ShutDownWithDrain方法": `shut_down_with_drain` blocks until every item handed out is done
//! (here a worker finishes item 1 after 5 s), ignores items still queued, then behaves like
//! `shut_down`.
//!
//! Mirrors seed L5658-5779. It would hang forever if nobody called `done`. `--time-scale 0.01` runs
//! the 5 s wait 100 times faster.
//!
//! Run: `cargo run --example workqueue_shutdown_with_drain`

use std::time::{Duration, Instant};

use clientgo::util::workqueue::Queue;

fn time_scale() -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == "--time-scale")
        .and_then(|w| w[1].parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0)
}

async fn read(wq: &Queue<i32>) -> Option<i32> {
    let item = wq.get().await;
    let shown = item.map_or("<nil>".to_string(), |i| i.to_string());
    println!(
        "读取数据: {:<5} 队列是否已经关闭(Get): {:<5} 队列是否已经关闭(ShuttingDown): {:<5}",
        shown,
        item.is_none(),
        wq.shutting_down()
    );
    item
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let scale = time_scale();
    let wq = Queue::new();
    for i in 1..5 {
        wq.add(i);
        println!("添加元素: {i}");
    }
    if let Some(item) = read(&wq).await {
        let wq = wq.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(5.0 * scale)).await;
            wq.done(&item);
        });
    }
    println!("关闭队列");
    let start = Instant::now();
    wq.shut_down_with_drain().await;
    println!(
        "shut_down_with_drain blocked for {:.1}s",
        start.elapsed().as_secs_f64() / scale
    );
    wq.add(10);
    println!("队列大小: {}", wq.len());
    for _ in 1..5 {
        read(&wq).await;
    }
}
