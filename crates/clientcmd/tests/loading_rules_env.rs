//! `LoadingRules::from_env` reads the process environment (`KUBECONFIG`, `HOME`), so it is tested in
//! its own binary with one test that changes the environment step by step.

use std::fs;
use std::path::PathBuf;

use clientgo_clientcmd::{home_config, LoadingRules, RECOMMENDED_CONFIG_PATH_ENV};

fn kubeconfig(context: &str, current: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {current}\n\
         clusters:\n- name: {context}\n  cluster:\n    server: https://{context}.example:6443\n\
         users:\n- name: {context}\n  user:\n    token: t\n\
         contexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n"
    )
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clientgo-loading-rules-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("home/.kube")).unwrap();
    dir
}

#[test]
fn kubeconfig_lists_merge_first_wins_and_home_is_the_fallback() {
    let dir = scratch();
    let (a, b) = (dir.join("a.yaml"), dir.join("b.yaml"));
    fs::write(&a, kubeconfig("alpha", "alpha")).unwrap();
    fs::write(&b, kubeconfig("beta", "beta")).unwrap();
    let missing = dir.join("missing.yaml");
    fs::write(dir.join("home/.kube/config"), kubeconfig("home", "home")).unwrap();

    // SAFETY of the environment edits: this binary holds this one test, so nothing reads the
    // environment concurrently.
    let list = std::env::join_paths([&a, &missing, &b]).unwrap();
    unsafe {
        std::env::set_var("HOME", dir.join("home"));
        std::env::set_var(RECOMMENDED_CONFIG_PATH_ENV, &list);
    }
    let merged = LoadingRules::from_env().load().unwrap();
    let contexts: Vec<&str> = merged.contexts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        contexts,
        ["alpha", "beta"],
        "both files, in order; the missing one skipped"
    );
    assert_eq!(
        merged.current_context.as_deref(),
        Some("alpha"),
        "the first file wins"
    );

    // Empty entries (a trailing separator) are ignored, not read as the current directory.
    let with_empty = format!("{}{}", b.display(), if cfg!(windows) { ";" } else { ":" });
    unsafe { std::env::set_var(RECOMMENDED_CONFIG_PATH_ENV, with_empty) };
    let merged = LoadingRules::from_env().load().unwrap();
    assert_eq!(merged.current_context.as_deref(), Some("beta"));

    // Without KUBECONFIG: ~/.kube/config.
    unsafe { std::env::remove_var(RECOMMENDED_CONFIG_PATH_ENV) };
    assert_eq!(home_config(), Some(dir.join("home/.kube/config")));
    let merged = LoadingRules::from_env().load().unwrap();
    assert_eq!(merged.current_context.as_deref(), Some("home"));
    let _ = fs::remove_dir_all(&dir);
}
