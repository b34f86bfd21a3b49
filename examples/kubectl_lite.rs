//! Seed 5.14 (the "读取YAML" cobra program): the kubectl-lite lifecycle of the seed, run through the
//! `clientgo-kubectl-lite` library exactly as the `kubectl-lite` binary runs it. A Service and a
//! Deployment in one multi-document file: created, unchanged, configured after a label edit,
//! deleted, NotFound on the second delete, and the 422 for `type: ClusterIP1`.
//!
//! Run: `cargo run --example kubectl_lite [-- --kubeconfig PATH]`. The binary itself:
//! `cargo run -p clientgo-kubectl-lite -- apply -f demo.yaml`.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use clientgo_kubectl_lite::{parse, run as run_cli, Parsed};

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector:
    app: web
  type: ClusterIP
  ports:
  - name: http
    protocol: TCP
    port: 80
    targetPort: 80
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
";

/// Runs one command line and appends what a shell would show.
async fn sh(kubeconfig: &Path, args: &[&str], out: &mut String) -> Result<i32, Box<dyn Error>> {
    let mut full = vec!["--kubeconfig".to_owned(), kubeconfig.display().to_string()];
    full.extend(args.iter().map(|s| (*s).to_owned()));
    writeln!(out, "$ kubectl-lite {}", args.join(" "))?;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = match parse(&full) {
        Parsed::Run(cli) => run_cli(&cli, &mut std::io::empty(), &mut stdout, &mut stderr).await,
        Parsed::Exit { text, code, .. } => {
            stderr.extend_from_slice(text.as_bytes());
            code
        }
    };
    out.push_str(&String::from_utf8_lossy(&stdout));
    out.push_str(&String::from_utf8_lossy(&stderr));
    writeln!(out, "[exit {code}]")?;
    Ok(code)
}

/// The seed's lifecycle in `dir/demo.yaml`.
pub async fn run(kubeconfig: &Path, dir: &Path, out: &mut String) -> Result<(), Box<dyn Error>> {
    let file = dir.join("demo.yaml");
    let f = file.to_string_lossy().into_owned();
    std::fs::write(&file, format!("{SERVICE}---\n{DEPLOYMENT}"))?;
    sh(kubeconfig, &["apply", "-f", &f], out).await?;
    sh(kubeconfig, &["apply", "-f", &f], out).await?;
    let labelled = SERVICE.replace("  name: demo\n", "  name: demo\n  labels:\n    tier: web\n");
    std::fs::write(&file, format!("{labelled}---\n{DEPLOYMENT}"))?;
    sh(kubeconfig, &["apply", "-f", &f], out).await?;
    sh(kubeconfig, &["delete", "-f", &f], out).await?;
    sh(kubeconfig, &["delete", "-f", &f], out).await?;
    let invalid = SERVICE.replace("type: ClusterIP", "type: ClusterIP1");
    std::fs::write(&file, format!("{invalid}---\n{DEPLOYMENT}"))?;
    sh(kubeconfig, &["apply", "-f", &f], out).await?;
    sh(kubeconfig, &["delete", "-f", &f], out).await?;
    sh(kubeconfig, &["abc"], out).await?;
    sh(kubeconfig, &["apply"], out).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = clientgo_apiserver::embedded::cluster_from_args().await?;
    let dir = std::env::temp_dir().join(format!("kubectl-lite-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut out = String::new();
    let result = run(target.kubeconfig_path(), &dir, &mut out).await;
    print!("{out}");
    let _ = std::fs::remove_dir_all(&dir);
    result
}
