//! Seed 003 §"The four client types": RESTClient, Clientset, DiscoveryClient and DynamicClient, all
//! from one Config. Creating them performs no network I/O: pointed at a closed port, construction
//! succeeds and only the first call fails (connection refused).
//!
//! Run: `cargo run --example client_types_overview [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::api::core::v1::Namespace;
use clientgo::apimachinery::{GroupVersion, Resource};
use clientgo::discovery::DiscoveryClient;
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{Clientset, ListOptions};
use clientgo::rest::{Config, RestClient};
use clientgo::tools::clientcmd;

/// The four clients for one config.
struct Clients {
    rest: RestClient,
    clientset: Clientset,
    discovery: DiscoveryClient,
    dynamic: DynamicClient,
}

fn build(config: &Config) -> Result<Clients, Box<dyn Error>> {
    let mut versioned = config.clone();
    versioned.group_version = Some(GroupVersion::new("", "v1"));
    Ok(Clients {
        rest: RestClient::new(&versioned)?,
        clientset: Clientset::new(config)?,
        discovery: DiscoveryClient::new(config)?,
        dynamic: DynamicClient::new(config)?,
    })
}

/// Builds the clients against a closed port (no I/O, first call refused), then uses each once.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let offline = build(&Config::new(format!("http://127.0.0.1:{closed_port}")))?;
    writeln!(
        out,
        "created RESTClient, Clientset, DiscoveryClient and DynamicClient for a closed port: no error"
    )?;
    match offline.clientset.server_version().await {
        Ok(_) => writeln!(out, "unexpected: the closed port answered")?,
        Err(e) => writeln!(
            out,
            "first call: connection refused = {}",
            e.is_connection_refused()
        )?,
    }

    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let c = build(&config)?;
    let raw = c.rest.get().resource("namespaces").do_raw().await?;
    writeln!(
        out,
        "RESTClient: GET /api/v1/namespaces returned {} bytes",
        raw.len()
    )?;
    let namespaces = c
        .clientset
        .core_v1()
        .namespaces()
        .list(&ListOptions::default())
        .await?;
    writeln!(out, "Clientset: {} namespaces", namespaces.items.len())?;
    let groups = c.discovery.server_groups().await?;
    writeln!(out, "DiscoveryClient: {} API groups", groups.len())?;
    let dynamic = c.dynamic.resource(&Namespace::api_resource(), None);
    let kube_system = dynamic.get("kube-system", &Default::default()).await?;
    writeln!(
        out,
        "DynamicClient: got namespace {}",
        kube_system.metadata.name.unwrap_or_default()
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &mut out).await;
    print!("{out}");
    result
}
