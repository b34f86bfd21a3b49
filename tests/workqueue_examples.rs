//! Runs the workqueue examples' `run` functions in process and checks the lesson each one teaches,
//! in the words of the seed's transcripts. The examples that wait run on tokio's paused clock: the
//! seed's 10 s, 5 s and one-token-a-second waits pass at once and exactly, so the tests check when
//! each line came (in seed seconds) without sleeping and without timing bounds.

#![allow(dead_code)] // Each example's `main` (and the helpers another example reuses) are unused here.

#[path = "../examples/delaying_queue_add_after.rs"]
mod delaying_queue_add_after;
#[path = "../examples/rate_limiters_forget_requeues.rs"]
mod rate_limiters_forget_requeues;
#[path = "../examples/rate_limiting_queue_bucket.rs"]
mod rate_limiting_queue_bucket;
#[path = "../examples/workqueue_basic.rs"]
mod workqueue_basic;
#[path = "../examples/workqueue_done_requeue.rs"]
mod workqueue_done_requeue;
#[path = "../examples/workqueue_get_blocking.rs"]
mod workqueue_get_blocking;
#[path = "../examples/workqueue_measure.rs"]
mod workqueue_measure;
#[path = "../examples/workqueue_shutdown_with_drain.rs"]
mod workqueue_shutdown_with_drain;

use clap::Parser as _;
use clientgo_example::Out;
// The drain example builds on this one (loading the file twice would compile it twice).
use workqueue_shutdown_with_drain::workqueue_shutdown;

/// The example's lines with trailing spaces trimmed (Go's `%-5t` pads).
fn trimmed(out: &Out) -> Vec<String> {
    out.lines().iter().map(|l| l.trim_end().to_owned()).collect()
}

fn lines(expected: &str) -> Vec<String> {
    expected.lines().map(|l| l.trim_end().to_owned()).collect()
}

/// Splits `[  1.23s] text` into (1.23, "text").
fn stamped(line: &str) -> (f64, &str) {
    let rest = line.strip_prefix('[').expect("stamped line");
    let (secs, text) = rest.split_once("s] ").expect("stamp end");
    (secs.trim().parse().expect("stamp seconds"), text)
}

/// An example's options as its command line would give them.
fn cli<A: clap::Parser>(name: &str, flags: &[&str]) -> A {
    A::parse_from(std::iter::once(name).chain(flags.iter().copied()))
}

#[tokio::test]
async fn workqueue_basic_hands_items_out_in_order_and_queues_equal_ones_once() {
    let out = Out::capture();
    workqueue_basic::run(&out, &workqueue_basic::Args::default())
        .await
        .unwrap();
    assert_eq!(
        trimmed(&out),
        lines(
            "添加数据: 1     队列大小: 1
添加数据: 2     队列大小: 2
添加数据: 3     队列大小: 3
添加数据: 4     队列大小: 4
添加数据: 5     队列大小: 5
读取数据: 1     队列大小: 4     队列是否已经关闭: false
读取数据: 2     队列大小: 3     队列是否已经关闭: false
读取数据: 3     队列大小: 2     队列是否已经关闭: false
读取数据: 4     队列大小: 1     队列是否已经关闭: false
读取数据: 5     队列大小: 0     队列是否已经关闭: false
队列大小:  1
队列大小:  3"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn workqueue_get_blocking_waits_for_the_producer_and_shows_the_len_race() {
    let out = Out::capture();
    let args: workqueue_get_blocking::Args = cli("workqueue_get_blocking", &[]);
    workqueue_get_blocking::run(&out, &args).await.unwrap();
    let out = trimmed(&out);
    let stamps: Vec<(f64, &str)> = out.iter().map(|l| stamped(l)).collect();
    assert_eq!(
        stamps,
        [
            (0.0, "Get start"),
            (0.0, "Goroutine数量:  2"),
            // `get` returned only when the producer added, 10 s later.
            (10.0, "1 false"),
            // Len said 1, the other task took the item at 1 s, our Get waited from 2 s to 5 s.
            (
                15.0,
                "Get still blocked after 3s: the item was taken between Len and Get (Go reports: all goroutines are asleep - deadlock!)"
            ),
            (15.0, "the other task got Some(1)"),
        ]
    );
}

#[tokio::test]
async fn workqueue_done_requeue_reproduces_the_quirk_and_requeues_once() {
    let out = Out::capture();
    workqueue_done_requeue::run(&out, &workqueue_done_requeue::Args::default())
        .await
        .unwrap();
    assert_eq!(
        trimmed(&out),
        lines(
            "队列大小:  2
item false
队列大小:  1
get: pod, processing: 1
re-added 3 times while processing: len 0
after done: len 1
get again: pod, len 0"
        )
    );
}

const SHUTDOWN_HEAD: &str = "添加元素: 1
添加元素: 2
添加元素: 3
添加元素: 4
读取数据: 1     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): false
关闭队列";

const SHUTDOWN_TAIL: &str = "队列大小: 3
读取数据: 2     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): true
读取数据: 3     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): true
读取数据: 4     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): true
读取数据: <nil> 队列是否已经关闭(Get): true  队列是否已经关闭(ShuttingDown): true";

#[tokio::test]
async fn workqueue_shutdown_ignores_adds_and_still_hands_out_queued_items() {
    let out = Out::capture();
    workqueue_shutdown::run(&out, &workqueue_shutdown::Args::default())
        .await
        .unwrap();
    assert_eq!(
        trimmed(&out),
        [lines(SHUTDOWN_HEAD), lines(SHUTDOWN_TAIL)].concat()
    );
}

#[tokio::test(start_paused = true)]
async fn workqueue_shutdown_with_drain_blocks_until_the_handed_out_item_is_done() {
    let out = Out::capture();
    let args: workqueue_shutdown_with_drain::Args = cli("workqueue_shutdown_with_drain", &[]);
    workqueue_shutdown_with_drain::run(&out, &args).await.unwrap();
    assert_eq!(
        trimmed(&out),
        [
            lines(SHUTDOWN_HEAD),
            // The worker calls done 5 s after it took item 1; items 2-4, still queued, are not waited for.
            lines("shut_down_with_drain blocked for 5.0s"),
            lines(SHUTDOWN_TAIL),
        ]
        .concat()
    );
}

#[tokio::test(start_paused = true)]
async fn delaying_queue_add_after_adds_each_item_when_its_delay_has_passed() {
    let out = Out::capture();
    let args: delaying_queue_add_after::Args = cli("delaying_queue_add_after", &[]);
    delaying_queue_add_after::run(&out, &args).await.unwrap();
    let out = trimmed(&out);
    assert_eq!(out.len(), 15, "{out:?}");
    for (i, line) in out[..3].iter().enumerate() {
        assert_eq!(stamped(line), (0.0, format!("添加元素: {}", i + 1).as_str()));
    }
    // Item i becomes visible i seconds after add_after: the sample at second s sees the items due
    // by then (the one due exactly at s may or may not be in yet, as in the seed's 0, 0, 1, 3, 3).
    for (s, line) in out[3..8].iter().enumerate() {
        let (at, text) = stamped(line);
        assert_eq!(at, s as f64, "{line}");
        let len: usize = text
            .strip_prefix("队列大小: ")
            .and_then(|n| n.parse().ok())
            .expect("len sample");
        assert!(
            len == s.min(3) || len + 1 == s.min(3),
            "at {s} s: {len} items ready"
        );
    }
    for (i, line) in out[8..11].iter().enumerate() {
        assert_eq!(
            stamped(line),
            (
                5.0,
                format!("读取数据: {} 队列是否已经关闭: false Goroutine数量: 2", i + 1).as_str()
            ),
            "the three items wait in the queue; the queue's one timer task is the second task"
        );
    }
    assert_eq!(
        stamped(&out[11]),
        (7.0, "get blocked (no item will come; Go hangs here forever)")
    );
    assert!(
        out[12].starts_with("添加元素: 2000 (in ") && out[12].ends_with("waiting 2000, tasks 3)"),
        "2000 delayed adds return at once, all waiting on one more timer task: {}",
        out[12]
    );
    assert_eq!(out[13], "add_after(0, 0s): len 1 (added at once)");
    assert_eq!(out[14], "after shut_down, add_after ignored: len 1");
}

/// One run of the bucket example: twenty adds that stop growing the queue at the burst, then
/// twenty gets: the burst at once, the rest one token (1/qps seconds) apart.
fn check_bucket_run(out: &[String], qps: f64) {
    for (i, line) in out[..20].iter().enumerate() {
        let n = i + 1;
        let text = format!("添加数据: {:<3} 队列大小: {:<3}", n, n.min(10));
        assert_eq!(stamped(line), (0.0, text.trim_end()), "add {n}");
    }
    for (i, line) in out[20..40].iter().enumerate() {
        let n = i + 1;
        let (at, text) = stamped(line);
        let len = 10usize.saturating_sub(n);
        let expected = format!("读取数据: {:<3} 队列是否已经关闭: false 队列大小: {:<3}", n, len);
        assert_eq!(text, expected.trim_end(), "get {n}");
        let due = n.saturating_sub(10) as f64 / qps;
        assert!(
            (at - due).abs() < 0.015,
            "item {n} at {at} s, due at {due} s (qps {qps})"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn rate_limiting_queue_bucket_lets_the_burst_through_then_qps_a_second() {
    let out = Out::capture();
    let args: rate_limiting_queue_bucket::Args = cli("rate_limiting_queue_bucket", &[]);
    rate_limiting_queue_bucket::run(&out, &args).await.unwrap();
    let out = trimmed(&out);
    assert_eq!(out.len(), 82, "{out:?}");
    assert_eq!(out[0], "--- qps 1, burst 10");
    check_bucket_run(&out[1..41], 1.0);
    assert_eq!(out[41], "--- qps 2, burst 10");
    check_bucket_run(&out[42..82], 2.0);
}

#[test]
fn rate_limiting_queue_bucket_refuses_a_rate_of_zero() {
    let e = rate_limiting_queue_bucket::Args::try_parse_from(["rate_limiting_queue_bucket", "--qps", "0"])
        .unwrap_err();
    assert!(e.to_string().contains("want a positive number"), "{e}");
}

#[tokio::test]
async fn rate_limiters_forget_requeues_shows_each_limiters_semantics_and_the_worker_loop() {
    let out = Out::capture();
    rate_limiters_forget_requeues::run(&out, &rate_limiters_forget_requeues::Args::default())
        .await
        .unwrap();
    assert_eq!(
        trimmed(&out),
        lines(
            "bucket(qps 1, burst 3): when = [0ns, 0ns, 0ns, 1s, 2s], num_requeues = 0, after forget = 0, next when = 3s
exponential(5ms, 1000s): when = [5ms, 10ms, 20ms, 40ms, 80ms, 160ms], num_requeues = 6, after forget = 0, next when = 5ms
exponential after 30 failures: when = 1000s (capped)
fast_slow(5ms, 10s, 3): when = [5ms, 5ms, 5ms, 10s, 10s], num_requeues = 5, after forget = 0, next when = 5ms
max_of(exponential(1ms, 1s), fast_slow(3ms, 50ms, 2)): when = [3ms, 3ms, 50ms, 50ms, 50ms], num_requeues = 5, after forget = 0, next when = 3ms
with_max_wait(exponential(10ms, 10s), 25ms): when = [10ms, 20ms, 25ms, 25ms], num_requeues = 4, after forget = 0, next when = 10ms
default_controller: when = [5ms, 10ms, 20ms, 40ms], num_requeues = 4, after forget = 0, next when = 5ms
attempt 1: failed, requeued (num_requeues = 1)
attempt 2: failed, requeued (num_requeues = 2)
attempt 3: failed, requeued (num_requeues = 3)
attempt 4: failed, giving up after 3 retries
worker stopped: num_requeues = 0"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workqueue_measure_reports_lateness_and_the_bucket_rate() {
    let out = Out::capture();
    let args: workqueue_measure::Args = cli(
        "workqueue_measure",
        &["--items", "1000", "--seconds", "0.2", "--lead-ms", "50"],
    );
    workqueue_measure::run(&out, &args).await.unwrap();
    let out = out.lines();
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(
        out[0].starts_with("delaying queue lateness, 10000 items due in 0-100 ms (after a 50 ms lead): p50 "),
        "{}",
        out[0]
    );
    assert!(
        out[1].starts_with("delaying queue lateness, 1000 items"),
        "{}",
        out[1]
    );
    assert!(
        out[2].starts_with("bucket limiter: configured 100 qps, achieved "),
        "{}",
        out[2]
    );
}
