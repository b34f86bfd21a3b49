//! Seed 003 §5.2 "The four client types" (L22-39): RESTClient (the base of the others, flexible but
//! verbose), Clientset (typed clients for the built-in resources), DiscoveryClient (what the server
//! serves, like `kubectl api-versions`) and DynamicClient (untyped objects, such as custom
//! resources), all built from one `Config`. The seed's note "creating a client does not connect to
//! the API server" is shown first: built for a port where nothing listens, all four are created
//! without error, and only the first call fails (connection refused). Then each client makes one
//! call to the cluster.
//!
//! Read-only: it creates nothing.
//!
//! Run: `cargo run --example client_types_overview [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::api::core::v1::Namespace;
use clientgo::apimachinery::{GroupVersion, Object, Resource};
use clientgo::discovery::DiscoveryClient;
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{Clientset, GetOptions, ListOptions};
use clientgo::rest::{Config, ErrorReport, RestClient};
use clientgo_example::{outln, BoxError, NoArgs, Session};

/// The four clients of one config.
struct Clients {
    rest: RestClient,
    clientset: Clientset,
    discovery: DiscoveryClient,
    dynamic: DynamicClient,
}

impl Clients {
    /// Builds all four; none of them sends anything.
    fn new(config: &Config) -> Result<Self, BoxError> {
        // A RESTClient addresses one group version: core/v1 here, as in the seed.
        let mut core_v1 = config.clone();
        core_v1.group_version = Some(GroupVersion::new("", "v1"));
        Ok(Clients {
            rest: RestClient::new(&core_v1)?,
            clientset: Clientset::new(config)?,
            discovery: DiscoveryClient::new(config)?,
            dynamic: DynamicClient::new(config)?,
        })
    }
}

/// A local address where nothing listens (a port the OS just handed out and took back).
fn closed_address() -> std::io::Result<std::net::SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Builds the clients for a closed port (no error, nothing sent), then uses each on the cluster.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let nowhere = format!("http://{}", closed_address()?);
    let offline = Clients::new(&Config::new(nowhere.as_str()))?;
    outln!(
        out,
        "built RESTClient, Clientset, DiscoveryClient and DynamicClient for {nowhere}: no error"
    );
    match offline.clientset.server_version().await {
        Ok(_) => return Err(format!("something answered at {nowhere}").into()),
        Err(e) => outln!(
            out,
            "first call: {} (connection refused: {})",
            ErrorReport::new(&e),
            e.is_connection_refused()
        ),
    }

    let clients = Clients::new(session.config())?;
    outln!(
        out,
        "the same four clients for the cluster at {}:",
        session.config().host
    );
    let raw = clients.rest.get().resource("namespaces").do_raw().await?;
    outln!(
        out,
        "  RESTClient: GET /api/v1/namespaces returned {} bytes of JSON",
        raw.len()
    );
    let namespaces = clients
        .clientset
        .core_v1()
        .namespaces()
        .list(&ListOptions::default())
        .await?;
    outln!(out, "  Clientset: {} namespaces, typed", namespaces.items.len());
    let groups = clients.discovery.server_groups().await?;
    outln!(out, "  DiscoveryClient: {} API groups", groups.len());
    let kube_system = clients
        .dynamic
        .resource(&Namespace::api_resource(), None)
        .get("kube-system", &GetOptions::default())
        .await?;
    outln!(
        out,
        "  DynamicClient: namespace {}, untyped (status.phase = {})",
        kube_system.name(),
        kube_system
            .get_path("status.phase")
            .and_then(|p| p.as_str())
            .unwrap_or("<none>")
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
