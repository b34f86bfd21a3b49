//! Golden-output tests of the logging examples (seed 003 examples 19-23).
//!
//! Each example installs a global subscriber and may exit the process, so each runs in a child
//! process: this test binary re-runs itself with `LOGGING_EXAMPLE` set, and the `child` test
//! runs that example's `run`. Timestamps and pids are normalised before comparing.

#![allow(dead_code)] // Each example's `main` is unused here.

#[path = "../examples/contextual_logging.rs"]
mod contextual_logging;
#[path = "../examples/custom_logger_json_file.rs"]
mod custom_logger_json_file;
#[path = "../examples/klog_style_flags.rs"]
mod klog_style_flags;
#[path = "../examples/log_verbosity_levels.rs"]
mod log_verbosity_levels;
#[path = "../examples/structured_logging.rs"]
mod structured_logging;

use std::process::Command;

/// The child side: runs the example named by `LOGGING_EXAMPLE` with `LOGGING_ARGS`
/// (separated by `\x1f`). Does nothing in the parent run.
#[test]
fn child() {
    let Ok(name) = std::env::var("LOGGING_EXAMPLE") else {
        return;
    };
    let args: Vec<String> = std::env::var("LOGGING_ARGS")
        .unwrap_or_default()
        .split('\x1f')
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    let result = match name.as_str() {
        "klog_style_flags" => klog_style_flags::run(args),
        "structured_logging" => structured_logging::run(args),
        "contextual_logging" => contextual_logging::run(args),
        "log_verbosity_levels" => log_verbosity_levels::run(args),
        "custom_logger_json_file" => runtime().block_on(async {
            let s = token_server().await;
            custom_logger_json_file::run(args, s.kubeconfig_path()).await
        }),
        "request_bodies" => runtime().block_on(request_bodies(args)),
        other => panic!("unknown example {other}"),
    };
    result.unwrap();
}

/// The bearer token the embedded server requires in the request-logging tests; it must never
/// appear in any log output.
const TOKEN: &str = "s3cr3t-logging-example-token";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// An embedded API server that answers 401 without [`TOKEN`], so the client really sends it.
async fn token_server() -> clientgo_apiserver::ApiServer {
    clientgo_apiserver::ApiServer::builder()
        .token(TOKEN)
        .start()
        .await
        .unwrap()
}

/// Installs the layer `args` select (klog's flags) and makes two requests the library logs: the
/// short `/version` reply and the core `v1` resource list, which is longer than 1 KiB.
async fn request_bodies(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    use tracing_subscriber::layer::SubscriberExt as _;
    let (flags, rest) = clientgo::klog::Flags::parse(args)?;
    assert!(rest.is_empty(), "unparsed flags {rest:?}");
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(flags.layer()?))?;
    let server = token_server().await;
    let path = server.kubeconfig_path().to_string_lossy().into_owned();
    let config = clientgo::tools::clientcmd::build_config_from_flags("", &path)?;
    let clientset = clientgo::kubernetes::Clientset::new(&config)?;
    clientset.server_version().await?;
    let list = clientset
        .discovery()
        .server_resources_for_group_version("v1")
        .await?;
    assert!(!list.resources.is_empty(), "empty v1 resource list");
    Ok(())
}

/// Runs an example in a child process: (exit code, stdout, stderr lines).
fn run_example(name: &str, args: &[&str]) -> (i32, String, Vec<String>) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads=1", "--quiet"])
        .env("LOGGING_EXAMPLE", name)
        .env("LOGGING_ARGS", args.join("\x1f"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        stderr.lines().map(str::to_owned).collect(),
    )
}

/// `I1223 12:30:38.017340   11656 main.rs:16] rest` -> `I main.rs] rest`, checking the header's
/// shape (the regex `^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} [ \d]{7} [^ :]+:\d+\] `).
fn normalise(line: &str) -> String {
    let b = line.as_bytes();
    assert!(b.len() > 30, "short line {line:?}");
    assert!(b"IWEF".contains(&b[0]), "severity in {line:?}");
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    assert!(digits(1..5) && b[5] == b' ', "MMDD in {line:?}");
    assert!(digits(6..8) && b[8] == b':' && digits(9..11) && b[11] == b':' && digits(12..14));
    assert!(
        b[14] == b'.' && digits(15..21) && b[21] == b' ',
        "micros in {line:?}"
    );
    let pid = &line[22..29];
    assert!(pid.trim_start().bytes().all(|c| c.is_ascii_digit()) && !pid.trim().is_empty());
    assert_eq!(b[29], b' ', "pid width in {line:?}");
    let (loc, rest) = line[30..].split_once("] ").unwrap();
    let (file, lineno) = loc.rsplit_once(':').unwrap();
    assert!(lineno.parse::<u32>().is_ok(), "line number in {line:?}");
    format!("{} {file}] {rest}", &line[..1])
}

#[test]
fn klog_style_flags_prints_four_severities_and_exits_255() {
    let (code, _, lines) = run_example("klog_style_flags", &[]);
    assert_eq!(code, 255, "{lines:?}");
    let got: Vec<String> = lines.iter().map(|l| normalise(l)).collect();
    assert_eq!(
        got,
        [
            r#"I klog_style_flags.rs] "Info""#,
            r#"W klog_style_flags.rs] "Warning""#,
            r#"E klog_style_flags.rs] "Error""#,
            r#"F klog_style_flags.rs] "Fatal""#,
        ]
    );
    let (code, stdout, _) = run_example("klog_style_flags", &["-h"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("--log-file-max-size MB"), "{stdout}");
    assert!(stdout.contains("(default 1800)"), "{stdout}");
}

#[test]
fn structured_logging_quotes_like_klog() {
    let (code, _, lines) = run_example("structured_logging", &[]);
    assert_eq!(code, 0, "{lines:?}");
    let got: Vec<String> = lines.iter().map(|l| normalise(l)).collect();
    assert_eq!(
        got,
        [
            r#"I structured_logging.rs] "Received HTTP request" method="GET" URL="/metrics" latency="1s""#,
            r#"I structured_logging.rs] "Display value" request="GET""#,
            r#"I structured_logging.rs] "Debug value (the seed advises against dumping structs)" request="Request { method: \"GET\", timeout: 30 }""#,
            r#"I structured_logging.rs] "Pod status updated" pod="kube-system/calico-kube-controllers-798cc86c47-fh6mz" status="Running""#,
            r#"I structured_logging.rs] "Namespace info" namespace="default""#,
            r#"E structured_logging.rs] "Failed to update pod status" err="timeout""#,
        ]
    );
}

#[test]
fn contextual_logging_prefixes_the_logger_name() {
    let (code, _, lines) = run_example("contextual_logging", &["--interval-ms", "0"]);
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        let n = normalise(line);
        let prefix = format!(r#"I contextual_logging.rs] "foo: {i}" time=""#);
        let ts = n.strip_prefix(&prefix).unwrap_or_else(|| panic!("{n}"));
        // time="2026-11-23T20:30:00.123456Z"
        assert_eq!(ts.len(), 28, "{n}");
        assert!(ts.ends_with("Z\"") && ts.as_bytes()[10] == b'T', "{n}");
    }
}

#[test]
fn log_verbosity_levels_follow_v_and_vmodule() {
    let levels = |args: &[&str]| -> Vec<String> {
        let (code, _, lines) = run_example("log_verbosity_levels", args);
        assert_eq!(code, 0, "{lines:?}");
        lines.iter().map(|l| normalise(l)).collect()
    };
    let expect = |max: i64, fixed: bool| -> Vec<String> {
        let mut v: Vec<String> = (-3..=max)
            .map(|l| format!(r#"I log_verbosity_levels.rs] "klog" Level="{l}""#))
            .collect();
        if fixed {
            v.extend((0..3).map(|i| format!(r#"I log_verbosity_levels.rs] "klog" Number={i}"#)));
        }
        v.push(r#"I log_verbosity_levels.rs] "un-V'd info always prints""#.to_owned());
        v
    };
    assert_eq!(levels(&[]), expect(0, false));
    assert_eq!(levels(&["-v=2"]), expect(2, true));
    assert_eq!(levels(&["-v", "-1"]), expect(-1, false));
    assert_eq!(levels(&["--vmodule", "log_verbosity*=4"]), expect(4, true));
    assert_eq!(levels(&["-v", "9", "--vmodule", "other=1"]), expect(5, true));
}

#[test]
fn custom_logger_json_file_writes_json_to_stderr_and_the_file() {
    let dir = std::env::temp_dir().join(format!("clientgo-logging-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.log");
    let path = file.to_string_lossy().into_owned();
    let (code, _, lines) = run_example(
        "custom_logger_json_file",
        &["--log-format", "json", "--log-file", &path, "-v", "7"],
    );
    assert_eq!(code, 0, "{lines:?}");
    let json: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for j in &json {
        for key in ["ts", "level", "caller", "msg", "v"] {
            assert!(j.get(key).is_some(), "{key} missing in {j}");
        }
    }
    let by_msg = |m: &str| json.iter().find(|j| j["msg"] == m).cloned();
    let info = by_msg("Kubernetes server info").expect("server info line");
    assert_eq!(info["level"], "info");
    assert_eq!(info["v"], 2);
    assert!(info["version"].as_str().unwrap().starts_with('v'), "{info}");
    assert!(info["caller"]
        .as_str()
        .unwrap()
        .starts_with("custom_logger_json_file.rs:"));
    assert_eq!(by_msg("error log test").unwrap()["level"], "error");
    assert!(by_msg("我是V(1)日志").is_some());
    assert!(by_msg("我是V(3)日志").is_some(), "-v 7 shows V(3)");
    // The library's own request log at V(6): the request line with status and latency.
    let req = json
        .iter()
        .find(|j| {
            j["msg"]
                .as_str()
                .is_some_and(|m| m.starts_with("GET ") && m.ends_with("/version 200 OK"))
        })
        .unwrap_or_else(|| panic!("no request line in {json:?}"));
    assert_eq!(req["v"], 6);
    assert_eq!(req["status"], 200);
    assert!(req["milliseconds"].is_u64());
    // V(7): request headers, never a bearer token.
    assert!(
        json.iter().any(|j| j["msg"] == "header" && j["v"] == 7),
        "{json:?}"
    );
    // The server requires TOKEN, so every request above carried it; no header line may show it.
    assert!(
        !lines.iter().any(|l| l.contains("Bearer") || l.contains(TOKEN)),
        "{lines:?}"
    );
    for h in json.iter().filter(|j| j["msg"] == "header") {
        if h["header"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
        {
            assert_eq!(h["value"], "<masked>", "{h}");
        }
    }
    // The file holds exactly what stderr got.
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(!written.contains(TOKEN), "token in {written}");
    assert_eq!(written.lines().collect::<Vec<_>>(), lines);
    std::fs::remove_dir_all(&dir).unwrap();

    // Default -v 2 in text: V(3) and the request logs stay hidden.
    let (code, _, lines) = run_example("custom_logger_json_file", &[]);
    assert_eq!(code, 0, "{lines:?}");
    let got: Vec<String> = lines.iter().map(|l| normalise(l)).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], r#"E custom_logger_json_file.rs] "error log test""#);
    assert_eq!(got[1], r#"I custom_logger_json_file.rs] "我是V(1)日志""#);
    assert!(
        got[2].starts_with(r#"I custom_logger_json_file.rs] "Kubernetes server info" version="v"#),
        "{}",
        got[2]
    );
}

/// The `body=` lines of the library's `"body"` events (`"full body"` events when `full`).
fn body_lines(lines: &[String], full: bool) -> Vec<String> {
    let msg = if full { r#"] "full body" "# } else { r#"] "body" "# };
    lines.iter().filter(|l| l.contains(msg)).cloned().collect()
}

#[test]
fn request_bodies_show_at_v8_and_full_bodies_at_v9() {
    // V(7): headers but no bodies.
    let (code, _, lines) = run_example("request_bodies", &["-v", "7"]);
    assert_eq!(code, 0, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains(r#"] "header" "#)), "{lines:?}");
    assert!(body_lines(&lines, false).is_empty(), "{lines:?}");

    // V(8): each response body, the long one cut at 1,024 bytes, and no full body.
    let (code, _, lines) = run_example("request_bodies", &["-v", "8"]);
    assert_eq!(code, 0, "{lines:?}");
    let bodies = body_lines(&lines, false);
    let version = bodies
        .iter()
        .find(|l| l.contains("body=") && l.contains("gitVersion"))
        .unwrap_or_else(|| panic!("no /version body in {lines:?}"));
    assert!(version.contains(r#"direction="response""#), "{version}");
    let long = bodies
        .iter()
        .find(|l| l.contains("APIResourceList"))
        .unwrap_or_else(|| panic!("no resource list body in {lines:?}"));
    let bytes: usize = long
        .split_once(" bytes=")
        .and_then(|(_, r)| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no bytes= in {long}"));
    assert!(bytes > 1024, "the v1 resource list is only {bytes} bytes: {long}");
    assert!(
        body_lines(&lines, true).is_empty(),
        "full body below V(9): {lines:?}"
    );

    // V(9): the long body also appears whole.
    let (code, _, lines) = run_example("request_bodies", &["-v", "9"]);
    assert_eq!(code, 0, "{lines:?}");
    let full = body_lines(&lines, true);
    assert_eq!(full.len(), 1, "one body over 1 KiB: {full:?}");
    assert!(full[0].contains(&format!(" bytes={bytes} ")), "{}", full[0]);
    assert!(
        full[0].contains("full_body=") && full[0].contains("APIResourceList"),
        "{}",
        full[0]
    );
    let shown = full[0].split_once("full_body=").unwrap().1;
    assert!(
        shown.len() > 1024,
        "full body of {} chars: {}",
        shown.len(),
        full[0]
    );
    for l in &lines {
        assert!(!l.contains(TOKEN), "token logged: {l}");
    }
}
