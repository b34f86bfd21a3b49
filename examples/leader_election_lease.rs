//! Seed 004 "Operator HA" (S004:L58-61): leader election (client-go `tools/leaderelection`), so
//! that of several replicas of a controller only one works. Two electors race for a Lease; the
//! leader is killed (its task dropped, nothing released), and the other takes the Lease once the
//! lease duration has passed without a renewal; then the new leader is cancelled with
//! `release_on_cancel` and hands the Lease back at once (holder emptied), as a cleanly stopped
//! replica should. Ctrl-C stops the replicas the same way: a leader releases the Lease on the
//! way out. Each replica has the health check a liveness probe would call
//! (`LeaderHealthzAdaptor`, client-go's `HealthzAdaptor`), whose state is shown as the Lease
//! moves.
//!
//! The Lease lives in the example's own namespace. Short timings (lease 3 s, renew 2 s, retry
//! 1 s) keep the demo quick; kube-controller-manager uses 15/10/2 s.
//!
//! Run: `cargo run --example leader_election_lease [-- --kubeconfig PATH] [--lease-ms MS]
//! [--renew-ms MS] [--retry-ms MS] [--healthz-timeout-ms MS]`

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clientgo::api::coordination::v1::Lease;
use clientgo::kubernetes::{GetOptions, ResourceClient};
use clientgo::tools::leaderelection::{
    Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaderHealthzAdaptor, LeaseLock,
};
use clientgo_example::{outln, BoxError, Out, Session};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The Lease the electors race for.
pub const LEASE: &str = "example-lease";

/// Leader election on a Lease: two replicas race, the killed leader's Lease moves to the other, a
/// cancelled leader releases it (the example's own options, the election's timings, follow).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How long a Lease is valid without renewal before another replica may take it.
    #[arg(long, default_value_t = 3000)]
    pub lease_ms: u64,
    /// How long the leader keeps trying to renew before it gives up leading.
    #[arg(long, default_value_t = 2000)]
    pub renew_ms: u64,
    /// How often an elector tries to acquire or renew.
    #[arg(long, default_value_t = 1000)]
    pub retry_ms: u64,
    /// How long past the lease duration a leader that has not renewed still counts as healthy
    /// (kube-controller-manager: 20 s).
    #[arg(long, default_value_t = 20000)]
    pub healthz_timeout_ms: u64,
}

/// The electors' lines: printed as they happen, and kept so the script can wait for one.
#[derive(Clone)]
struct Log {
    out: Out,
    seen: Arc<(Mutex<Vec<String>>, Notify)>,
}

impl Log {
    fn new(out: &Out) -> Self {
        Log {
            out: out.clone(),
            seen: Arc::new((Mutex::new(Vec::new()), Notify::new())),
        }
    }

    fn say(&self, line: String) {
        outln!(self.out, "{line}");
        let (lines, changed) = &*self.seen;
        lines.lock().unwrap_or_else(PoisonError::into_inner).push(line);
        changed.notify_waiters();
    }

    /// Waits until `want` has been said.
    async fn wait(&self, want: &str) {
        let (lines, changed) = &*self.seen;
        loop {
            let notified = changed.notified();
            if lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .any(|l| l == want)
            {
                return;
            }
            notified.await;
        }
    }
}

/// One replica: its elector, the elector's task, the token that cancels it, and its health check.
struct Replica {
    id: String,
    elector: LeaderElector,
    healthz: LeaderHealthzAdaptor,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Replica {
    /// Starts `id` campaigning for [`LEASE`]; its callbacks say what happens.
    fn start(leases: &ResourceClient<Lease>, id: &str, args: &Args, log: &Log) -> Result<Self, BoxError> {
        let (started, stopped, seen) = (log.clone(), log.clone(), log.clone());
        let (i1, i2, i3) = (id.to_owned(), id.to_owned(), id.to_owned());
        let callbacks = Callbacks::new(
            move |leading: CancellationToken| {
                started.say(format!("{i1}: started leading"));
                async move { leading.cancelled().await }
            },
            move || stopped.say(format!("{i2}: stopped leading")),
        )
        .on_new_leader(move |leader| seen.say(format!("{i3}: new leader is {leader:?}")));
        let healthz = LeaderHealthzAdaptor::new(Duration::from_millis(args.healthz_timeout_ms));
        let config = LeaderElectionConfig::new(LeaseLock::new(leases.clone(), LEASE, id), callbacks)
            .lease_duration(Duration::from_millis(args.lease_ms))
            .renew_deadline(Duration::from_millis(args.renew_ms))
            .retry_period(Duration::from_millis(args.retry_ms))
            .release_on_cancel(true)
            .watch_dog(healthz.clone());
        let elector = LeaderElector::new(config)?;
        let cancel = CancellationToken::new();
        let (runner, token) = (elector.clone(), cancel.clone());
        let task = tokio::spawn(async move { runner.run(token).await });
        Ok(Replica {
            id: id.to_owned(),
            elector,
            healthz,
            cancel,
            task,
        })
    }

    /// What the replica's liveness probe would answer now.
    fn healthz_line(&self) -> String {
        let state = match self.healthz.check() {
            Ok(()) if self.elector.is_leader() => "ok (leading, renewed in time)".to_owned(),
            Ok(()) => "ok (not leading)".to_owned(),
            Err(e) => format!("failing: {e}"),
        };
        format!("{} healthz {}: {state}", self.id, self.healthz.name())
    }

    /// Kills the replica like a crashed process: its elector stops at once, nothing is released.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
        // Ends the leading callback the dead elector had started.
        self.cancel.cancel();
    }

    /// Stops the replica gracefully: it releases the Lease if it holds it.
    async fn stop(&mut self) {
        self.cancel.cancel();
        let _ = (&mut self.task).await;
    }
}

/// The Lease's holder and transitions.
async fn holder(leases: &ResourceClient<Lease>) -> Result<(String, i32), BoxError> {
    let lease = leases.get(LEASE, &GetOptions::default()).await?;
    Ok((
        lease.spec.holder_identity.map(String::from).unwrap_or_default(),
        lease.spec.lease_transitions.unwrap_or_default(),
    ))
}

/// The demo: a leads, b follows; a is killed and b takes over; b is cancelled and releases.
async fn script(
    leases: &ResourceClient<Lease>,
    args: &Args,
    log: &Log,
    replicas: &mut Vec<Replica>,
) -> Result<(), BoxError> {
    replicas.push(Replica::start(leases, "replica-a", args, log)?);
    log.wait("replica-a: started leading").await;
    replicas.push(Replica::start(leases, "replica-b", args, log)?);
    log.wait("replica-b: new leader is \"replica-a\"").await;
    for replica in replicas.iter() {
        log.say(replica.healthz_line());
    }
    log.say("killing replica-a (no release)".to_owned());
    replicas.remove(0).kill().await;
    log.wait("replica-b: started leading").await;
    let (holder_id, transitions) = holder(leases).await?;
    log.say(format!("lease holder {holder_id:?}, transitions {transitions}"));
    log.say(replicas[0].healthz_line());
    // A pause while b leads: Ctrl-C now shows a leader releasing the Lease on the way out.
    log.say(format!("replica-b leads for {} ms", args.lease_ms));
    tokio::time::sleep(Duration::from_millis(args.lease_ms)).await;
    log.say("cancelling replica-b (release_on_cancel)".to_owned());
    let mut b = replicas.remove(0);
    b.stop().await;
    log.wait("replica-b: stopped leading").await;
    log.say(b.healthz_line());
    let (holder_id, _) = holder(leases).await?;
    log.say(format!("lease holder {holder_id:?} after release"));
    Ok(())
}

/// Runs the demo in the example's namespace; Ctrl-C stops the replicas gracefully, and a
/// replica that was leading releases the Lease.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let ns = session.namespace().await?;
    let leases = session.clientset().coordination_v1().leases(ns);
    outln!(
        session.out(),
        "lease {ns}/{LEASE}: lease {} ms, renew {} ms, retry {} ms (kube-controller-manager: 15 s, 10 s, 2 s)",
        args.lease_ms,
        args.renew_ms,
        args.retry_ms
    );
    let log = Log::new(session.out());
    let mut replicas = Vec::new();
    let (outcome, interrupted) = tokio::select! {
        r = script(&leases, args, &log, &mut replicas) => (r, false),
        () = session.interrupted() => (Ok(()), true),
    };
    for mut replica in replicas {
        let was_leading = replica.elector.is_leader();
        replica.stop().await;
        if interrupted && was_leading {
            let (holder_id, _) = holder(&leases).await?;
            log.say(format!(
                "interrupted: {} released the lease, holder {holder_id:?}",
                replica.id
            ));
        }
    }
    outcome
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
