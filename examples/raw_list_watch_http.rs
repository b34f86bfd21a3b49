//! Seeds 001/002: list-watch by hand, over plain HTTP requests, the way `curl` through `kubectl proxy`
//! does it. First `GET /api/v1/namespaces/default/pods` (the list and its `resourceVersion`), then the
//! same path with `?watch=true&resourceVersion=RV`, then the deprecated
//! `/api/v1/watch/namespaces/default/pods?resourceVersion=RV` prefix, printing each
//! `{"type":...,"object":...}` line of the chunked body as it arrives.
//!
//! So that events appear, the example itself creates, labels and deletes a pod `raw-watch-demo` in
//! `default` once the first watch is open. Both watches start from the list's resourceVersion, so the
//! legacy-path watch replays the same three events.
//!
//! Run: `cargo run --example raw_list_watch_http [-- --kubeconfig PATH]`

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo::apimachinery::watch::FrameDecoder;
use clientgo::rest::{Error as RestError, RestClient};
use clientgo::tools::clientcmd;
use futures_util::{Stream, StreamExt as _};
use serde_json::{json, Value};

const PODS: &str = "/api/v1/namespaces/default/pods";
const LEGACY_PODS: &str = "/api/v1/watch/namespaces/default/pods";
const DEMO_POD: &str = "raw-watch-demo";

/// The list, the `?watch=true` watch with the pod activity, and the legacy-path watch.
pub async fn run(kubeconfig: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let client = RestClient::new_unversioned(&config)?;

    let list: Value = serde_json::from_slice(&client.get().abs_path(PODS).do_raw().await?)?;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .ok_or("list without metadata.resourceVersion")?
        .to_owned();
    let items = list["items"].as_array().map_or(&[][..], Vec::as_slice);
    writeln!(
        out,
        "GET {PODS}: kind {}, {} items, resourceVersion {rv}",
        list["kind"].as_str().unwrap_or("?"),
        items.len()
    )?;
    for pod in items {
        writeln!(out, "  {}", pod["metadata"]["name"].as_str().unwrap_or("?"))?;
    }

    let watch_path = format!("{PODS}?watch=true&resourceVersion={rv}");
    writeln!(out, "GET {watch_path}")?;
    let body = client
        .get()
        .abs_path(PODS)
        .param("watch", "true")
        .param("resourceVersion", &rv)
        .stream()
        .await?;
    make_activity(&client).await?;
    print_events(body, 3, out).await?;

    let legacy_path = format!("{LEGACY_PODS}?resourceVersion={rv}");
    writeln!(out, "GET {legacy_path}")?;
    match client
        .get()
        .abs_path(LEGACY_PODS)
        .param("resourceVersion", &rv)
        .stream()
        .await
    {
        Ok(body) => print_events(body, 3, out).await?,
        Err(RestError::Api(e)) if e.is_not_found() => {
            writeln!(out, "  the server no longer serves the legacy /watch/ prefix")?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Create, label and delete the demo pod: one ADDED, one MODIFIED, one DELETED event.
async fn make_activity(client: &RestClient) -> Result<(), Box<dyn Error>> {
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": DEMO_POD, "namespace": "default" },
        "spec": { "containers": [{ "name": "nginx", "image": "nginx:1.27" }] }
    });
    client.post().abs_path(PODS).body_json(&pod).do_raw().await?;
    let item = format!("{PODS}/{DEMO_POD}");
    client
        .patch()
        .abs_path(&item)
        .body_raw(
            r#"{"metadata":{"labels":{"app":"demo"}}}"#,
            "application/merge-patch+json",
        )
        .do_raw()
        .await?;
    client
        .delete()
        .abs_path(&item)
        .param("gracePeriodSeconds", "0")
        .do_raw()
        .await?;
    Ok(())
}

/// Prints `count` watch events exactly as they came over the wire, one line each, then closes the
/// stream by dropping it.
async fn print_events(
    mut body: impl Stream<Item = Result<bytes::Bytes, RestError>> + Unpin,
    count: usize,
    out: &mut String,
) -> Result<(), Box<dyn Error>> {
    let mut decoder = FrameDecoder::new();
    let mut seen = 0;
    while seen < count {
        let chunk = body.next().await;
        let ended = chunk.is_none();
        match chunk {
            Some(chunk) => decoder.push(&chunk?),
            None => decoder.finish(),
        }
        while let Some(frame) = decoder.next_frame() {
            writeln!(out, "{}", String::from_utf8_lossy(frame?.bytes()))?;
            seen += 1;
        }
        if ended {
            writeln!(out, "  (the server ended the watch)")?;
            break;
        }
    }
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
