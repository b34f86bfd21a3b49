//! Renewals per second of one elector against the embedded API server, over loopback HTTP/1.1.
//!
//! The elector runs client-go's default timings (lease 15 s, renew deadline 10 s, retry 2 s) on
//! a clock whose retry pauses take no time: a sleep of at most the retry period returns at once
//! and moves the clock on, a longer one (the renew deadline) never ends. So the elector renews
//! back to back and the rate is what its requests cost. Each renewal is one write, so the
//! server's resourceVersion counts them.
//!
//! Run: `cargo bench -p clientgo-leaderelection --bench renewals` (prints three 3-second runs).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clientgo_apiserver::ApiServer;
use clientgo_client::Clientset;
use clientgo_flowcontrol::{Clock, Sleep};
use clientgo_leaderelection::{Callbacks, CancellationToken, LeaderElectionConfig, LeaderElector, LeaseLock};

const RETRY: Duration = Duration::from_secs(2);
const RUNS: usize = 3;
const RUN_TIME: Duration = Duration::from_secs(3);

/// A clock on which pauses of at most [`RETRY`] take no time and longer sleeps never end.
#[derive(Debug)]
struct SkipClock {
    now: Mutex<Instant>,
}

impl Clock for SkipClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        if deadline <= *now + RETRY {
            *now = (*now).max(deadline);
            Box::pin(std::future::ready(()))
        } else {
            Box::pin(std::future::pending()) as Pin<Box<dyn Future<Output = ()> + Send>>
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = ApiServer::start().await.expect("embedded server");
        let mut config = clientgo_rest::Config::new(server.url());
        config.qps = -1.0;
        let leases = Clientset::new(&config)
            .expect("clientset")
            .coordination_v1()
            .leases("default");
        let callbacks = Callbacks::new(
            |token: CancellationToken| async move { token.cancelled().await },
            || {},
        );
        let clock = Arc::new(SkipClock {
            now: Mutex::new(Instant::now()),
        });
        let config = LeaderElectionConfig::new(LeaseLock::new(leases, "bench", "bench-0"), callbacks)
            .retry_period(RETRY)
            .clock(clock);
        let elector = LeaderElector::new(config).expect("valid config");
        let cancel = CancellationToken::new();
        let task = tokio::spawn({
            let (e, c) = (elector.clone(), cancel.clone());
            async move { e.run(c).await }
        });
        while !elector.is_leader() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for run in 1..=RUNS {
            let (rv, start) = (server.resource_version(), Instant::now());
            tokio::time::sleep(RUN_TIME).await;
            let renewals = server.resource_version() - rv;
            let elapsed = start.elapsed().as_secs_f64();
            #[allow(clippy::cast_precision_loss)] // a count of renewals in seconds
            let rate = renewals as f64 / elapsed;
            println!("run {run}: {renewals} renewals in {elapsed:.2} s = {rate:.0} renewals/s");
        }
        cancel.cancel();
        task.await.expect("elector task");
    });
}
