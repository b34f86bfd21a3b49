//! Seed 003 §5.9 "Basic CRUD on Namespaces" (L746-891): the five blocks of the seed's program, each
//! under its header as the seed logs it: `Namespace.List` prints every namespace, `Namespace.Get`
//! tells whether `kube-system` exists (`true`, or `false` on NotFound), `Namespace.Create` prints
//! `ok` or `already exists`, `Namespace.Update` replaces the namespace with one carrying the label
//! `a=b` and no resourceVersion (a namespace accepts an unconditional update), and `Namespace.Delete`
//! prints `ok` or `already deleted`. `is_not_found()` and `is_already_exists()` are client-go's
//! `errors.IsNotFound` and `errors.IsAlreadyExists`.
//!
//! The seed's namespace `test` is `namespace-crud-test` here, labelled as the examples'. A namespace
//! of that name left by a killed run is deleted first, so "already exists" only comes from one the
//! example did not create, which it then refuses to change. On a real cluster the deleted namespace
//! is `Terminating` for a few seconds; the example waits until it is gone.
//!
//! Run: `cargo run --example namespace_crud [-- --kubeconfig PATH]`

use std::process::ExitCode;

use clientgo::apimachinery::Object;
use clientgo::kubernetes::{DeleteOptions, GetOptions, ListOptions, WriteOptions};
use clientgo_example::{outln, BoxError, NoArgs, Session};

/// The example's namespace, the seed's `test`.
pub const NAME: &str = "namespace-crud-test";

/// List, Get, Create, Update, Delete, as the seed's program does.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let out = session.out();
    let api = session.clientset().core_v1().namespaces();
    clientgo_example::namespaces::clear_leftovers(session, |n| n == NAME).await?;

    outln!(out, "Namespace.List:");
    for ns in api.list(&ListOptions::default()).await?.items {
        outln!(out, "  {}", ns.name());
    }

    outln!(out, "Namespace.Get:");
    let name = "kube-system";
    match api.get(name, &GetOptions::default()).await {
        Ok(ns) => outln!(out, "  {}: true", ns.name()),
        Err(e) if e.is_not_found() => outln!(out, "  {name}: false"),
        Err(e) => return Err(e.into()),
    }

    outln!(out, "Namespace.Create:");
    match clientgo_example::namespaces::create(session, &api, &clientgo_example::namespaces::labelled(NAME))
        .await
    {
        Ok(ns) => outln!(out, "  {}: ok", ns.name()),
        Err(e) if e.is_already_exists() => {
            outln!(out, "  {NAME}: already exists");
            return Err(format!(
                "namespace {NAME} was not created by a clientgo example; refusing to update or delete it"
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }

    outln!(out, "Namespace.Update:");
    // A full replace of a freshly built object, no Get first and so no resourceVersion: the seed's
    // point. The examples' label is kept so the namespace stays recognisably ours.
    let mut replacement = clientgo_example::namespaces::labelled(NAME);
    replacement.metadata.labels.insert("a", "b");
    let updated = api.update(NAME, &replacement, &WriteOptions::default()).await?;
    outln!(out, "  {}: ok", updated.name());

    outln!(out, "Namespace.Delete:");
    match api.delete(NAME, &DeleteOptions::default()).await {
        Ok(()) => outln!(out, "  {NAME}: ok"),
        Err(e) if e.is_not_found() => outln!(out, "  {NAME}: already deleted"),
        Err(e) => return Err(e.into()),
    }
    clientgo_example::namespaces::wait_gone(session, |n| n == NAME).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
