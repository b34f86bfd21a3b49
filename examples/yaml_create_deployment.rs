//! Seed 003 §5.13 "Read YAML and Create a Deployment" (L1264-1389): decode the seed's `demo.yaml`
//! (Deployment `demo`, labels `a: b`, three replicas of an nginx and a busybox container, its
//! namespace left out on purpose) into a typed Deployment, give it a namespace when the YAML has
//! none, and create it, logging the seed's three outcomes: created, already exists (client-go's
//! `errors.IsAlreadyExists`) or failed.
//!
//! The seed defaults a missing namespace to `default`; this example defaults it to its own namespace
//! (deleted with the Deployment when the example ends), and refuses a YAML that names any other. It
//! creates the Deployment a second time to show the "already exists" outcome. `-f FILE` decodes the
//! first document of your own file instead of the built-in `demo.yaml`.
//!
//! Run: `cargo run --example yaml_create_deployment [-- -f demo.yaml] [--kubeconfig PATH]`

use std::path::PathBuf;
use std::process::ExitCode;

use clientgo::api::apps::v1::Deployment;
use clientgo::apimachinery::Object;
use clientgo::kubernetes::{ResourceClient, WriteOptions};
use clientgo_example::{outln, BoxError, Session};
use serde::Deserialize;

/// The example's own options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// A YAML file whose first document is a Deployment (default: the seed's demo.yaml, built in).
    #[arg(short = 'f', long, value_name = "FILE")]
    pub filename: Option<PathBuf>,
}

/// The seed's demo.yaml. One addition: a one-second termination grace period, because the busybox
/// container's `sleep` ignores SIGTERM and would hold the namespace's deletion for the default 30 s.
pub const DEMO_YAML: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  #namespace: default
  labels:
    a: b
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: nginx:1.23.2
          command: [ 'nginx', '-g', 'daemon off;' ]
        - name: busybox
          image: busybox:1.28
          command: [ 'sh', '-c', 'echo The app is running! && sleep 3600' ]
"#;

/// Decodes the first YAML document into a Deployment (client-go's `NewYAMLOrJSONDecoder(r,
/// 512).Decode(&appsv1.Deployment{})` reads one document the same way).
///
/// # Errors
/// Malformed YAML, an empty file, or a first document that is not a Deployment.
pub fn decode_first(yaml: &str) -> Result<Deployment, BoxError> {
    let first = serde_yaml::Deserializer::from_str(yaml)
        .next()
        .ok_or("the YAML holds no document")?;
    // Through a JSON value: the API types keep parts of the object as raw JSON.
    let value = serde_json::Value::deserialize(first)?;
    let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if kind != "Deployment" {
        return Err(format!("the first document is a {kind:?}, not a Deployment").into());
    }
    Ok(serde_json::from_value(value)?)
}

/// Creates the Deployment and logs the seed's outcome: created or already exists.
async fn create(
    session: &Session,
    api: &ResourceClient<Deployment>,
    deploy: &Deployment,
) -> Result<(), BoxError> {
    match api.create(deploy, &WriteOptions::default()).await {
        Ok(created) => outln!(session.out(), "Deployment created: {}", created.name()),
        Err(e) if e.is_already_exists() => {
            outln!(session.out(), "Deployment already exists: {}", deploy.name());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Reads the YAML, defaults the namespace, creates the Deployment twice.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let yaml = match &args.filename {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?
        }
        None => DEMO_YAML.to_owned(),
    };
    let mut deploy = decode_first(&yaml)?;
    let own = session.namespace().await?;
    match deploy.namespace().map(str::trim).filter(|n| !n.is_empty()) {
        None => {
            outln!(
                out,
                "namespace: not set in the YAML, defaulting to {own} (the example's own; the seed defaults to default)"
            );
            deploy.metadata.namespace = Some(own.into());
        }
        Some(ns) if ns == own => outln!(out, "namespace: {ns}, from the YAML"),
        Some(ns) => {
            return Err(format!(
                "the YAML puts Deployment {} in namespace {ns}; this example creates objects only in its own namespace {own}",
                deploy.name()
            )
            .into())
        }
    }
    let api = session.clientset().apps_v1().deployments(own);
    create(session, &api, &deploy).await?;
    outln!(out, "creating it again:");
    create(session, &api, &deploy).await
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
