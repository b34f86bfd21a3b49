//! Seed 003 §5.14 "kubectl-lite CLI: apply/delete, multi-doc YAML, cobra" (L1391-1988): the
//! seed's kubectl-lite lifecycle, run through the `clientgo-kubectl-lite` library exactly as the
//! `kubectl-lite` binary runs it. A Service and a Deployment in one multi-document file: created,
//! unchanged, configured after a label edit, deleted, NotFound on the second delete, and the 422
//! for `type: ClusterIP1`; then an unknown command and an `apply` without `-f`. Each command is
//! shown as a shell would show it, with its exit code.
//!
//! The objects go in the example's own namespace (`-n`); the file is written under the system's
//! temporary directory and removed at the end.
//!
//! Run: `cargo run --example kubectl_lite [-- --kubeconfig PATH]`. The binary itself:
//! `cargo run -p clientgo-kubectl-lite -- apply -f demo.yaml`.

use std::path::Path;
use std::process::ExitCode;

use clientgo_example::{outln, BoxError, NoArgs, Session};
use clientgo_kubectl_lite::{parse, run as run_cli, Parsed};

/// The seed's Service manifest (`fixtures/kubectl-lite/service.yaml`).
const SERVICE: &str = include_str!("../fixtures/kubectl-lite/service.yaml");

/// The seed's Deployment manifest (`fixtures/kubectl-lite/deployment.yaml`).
const DEPLOYMENT: &str = include_str!("../fixtures/kubectl-lite/deployment.yaml");

/// The file name the commands show; the real file is in the example's temporary directory.
const FILE: &str = "demo.yaml";

/// Where the commands run: the cluster, the namespace and the directory holding [`FILE`].
struct Shell<'a> {
    session: &'a Session,
    namespace: &'a str,
    dir: &'a Path,
}

impl Shell<'_> {
    /// Writes [`FILE`].
    fn write(&self, text: &str) -> Result<(), BoxError> {
        Ok(std::fs::write(self.dir.join(FILE), text)?)
    }

    /// Runs one command line (its `demo.yaml` meaning the file in the directory) and prints what a
    /// shell would show: the command, its output, its exit code.
    async fn sh(&self, args: &[&str]) -> Result<(), BoxError> {
        let out = self.session.out();
        let file = self.dir.join(FILE).display().to_string();
        let mut full = vec![
            "--kubeconfig".to_owned(),
            self.session.kubeconfig().display().to_string(),
            "-n".to_owned(),
            self.namespace.to_owned(),
        ];
        full.extend(
            args.iter()
                .map(|a| if *a == FILE { file.clone() } else { (*a).to_owned() }),
        );
        outln!(out, "$ kubectl-lite -n {} {}", self.namespace, args.join(" "));
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let code = match parse(&full) {
            Parsed::Run(cli) => run_cli(&cli, &mut std::io::empty(), &mut stdout, &mut stderr).await,
            Parsed::Exit { text, code, .. } => {
                stderr.extend_from_slice(text.as_bytes());
                code
            }
        };
        for text in [stdout, stderr] {
            for line in String::from_utf8_lossy(&text).lines() {
                outln!(out, "{}", line.replace(&file, FILE));
            }
        }
        outln!(out, "[exit {code}]");
        Ok(())
    }
}

/// The seed's lifecycle.
async fn lifecycle(shell: &Shell<'_>) -> Result<(), BoxError> {
    shell.write(&format!("{SERVICE}---\n{DEPLOYMENT}"))?;
    shell.sh(&["apply", "-f", FILE]).await?;
    shell.sh(&["apply", "-f", FILE]).await?;
    let labelled = SERVICE.replace("  name: demo\n", "  name: demo\n  labels:\n    tier: web\n");
    shell.write(&format!("{labelled}---\n{DEPLOYMENT}"))?;
    shell.sh(&["apply", "-f", FILE]).await?;
    shell.sh(&["delete", "-f", FILE]).await?;
    shell.sh(&["delete", "-f", FILE]).await?;
    let invalid = SERVICE.replace("type: ClusterIP", "type: ClusterIP1");
    shell.write(&format!("{invalid}---\n{DEPLOYMENT}"))?;
    shell.sh(&["apply", "-f", FILE]).await?;
    shell.sh(&["delete", "-f", FILE]).await?;
    shell.sh(&["abc"]).await?;
    shell.sh(&["apply"]).await
}

/// Runs the seed's lifecycle in the example's namespace, with the file in a temporary directory.
pub async fn run(session: &Session, _args: &NoArgs) -> Result<(), BoxError> {
    let namespace = session.namespace().await?;
    let dir = std::env::temp_dir().join(format!("{}-{}", session.name(), std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let shell = Shell {
        session,
        namespace,
        dir: &dir,
    };
    let result = lifecycle(&shell).await;
    let removed = std::fs::remove_dir_all(&dir);
    result?;
    Ok(removed?)
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
