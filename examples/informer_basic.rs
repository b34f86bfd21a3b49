//! Seed 003 §5.22 (1) "NewSharedInformerFactory" (L4146-4294): a shared informer factory with a
//! resync period, and the pod informer's Add/Update/Delete handlers logging each pod's IP, node
//! and host IP (`namespace/name` as klog's `KObj` prints it). The pods on host networking
//! (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kindnet) show
//! podIP == hostIP, the node's address; coredns has an address of the pod network.
//!
//! The reflector's own log lines, shown here through a klog-style subscriber as the seed showed
//! them with `-v=10`, tell what the informer does: `Starting reflector` with the type and its
//! resync period (client-go: `*v1.Pod (1m0s)`), `Listing and watching`, the initial list request
//! (`GET .../api/v1/pods?limit=500&resourceVersion=0`, at `-v 6`), the watch request, a
//! `Forcing resync` each period, and `Watch close` with the number of items the watch delivered
//! each time the server ends a watch (client-go watches for 5 to 10 minutes; `--watch-timeout`
//! shortens it). A resync replays the informer's cache to the handler as updates with old == new
//! and sends no request: no request line follows a `Forcing resync` (the seed's L4204 says a
//! resync lists again; it does not). Delete handles tombstones (`DeletedFinalStateUnknown`, a
//! deletion noticed only by a relist), on which the seed's `obj.(metav1.Object)` would panic.
//!
//! The example creates, starts and deletes three busybox pods in its own namespace (on the
//! embedded server, which runs no kubelet, it marks them Running itself), then waits for
//! `--resyncs` resync rounds and one closed watch, and ends.
//!
//! Run: `cargo run --example informer_basic [-- --kubeconfig PATH] [-v N] [--resync-period SECONDS]
//! [--resyncs N] [--watch-timeout SECONDS] [--no-activity]`

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::Object;
use clientgo::klog::{self, kobj, KlogLayer, Verbosity};
use clientgo::kubernetes::{DeleteOptions, ResourceClient, WriteOptions};
use clientgo::tools::cache::{DeltaObject, ResourceEventHandler, SharedInformerFactory};
use clientgo_example::pods::{busybox_pod, play_kubelet};
use clientgo_example::{outln, BoxError, Out, Session};
use tokio::sync::{mpsc, Notify};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::Layer as _;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// klog verbosity: 3 shows the reflector starting and listing, 4 its resyncs and watch
    /// closes, 6 every request.
    #[arg(short = 'v', long = "v", default_value_t = 6)]
    pub verbosity: i32,
    /// The factory's default resync period, in seconds (the seed's: one minute).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub resync_period: u64,
    /// How many resync rounds to wait for after the activity before ending.
    #[arg(long, default_value_t = 2)]
    pub resyncs: u64,
    /// The shortest watch the reflector asks the server for, in seconds; each watch lasts between
    /// it and twice it (client-go: 5 minutes, so the seed saw a watch close every 5-10 minutes).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub watch_timeout: u64,
}

/// The busybox pods the activity creates, starts and deletes.
pub const POD_NAMES: [&str; 3] = ["pod-1", "pod-2", "pod-3"];

/// Installs the klog subscriber for the whole process: klog's text lines at `verbosity`, written
/// to the example's output so that they interleave with the handler's lines (the seed ran
/// `go run main.go -v=10 &> main.log`). Only clientgo's lines are kept, without the embedded API
/// server's: the output reads as client-go's log, with no HTTP-library internals.
///
/// # Errors
/// When a subscriber is already installed.
pub fn install_klog(out: &Out, verbosity: i32) -> Result<(), BoxError> {
    let layer =
        KlogLayer::new(Verbosity::new(verbosity), out.clone()).with_filter(klog::client_only(module_path!()));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
    Ok(())
}

/// The seed's event handler: one line per notification, with the pod's addresses on adds.
struct PodLogger {
    out: Out,
    /// The example's namespace: deletions there are counted for the activity.
    namespace: String,
    own_deleted: Arc<Counter>,
    /// Dropped with the handler, when its task has handed out everything: tells `run` the
    /// handler's last line is written.
    _alive: mpsc::Sender<()>,
}

/// A count and a wake-up for whoever waits for it to grow.
#[derive(Default)]
struct Counter {
    n: AtomicUsize,
    changed: Notify,
}

impl Counter {
    fn add(&self) {
        self.n.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    async fn wait_for(&self, at_least: usize) {
        loop {
            let changed = self.changed.notified();
            if self.n.load(Ordering::SeqCst) >= at_least {
                return;
            }
            changed.await;
        }
    }
}

/// `value`, or `<none>` when the field is unset.
fn or_none(value: Option<&str>) -> &str {
    value.unwrap_or("<none>")
}

impl ResourceEventHandler<Pod> for PodLogger {
    fn on_add(&self, pod: &Arc<Pod>, is_in_initial_list: bool) {
        let host_network = if pod.spec.host_network {
            " hostNetwork=true"
        } else {
            ""
        };
        outln!(
            self.out,
            "\"Add new pod to Store\" name=\"{}\" podIP=\"{}\" node=\"{}\" hostIP=\"{}\"{host_network}{}",
            kobj(&**pod),
            or_none(pod.status.pod_ip.as_deref()),
            or_none(pod.spec.node_name.as_deref()),
            or_none(pod.status.host_ip.as_deref()),
            if is_in_initial_list { " (initial list)" } else { "" }
        );
    }

    fn on_update(&self, old: &Arc<Pod>, new: &Arc<Pod>) {
        let change = if old.resource_version() == new.resource_version() {
            format!("(resync: old == new, resourceVersion {})", new.resource_version())
        } else {
            format!(
                "resourceVersion {} -> {} phase={}",
                old.resource_version(),
                new.resource_version(),
                or_none(new.status.phase.as_deref())
            )
        };
        outln!(
            self.out,
            "\"Update pod\" old=\"{}\" new=\"{}\" {change}",
            kobj(&**old),
            kobj(&**new)
        );
    }

    fn on_delete(&self, deleted: &DeltaObject<Pod>) {
        let namespace = match deleted {
            DeltaObject::Object(pod) => {
                outln!(self.out, "\"Delete pod\" name=\"{}\"", kobj(&**pod));
                pod.namespace().unwrap_or_default()
            }
            // A deletion noticed only by a relist: the last state known may be stale, or absent.
            DeltaObject::DeletedFinalStateUnknown(tombstone) => {
                outln!(
                    self.out,
                    "\"Delete pod\" name=\"{}\" (tombstone: deleted while the watch was down)",
                    tombstone.key
                );
                tombstone.key.split_once('/').map_or("", |(ns, _)| ns)
            }
        };
        if namespace == self.namespace {
            self.own_deleted.add();
        }
    }
}

/// Creates the busybox pods, lets them start, and deletes them; returns once the informer has
/// seen them go.
async fn activity(session: &Session, pods: &ResourceClient<Pod>, deleted: &Counter) -> Result<(), BoxError> {
    for name in POD_NAMES {
        pods.create(&busybox_pod(name, &[("app", name)])?, &WriteOptions::default())
            .await?;
        play_kubelet(session, pods, name).await?;
    }
    for name in POD_NAMES {
        pods.delete(name, &DeleteOptions::default()).await?;
    }
    deleted.wait_for(POD_NAMES.len()).await;
    Ok(())
}

/// Runs the pod informer, causes the activity, and ends after `args.resyncs` resync rounds and a
/// closed watch.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    install_klog(out, args.verbosity)?;
    let ns = session.namespace().await?.to_owned();
    let period = Duration::from_secs(args.resync_period);
    let factory = SharedInformerFactory::new(session.clientset().clone(), Some(period));
    // `--watch-timeout` goes below client-go's 5-minute floor on purpose (to show a watch close
    // within the demo), and the list+watch the seed logged is kept: client-go 1.36 would stream
    // the initial list (watch-list) instead of the `limit=500` list.
    let informer = factory.informer_for_with::<Pod>(|builder| {
        builder.reflector_options(|o| {
            o.short_watch_timeouts(Duration::from_secs(args.watch_timeout))
                .use_watch_list(false)
        })
    });
    let own_deleted = Arc::new(Counter::default());
    let (alive, mut handler_gone) = mpsc::channel::<()>(1);
    informer.add_event_handler(PodLogger {
        out: out.clone(),
        namespace: ns.clone(),
        own_deleted: Arc::clone(&own_deleted),
        _alive: alive,
    })?;
    factory.start();
    factory.wait_for_cache_sync().await;
    if session.activity() {
        activity(session, &session.clientset().core_v1().pods(&ns), &own_deleted).await?;
    } else {
        outln!(
            out,
            "waiting for {} resync rounds (every {}s); cause pod events meanwhile with",
            args.resyncs,
            args.resync_period
        );
        outln!(
            out,
            "  kubectl -n {ns} run demo --image=busybox -- sleep 3600 && kubectl -n {ns} delete pod demo"
        );
    }
    let status = Arc::clone(informer.status());
    let target = status.stats().resyncs() + args.resyncs;
    tokio::select! {
        () = status.wait_until(|s| s.stats().resyncs() >= target && s.stats().rewatches() >= 1) => {}
        () = session.interrupted() => {}
    }
    factory.shutdown().await;
    // The handler drains what it was handed, then goes (and with it `alive`).
    let _ = handler_gone.recv().await;
    let stats = status.stats();
    outln!(
        out,
        "{} resync rounds replayed the cache as updates with old == new; requests for them: none \
         (the reflector listed {} time(s) and watched {} time(s))",
        stats.resyncs(),
        1 + stats.relists(),
        1 + stats.rewatches() + stats.relists()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
