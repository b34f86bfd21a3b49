//! Seed 003 §5.10 "Does List return everything? Chunking" (L1021-1107): a List without `limit`
//! returns every object in one response (the seed's 30004 namespaces in 1.02 s); with `limit` and
//! `continue` it comes in pages, one request each (`limit=100`: 301 requests, 16.82 s). Pages cost
//! more than the server's work: every request first waits for the client-side rate limiter, whose
//! defaults (QPS 5, burst 10) let ten requests go at once and then five a second. So the paged list
//! runs twice, with client-go's default limits and with raised ones, and each run says how many
//! requests it made and how many waited. Then the pager does the loop with kubectl's page size,
//! 500 (`kubectl get --chunk-size=500`). Last, the pager meets an expired continue token (etcd
//! compacts old versions every 5 minutes, so a list that pauses longer between pages gets 410
//! Expired): it lists everything at once at the caller's resourceVersion and returns that list
//! alone, without the page it had already (client-go's `FullListIfExpired`). The example ages the
//! token itself: it rewrites the token's resourceVersion to 1, which every real cluster compacted
//! long ago (and the embedded server compacts its history first).
//!
//! The objects are ConfigMaps in the example's own namespace, deleted with it when the example
//! ends: seeded straight into the embedded server's store, or created through the API on a real
//! cluster (which also keeps its own `kube-root-ca.crt` there). `--objects` and `--limit` set how
//! many objects and pages; `--qps`/`--burst` the raised limits.
//!
//! Run: `cargo run --example list_chunking_limit_continue [-- --objects 2000 --limit 100] [--kubeconfig PATH]`

#[path = "common/counting_limiter.rs"]
mod counting_limiter;

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use clientgo::api::core::v1::ConfigMap;
use clientgo::kubernetes::{Clientset, ListOptions, ResourceClient, WriteOptions};
use clientgo::rest::{Config, Error, DEFAULT_BURST, DEFAULT_QPS};
use clientgo::tools::pager::{ListPager, DEFAULT_PAGE_SIZE};
use clientgo_example::{outln, BoxError, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use counting_limiter::CountingLimiter;
use futures_util::{stream, StreamExt as _, TryStreamExt as _};
use tokio::time::Instant;

/// The example's own options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// How many ConfigMaps to list.
    #[arg(long, default_value_t = 2000)]
    pub objects: usize,
    /// The page size of the paged lists (the seed's 100).
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    /// The raised client-side QPS of the second paged list (and of the creates on a real cluster).
    #[arg(long, default_value_t = 100.0)]
    pub qps: f32,
    /// The raised client-side burst.
    #[arg(long, default_value_t = 200)]
    pub burst: u32,
}

/// Creates beside each other on a real cluster.
const CREATE_CONCURRENCY: usize = 16;

/// ConfigMap `i` of `count`, named so the names sort in number order.
fn config_map(i: usize, count: usize) -> serde_json::Value {
    let width = count.to_string().len();
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": format!("chunk-{i:0width$}"), "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE}},
        "data": {"index": i.to_string()}
    })
}

/// Puts `count` ConfigMaps into namespace `ns`: into the embedded server's store directly, or
/// through the API (with the raised limits) on a real cluster.
async fn seed(session: &Session, args: &Args, ns: &str) -> Result<(), BoxError> {
    let start = Instant::now();
    if let Some(server) = session.server() {
        for i in 1..=args.objects {
            server
                .create("", "v1", "configmaps", Some(ns), config_map(i, args.objects))
                .map_err(|s| format!("seeding ConfigMap {i}: {}", s.message.unwrap_or_default()))?;
        }
    } else {
        let (api, _) = client_with_limits(session.config(), ns, args.qps, args.burst)?;
        stream::iter(1..=args.objects)
            .map(|i| {
                let api = api.clone();
                async move {
                    let cm: ConfigMap = serde_json::from_value(config_map(i, args.objects))?;
                    api.create(&cm, &WriteOptions::default()).await?;
                    Ok::<(), BoxError>(())
                }
            })
            .buffer_unordered(CREATE_CONCURRENCY)
            .try_collect::<()>()
            .await?;
    }
    outln!(
        session.out(),
        "{} ConfigMaps in namespace {ns}, put there in {:.2} seconds",
        args.objects,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A ConfigMap client of its own (so its rate limiter starts full) with the given limits.
fn client_with_limits(
    config: &Config,
    ns: &str,
    qps: f32,
    burst: u32,
) -> Result<(ResourceClient<ConfigMap>, std::sync::Arc<CountingLimiter>), BoxError> {
    let mut config = config.clone();
    let limiter = CountingLimiter::install(&mut config, qps, burst)?;
    Ok((Clientset::new(&config)?.core_v1().config_maps(ns), limiter))
}

/// Lists page by page with `limit` and `continue`, as the seed's loop does; returns the total.
async fn list_paged(api: &ResourceClient<ConfigMap>, limit: i64) -> Result<usize, BoxError> {
    let mut opts = ListOptions::default().limit(limit);
    let mut total = 0;
    loop {
        let page = api.list(&opts).await?;
        total += page.items.len();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => opts = opts.continue_token(token),
            None => return Ok(total),
        }
    }
}

/// One paged list with the given limits, reported with its requests, waits and time.
async fn paged_run(
    session: &Session,
    ns: &str,
    args: &Args,
    qps: f32,
    burst: u32,
    which: &str,
) -> Result<(), BoxError> {
    let (api, limiter) = client_with_limits(session.config(), ns, qps, burst)?;
    let start = Instant::now();
    let total = list_paged(&api, args.limit).await?;
    outln!(
        session.out(),
        "List {total} configmaps with limit={} and continue, {which} ({}): {}, used {:.2} seconds",
        args.limit,
        limiter.limits(),
        limiter.summary(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One full list, the paged list with default and with raised limits, then the pager.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    seed(session, args, ns).await?;

    let (api, limiter) = client_with_limits(session.config(), ns, DEFAULT_QPS, DEFAULT_BURST)?;
    let start = Instant::now();
    let all = api.list(&ListOptions::default()).await?;
    outln!(
        out,
        "List {} configmaps in one response: {} request, used {:.2} seconds",
        all.items.len(),
        limiter.requests(),
        start.elapsed().as_secs_f64()
    );

    paged_run(
        session,
        ns,
        args,
        DEFAULT_QPS,
        DEFAULT_BURST,
        "client-go's default limits",
    )
    .await?;
    paged_run(session, ns, args, args.qps, args.burst, "raised limits").await?;

    let (api, limiter) = client_with_limits(session.config(), ns, DEFAULT_QPS, DEFAULT_BURST)?;
    let (mut pages, mut total) = (0, 0);
    ListPager::default()
        .each_page(&api, &ListOptions::default(), |page| {
            pages += 1;
            total += page.items.len();
            Ok::<(), Error>(())
        })
        .await?;
    outln!(
        out,
        "Pager (page size {DEFAULT_PAGE_SIZE}, like kubectl --chunk-size): {total} configmaps in {pages} pages, {} requests",
        limiter.requests()
    );
    expired_token_run(session, ns, args).await
}

/// `token` with its resourceVersion rewritten to 1, the cluster's first version, long compacted
/// away: as if the list had paused between pages for longer than etcd keeps history. A token
/// that is not the API server's base64 JSON is kept as it is.
fn aged(token: &str) -> String {
    let decoded = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .ok()
        .and_then(|raw| serde_json::from_slice::<serde_json::Value>(&raw).ok());
    match decoded {
        Some(mut t) if t.get("rv").is_some() => {
            t["rv"] = 1.into();
            URL_SAFE_NO_PAD.encode(t.to_string())
        }
        _ => token.to_owned(),
    }
}

/// The pager whose continue tokens expire: one page, 410 Expired, one full list, and no object
/// twice in what it returns.
async fn expired_token_run(session: &Session, ns: &str, args: &Args) -> Result<(), BoxError> {
    let (api, _) = client_with_limits(session.config(), ns, args.qps, args.burst)?;
    let requests = Mutex::new(Vec::new());
    let aging = |mut opts: ListOptions| {
        if !opts.continue_.is_empty() {
            if let Some(server) = session.server() {
                server.compact_now();
            }
            opts.continue_ = aged(&opts.continue_);
        }
        let (api, requests) = (api.clone(), &requests);
        async move {
            let page = api.list(&opts).await;
            let outcome = match &page {
                Ok(list) if opts.limit == 0 => format!("full list of {}", list.items.len()),
                Ok(list) => format!("page of {}", list.items.len()),
                Err(e) => e
                    .api_error()
                    .map_or_else(|| e.to_string(), |a| format!("{} {}", a.code(), a.reason())),
            };
            requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(outcome);
            page
        }
    };
    let all = ListPager::new(args.limit)
        .list(&aging, &ListOptions::default())
        .await?;
    let distinct: BTreeSet<_> = all.items.iter().map(|c| c.metadata.name.clone()).collect();
    let requests = requests
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    outln!(
        session.out(),
        "Pager (page size {}) with an expired continue token: {}; {} configmaps, {} distinct",
        args.limit,
        requests.join(", "),
        all.items.len(),
        distinct.len()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
