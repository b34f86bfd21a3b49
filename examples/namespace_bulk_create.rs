//! Seed 003 §5.10 "Does List return everything?", the bulk creator (L893-1013): one producer hands
//! zero-padded names to as many workers as there are CPUs, each creating namespaces, with the
//! client's limits raised to QPS = 2 x CPUs and Burst = 4 x CPUs (client-go's defaults are 5 and 10).
//! Every create is logged (`NAME: success`, `already exists`, or the error) and the seed's summary
//! follows: `Create N namespaces, used S seconds, success N, failed 0`.
//!
//! Unlike the seed, the success and failure counters are atomics (the Go program incremented plain
//! ints from several goroutines, a data race), the count in the summary is the number of names (the
//! seed printed stop - start, one short), and the workers do not sleep a second after each create:
//! the client-side rate limiter paces them, and the example says how many requests it held back.
//!
//! The names belong to the example, padded to the width of `--count` (`namespace-bulk-create-01`..`-50`),
//! so they sort as `kubectl get ns` lists them. Each carries the examples' label and is registered for
//! deletion as soon as it exists; at the end the workers delete them all, and the example waits until
//! they are gone.
//!
//! Run: `cargo run --example namespace_bulk_create [-- --count 30000] [--kubeconfig PATH]`

#[path = "common/counting_limiter.rs"]
mod counting_limiter;

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clientgo::api::core::v1::Namespace;
use clientgo::kubernetes::{Clientset, DeleteOptions, ResourceClient};
use clientgo::rest::ErrorReport;
use clientgo_example::{outln, BoxError, Session};
use counting_limiter::CountingLimiter;
use futures_util::future::join_all;
use tokio::sync::{mpsc, Mutex};
use tokio::time::Instant;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How many namespaces to create (the seed created 30000).
    #[arg(long, default_value_t = 50)]
    pub count: usize,
}

/// The names' common prefix: the example's name.
pub const PREFIX: &str = "namespace-bulk-create-";

/// `namespace-bulk-create-` and `i` zero-padded to the width of `count` (the seed's
/// `len(strconv.Itoa(stop))`), so names sort in number order.
pub fn name(i: usize, count: usize) -> String {
    let width = count.to_string().len();
    format!("{PREFIX}{i:0width$}")
}

/// Whether `name` is one of this example's namespaces (its session namespace is not).
pub fn is_ours(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// What the workers did: atomic success and failure counters, and the names whose request took
/// effect (created, or deleted), in the order they did.
#[derive(Default)]
struct Tally {
    success: AtomicUsize,
    failed: AtomicUsize,
    done: std::sync::Mutex<Vec<String>>,
}

impl Tally {
    fn counts(&self) -> (usize, usize) {
        (
            self.success.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }

    fn done(self) -> Vec<String> {
        self.done
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a worker does with one name: create or delete it.
#[derive(Clone, Copy)]
enum Verb {
    Create,
    Delete,
}

impl Verb {
    /// Sends the request for `name`, logs it and counts it. AlreadyExists counts as a success of a
    /// create (as in the seed), NotFound as a success of a delete; neither took effect, so the name
    /// is not noted as done (a namespace the example did not create is never deleted).
    async fn apply(self, session: &Session, api: &ResourceClient<Namespace>, name: &str, tally: &Tally) {
        let out = session.out();
        let outcome = match self {
            Verb::Create => {
                match clientgo_example::namespaces::create(
                    session,
                    api,
                    &clientgo_example::namespaces::labelled(name),
                )
                .await
                {
                    Ok(_) => Ok(("success", true)),
                    Err(e) if e.is_already_exists() => Ok(("already exists", false)),
                    Err(e) => Err(e),
                }
            }
            Verb::Delete => match api.delete(name, &DeleteOptions::default()).await {
                Ok(()) => Ok(("deleted", true)),
                Err(e) if e.is_not_found() => Ok(("already deleted", false)),
                Err(e) => Err(e),
            },
        };
        match outcome {
            Ok((word, took_effect)) => {
                tally.success.fetch_add(1, Ordering::Relaxed);
                if took_effect {
                    tally
                        .done
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(name.to_owned());
                }
                outln!(out, "  {name}: {word}");
            }
            Err(e) => {
                tally.failed.fetch_add(1, Ordering::Relaxed);
                outln!(out, "  {name}: {}", ErrorReport::new(&e));
            }
        }
    }
}

/// One producer sends `names` through a rendezvous channel (the seed's unbuffered Go channel) to
/// `workers` workers that apply `verb` to each. On Ctrl-C the producer stops handing out names.
/// Returns the tally, and whether every name was handed out.
async fn fan_out(
    session: &Session,
    api: &ResourceClient<Namespace>,
    verb: Verb,
    names: Vec<String>,
    workers: usize,
) -> (Tally, bool) {
    let tally = Tally::default();
    let (tx, rx) = mpsc::channel::<String>(1);
    let rx = Mutex::new(rx);
    let producer = async move {
        let interrupted = session.interrupted();
        tokio::pin!(interrupted);
        for name in names {
            tokio::select! {
                sent = tx.send(name) => if sent.is_err() { return false },
                () = &mut interrupted => return false,
            }
        }
        true
    };
    let worker = || async {
        loop {
            let next = rx.lock().await.recv().await;
            let Some(name) = next else { break };
            verb.apply(session, api, &name, &tally).await;
        }
    };
    // The workers run concurrently on this task: nothing is spawned, so nothing outlives the call.
    let (complete, _) = tokio::join!(producer, join_all((0..workers).map(|_| worker())));
    (tally, complete)
}

/// Creates `args.count` namespaces with a worker per CPU, then deletes them the same way.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    clientgo_example::namespaces::clear_leftovers(session, is_ours).await?;

    let mut config = session.config().clone();
    let qps = u32::try_from(cpus * 2).unwrap_or(u32::MAX);
    let burst = u32::try_from(cpus * 4).unwrap_or(u32::MAX);
    let limiter = CountingLimiter::install(&mut config, qps as f32, burst)?;
    let api = Clientset::new(&config)?.core_v1().namespaces();
    outln!(
        out,
        "Create {} namespaces {} ... {} with {cpus} workers, client limits {} (2x and 4x the {cpus} CPUs)",
        args.count,
        name(1, args.count),
        name(args.count, args.count),
        limiter.limits()
    );

    let start = Instant::now();
    let names = (1..=args.count).map(|i| name(i, args.count)).collect();
    let (created, complete) = fan_out(session, &api, Verb::Create, names, cpus).await;
    let (success, create_failed) = created.counts();
    outln!(
        out,
        "Create {} namespaces, used {:.2} seconds, success {success}, failed {create_failed}",
        args.count,
        start.elapsed().as_secs_f64()
    );
    outln!(out, "{}", limiter.summary());
    if !complete {
        // Interrupted: the session deletes what was created.
        return Ok(());
    }

    let start = Instant::now();
    let created = created.done();
    let count = created.len();
    let (deleted, complete) = fan_out(session, &api, Verb::Delete, created, cpus).await;
    let (success, delete_failed) = deleted.counts();
    outln!(
        out,
        "Delete {count} namespaces, used {:.2} seconds, success {success}, failed {delete_failed}",
        start.elapsed().as_secs_f64()
    );
    if complete {
        clientgo_example::namespaces::wait_gone(session, is_ours).await?;
    }
    if create_failed + delete_failed > 0 {
        return Err(format!("{} requests failed (see above)", create_failed + delete_failed).into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
