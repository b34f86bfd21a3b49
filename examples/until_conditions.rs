//! client-go `tools/watch` `Until`, `UntilWithSync` and their chain of conditions: wait for a
//! Deployment to become available, bounded by a timeout, and see a condition end the wait with an
//! error.
//!
//! Three waits, each on a Deployment of one busybox replica in the example's own namespace:
//! 1. `until_with_sync`: list, then watch `web` until two conditions hold in order: the
//!    Deployment is seen, then it reports its replicas available (`Available=True`). A real
//!    cluster's deployment controller and kubelet get it there; on the embedded server, which
//!    runs no controllers, the example plays the deployment controller and writes that status.
//! 2. `until` from a resourceVersion (a `RetryWatcher`): wait for `doomed` to become available
//!    while it is deleted; the condition that sees the DELETED event returns an error, which ends
//!    the wait with that error instead of waiting for the timeout.
//! 3. A condition nothing will meet (a label nobody sets), bounded by a short deadline: the wait
//!    ends when the deadline passes, as client-go's `ErrWaitTimeout`.
//!
//! Run: `cargo run --example until_conditions [-- --timeout 120] [--kubeconfig PATH]`

use std::process::ExitCode;
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::apimachinery::{Object, WatchEvent};
use clientgo::kubernetes::{DeleteOptions, ListOptions, ResourceClient, UpdateOptions, WriteOptions};
use clientgo::rest::ErrorReport;
use clientgo::tools::watch::{condition, until, until_with_sync, ListWatch};
use clientgo_example::{outln, values, BoxError, Session};

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How long the first wait may take, in seconds (an image pull on a real cluster included).
    #[arg(long, default_value = "120", value_parser = values::seconds)]
    pub timeout: Duration,
    /// The deadline of the wait that cannot succeed, in seconds.
    #[arg(long, default_value = "2", value_parser = values::seconds)]
    pub short_timeout: Duration,
}

/// A Deployment `name` of one busybox replica that sleeps (with a one-second grace period, since
/// `sleep` ignores SIGTERM).
fn deployment(name: &str) -> Result<Deployment, BoxError> {
    Ok(serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [{"name": "sleep", "image": "busybox:1.28", "command": ["sleep", "3600"]}]
                }
            }
        }
    }))?)
}

/// The Deployment an event carries, unless it is a DELETED one (or not about a Deployment).
fn live(event: &WatchEvent<Deployment>) -> Option<&Deployment> {
    match event {
        WatchEvent::Added(d) | WatchEvent::Modified(d) => Some(d),
        _ => None,
    }
}

/// Whether the Deployment reports every wanted replica available.
fn available(d: &Deployment) -> bool {
    let wanted = d.spec.replicas.unwrap_or(1);
    d.condition("Available").is_some_and(|c| c.status == "True") && d.status.available_replicas >= wanted
}

/// On the embedded server, which runs no controllers, writes what the deployment controller
/// reports once the replicas run; on a real cluster, does nothing.
async fn play_deployment_controller(
    session: &Session,
    api: &ResourceClient<Deployment>,
    name: &str,
) -> Result<(), BoxError> {
    if session.server().is_none() {
        return Ok(());
    }
    let mut d = api.get(name, &Default::default()).await?;
    let replicas = d.spec.replicas.unwrap_or(1);
    d.status.observed_generation = d.metadata.generation;
    d.status.replicas = replicas;
    d.status.updated_replicas = replicas;
    d.status.ready_replicas = replicas;
    d.status.available_replicas = replicas;
    d.status.conditions = vec![serde_json::from_value(serde_json::json!({
        "type": "Available",
        "status": "True",
        "reason": "MinimumReplicasAvailable",
        "message": "Deployment has minimum availability."
    }))?];
    api.update_status(name, &d, &UpdateOptions::default()).await?;
    Ok(())
}

/// Waits for `web` to be seen and then available, within `args.timeout`.
async fn wait_available(
    session: &Session,
    api: &ResourceClient<Deployment>,
    args: &Args,
) -> Result<(), BoxError> {
    let out = session.out();
    api.create(&deployment("web")?, &WriteOptions::default()).await?;
    outln!(
        out,
        "created Deployment web; waiting up to {}s for it to become available",
        args.timeout.as_secs()
    );
    let lw = ListWatch::new(api.clone()).with_selectors("", "metadata.name=web");
    let seen = tokio::sync::Notify::new();
    let wait = until_with_sync(
        lw,
        |seen| Ok(seen.values().any(available)),
        vec![
            condition(|event| {
                let seen_now = live(event).is_some();
                if seen_now {
                    outln!(out, "condition 1 of 2 met: Deployment web is there");
                    seen.notify_one();
                }
                Ok(seen_now)
            }),
            condition(|event| {
                let Some(d) = live(event) else {
                    return Err("Deployment web was deleted while waiting".into());
                };
                let done = available(d);
                if done {
                    outln!(
                        out,
                        "condition 2 of 2 met: {}/{} replicas available",
                        d.status.available_replicas,
                        d.spec.replicas.unwrap_or(1)
                    );
                }
                Ok(done)
            }),
        ],
    );
    // The status is written once the wait has seen the Deployment, so the wait sees the change
    // (a real cluster's controller needs no such cue).
    let controller = async {
        seen.notified().await;
        play_deployment_controller(session, api, "web").await
    };
    let both = async {
        let mut wait = std::pin::pin!(wait);
        tokio::select! {
            waited = &mut wait => waited.map(drop).map_err(BoxError::from),
            played = controller => {
                played?;
                wait.await.map(drop).map_err(BoxError::from)
            }
        }
    };
    match tokio::time::timeout(args.timeout, both).await {
        Ok(result) => {
            result?;
            outln!(out, "wait 1: Deployment web is available");
        }
        Err(_) => outln!(out, "wait 1: timed out after {}s", args.timeout.as_secs()),
    }
    Ok(())
}

/// Waits for `doomed` to become available while it is deleted: the condition gives up.
async fn wait_while_deleted(
    session: &Session,
    api: &ResourceClient<Deployment>,
    args: &Args,
) -> Result<(), BoxError> {
    let out = session.out();
    let created = api
        .create(&deployment("doomed")?, &WriteOptions::default())
        .await?;
    outln!(
        out,
        "created Deployment doomed; deleting it while waiting for it to become available"
    );
    let lw = ListWatch::new(api.clone()).with_selectors("", "metadata.name=doomed");
    let wait = until(
        created.resource_version(),
        lw,
        vec![condition(|event: &WatchEvent<Deployment>| match event {
            WatchEvent::Deleted(d) => {
                Err(format!("Deployment {} was deleted while waiting", d.name()).into())
            }
            other => Ok(live(other).is_some_and(available)),
        })],
    );
    let delete = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        api.delete("doomed", &DeleteOptions::default()).await
    };
    let (waited, deleted) = tokio::join!(tokio::time::timeout(args.timeout, wait), delete);
    deleted?;
    match waited {
        Ok(Ok(_)) => outln!(out, "wait 2: Deployment doomed became available before it went"),
        Ok(Err(e)) => outln!(out, "wait 2 ended with an error: {}", ErrorReport::new(&e)),
        Err(_) => outln!(out, "wait 2: timed out after {}s", args.timeout.as_secs()),
    }
    Ok(())
}

/// Waits, with a short deadline, for a label nobody sets.
async fn wait_in_vain(
    session: &Session,
    api: &ResourceClient<Deployment>,
    args: &Args,
) -> Result<(), BoxError> {
    let out = session.out();
    let rv = api
        .list(&ListOptions::default())
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    let lw = ListWatch::new(api.clone());
    let wait = until(
        &rv,
        lw,
        vec![condition(|event| {
            Ok(live(event).is_some_and(|d| d.metadata.labels.contains_key("never-set")))
        })],
    );
    match tokio::time::timeout(args.short_timeout, wait).await {
        Ok(result) => {
            result?;
            outln!(out, "wait 3: the label appeared");
        }
        Err(_) => outln!(
            out,
            "wait 3: no Deployment got the label never-set within {}s: timed out (client-go's ErrWaitTimeout)",
            args.short_timeout.as_secs_f64()
        ),
    }
    Ok(())
}

/// The three waits, in order.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let ns = session.namespace().await?;
    let api = session.clientset().apps_v1().deployments(ns);
    wait_available(session, &api, args).await?;
    wait_while_deleted(session, &api, args).await?;
    wait_in_vain(session, &api, args).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
