//! Seed 003 §5.2 "The four client types" (L22-39), the DynamicClient ("for untyped resources such
//! as CRDs"; the seed describes it and has no code): a resource is addressed by its group, version
//! and plural at run time, and objects are untyped JSON (`DynamicObject`, client-go's
//! `unstructured.Unstructured`). The example creates, gets, lists and deletes an `apps/v1`
//! Deployment that way, reading fields by path as there is no Rust type to hold them.
//!
//! It works in its own namespace, deleted when the example ends.
//!
//! Run: `cargo run --example dynamic_client_unstructured [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::apimachinery::{ApiResource, DynamicObject, Object};
use clientgo::dynamic::DynamicClient;
use clientgo::kubernetes::{DeleteOptions, GetOptions, ListOptions, WriteOptions};
use clientgo_example::{outln, BoxError, NoArgs, Session, MANAGED_BY_LABEL, MANAGED_BY_VALUE};
use serde_json::json;

/// The Deployment's name.
pub const NAME: &str = "dynamic-demo";

/// `apps/v1` `deployments`, described at run time as discovery would describe it.
pub fn deployments() -> ApiResource {
    ApiResource {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Deployment".into(),
        plural: "deployments".into(),
        namespaced: true,
    }
}

/// The Deployment as untyped JSON.
fn manifest() -> Result<DynamicObject, serde_json::Error> {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "labels": {MANAGED_BY_LABEL: MANAGED_BY_VALUE}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {
                "metadata": {"labels": {"app": NAME}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.23.2"}]}
            }
        }
    }))
}

/// A field of an untyped object's spec read by its JSON pointer: a string as it is, anything
/// else as JSON.
fn field(obj: &DynamicObject, pointer: &str) -> String {
    match obj.get_path("spec").and_then(|spec| spec.pointer(pointer)) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "<none>".to_owned(),
    }
}

/// Create, get, list and delete one Deployment through the dynamic client.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let dynamic = DynamicClient::new(session.config())?;
    let resource = deployments();
    let api = dynamic.resource(&resource, Some(ns));
    outln!(
        out,
        "resource {}/{} {} in namespace {ns}",
        resource.group,
        resource.version,
        resource.plural
    );

    let created = api.create(&manifest()?, &WriteOptions::default()).await?;
    outln!(
        out,
        "created {} (resourceVersion {})",
        created.name(),
        created.resource_version()
    );

    let got = api.get(NAME, &GetOptions::default()).await?;
    outln!(
        out,
        "get {}: spec.replicas = {}",
        got.name(),
        field(&got, "/replicas")
    );

    let list = api.list(&ListOptions::default()).await?;
    outln!(out, "list: {} deployments", list.items.len());
    for item in &list.items {
        outln!(
            out,
            "  {}\t{}",
            item.name(),
            field(item, "/template/spec/containers/0/image")
        );
    }

    api.delete(NAME, &DeleteOptions::default()).await?;
    outln!(out, "deleted {NAME}");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
