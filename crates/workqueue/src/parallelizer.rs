//! Runs numbered pieces of work on a fixed number of threads.
//!
//! Mirrors client-go `util/workqueue/parallelizer.go` (`ParallelizeUntil`, `WithChunkSize`): pieces
//! `0..pieces` are cut into chunks of `chunk_size` consecutive pieces, and `workers` threads take
//! chunks until none is left or the stop check says to stop (checked before every piece, so a
//! stop leaves the rest of the pieces undone). The work is CPU work, as in Go's goroutines, so the
//! workers are scoped OS threads; the call returns when every worker has ended, and a panic in a
//! piece reaches the caller once the other workers have finished (client-go's `HandleCrash`
//! re-panics too).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Options of [`parallelize_until`]. Mirrors client-go's `workqueue.Options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParallelizeOptions {
    /// Consecutive pieces a worker takes at a time (at least one), so small pieces do not each
    /// pay for a hand-out. Mirrors `WithChunkSize`.
    pub chunk_size: usize,
}

impl Default for ParallelizeOptions {
    fn default() -> Self {
        ParallelizeOptions { chunk_size: 1 }
    }
}

impl ParallelizeOptions {
    /// Sets [`ParallelizeOptions::chunk_size`]. Mirrors `WithChunkSize`.
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }
}

/// Calls `do_work_piece(p)` for every `p` in `0..pieces` on up to `workers` threads, until done or
/// until `stopped()` returns true (checked before each piece; pass `|| false` to run them all, or
/// `|| token.is_cancelled()` for a cancellation token). Mirrors client-go
/// `workqueue.ParallelizeUntil`.
///
/// # Panics
/// When a piece panics (after the other workers have ended).
pub fn parallelize_until<S, F>(
    stopped: S,
    workers: usize,
    pieces: usize,
    do_work_piece: F,
    options: ParallelizeOptions,
) where
    S: Fn() -> bool + Sync,
    F: Fn(usize) + Sync,
{
    if pieces == 0 {
        return;
    }
    let chunk_size = options.chunk_size.max(1);
    let chunks = pieces.div_ceil(chunk_size);
    let workers = workers.clamp(1, chunks);
    let next_chunk = AtomicUsize::new(0);
    let work = || loop {
        let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
        if chunk >= chunks {
            return;
        }
        let start = chunk * chunk_size;
        for piece in start..(start + chunk_size).min(pieces) {
            if stopped() {
                return;
            }
            do_work_piece(piece);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..workers {
            scope.spawn(work);
        }
        // The calling thread is one of the workers.
        work();
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;

    use proptest::prelude::*;

    use super::*;

    /// How many times each piece ran, with nothing stopping the run.
    fn runs_per_piece(pieces: usize, workers: usize, chunk_size: usize) -> Vec<usize> {
        let seen: Vec<AtomicUsize> = (0..pieces).map(|_| AtomicUsize::new(0)).collect();
        parallelize_until(
            || false,
            workers,
            pieces,
            |p| {
                seen[p].fetch_add(1, Ordering::Relaxed);
            },
            ParallelizeOptions::default().chunk_size(chunk_size),
        );
        seen.iter().map(|c| c.load(Ordering::Relaxed)).collect()
    }

    /// Every piece is done exactly once, whatever the workers and chunk size. Mirrors
    /// `TestParallelizeUntil`'s cases.
    #[test]
    fn test_parallelize_until() {
        for (pieces, workers, chunk_size) in [
            (1000, 1, 1),
            (1000, 10, 1),
            (1000, 1, 10),
            (1000, 10, 10),
            (1000, 10, 100),
            (999, 10, 13),
        ] {
            let counts = runs_per_piece(pieces, workers, chunk_size);
            assert!(
                counts.iter().all(|&c| c == 1),
                "{pieces} pieces, {workers} workers, chunks of {chunk_size}"
            );
        }
    }

    #[test]
    fn no_pieces_and_no_workers_are_handled() {
        parallelize_until(
            || false,
            4,
            0,
            |_| panic!("no piece to do"),
            ParallelizeOptions::default(),
        );
        let done = AtomicUsize::new(0);
        parallelize_until(
            || false,
            0,
            5,
            |_| {
                done.fetch_add(1, Ordering::Relaxed);
            },
            ParallelizeOptions::default().chunk_size(0),
        );
        assert_eq!(
            done.load(Ordering::Relaxed),
            5,
            "zero workers and chunk size mean one"
        );
    }

    /// A stop leaves the remaining pieces undone: with one worker, exactly the pieces before it.
    #[test]
    fn a_stop_ends_the_work_before_the_next_piece() {
        let stop = AtomicBool::new(false);
        let done = Mutex::new(Vec::new());
        parallelize_until(
            || stop.load(Ordering::Relaxed),
            1,
            100,
            |p| {
                done.lock().unwrap().push(p);
                if p == 9 {
                    stop.store(true, Ordering::Relaxed);
                }
            },
            ParallelizeOptions::default().chunk_size(7),
        );
        assert_eq!(*done.lock().unwrap(), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_piece_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| {
            parallelize_until(
                || false,
                3,
                30,
                |p| assert!(p != 17, "piece 17 failed"),
                ParallelizeOptions::default(),
            );
        });
        assert!(outcome.is_err());
    }

    proptest! {
        #[test]
        fn every_piece_runs_once(pieces in 0usize..300, workers in 0usize..8, chunk_size in 0usize..40) {
            prop_assert!(runs_per_piece(pieces, workers, chunk_size).iter().all(|&c| c == 1));
        }
    }
}
