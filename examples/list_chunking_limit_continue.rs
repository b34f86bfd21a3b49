//! Seed 003 §"Does List return everything? Chunking": a List without `limit` returns every item in one
//! response; with `limit` and `continue` it comes in pages. The pager does the loop (500 per page by
//! default, like kubectl's `--chunk-size`).
//!
//! Seeds `--count N` namespaces (default 1200) into the embedded server first.
//! Run: `cargo run --example list_chunking_limit_continue [-- --count 30000]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::tools::clientcmd;
use clientgo::tools::pager::ListPager;

/// Full list, a hand-written `limit=100` loop, then the pager.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let mut config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    // Paging makes many requests; lift client-side throttling as the seed does with QPS/Burst.
    config.qps = -1.0;
    let ns = Clientset::new(&config)?.core_v1().namespaces();

    let start = Instant::now();
    let all = ns.list(&ListOptions::default()).await?;
    writeln!(
        out,
        "List {} namespaces in one response, used {:.2} seconds",
        all.items.len(),
        start.elapsed().as_secs_f64()
    )?;

    let start = Instant::now();
    let (mut total, mut requests) = (0, 0);
    let mut opts = ListOptions::default().limit(100);
    loop {
        let page = ns.list(&opts).await?;
        requests += 1;
        total += page.items.len();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => opts = opts.continue_token(token),
            None => break,
        }
    }
    writeln!(
        out,
        "List {total} namespaces with limit=100 in {requests} requests, used {:.2} seconds",
        start.elapsed().as_secs_f64()
    )?;

    let mut pages = 0;
    let mut paged_total = 0;
    ListPager::default()
        .each_page(&ns, &ListOptions::default(), |p| {
            pages += 1;
            paged_total += p.items.len();
        })
        .await?;
    writeln!(
        out,
        "Pager (page size 500): {paged_total} namespaces in {pages} pages"
    )?;
    Ok(())
}

fn count() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == "--count")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(1200)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    if let Some(server) = target.server() {
        let n = count();
        let width = n.to_string().len();
        for i in 1..=n {
            let name = format!("test{i:0width$}");
            server
                .create(
                    "",
                    "v1",
                    "namespaces",
                    None,
                    serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":name}}),
                )
                .map_err(|s| format!("seeding namespace: {:?}", s.message))?;
        }
    }
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &mut out).await;
    print!("{out}");
    result
}
