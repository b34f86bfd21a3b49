//! The `clientgo-apiserver` binary as a real client meets it: started as a process on 127.0.0.1:0,
//! found through the lines it prints, driven by kubectl (at /usr/bin/kubectl; .ci/run installs it) and
//! by raw HTTP, given faults by its flags and by stdin commands, and stopped by SIGINT.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// A guard against hangs; tests never wait on it for correctness.
const GUARD: Duration = Duration::from_secs(60);

/// How long a stalled response is watched for bytes that must not come.
const QUIET: Duration = Duration::from_millis(300);

const CM: &str = "/api/v1/namespaces/default/configmaps";

/// The kube-system pods `--seed-demo` creates (`seed_demo_cluster`: a fresh kind cluster's).
const SEEDED_PODS: usize = 8;

/// A running binary.
struct Binary {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// `127.0.0.1:PORT`.
    addr: String,
    kubeconfig: PathBuf,
}

impl Binary {
    /// Starts the binary on an ephemeral port with `args`, and waits for its kubeconfig line.
    async fn start(args: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clientgo-apiserver"))
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let stdin = child.stdin.take().expect("stdin piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped")).lines();
        let serving = next_line(&mut stdout).await;
        let addr = serving
            .strip_prefix("serving on http://")
            .unwrap_or_else(|| panic!("first line is `serving on URL`: {serving:?}"))
            .to_owned();
        let kc = next_line(&mut stdout).await;
        let kubeconfig = PathBuf::from(
            kc.strip_prefix("kubeconfig: ")
                .unwrap_or_else(|| panic!("second line is `kubeconfig: PATH`: {kc:?}")),
        );
        assert!(kubeconfig.is_file(), "{} written", kubeconfig.display());
        let hint = next_line(&mut stdout).await;
        assert_eq!(
            hint,
            format!("try: kubectl --kubeconfig {} get ns", kubeconfig.display())
        );
        Binary {
            child,
            stdin,
            stdout,
            addr,
            kubeconfig,
        }
    }

    /// Sends one stdin command and returns the line that acknowledges it.
    async fn command(&mut self, line: &str) -> String {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("stdin writable");
        self.stdin.flush().await.expect("stdin flushed");
        next_line(&mut self.stdout).await
    }

    async fn kubectl(&self, args: &[&str]) -> (i32, String, String) {
        let out = tokio::time::timeout(
            GUARD,
            Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(&self.kubeconfig)
                .args(args)
                .output(),
        )
        .await
        .expect("kubectl finishes")
        .expect("kubectl runs (install it: apt-get install kubernetes-client)");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Sends SIGINT and checks the binary exits successfully and removes the kubeconfig it wrote.
    async fn stop(mut self) {
        let pid = self.child.id().expect("still running").to_string();
        let status = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .await
            .expect("run kill");
        assert!(status.success(), "kill -INT {pid}");
        let exit = tokio::time::timeout(GUARD, self.child.wait())
            .await
            .expect("the binary exits on SIGINT")
            .expect("wait");
        assert!(exit.success(), "clean exit: {exit}");
        assert!(
            !self.kubeconfig.exists(),
            "{} removed on exit",
            self.kubeconfig.display()
        );
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.addr).await.expect("connect")
    }

    /// One HTTP/1.1 request on a fresh connection, read to the end: (status, headers, body).
    async fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String, Value) {
        let mut s = self.connect().await;
        let body = body.map(Value::to_string).unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        tokio::time::timeout(GUARD, s.read_to_end(&mut raw))
            .await
            .expect("answer within the guard")
            .expect("read");
        let text = String::from_utf8(raw).expect("UTF-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("a full HTTP answer");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status line");
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (
            status,
            head.to_owned(),
            serde_json::from_str(body.trim()).unwrap_or(Value::Null),
        )
    }

    async fn configmap(&self, name: &str) -> u64 {
        let (code, _, body) = self
            .request(
                "POST",
                CM,
                Some(&json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name}})),
            )
            .await;
        assert_eq!(code, 201, "{body}");
        body["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("resourceVersion")
    }
}

/// The payload of a chunked body.
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(GUARD, lines.next_line())
        .await
        .expect("the binary prints within the guard")
        .expect("stdout readable")
        .expect("the binary still running")
}

#[tokio::test]
async fn kubectl_talks_to_the_binary_which_stops_cleanly_on_sigint() {
    let bin = Binary::start(&["--seed-demo"]).await;
    let (code, out, err) = bin.kubectl(&["get", "ns"]).await;
    assert_eq!(code, 0, "{err}");
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
    let (code, out, err) = bin.kubectl(&["get", "--raw", "/version"]).await;
    assert_eq!(code, 0, "{err}");
    let version: Value = serde_json::from_str(&out).expect("/version is JSON");
    assert_eq!(version["major"], "1");
    let (code, out, err) = bin
        .kubectl(&["get", "pods", "-n", "kube-system", "-o", "name"])
        .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().count(),
        SEEDED_PODS,
        "the seeded kube-system pods: {out}"
    );
    bin.stop().await;
}

#[tokio::test]
async fn kubectl_get_pods_all_namespaces_watch_prints_a_live_event_from_the_binary() {
    let bin = Binary::start(&["--seed-demo"]).await;
    let mut watch = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&bin.kubeconfig)
        .args(["get", "pods", "-A", "-w", "-o", "name"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("kubectl runs (install it: apt-get install kubernetes-client)");
    let mut lines = BufReader::new(watch.stdout.take().expect("stdout piped")).lines();
    for _ in 0..SEEDED_PODS {
        let line = next_line(&mut lines).await;
        assert!(line.starts_with("pod/"), "{line}");
    }
    let (code, _, body) = bin
        .request(
            "POST",
            "/api/v1/namespaces/default/pods",
            Some(&json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"live-one"},"spec":{"containers":[{"name":"c","image":"i"}]}})),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(next_line(&mut lines).await, "pod/live-one");
    watch.kill().await.expect("kubectl stops");
    bin.stop().await;
}

#[tokio::test]
async fn fault_fail_flag_and_command_answer_429_and_500_then_clear() {
    let mut bin = Binary::start(&["--fault-fail", "1/2:429"]).await;
    let (code, head, body) = bin.request("GET", "/api/v1/namespaces", None).await;
    assert_eq!(code, 429, "the first of every two requests fails");
    assert!(head.to_ascii_lowercase().contains("\r\nretry-after: 1"), "{head}");
    assert_eq!(body["reason"], "TooManyRequests");
    assert_eq!(body["details"]["retryAfterSeconds"], 1);
    let (code, _, body) = bin.request("GET", "/api/v1/namespaces", None).await;
    assert_eq!(code, 200, "the second passes");
    assert_eq!(body["kind"], "NamespaceList");

    assert_eq!(
        bin.command("fault-fail 1/1:500").await,
        "applied --fault-fail 1/1:500"
    );
    let (code, out, err) = bin.kubectl(&["get", "--raw", "/api/v1/namespaces/default"]).await;
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(
        err.trim_end(),
        "Error from server (InternalError): Internal error occurred: injected fault"
    );

    assert_eq!(bin.command("fault-clear").await, "applied --fault-clear");
    let (code, out, err) = bin.kubectl(&["get", "--raw", "/api/v1/namespaces/default"]).await;
    assert_eq!(code, 0, "{err}");
    let ns: Value = serde_json::from_str(&out).expect("a Namespace");
    assert_eq!(ns["metadata"]["name"], "default");
    bin.stop().await;
}

#[tokio::test]
async fn fault_fail_writes_flag_conflicts_writes_only() {
    let bin = Binary::start(&["--fault-fail-writes", "1/2:409"]).await;
    let (code, _, _) = bin.request("GET", CM, None).await;
    assert_eq!(code, 200, "reads are not counted");
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}});
    let (code, _, body) = bin.request("POST", CM, Some(&cm)).await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["reason"], "Conflict");
    let (code, _, body) = bin.request("POST", CM, Some(&cm)).await;
    assert_eq!(code, 201, "{body}");
    bin.stop().await;
}

#[tokio::test]
async fn compact_command_makes_a_watch_from_an_older_version_410() {
    let mut bin = Binary::start(&[]).await;
    let old = bin.configmap("a").await;
    let latest = bin.configmap("b").await;
    assert_eq!(
        bin.command("compact").await,
        format!("compacted at resourceVersion {latest}")
    );
    let (code, head, event) = bin
        .request("GET", &format!("{CM}?watch=1&resourceVersion={old}"), None)
        .await;
    assert_eq!(code, 200, "a watch answers 200, then the error event");
    assert!(
        head.to_ascii_lowercase().contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert_eq!(
        event,
        json!({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":format!("too old resource version: {old} ({latest})"),"reason":"Expired","code":410}})
    );
    // From the compaction point itself the watch is live (no error event; it times out empty).
    let (code, _, body) = bin
        .request(
            "GET",
            &format!("{CM}?watch=1&resourceVersion={latest}&timeoutSeconds=1"),
            None,
        )
        .await;
    assert_eq!((code, body), (200, Value::Null));
    bin.stop().await;
}

#[tokio::test]
async fn compact_every_secs_compacts_on_its_own() {
    let mut bin = Binary::start(&["--compact-every-secs", "1"]).await;
    let old = bin.configmap("a").await;
    let latest = bin.configmap("b").await;
    // Wait for a compaction that covers both writes.
    loop {
        let line = next_line(&mut bin.stdout).await;
        let rv: u64 = line
            .strip_prefix("compacted at resourceVersion ")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("a compaction line: {line:?}"));
        if rv >= latest {
            break;
        }
    }
    let (_, _, event) = bin
        .request("GET", &format!("{CM}?watch=1&resourceVersion={old}"), None)
        .await;
    assert_eq!(event["type"], "ERROR");
    assert_eq!(event["object"]["code"], 410);
    assert_eq!(event["object"]["reason"], "Expired");
    bin.stop().await;
}

#[tokio::test]
async fn fault_cut_and_stall_flags_hit_the_next_requests_in_that_order() {
    let bin = Binary::start(&["--fault-cut", "1", "--fault-stall", "1"]).await;
    let get_version = b"GET /version HTTP/1.1\r\nHost: test\r\n\r\n";

    let mut cut = bin.connect().await;
    cut.write_all(get_version).await.expect("write");
    let mut raw = Vec::new();
    let read = tokio::time::timeout(GUARD, cut.read_to_end(&mut raw))
        .await
        .expect("the connection ends within the guard");
    assert!(
        read.is_err() || raw.is_empty(),
        "cut without an answer, got {:?}",
        String::from_utf8_lossy(&raw)
    );

    let mut stalled = bin.connect().await;
    stalled.write_all(get_version).await.expect("write");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tokio::time::timeout(GUARD, stalled.read_exact(&mut byte))
            .await
            .expect("headers within the guard")
            .expect("headers arrive");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("UTF-8 headers");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");

    // The server keeps serving others meanwhile...
    let (code, _, version) = bin.request("GET", "/version", None).await;
    assert_eq!((code, &version["major"]), (200, &json!("1")));
    // ...while the stalled answer still has no body.
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(QUIET, stalled.read(&mut byte))
            .await
            .is_err(),
        "a stalled response sends nothing after its headers"
    );
    bin.stop().await;
}
