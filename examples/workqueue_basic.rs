//! Seed "WorkQueue / 普通队列": FIFO order, Len, and deduplication by equality.
//!
//! Mirrors the seed's two programs (L5059-5103 and L5226-5262) and prints what they print. Go's
//! second program adds `User{"bob"}` twice (one item) and then `&User{"bob"}` twice (two distinct
//! pointers); in Rust dedup is by `Eq`, so identity needs a wrapper that compares by pointer.
//!
//! Run: `cargo run --example workqueue_basic`

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use clientgo::util::workqueue::Queue;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct User {
    name: &'static str,
}

/// Compares by identity, like a Go pointer.
#[derive(Debug, Clone)]
struct UserRef(Arc<User>);

impl PartialEq for UserRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for UserRef {}
impl Hash for UserRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0), state);
    }
}

/// Go's queue holds `interface{}`: values and pointers side by side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Item {
    Value(User),
    Pointer(UserRef),
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let wq = Queue::new();
    for i in 1..=5 {
        wq.add(i);
        println!("添加数据: {:<5} 队列大小: {:<5}", i, wq.len());
    }
    for _ in 1..=5 {
        let item = wq.get().await;
        let shutdown = item.is_none();
        let shown = item.map_or("<nil>".to_string(), |i| i.to_string());
        println!(
            "读取数据: {:<5} 队列大小: {:<5} 队列是否已经关闭: {}",
            shown,
            wq.len(),
            shutdown
        );
    }

    let users = Queue::new();
    users.add(Item::Value(User { name: "bob" }));
    users.add(Item::Value(User { name: "bob" }));
    println!("队列大小:  {}", users.len());
    users.add(Item::Pointer(UserRef(Arc::new(User { name: "bob" }))));
    users.add(Item::Pointer(UserRef(Arc::new(User { name: "bob" }))));
    println!("队列大小:  {}", users.len());
}
