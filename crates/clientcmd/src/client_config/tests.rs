use std::path::PathBuf;

use super::*;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let d = std::env::temp_dir().join(format!("clientgo-clientcmd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const MAIN: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: UEVNLUNB
- name: prod-cluster
  cluster:
    server: https://prod:6443
    certificate-authority: certs/ca.crt
    tls-server-name: kubernetes
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
    namespace: team-a
- name: prod
  context:
    cluster: prod-cluster
    user: prod-user
users:
- name: dev-user
  user:
    token: dev-token
- name: prod-user
  user:
    client-certificate: certs/client.crt
    client-key-data: S0VZ
    as: jane
    as-groups: [ops]
"#;

#[test]
fn explicit_file_current_context_token_and_namespace() {
    let d = TempDir::new("explicit");
    let path = d.write("kubeconfig", MAIN);
    let cc = ClientConfig::from_rules(&LoadingRules::explicit(&path), ConfigOverrides::default()).unwrap();
    let c = cc.client_config().unwrap();
    assert_eq!(c.host, "https://10.0.0.1:6443");
    assert_eq!(c.tls.ca_data.as_deref(), Some(&b"PEM-CA"[..]));
    assert_eq!(c.bearer_token.as_deref(), Some("dev-token"));
    assert_eq!(cc.namespace(), ("team-a".to_owned(), true));
    assert!(
        !format!("{:?}", cc.raw_config()).contains("dev-token"),
        "Debug redacts tokens"
    );
}

#[test]
fn relative_paths_resolve_against_the_file_and_overrides_apply() {
    let d = TempDir::new("relative");
    let path = d.write("conf/kubeconfig", MAIN);
    d.write("conf/certs/ca.crt", "CA-FROM-FILE");
    d.write("conf/certs/client.crt", "CERT-FROM-FILE");
    let overrides = ConfigOverrides::default()
        .context("prod")
        .namespace("other")
        .server("https://override:1");
    let cc = ClientConfig::from_rules(&LoadingRules::explicit(&path), overrides).unwrap();
    let c = cc.client_config().unwrap();
    assert_eq!(c.host, "https://override:1");
    assert_eq!(c.tls.ca_data.as_deref(), Some(&b"CA-FROM-FILE"[..]));
    assert_eq!(c.tls.cert_data.as_deref(), Some(&b"CERT-FROM-FILE"[..]));
    assert_eq!(c.tls.key_data.as_deref(), Some(&b"KEY"[..]));
    assert_eq!(c.tls.server_name.as_deref(), Some("kubernetes"));
    assert_eq!(c.impersonate.user_name.as_deref(), Some("jane"));
    assert_eq!(c.impersonate.groups, vec!["ops".to_owned()]);
    assert_eq!(cc.namespace(), ("other".to_owned(), true));
}

#[test]
fn kubeconfig_list_merges_first_file_wins() {
    let d = TempDir::new("merge");
    let first = d.write(
        "a/config",
        r#"
clusters:
- name: shared
  cluster: {server: "https://first:1"}
users:
- name: u
  user: {token-file: tok}
"#,
    );
    d.write("a/tok", "first-token\n");
    let second = d.write(
        "b/config",
        r#"
current-context: ctx
clusters:
- name: shared
  cluster: {server: "https://second:2"}
contexts:
- name: ctx
  context: {cluster: shared, user: u}
users:
- name: u
  user: {token: second-token}
"#,
    );
    let missing = d.0.join("missing/config");
    let rules = LoadingRules::with_precedence(vec![first.clone(), missing, second]);
    let cc = ClientConfig::from_rules(&rules, ConfigOverrides::default()).unwrap();
    let c = cc.client_config().unwrap();
    assert_eq!(c.host, "https://first:1", "first file wins for a name");
    assert_eq!(c.bearer_token.as_deref(), Some("first-token"));
    assert_eq!(
        c.bearer_token_file,
        Some(d.0.join("a/tok")),
        "relative to its own file"
    );
    assert_eq!(cc.namespace(), ("default".to_owned(), false));
}

#[test]
fn bad_input_names_the_file_and_the_entry() {
    let d = TempDir::new("errors");
    let missing = d.0.join("nope");
    let e =
        ClientConfig::from_rules(&LoadingRules::explicit(&missing), ConfigOverrides::default()).unwrap_err();
    assert!(
        matches!(e, Error::Read { .. }) && e.to_string().contains("nope"),
        "{e}"
    );

    let bad_yaml = d.write("bad", "clusters: [\n  - name: x\n  cluster: {");
    let e = LoadingRules::explicit(&bad_yaml).load().unwrap_err();
    assert!(e.to_string().contains(&bad_yaml.display().to_string()), "{e}");
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("line"), "{source}");

    let check = |yaml: &str, want: &[&str]| {
        let p = d.write("k", yaml);
        let e = ClientConfig::from_rules(&LoadingRules::explicit(&p), ConfigOverrides::default())
            .unwrap()
            .client_config()
            .unwrap_err();
        for w in want {
            assert!(e.to_string().contains(w), "{e} should mention {w}");
        }
        e
    };
    let e = check("current-context: ghost\n", &["ghost", "does not exist"]);
    assert!(matches!(e, Error::ContextNotFound { .. }));
    check(
        "current-context: c\ncontexts:\n- name: c\n  context: {cluster: nocluster, user: u}\n",
        &["nocluster", "/k"],
    );
    check(
        "current-context: c\nclusters:\n- name: cl\n  cluster: {server: 'https://h'}\ncontexts:\n- name: c\n  context: {cluster: cl, user: nouser}\n",
        &["nouser"],
    );
    check(
        "current-context: c\nclusters:\n- name: cl\n  cluster: {server: 'https://h', certificate-authority-data: '!!notbase64'}\ncontexts:\n- name: c\n  context: {cluster: cl}\n",
        &["cluster \"cl\"", "certificate-authority-data", "base64"],
    );
    check(
        "current-context: c\nclusters:\n- name: cl\n  cluster: {server: 'https://h'}\ncontexts:\n- name: c\n  context: {cluster: cl, user: u}\nusers:\n- name: u\n  user: {client-certificate: /nonexistent/client.crt}\n",
        &["user \"u\"", "client-certificate", "/nonexistent/client.crt"],
    );
    check(
        "current-context: c\nclusters:\n- name: cl\n  cluster: {}\ncontexts:\n- name: c\n  context: {cluster: cl}\n",
        &["cluster \"cl\" has no server"],
    );
    let empty = d.write("empty", "");
    let e = ClientConfig::from_rules(&LoadingRules::explicit(&empty), ConfigOverrides::default())
        .unwrap()
        .client_config()
        .unwrap_err();
    assert!(matches!(e, Error::Empty));
}

#[test]
fn build_config_from_flags_master_url_and_path() {
    let d = TempDir::new("flags");
    let path = d.write("kubeconfig", MAIN);
    let c = build_config_from_flags("", path.to_str().unwrap()).unwrap();
    assert_eq!(c.host, "https://10.0.0.1:6443");
    let c = build_config_from_flags("https://master:443", path.to_str().unwrap()).unwrap();
    assert_eq!(c.host, "https://master:443");
    assert_eq!(c.bearer_token.as_deref(), Some("dev-token"));
    let e = build_config_from_flags("", d.0.join("absent").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("absent"));
}

#[test]
fn exec_plugins_are_carried_over() {
    let d = TempDir::new("exec");
    let path = d.write(
        "kubeconfig",
        r#"
current-context: c
clusters: [{name: cl, cluster: {server: "https://h"}}]
contexts: [{name: c, context: {cluster: cl, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, prod]
      env: [{name: REGION, value: eu}]
      installHint: install get-token
"#,
    );
    let c = build_config_from_flags("", path.to_str().unwrap()).unwrap();
    let exec = c.exec_provider.unwrap();
    assert_eq!(exec.command, d.0.join("./bin/get-token").to_string_lossy());
    assert_eq!(exec.args, vec!["--cluster", "prod"]);
    assert_eq!(exec.env, vec![("REGION".to_owned(), "eu".to_owned())]);
}

#[test]
fn default_chain_prefers_kubeconfig_env_then_in_cluster() {
    let d = TempDir::new("chain");
    let path = d.write("kubeconfig", MAIN);
    d.write("sa/token", "sa-token");
    let pod = InCluster::new(Some("10.96.0.1".into()), Some("443".into()), d.0.join("sa"));
    let rules = LoadingRules::with_precedence(vec![path]);
    assert_eq!(
        default_config_from(&rules, &pod, false).unwrap().host,
        "https://10.96.0.1:443"
    );
    assert_eq!(
        default_config_from(&rules, &pod, true).unwrap().host,
        "https://10.0.0.1:6443"
    );
    let outside = InCluster::new(None, None, "/nonexistent");
    assert_eq!(
        default_config_from(&rules, &outside, false).unwrap().host,
        "https://10.0.0.1:6443"
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        let _ = crate::loader::load(&s);
    }

    #[test]
    fn yaml_like_text_never_panics(s in "(clusters|users|contexts|current-context|name|cluster|server|-|:| |\n|\\[|\\]|\\{|\\}|a){0,60}") {
        if let Ok(k) = crate::loader::load(&s) {
            let _ = ClientConfig::new(k, ConfigOverrides::default()).client_config();
        }
    }
}
