//! Seed 003 §"自定义日志" (example 23): the program's own logging flags, JSON output and a file.
//!
//! The seed swapped klog's backend for zap; here the same layer serves both the program and the
//! library (client-go's request logs flow through it at `-v 6` and up, with the Authorization
//! header masked at `-v 7`). `-v` defaults to 2 as in the seed; `--log-format json` writes
//! `{"ts":...,"level":...,"caller":...,"msg":...,"v":...,...}`; `--log-file PATH` also appends
//! to PATH, rotated past `--log-file-max-size` MB.
//! Runs against the embedded API server unless `--kubeconfig PATH` (or `KUBECONFIG`) is given.
//! Run: `cargo run --example custom_logger_json_file -- --log-format json --log-file /tmp/app.log`

use std::error::Error;
use std::path::Path;

use clientgo::klog::Flags;
use clientgo::kubernetes::Clientset;
use clientgo::tools::clientcmd;
use tracing_subscriber::layer::SubscriberExt as _;

/// Installs the layer the flags select, asks the server its version and logs at V(1)..V(3).
pub async fn run(args: Vec<String>, kubeconfig: &Path) -> Result<(), Box<dyn Error>> {
    let (flags, _) = Flags::parse(["-v".to_owned(), "2".to_owned()].into_iter().chain(args))?;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer()?))?;
    let config = clientcmd::build_config_from_flags("", &kubeconfig.to_string_lossy())?;
    let clientset = Clientset::new(&config)?;
    let info = match clientset.server_version().await {
        Ok(info) => info,
        Err(e) => {
            tracing::error!(v = 2, error = &e as &dyn Error, "get server version failed");
            clientgo::klog::exit_fatal();
        }
    };
    tracing::error!(v = 2, "error log test");
    tracing::info!(v = 1, "我是V(1)日志");
    tracing::info!(
        v = 2,
        version = %info.git_version,
        platform = %info.platform,
        goVersion = %info.go_version,
        "Kubernetes server info"
    );
    tracing::info!(v = 3, "我是V(3)日志");
    Ok(())
}

#[tokio::main]
async fn main() {
    let target = match clientgo_apiserver::embedded::cluster_from_args().await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--kubeconfig" && Some(a.as_str()) != kubeconfig_arg().as_deref())
        .collect();
    if let Err(e) = run(args, target.kubeconfig_path()).await {
        eprintln!("{e}");
        std::process::exit(2);
    }
}

fn kubeconfig_arg() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == "--kubeconfig")?;
    args.get(i + 1).cloned()
}
