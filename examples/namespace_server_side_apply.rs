//! Seed 003 §5.12 "Apply, i.e. server-side apply" (L1218-1260): `Apply` creates or updates. It sends
//! the desired configuration (every field optional, here as JSON) as
//! `PATCH /api/v1/namespaces/NAME?fieldManager=client-go` with `Content-Type:
//! application/apply-patch+yaml`, and the field manager is required: it records who owns the applied
//! fields (usually the controller's name). The seed logs `Apply namespace success: NAME`.
//!
//! The example applies its namespace (the seed's `test`, `namespace-server-side-apply-test` here,
//! with the examples' label) three times: the first apply creates it, the same configuration again
//! changes nothing (same resourceVersion), and adding the label `a=b` updates it. An apply without a
//! field manager is refused by the server.
//!
//! Run: `cargo run --example namespace_server_side_apply [-- --kubeconfig PATH]`

// Only the leftover clearing is used: here the namespace is created by apply, not by `create`.
#[allow(dead_code)]
use std::process::ExitCode;

use clientgo::api::core::v1::Namespace;
use clientgo::apimachinery::{Object, Resource};
use clientgo::kubernetes::{PatchOptions, PatchType, ResourceClient};
use clientgo_example::{outln, BoxError, NoArgs, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use serde_json::{json, Value};

/// The example's namespace, the seed's `test`.
pub const NAME: &str = "namespace-server-side-apply-test";
/// The seed's field manager.
pub const FIELD_MANAGER: &str = "client-go";

/// The applied configuration: kind, apiVersion and name, the examples' label, and `extra` labels.
fn desired(extra: &[(&str, &str)]) -> Value {
    let mut labels = serde_json::Map::new();
    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY_VALUE.into());
    for (k, v) in extra {
        labels.insert((*k).into(), (*v).into());
    }
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAME, "labels": labels}})
}

/// Applies `config` as `field_manager` and logs the outcome with the seed's words.
async fn apply(
    session: &Session,
    api: &ResourceClient<Namespace>,
    field_manager: &str,
    config: &Value,
) -> Result<Option<Namespace>, BoxError> {
    let out = session.out();
    match api
        .patch(
            NAME,
            &PatchType::apply(field_manager),
            config,
            &PatchOptions::default(),
        )
        .await
    {
        Ok(ns) => {
            outln!(out, "Apply namespace success: {}", ns.name());
            Ok(Some(ns))
        }
        Err(e) if e.is_invalid() => {
            outln!(out, "Apply namespace failed: {NAME}: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Create by apply, apply again unchanged, apply a label, and apply without a field manager.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let api = session.clientset().core_v1().namespaces();
    clientgo_example::namespaces::clear_leftovers(session, |n| n == NAME).await?;

    let apply_type = PatchType::apply(FIELD_MANAGER);
    outln!(
        out,
        "PATCH /api/v1/namespaces/{NAME}?fieldManager={FIELD_MANAGER} ({}): {}",
        apply_type.content_type(),
        desired(&[])
    );
    let first = apply(session, &api, FIELD_MANAGER, &desired(&[])).await?;
    let first = first.ok_or("the first apply was refused")?;
    session.delete_on_exit(Namespace::api_resource(), NAME);
    outln!(out, "  created, resourceVersion {}", first.resource_version());

    let again = apply(session, &api, FIELD_MANAGER, &desired(&[]))
        .await?
        .ok_or("the second apply was refused")?;
    outln!(
        out,
        "  same configuration again: resourceVersion {} (unchanged: {})",
        again.resource_version(),
        again.resource_version() == first.resource_version()
    );

    let labelled = apply(session, &api, FIELD_MANAGER, &desired(&[("a", "b")]))
        .await?
        .ok_or("the third apply was refused")?;
    outln!(
        out,
        "  with label a=b: resourceVersion {}, a={}",
        labelled.resource_version(),
        labelled.metadata.labels.get("a").map_or("", |v| v.as_str())
    );

    outln!(out, "without a field manager:");
    apply(session, &api, "", &desired(&[])).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
