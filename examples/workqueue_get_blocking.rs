//! Seed "Get方法" and "Len方法": `get` blocks until an item arrives, and `len()` then `get()` is not
//! atomic.
//!
//! Mirrors seed L5315-5394 and L5398-5469. Go detects the deadlock of a lone blocked `Get`; Rust
//! has no such detector, so this program bounds each wait with a timeout and says what happened.
//! Durations are the seed's (10 s producer delay, 1 s and 2 s sleeps); `--time-scale 0.01` runs
//! it 100 times faster.
//!
//! Run: `cargo run --example workqueue_get_blocking -- --time-scale 0.1`

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgo::util::workqueue::Queue;
use tokio::sync::Notify;

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

    // 1. Get blocks until a producer adds, ten seconds later.
    let wq = Queue::new();
    let producer = {
        let wq = wq.clone();
        tokio::spawn(async move {
            tokio::time::sleep(secs(10.0)).await;
            wq.add(1);
        })
    };
    println!("{} Get start", stamp());
    let item = wq.get().await;
    println!("{} {} {}", stamp(), item.unwrap_or_default(), item.is_none());
    let _ = producer.await;

    // 2. Len > 0, but another task takes the item before our Get: Get would block forever.
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
            Ok(item) => println!("{} {:?} {}", stamp(), item, item.is_none()),
            Err(_) => {
                println!(
                    "{} Get still blocked after 3s: the item was taken between Len and Get (Go reports: all goroutines are asleep - deadlock!)",
                    stamp()
                );
                break;
            }
        }
    }
    let taken = thief.await.ok().flatten();
    println!("{} the other task got {:?}", stamp(), taken);
}
