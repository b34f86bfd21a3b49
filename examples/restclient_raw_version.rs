//! Seed 003 §5.5 "RESTClient built by hand" (L231-303) and §5.6 "RESTClient taken from the
//! ClientSet" (L305-372): a RESTClient addresses one group version, so building one from a config
//! without `group_version` fails (Go also wants a `NegotiatedSerializer`; this client speaks JSON
//! only). `get().abs_path("/version").do_raw()` returns the body exactly as the server sent it, not
//! decoded and re-encoded (kube-apiserver indents it by two spaces, as the seed shows; the embedded
//! server sends it on one line). The Clientset's RESTClient gives the same bytes.
//!
//! The seed's first program assigns the body to `serverVersionInfo` and prints an undefined `body`
//! (L279/L283, it would not compile); here the body read is the body printed.
//!
//! Read-only: it creates nothing.
//!
//! Run: `cargo run --example restclient_raw_version [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::apimachinery::GroupVersion;
use clientgo::kubernetes::Clientset;
use clientgo::rest::RestClient;
use clientgo_example::{outln, BoxError, NoArgs, Session};

/// The missing-group-version error, then the raw `/version` body by hand and from the Clientset.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let mut config = session.config().clone();
    config.group_version = None;
    match RestClient::new(&config) {
        Ok(_) => return Err("a RESTClient was built without a group version".into()),
        Err(e) => outln!(out, "RESTClient without a group version: {e}"),
    }

    // core/v1 under /api, as the seed's `corev1.SchemeGroupVersion`.
    config.group_version = Some(GroupVersion::new("", "v1"));
    config.api_path = "/api".into();
    let rest = RestClient::new(&config)?;
    let body = rest.get().abs_path("/version").do_raw().await?;
    outln!(
        out,
        "RESTClient built by hand, GET /version ({} bytes):",
        body.len()
    );
    outln!(out, "{}", String::from_utf8_lossy(&body).trim_end());

    let clientset = Clientset::new(session.config())?;
    let body = clientset
        .rest_client()
        .get()
        .abs_path("/version")
        .do_raw()
        .await?;
    outln!(
        out,
        "the Clientset's RESTClient, GET /version ({} bytes):",
        body.len()
    );
    outln!(out, "{}", String::from_utf8_lossy(&body).trim_end());
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
