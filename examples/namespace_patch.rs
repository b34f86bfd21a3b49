//! Seed 003 §5.11 "Patch" (L1109-1216): a patch changes an object by name alone, with no Get first.
//! A JSON Patch (RFC 6902, `application/json-patch+json`) adds the label `a=c`, then a merge patch
//! (RFC 7386, `application/merge-patch+json`) sets it to `a=f`; each logs the seed's `Patch namespace
//! success: NAME` and the labels the seed reads back with `kubectl get ns -o yaml`. A patch of a name
//! that does not exist fails with NotFound (`Patch namespace failed: NAME: ...`).
//!
//! The seed's namespace `test` is `namespace-patch-test` here, created first with the examples'
//! label and deleted when the example ends.
//!
//! Run: `cargo run --example namespace_patch [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::api::core::v1::Namespace;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{PatchOptions, PatchType, ResourceClient};
use clientgo_example::{outln, BoxError, NoArgs, Session};
use serde_json::{json, Value};

/// The example's namespace, the seed's `test`.
pub const NAME: &str = "namespace-patch-test";
/// A name no namespace has: its patch fails with NotFound.
pub const MISSING: &str = "namespace-patch-missing";

/// `a=c, kubernetes.io/metadata.name=...`: the labels in key order, as `kubectl get -o yaml` lists them.
fn labels(ns: &Namespace) -> String {
    let pairs: Vec<String> = ns
        .metadata
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    pairs.join(", ")
}

/// Sends one patch and logs the outcome with the seed's words.
async fn patch(
    session: &Session,
    api: &ResourceClient<Namespace>,
    name: &str,
    patch_type: &PatchType,
    body: &Value,
) -> Result<(), BoxError> {
    let out = session.out();
    outln!(out, "PATCH {name} ({}): {body}", patch_type.content_type());
    match api.patch(name, patch_type, body, &PatchOptions::default()).await {
        Ok(ns) => {
            outln!(out, "Patch namespace success: {}", ns.name());
            outln!(out, "  labels: {}", labels(&ns));
        }
        Err(e) if e.is_not_found() => outln!(out, "Patch namespace failed: {name}: {e}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Creates the namespace, patches it twice, then patches a missing one.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let api = session.clientset().core_v1().namespaces();
    clientgo_example::namespaces::clear_leftovers(session, |n| n == NAME).await?;
    let created =
        clientgo_example::namespaces::create(session, &api, &clientgo_example::namespaces::labelled(NAME))
            .await?;
    outln!(
        session.out(),
        "created namespace {NAME}, labels: {}",
        labels(&created)
    );

    // op add/replace/remove/move/copy/test; the path is a JSON pointer into the object.
    let json_patch = json!([{"op": "add", "path": "/metadata/labels/a", "value": "c"}]);
    patch(session, &api, NAME, &PatchType::Json, &json_patch).await?;
    // null deletes a key; an array is replaced whole.
    let merge_patch = json!({"metadata": {"labels": {"a": "f"}}});
    patch(session, &api, NAME, &PatchType::Merge, &merge_patch).await?;
    patch(session, &api, MISSING, &PatchType::Merge, &merge_patch).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
