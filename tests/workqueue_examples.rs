//! Runs each workqueue example (scaled down with `--time-scale 0.01`) and checks that it prints
//! what the seed's Go programs print. Timing is checked only as causality (nothing arrives before
//! it could), never as an upper bound.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCALE: &str = "0.01";

/// The example's binary, built on demand if this test runner did not build examples.
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binary lives in <target>/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building example {name}");
    }
    path
}

/// Runs the example and returns its stdout lines with trailing spaces trimmed (Go's `%-5t` pads).
fn run(name: &str, args: &[&str]) -> Vec<String> {
    let mut child = Command::new(example_binary(name))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start example");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait().expect("wait for example") {
            Some(status) => {
                assert!(status.success(), "{name} exited with {status}");
                break;
            }
            None if Instant::now() > deadline => {
                let _ = child.kill();
                panic!("{name} did not finish (guard timeout)");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let out = child.wait_with_output().expect("example output");
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// Splits `[  1.23s] text` into (1.23, "text").
fn stamped(line: &str) -> (f64, &str) {
    let rest = line.strip_prefix('[').expect("stamped line");
    let (secs, text) = rest.split_once("s] ").expect("stamp end");
    (secs.trim().parse().expect("stamp seconds"), text)
}

fn lines(expected: &str) -> Vec<String> {
    expected.lines().map(|l| l.trim_end().to_string()).collect()
}

#[test]
fn workqueue_basic_prints_fifo_and_dedup() {
    assert_eq!(
        run("workqueue_basic", &[]),
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

#[test]
fn workqueue_get_blocking_waits_for_the_producer_and_shows_the_len_race() {
    let out = run("workqueue_get_blocking", &["--time-scale", SCALE]);
    assert_eq!(out.len(), 4, "{out:?}");
    assert_eq!(stamped(&out[0]).1, "Get start");
    let (at, text) = stamped(&out[1]);
    assert_eq!(text, "1 false");
    assert!(
        at >= 9.9,
        "get returned only after the producer added at 10 s: {at}"
    );
    assert!(stamped(&out[2])
        .1
        .starts_with("Get still blocked after 3s: the item was taken between Len and Get"));
    assert_eq!(stamped(&out[3]).1, "the other task got Some(1)");
}

#[test]
fn workqueue_done_requeue_reproduces_the_quirk_and_the_requeue() {
    assert_eq!(
        run("workqueue_done_requeue", &[]),
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

const SHUTDOWN_TAIL: &str = "队列大小: 3
读取数据: 2     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): true
读取数据: 3     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): true
读取数据: 4     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): true
读取数据: <nil> 队列是否已经关闭(Get): true  队列是否已经关闭(ShuttingDown): true";

const SHUTDOWN_HEAD: &str = "添加元素: 1
添加元素: 2
添加元素: 3
添加元素: 4
读取数据: 1     队列是否已经关闭(Get): false 队列是否已经关闭(ShuttingDown): false
关闭队列";

#[test]
fn workqueue_shutdown_prints_the_seed_transcript() {
    let expected = [lines(SHUTDOWN_HEAD), lines(SHUTDOWN_TAIL)].concat();
    assert_eq!(run("workqueue_shutdown", &[]), expected);
}

#[test]
fn workqueue_shutdown_with_drain_blocks_until_done_then_prints_the_transcript() {
    let mut out = run("workqueue_shutdown_with_drain", &["--time-scale", SCALE]);
    let blocked = out.remove(6);
    let secs: f64 = blocked
        .strip_prefix("shut_down_with_drain blocked for ")
        .and_then(|s| s.strip_suffix('s'))
        .and_then(|s| s.parse().ok())
        .expect("blocked line");
    assert!(secs >= 4.9, "drain waited for the 5 s worker: {secs}");
    assert_eq!(out, [lines(SHUTDOWN_HEAD), lines(SHUTDOWN_TAIL)].concat());
}

#[test]
fn delaying_queue_add_after_shows_delays_one_timer_and_non_blocking_adds() {
    let out = run("delaying_queue_add_after", &["--time-scale", SCALE]);
    assert_eq!(out.len(), 15, "{out:?}");
    for (i, line) in out[..3].iter().enumerate() {
        assert_eq!(stamped(line).1, format!("添加元素: {}", i + 1));
    }
    let samples: Vec<usize> = out[3..8]
        .iter()
        .map(|l| {
            stamped(l)
                .1
                .strip_prefix("队列大小: ")
                .and_then(|n| n.parse().ok())
                .expect("len sample")
        })
        .collect();
    assert_eq!(samples[0], 0, "nothing is ready at once: {samples:?}");
    assert!(samples.windows(2).all(|w| w[0] <= w[1]), "{samples:?}");
    assert_eq!(samples[4], 3, "{samples:?}");
    for (i, line) in out[8..11].iter().enumerate() {
        assert_eq!(
            stamped(line).1,
            format!("读取数据: {} 队列是否已经关闭: false Goroutine数量: 2", i + 1)
        );
    }
    assert!(stamped(&out[11]).1.starts_with("get blocked"));
    assert!(out[12].starts_with("添加元素: 2000 (in "));
    assert!(out[12].ends_with("waiting 2000, tasks 3)"), "{}", out[12]);
    assert_eq!(out[13], "add_after(0, 0s): len 1 (added at once)");
    assert_eq!(out[14], "after shut_down, add_after ignored: len 1");
}

fn check_bucket_run(out: &[String], qps: f64) {
    for (i, line) in out[..20].iter().enumerate() {
        let n = i + 1;
        assert_eq!(
            stamped(line).1,
            format!("添加数据: {:<3} 队列大小: {:<3}", n, n.min(10)).trim_end()
        );
    }
    let mut last = 0.0;
    for (i, line) in out[20..40].iter().enumerate() {
        let n = i + 1;
        let (at, text) = stamped(line);
        // The remaining length depends on how fast the timer refills it, so only the prefix is exact.
        let prefix = format!("读取数据: {:<3} 队列是否已经关闭: false 队列大小: ", n);
        let len: usize = text
            .strip_prefix(&prefix)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("read line {n}: {text}"));
        assert!(len <= 10, "{text}");
        if n <= 10 && at < 0.5 {
            assert_eq!(len, 10 - n, "the burst is read before any refill: {text}");
        }
        // The bucket cannot release item n (n > 10) before (n - 10) / qps seconds.
        let earliest = (n.saturating_sub(10)) as f64 / qps;
        assert!(at >= earliest - 0.05, "item {n} at {at}s, before {earliest}s");
        assert!(at >= last);
        last = at;
    }
}

#[test]
fn rate_limiting_queue_bucket_gives_ten_at_once_then_qps() {
    let out = run("rate_limiting_queue_bucket", &["--time-scale", SCALE]);
    assert_eq!(out.len(), 82, "{out:?}");
    assert_eq!(out[0], "--- qps 1, burst 10");
    check_bucket_run(&out[1..41], 1.0);
    assert_eq!(out[41], "--- qps 2, burst 10");
    check_bucket_run(&out[42..82], 2.0);
}

#[test]
fn rate_limiters_forget_requeues_prints_each_limiters_semantics() {
    assert_eq!(
        run("rate_limiters_forget_requeues", &[]),
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
