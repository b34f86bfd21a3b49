//! Seed §"Leader election" (client-go tools/leaderelection): two electors in one process race for a
//! Lease; the leader is killed (no release), the lease moves to the other after the lease duration,
//! then the new leader is cancelled with `release_on_cancel` and hands the lease back at once.
//!
//! Short timings (lease 3 s, renew 2 s, retry 1 s) keep the demo quick; production uses 15/10/2 s.
//! Run: `cargo run --example leader_election_lease [-- --kubeconfig PATH]`

use std::error::Error;
use std::path::Path;
use std::time::Duration;

use clientgo::kubernetes::{Clientset, GetOptions};
use clientgo::tools::clientcmd;
use clientgo::tools::leaderelection::{
    Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaseLock,
};
use tokio::sync::mpsc;

fn elector(
    cs: &Clientset,
    id: &str,
    events: &mpsc::UnboundedSender<String>,
) -> Result<LeaderElector, Box<dyn Error + Send + Sync>> {
    let (started, stopped, seen) = (events.clone(), events.clone(), events.clone());
    let (i1, i2, i3) = (id.to_owned(), id.to_owned(), id.to_owned());
    let callbacks = Callbacks::new(
        move |token: CancellationToken| {
            let _ = started.send(format!("{i1}: started leading"));
            async move { token.cancelled().await }
        },
        move || {
            let _ = stopped.send(format!("{i2}: stopped leading"));
        },
    )
    .on_new_leader(move |leader| {
        let _ = seen.send(format!("{i3}: new leader is {leader:?}"));
    });
    let lock = LeaseLock::new(cs.coordination_v1().leases("default"), "example-lease", id);
    let config = LeaderElectionConfig::new(lock, callbacks)
        .lease_duration(Duration::from_secs(3))
        .renew_deadline(Duration::from_secs(2))
        .retry_period(Duration::from_secs(1))
        .release_on_cancel(true);
    Ok(LeaderElector::new(config)?)
}

async fn wait_for(rx: &mut mpsc::UnboundedReceiver<String>, out: &mut Vec<String>, want: &str) {
    while let Some(line) = rx.recv().await {
        let hit = line == want;
        out.push(line);
        if hit {
            return;
        }
    }
}

/// Runs the demo and returns its lines (the callbacks' messages and the lease's state).
pub async fn run(kubeconfig: &Path) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let cs = Clientset::new(&config)?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut out = Vec::new();
    let a = elector(&cs, "replica-a", &tx)?;
    let b = elector(&cs, "replica-b", &tx)?;
    let a_task = {
        let a = a.clone();
        tokio::spawn(async move { a.run(CancellationToken::new()).await })
    };
    wait_for(&mut rx, &mut out, "replica-a: started leading").await;
    let b_cancel = CancellationToken::new();
    let b_task = {
        let (b, c) = (b.clone(), b_cancel.clone());
        tokio::spawn(async move { b.run(c).await })
    };
    wait_for(&mut rx, &mut out, "replica-b: new leader is \"replica-a\"").await;
    out.push("killing replica-a (no release)".to_owned());
    a_task.abort();
    let _ = a_task.await;
    wait_for(&mut rx, &mut out, "replica-b: started leading").await;
    let lease = cs
        .coordination_v1()
        .leases("default")
        .get("example-lease", &GetOptions::default())
        .await?;
    out.push(format!(
        "lease holder {:?}, transitions {}",
        lease.spec.holder_identity.unwrap_or_default(),
        lease.spec.lease_transitions.unwrap_or_default()
    ));
    out.push("cancelling replica-b (release_on_cancel)".to_owned());
    b_cancel.cancel();
    b_task.await?;
    wait_for(&mut rx, &mut out, "replica-b: stopped leading").await;
    let lease = cs
        .coordination_v1()
        .leases("default")
        .get("example-lease", &GetOptions::default())
        .await?;
    out.push(format!(
        "lease holder {:?} after release",
        lease.spec.holder_identity.unwrap_or_default()
    ));
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    for l in run(target.kubeconfig_path()).await? {
        println!("{l}");
    }
    Ok(())
}
