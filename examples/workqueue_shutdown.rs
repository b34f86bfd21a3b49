//! Seed "ShutDown方法": after `shut_down`, adds are ignored, queued items can still be taken, then
//! `get` reports shutdown.
//!
//! Mirrors seed L5600-5654 and prints its transcript (`<nil>` for Go's nil item).
//!
//! Run: `cargo run --example workqueue_shutdown`

use clientgo::util::workqueue::Queue;

async fn read(wq: &Queue<i32>) {
    let item = wq.get().await;
    let shown = item.map_or("<nil>".to_string(), |i| i.to_string());
    println!(
        "读取数据: {:<5} 队列是否已经关闭(Get): {:<5} 队列是否已经关闭(ShuttingDown): {:<5}",
        shown,
        item.is_none(),
        wq.shutting_down()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let wq = Queue::new();
    for i in 1..5 {
        wq.add(i);
        println!("添加元素: {i}");
    }
    read(&wq).await;
    println!("关闭队列");
    wq.shut_down();
    wq.add(10);
    println!("队列大小: {}", wq.len());
    for _ in 1..5 {
        read(&wq).await;
    }
}
