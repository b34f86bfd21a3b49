//! Seed 003 §"RESTClient built by hand" and §"RESTClient taken from the ClientSet": a RESTClient
//! needs a group version; `get().abs_path("/version").do_raw()` returns the body as the server sent it.
//!
//! Run: `cargo run --example restclient_raw_version [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::GroupVersion;
use clientgo::kubernetes::Clientset;
use clientgo::rest::RestClient;
use clientgo::tools::clientcmd;

/// Shows the missing-group-version error, then the raw `/version` body twice.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let mut config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    match RestClient::new(&config) {
        Ok(_) => writeln!(out, "unexpected: a RESTClient without GroupVersion was built")?,
        Err(e) => writeln!(out, "without GroupVersion: {e}")?,
    }
    config.group_version = Some(GroupVersion::new("", "v1"));
    config.api_path = "/api".into();
    let rest = RestClient::new(&config)?;
    let raw = rest.get().abs_path("/version").do_raw().await?;
    writeln!(out, "{}", String::from_utf8_lossy(&raw))?;

    let clientset = Clientset::new(&config)?;
    let raw = clientset
        .core_v1()
        .rest_client()
        .get()
        .abs_path("/version")
        .do_raw()
        .await?;
    writeln!(
        out,
        "from the clientset's RESTClient:\n{}",
        String::from_utf8_lossy(&raw)
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
