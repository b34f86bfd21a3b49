//! Seed 003 §5.25 "WorkQueue: the basic FIFO" (L5059-5103, L5226-5262): a queue hands items out in
//! the order they were added, and an item equal to one already queued is not queued again.
//!
//! Prints what the seed's two programs print. Go's second program adds `User{"bob"}` twice (one
//! item) and then `&User{"bob"}` twice (two distinct pointers); in Rust dedup is by `Eq`, so identity
//! needs a wrapper that compares by pointer.
//!
//! Run: `cargo run --example workqueue_basic`

use std::hash::{Hash, Hasher};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;
use clientgo::util::workqueue::Queue;
use clientgo_example::{outln, BoxError, Out};

/// A workqueue hands items out first in, first out, and queues equal items once (seed 003 §5.25).
#[derive(Debug, Clone, Default, clap::Parser)]
pub struct Args {}

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

/// Adds 1..=5 and gets them back in order, then adds equal values and distinct pointers.
pub async fn run(out: &Out, _args: &Args) -> Result<(), BoxError> {
    let wq = Queue::new();
    for i in 1..=5 {
        wq.add(i);
        outln!(out, "添加数据: {:<5} 队列大小: {:<5}", i, wq.len());
    }
    for _ in 1..=5 {
        let item = wq.get().await;
        let shutdown = item.is_none();
        let shown = item.map_or("<nil>".to_string(), |i| i.to_string());
        outln!(
            out,
            "读取数据: {:<5} 队列大小: {:<5} 队列是否已经关闭: {}",
            shown,
            wq.len(),
            shutdown
        );
    }

    let users = Queue::new();
    users.add(Item::Value(User { name: "bob" }));
    users.add(Item::Value(User { name: "bob" }));
    outln!(out, "队列大小:  {}", users.len());
    users.add(Item::Pointer(UserRef(Arc::new(User { name: "bob" }))));
    users.add(Item::Pointer(UserRef(Arc::new(User { name: "bob" }))));
    outln!(out, "队列大小:  {}", users.len());
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(&Out::stdout(), &Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
