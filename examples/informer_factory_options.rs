//! Seed 003 §5.22 (2) "NewSharedInformerFactoryWithOptions" (L4296-4526): a factory whose
//! informers watch only kube-system (`with_namespace`), only objects labelled
//! `tier=control-plane` (`with_tweak_list_options`, applied to every list and watch), and resync
//! per type (`with_custom_resync`: Pods every 20 s, Deployments every 30 s), so the 45 s default
//! is used by neither. The handlers log adds, changes and deletes of both types (the seed's
//! Deployment handler asserted `*corev1.Pod` and never logged an add; fixed here).
//!
//! The example prints what the selector let through beside what kube-system holds, then, for
//! `--duration` (a minute, as the seed watched it), each resync round of each type as it happens,
//! and the measured rate: Pods 3 rounds a minute, Deployments 2. A resync replays the informer's
//! cache (also an empty one) and sends no request.
//!
//! The example only reads; it creates nothing (the seed created its Deployment `mydeploy` by hand;
//! `kubectl -n kube-system create deployment mydeploy --image=nginx` and `kubectl -n kube-system
//! label deployment mydeploy tier=control-plane` show one being let through).
//!
//! Run: `cargo run --example informer_factory_options [-- --kubeconfig PATH] [--pod-resync SECONDS]
//! [--deployment-resync SECONDS] [--default-resync SECONDS] [--duration SECONDS]`

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clientgo::api::apps::v1::Deployment;
use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::{Object, Resource};
use clientgo::klog::kobj;
use clientgo::kubernetes::ListOptions;
use clientgo::rest::go_duration;
use clientgo::tools::cache::{
    DeltaObject, ResourceEventHandler, SharedIndexInformer, SharedInformerFactory, Store,
};
use clientgo_example::{outln, BoxError, Out, Session};
use tokio::time::Instant;

/// The namespace the factory watches (`metav1.NamespaceSystem`).
pub const NAMESPACE: &str = "kube-system";
/// The label selector every list and watch carries.
pub const SELECTOR: &str = "tier=control-plane";

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The Pods informer's resync period, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "20", value_parser = clientgo_example::values::seconds)]
    pub pod_resync: Duration,
    /// The Deployments informer's resync period, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = clientgo_example::values::seconds)]
    pub deployment_resync: Duration,
    /// The factory's default resync period, in seconds (used by neither informer).
    #[arg(long, value_name = "SECONDS", default_value = "45", value_parser = clientgo_example::values::seconds)]
    pub default_resync: Duration,
    /// How long to watch the resyncs, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = clientgo_example::values::seconds)]
    pub duration: Duration,
}

/// The seed's handlers: one line per add, change and delete; a resync's updates (old == new) are
/// not logged, the resync rounds are.
struct Logger {
    out: Out,
    /// `pod` or `deployment`, as in the seed's messages.
    kind: &'static str,
}

impl<K: Object + Send + Sync + 'static> ResourceEventHandler<K> for Logger {
    fn on_add(&self, obj: &Arc<K>, _is_in_initial_list: bool) {
        outln!(
            self.out,
            "\"Add new {} to Store\" name=\"{}\"",
            self.kind,
            kobj(&**obj)
        );
    }

    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        if old.resource_version() != new.resource_version() {
            outln!(
                self.out,
                "\"Update {}\" old=\"{}\" new=\"{}\"",
                self.kind,
                kobj(&**old),
                kobj(&**new)
            );
        }
    }

    fn on_delete(&self, deleted: &DeltaObject<K>) {
        match deleted {
            DeltaObject::Object(obj) => {
                outln!(self.out, "\"Delete {}\" name=\"{}\"", self.kind, kobj(&**obj));
            }
            DeltaObject::DeletedFinalStateUnknown(t) => {
                outln!(
                    self.out,
                    "\"Delete {}\" name=\"{}\" (tombstone)",
                    self.kind,
                    t.key
                );
            }
        }
    }
}

/// What the selector let through: the cached pods, beside the kube-system pods it left out with
/// their `tier` label.
async fn show_selected(
    session: &Session,
    pods: &SharedIndexInformer<Pod>,
    deployments: &SharedIndexInformer<Deployment>,
) -> Result<(), BoxError> {
    let out = session.out();
    let mut cached: Vec<String> = pods
        .indexer()
        .list()
        .iter()
        .map(|p| p.name().to_owned())
        .collect();
    cached.sort_unstable();
    let all = session
        .clientset()
        .core_v1()
        .pods(NAMESPACE)
        .list(&ListOptions::default())
        .await?;
    let mut left_out: Vec<String> = all
        .items
        .iter()
        .filter(|p| !cached.iter().any(|c| c == p.name()))
        .map(|p| match p.metadata.labels.get("tier") {
            Some(tier) => format!("{} (tier={tier})", p.name()),
            None => format!("{} (no tier label)", p.name()),
        })
        .collect();
    left_out.sort_unstable();
    outln!(
        out,
        "the selector {SELECTOR} let {} of the {} pods in {NAMESPACE} through: {}",
        cached.len(),
        all.items.len(),
        cached.join(", ")
    );
    outln!(out, "  left out: {}", left_out.join(", "));
    let mut deployed: Vec<String> = deployments
        .indexer()
        .list()
        .iter()
        .map(|d| d.name().to_owned())
        .collect();
    deployed.sort_unstable();
    outln!(
        out,
        "deployments in {NAMESPACE} with {SELECTOR}: {}",
        if deployed.is_empty() {
            "none".to_owned()
        } else {
            deployed.join(", ")
        }
    );
    Ok(())
}

/// One informer's resync rounds: when each came, after the factory started.
struct Rounds {
    type_description: String,
    period: Duration,
    at: Vec<Duration>,
}

impl Rounds {
    fn new<K: Resource>(period: Duration) -> Self {
        Rounds {
            type_description: format!("*{}.{}", K::VERSION, K::KIND),
            period,
            at: Vec::new(),
        }
    }

    /// The mean time between rounds, measured from the start: the last round's time over the
    /// number of rounds (the first comes one period after the start).
    fn mean_interval(&self) -> Option<Duration> {
        let last = self.at.last()?;
        Some(*last / u32::try_from(self.at.len()).unwrap_or(u32::MAX))
    }
}

/// Prints each resync round of `informer` until `deadline`, as it happens.
async fn watch_rounds<K: Object + Send + Sync + 'static>(
    out: &Out,
    informer: &SharedIndexInformer<K>,
    rounds: &mut Rounds,
    start: Instant,
    deadline: Instant,
) {
    let status = informer.status();
    loop {
        let seen = status.stats().resyncs();
        tokio::select! {
            () = status.wait_until(|s| s.stats().resyncs() > seen) => {}
            () = tokio::time::sleep_until(deadline) => return,
        }
        let at = start.elapsed();
        rounds.at.push(at);
        outln!(
            out,
            "{:>7.2}s  resync of {} ({} cached, replayed with no request)",
            at.as_secs_f64(),
            rounds.type_description,
            informer.indexer().len()
        );
    }
}

/// The rate line of one type.
fn report(out: &Out, rounds: &Rounds, window: Duration) {
    let rate = match rounds.mean_interval() {
        Some(interval) => format!(
            "one every {:.2}s = {:.1} per minute",
            interval.as_secs_f64(),
            60.0 / interval.as_secs_f64()
        ),
        None => "none".to_owned(),
    };
    outln!(
        out,
        "{} (resync {}): {} rounds in {}: {rate}",
        rounds.type_description,
        go_duration::format(rounds.period),
        rounds.at.len(),
        go_duration::format(window)
    );
}

/// Runs the Pods and Deployments informers of the configured factory for `args.duration`.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let factory = SharedInformerFactory::new(session.clientset().clone(), Some(args.default_resync))
        .with_namespace(NAMESPACE)
        .with_tweak_list_options(Arc::new(|o: &mut ListOptions| {
            o.label_selector = SELECTOR.to_owned();
        }))
        .with_custom_resync::<Pod>(args.pod_resync)
        .with_custom_resync::<Deployment>(args.deployment_resync);
    let pods = factory.informer_for::<Pod>();
    let deployments = factory.informer_for::<Deployment>();
    pods.add_event_handler(Logger {
        out: out.clone(),
        kind: "pod",
    })?;
    deployments.add_event_handler(Logger {
        out: out.clone(),
        kind: "deployment",
    })?;
    let start = Instant::now();
    factory.start();
    factory.wait_for_cache_sync().await;
    show_selected(session, &pods, &deployments).await?;
    outln!(
        out,
        "watching the resyncs for {} (default resync {}, used by neither type)",
        go_duration::format(args.duration),
        go_duration::format(args.default_resync)
    );
    let deadline = start + args.duration;
    let mut pod_rounds = Rounds::new::<Pod>(args.pod_resync);
    let mut deployment_rounds = Rounds::new::<Deployment>(args.deployment_resync);
    tokio::select! {
        ((), ()) = async {
            tokio::join!(
                watch_rounds(out, &pods, &mut pod_rounds, start, deadline),
                watch_rounds(out, &deployments, &mut deployment_rounds, start, deadline),
            )
        } => {}
        () = session.interrupted() => {}
    }
    factory.shutdown().await;
    report(out, &pod_rounds, args.duration);
    report(out, &deployment_rounds, args.duration);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
