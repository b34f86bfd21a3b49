//! The logging examples (seed 003 §"日志", L2016-2960): each test checks the lines an example
//! logs, with the time, pid and line numbers masked.
//!
//! Each example installs a global subscriber (and `klog_style_flags` exits the process with klog's
//! Fatal), so each run is a child process: this test binary re-runs itself with `LOGGING_EXAMPLE`
//! set, and the `child` test runs that example as its `main` does, its Session (when it has one) on
//! a fresh embedded server. The log is the child's stderr; the example's other lines its stdout.

#![allow(dead_code)] // Each example's `main` is unused here.

mod support;

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

use clap::Parser as _;
use clientgo::klog::{goflag, Flags};
use clientgo_example::{BoxError, NoArgs};

/// The bearer token the embedded server requires in the request-logging tests; it must never
/// appear in any log output.
const TOKEN: &str = "s3cr3t-logging-example-token";

/// The child side: runs the example named by `LOGGING_EXAMPLE` with `LOGGING_ARGS` (separated by
/// `\x1f`) as its `main` would. Does nothing in the parent run.
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
        "klog_style_flags" => {
            let argv: Vec<String> = std::iter::once(name.clone()).chain(args).collect();
            klog_style_flags::run(&argv)
        }
        "contextual_logging" => {
            let cli = contextual_logging::Cli::parse_from(std::iter::once(&name).chain(&args));
            contextual_logging::install_logging().map(|()| contextual_logging::run(&cli))
        }
        "structured_logging" => runtime().block_on(structured_logging_child()),
        "log_verbosity_levels" => runtime().block_on(log_verbosity_levels_child(args)),
        "custom_logger_json_file" => runtime().block_on(custom_logger_child(args)),
        "request_bodies" => runtime().block_on(request_bodies(args)),
        other => panic!("unknown example {other}"),
    };
    if let Err(e) = result {
        clientgo_example::report(e.as_ref());
        std::process::exit(1);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// An example's own clap options parsed from `rest` (what is left after its Go-style flags).
fn clap_args<A: clap::Args>(rest: &[String]) -> A {
    #[derive(clap::Parser)]
    struct Only<A: clap::Args> {
        #[command(flatten)]
        args: A,
    }
    Only::<A>::parse_from(std::iter::once("example").chain(rest.iter().map(String::as_str))).args
}

/// Runs `body` on a session of `name` over `server`, then cleans up.
async fn in_session<F>(server: clientgo_apiserver::ApiServer, name: &str, body: F) -> Result<(), BoxError>
where
    F: AsyncFnOnce(&clientgo_example::Session) -> Result<(), BoxError>,
{
    let session = support::session_on(server, name).await;
    let result = body(&session).await;
    session.finish().await?;
    result
}

async fn structured_logging_child() -> Result<(), BoxError> {
    structured_logging::install_logging()?;
    let server = support::seeded_server().await;
    in_session(server, "structured_logging", async |s| {
        structured_logging::run(s, &NoArgs {}).await
    })
    .await
}

async fn log_verbosity_levels_child(args: Vec<String>) -> Result<(), BoxError> {
    let (_, rest) = Flags::parse(args.clone())?;
    let example_args: log_verbosity_levels::Args = clap_args(&rest);
    let flags = log_verbosity_levels::klog_flags(&example_args, &args)?;
    log_verbosity_levels::install_logging(&flags)?;
    let server = support::seeded_server().await;
    in_session(server, "log_verbosity_levels", async |s| {
        log_verbosity_levels::run(s, &example_args).await
    })
    .await
}

async fn custom_logger_child(args: Vec<String>) -> Result<(), BoxError> {
    let mut flags = custom_logger_json_file::LogFlags::default();
    let rest = goflag::parse_known(&mut flags, args)?;
    let example_args: custom_logger_json_file::Args = clap_args(&rest);
    let file = custom_logger_json_file::install_logging(&flags, &example_args)?;
    in_session(token_server().await, "custom_logger_json_file", async |s| {
        if let Some(file) = &file {
            custom_logger_json_file::announce(s, file);
        }
        custom_logger_json_file::run(s, &example_args).await
    })
    .await
}

/// An embedded API server that answers 401 without [`TOKEN`], so the client really sends it.
async fn token_server() -> clientgo_apiserver::ApiServer {
    clientgo_apiserver::ApiServer::builder()
        .token(TOKEN)
        .start()
        .await
        .unwrap()
}

/// Installs the layer klog's flags in `args` select and makes two requests the library logs: the
/// short `/version` reply and the core `v1` resource list, which is longer than 1 KiB.
async fn request_bodies(args: Vec<String>) -> Result<(), BoxError> {
    use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
    let (flags, rest) = Flags::parse(args)?;
    assert!(rest.is_empty(), "unparsed flags {rest:?}");
    let layer = flags
        .layer("request_bodies")?
        .with_filter(clientgo::klog::client_only(module_path!()));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;
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

/// What a child run left: its exit code, its stdout lines (the test harness's own lines left
/// out) and its stderr lines (the log).
struct Run {
    code: i32,
    stdout: Vec<String>,
    log: Vec<String>,
}

/// Runs an example in a child process.
fn run_example(name: &str, args: &[&str]) -> Run {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads=1", "--quiet"])
        .env("LOGGING_EXAMPLE", name)
        .env("LOGGING_ARGS", args.join("\x1f"))
        .output()
        .unwrap();
    let harness = |l: &&str| {
        !(l.starts_with("running 1 test") || l.starts_with("test result:") || l.is_empty() || *l == ".")
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(harness)
            .map(str::to_owned)
            .collect(),
        log: String::from_utf8(out.stderr)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    }
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

/// A zap console line `2022-12-25 17:22:14.05\tERROR\tdir/file.rs:121\tmsg[\t{..}]` ->
/// `ERROR\tdir/file.rs\tmsg[\t{..}]`, checking the seed's time layout `2006-01-02 15:04:05.00`.
fn mask_zap_console(line: &str) -> String {
    let (ts, rest) = line
        .split_once('\t')
        .unwrap_or_else(|| panic!("no tab in {line:?}"));
    let shape: String = ts
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    assert_eq!(shape, "0000-00-00 00:00:00.00", "time in {line:?}");
    let mut fields: Vec<&str> = rest.split('\t').collect();
    let file = fields[1].rsplit_once(':').map_or(fields[1], |(f, _)| f);
    fields[1] = file;
    fields.join("\t")
}

#[test]
fn klog_style_flags_prints_four_severities_bare_and_exits_255() {
    let run = run_example("klog_style_flags", &[]);
    assert_eq!(run.code, 255, "{:?}", run.log);
    let got: Vec<String> = run.log.iter().map(|l| normalise(l)).collect();
    assert_eq!(
        got,
        [
            "I klog_style_flags.rs] Info",
            "W klog_style_flags.rs] Warning",
            "E klog_style_flags.rs] Error",
            "F klog_style_flags.rs] Fatal",
        ]
    );
    // klog's flags work: no header, or ERROR and up on stderr with every line in the file.
    let run = run_example("klog_style_flags", &["-skip_headers"]);
    assert_eq!(run.log, ["Info", "Warning", "Error", "Fatal"]);
    let file = std::env::temp_dir().join(format!("klog_style_flags-test-{}.log", std::process::id()));
    let file_flag = format!("-log_file={}", file.display());
    let run = run_example(
        "klog_style_flags",
        &["-logtostderr=false", &file_flag, "-skip_headers"],
    );
    assert_eq!(
        (run.code, run.log.as_slice()),
        (255, &["Error".to_owned(), "Fatal".to_owned()][..])
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "Info\nWarning\nError\nFatal\n"
    );
    std::fs::remove_file(&file).unwrap();
}

/// klog's flags as `go run main.go -h` lists them in the seed (L2050-2077), tabs as Go prints them.
const KLOG_FLAGS_HELP: &str = "Usage of klog_style_flags:
  -add_dir_header
    \tIf true, adds the file directory to the header of the log messages
  -alsologtostderr
    \tlog to standard error as well as files (no effect when -logtostderr=true)
  -log_backtrace_at value
    \twhen logging hits line file:N, emit a stack trace
  -log_dir string
    \tIf non-empty, write log files in this directory (no effect when -logtostderr=true)
  -log_file string
    \tIf non-empty, use this log file (no effect when -logtostderr=true)
  -log_file_max_size uint
    \tDefines the maximum size a log file can grow to (no effect when -logtostderr=true). Unit is megabytes. If the value is 0, the maximum file size is unlimited. (default 1800)
  -logtostderr
    \tlog to standard error instead of files (default true)
  -one_output
    \tIf true, only write logs to their native severity level (vs also writing to each lower severity level; no effect when -logtostderr=true)
  -skip_headers
    \tIf true, avoid header prefixes in the log messages
  -skip_log_headers
    \tIf true, avoid headers when opening log files (no effect when -logtostderr=true)
  -stderrthreshold value
    \tlogs at or above this threshold go to stderr when writing to files and stderr (no effect when -logtostderr=true or -alsologtostderr=false) (default 2)
  -v value
    \tnumber for the log level verbosity
  -vmodule value
    \tcomma-separated list of pattern=N settings for file-filtered logging";

#[test]
fn klog_style_flags_help_lists_every_klog_flag_and_bad_flags_are_errors() {
    let run = run_example("klog_style_flags", &["-h"]);
    assert_eq!(run.code, 0);
    let help = run.stdout.join("\n");
    assert!(help.contains("Usage: klog_style_flags"), "{help}");
    assert!(help.ends_with(KLOG_FLAGS_HELP), "{help}");
    let run = run_example("klog_style_flags", &["-x"]);
    assert_eq!(run.code, 2);
    assert!(run.log[0].contains("unexpected argument '-x'"), "{:?}", run.log);
    let run = run_example("klog_style_flags", &["-v", "x"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.log, [r#"error: invalid value "x" for flag -v: parse error"#]);
}

/// The platform the embedded server reports, in Go's words.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    format!("{}/{arch}", std::env::consts::OS)
}

#[test]
fn structured_logging_quotes_strings_and_prints_other_values_bare() {
    let run = run_example("structured_logging", &[]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    let got: Vec<String> = run.log.iter().map(|l| normalise(l)).collect();
    let platform = platform();
    assert_eq!(
        got,
        [
            r#"I structured_logging.rs] "Received HTTP request" method="GET" URL="/metrics" latency="1s""#,
            r#"I structured_logging.rs] "Request finished" request="GET""#,
            r#"I structured_logging.rs] "Request finished" request=Request { method: "GET", timeout: 30, secret: "pony" }"#,
            &format!(
                r#"I structured_logging.rs] "Kubernetes server info" version="v1.36.2-clientgo" platform="{platform}" goVersion="rust""#
            ),
            r#"I structured_logging.rs] "Random pod" pod="kube-system/coredns-5d78c9869d-4xkqz" status=Running"#,
            r#"I structured_logging.rs] "Random namespace" namespace="default""#,
            r#"I structured_logging.rs] "Random namespace" namespace="default""#,
            r#"E structured_logging.rs] "Failed to update pod status" err="timeout""#,
        ]
    );
}

#[test]
fn contextual_logging_prefixes_the_logger_name_and_adds_its_values() {
    let run = run_example("contextual_logging", &["--interval-ms", "0"]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    let masked: Vec<String> = run
        .log
        .iter()
        .map(|l| {
            let n = normalise(l);
            let (head, time) = n.split_once(" time=").unwrap_or_else(|| panic!("{n}"));
            // time="2026-11-23T20:30:00.123456Z"
            let shape: String = time
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            assert_eq!(shape, r#""0000-00-00T00:00:00.000000Z""#, "{n}");
            head.to_owned()
        })
        .collect();
    assert_eq!(
        masked,
        [
            r#"I contextual_logging.rs] "foo: 0""#,
            r#"I contextual_logging.rs] "foo: 1""#,
            r#"I contextual_logging.rs] "foo: 2""#,
        ]
    );
}

/// The log of one `log_verbosity_levels` run, normalised.
fn verbosity_run(args: &[&str]) -> Vec<String> {
    let run = run_example("log_verbosity_levels", args);
    assert_eq!(run.code, 0, "{:?}", run.log);
    assert_eq!(
        run.stdout,
        ["server version v1.36.2-clientgo (the request is logged at -v 6 and up)"]
    );
    run.log.iter().map(|l| normalise(l)).collect()
}

/// The example's own lines at `-v max`: `Level` -3..=max, then the nine `V(1)` lines when max >= 1.
fn levels_up_to(max: i32) -> Vec<String> {
    let mut lines: Vec<String> = (-3..=max.min(5))
        .map(|l| format!(r#"I log_verbosity_levels.rs] "klog" Level="{l}""#))
        .collect();
    if max >= 1 {
        lines.extend((-3..=5).map(|i| format!(r#"I log_verbosity_levels.rs] "klog" Number="{i}""#)));
    }
    lines
}

#[test]
fn log_verbosity_levels_print_v_lines_up_to_the_level_set_on_the_command_line() {
    // Experiments 1 and 2: the default level 0, then -v=2; a V(1) logger prints only from -v 1.
    assert_eq!(verbosity_run(&[]), levels_up_to(0));
    assert_eq!(verbosity_run(&["-v=2"]), levels_up_to(2));
    assert_eq!(verbosity_run(&["-v", "-1"]), levels_up_to(-1));
    assert_eq!(verbosity_run(&["-v=1"]), levels_up_to(1));
    // -vmodule overrides -v for the files it names.
    assert_eq!(verbosity_run(&["-vmodule", "log_verbosity*=4"]), levels_up_to(4));
}

#[test]
fn log_verbosity_levels_a_preset_is_a_default_and_an_override_wins() {
    // Experiment 3: set before parsing, the command line overrides it; set after, it overrides.
    assert_eq!(verbosity_run(&["--preset-v", "2"]), levels_up_to(2));
    assert_eq!(verbosity_run(&["--preset-v", "2", "-v=-1"]), levels_up_to(-1));
    assert_eq!(verbosity_run(&["--override-v", "4", "-v=-1"]), levels_up_to(4));
}

/// The library's request lines of a `log_verbosity_levels` run, with the port and latency masked.
fn request_lines(log: &[String]) -> Vec<String> {
    log.iter()
        .filter(|l| !l.starts_with("I log_verbosity_levels.rs]"))
        .map(|l| {
            let l = mask_between(l, "127.0.0.1:", "/");
            let l = mask_between(&l, "milliseconds=", " ");
            let l = mask_between(&l, "Duration ", " ms");
            let l = mask_between(&l, "file:  ", "\n");
            let l = mask_between(&l, "User-Agent: ", "\"");
            let l = mask_between(&l, "user-agent value=\"", "\"");
            mask_between(&l, "date value=\"", "\"")
        })
        .collect()
}

/// `s` with the text between `from` and the next `to` after it replaced by `N`.
fn mask_between(s: &str, from: &str, to: &str) -> String {
    match s.split_once(from) {
        Some((head, tail)) => {
            let end = tail.find(to).unwrap_or(tail.len());
            format!("{head}{from}N{}", &tail[end..])
        }
        None => s.to_owned(),
    }
}

#[test]
fn log_verbosity_levels_show_the_librarys_request_logs_from_v6() {
    let loaded = "I loader.rs] Config loaded from file:  N";
    let version =
        r#"I debug_log.rs] "GET http://127.0.0.1:N/version 200 OK" status=200 milliseconds=N attempt=0"#;
    let log = verbosity_run(&["-v", "5"]);
    assert!(request_lines(&log).is_empty(), "{log:?}");
    let log = verbosity_run(&["-v", "6"]);
    assert_eq!(request_lines(&log), [loaded, version]);
    // -v 7 adds the headers, -v 8 the body, -v 9 the curl line and the statistics; the embedded
    // server's own logs (it runs in the same process) and hyper's never appear, even at -v 10.
    let log = verbosity_run(&["-v", "10"]);
    let requests = request_lines(&log);
    assert_eq!(requests.len(), 11, "{requests:?}");
    assert_eq!(requests[0], loaded);
    assert_eq!(
        requests[1],
        r#"I debug_log.rs] curl -v -XGET  -H "Accept: application/json, */*" -H "User-Agent: N" 'http://127.0.0.1:N/version'"#
    );
    assert_eq!(
        requests[2..10],
        [
            r#"I debug_log.rs] "header" direction="request" header=accept value="application/json, */*""#,
            r#"I debug_log.rs] "header" direction="request" header=user-agent value="N""#,
            version,
            "I debug_log.rs] HTTP Statistics: Duration N ms",
            r#"I debug_log.rs] "header" direction="response" header=content-type value="application/json""#,
            r#"I debug_log.rs] "header" direction="response" header=cache-control value="no-cache, private""#,
            r#"I debug_log.rs] "header" direction="response" header=content-length value="334""#,
            r#"I debug_log.rs] "header" direction="response" header=date value="N""#,
        ]
    );
    assert!(
        requests[10]
            .starts_with(r#"I debug_log.rs] "body" direction="response" bytes=334 body={"buildDate""#),
        "{}",
        requests[10]
    );
    assert_eq!(log.len(), levels_up_to(5).len() + requests.len());
}

/// The seed's `-h` for its own flags (L2821-2828).
const CUSTOM_LOGGER_HELP: &str = r#"Usage of custom_logger_json_file:
  -log_file string
    	If non-empty, use this log file
  -log_format string
    	Sets the log log_format. Permitted formats: "json", "console". (default "console")
  -log_level int
    	number for the log log_level verbosity (default 2)"#;

#[test]
fn custom_logger_json_file_help_shows_only_its_own_flags_and_rejects_others() {
    let run = run_example("custom_logger_json_file", &["-h"]);
    assert_eq!(run.code, 0);
    let help = run.stdout.join("\n");
    assert!(help.ends_with(CUSTOM_LOGGER_HELP), "{help}");
    assert!(
        help.contains("--keep-log-file") && !help.contains("-logtostderr"),
        "{help}"
    );
    let run = run_example("custom_logger_json_file", &["-log_level", "3", "-v", "3"]);
    assert_eq!(run.code, 2);
    assert!(run.log[0].contains("unexpected argument '-v'"), "{:?}", run.log);
    let run = run_example("custom_logger_json_file", &["-log_format", "xml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.log,
        [r#"error: invalid value "xml" for flag -log_format: permitted formats: "json", "console""#]
    );
}

/// The zap console lines of a run (stack-trace lines left out), masked.
fn console_lines(log: &[String]) -> Vec<String> {
    log.iter()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| mask_zap_console(l))
        .collect()
}

#[test]
fn custom_logger_json_file_console_output_passes_klogs_and_zaps_levels() {
    let caller = "examples/custom_logger_json_file.rs";
    let error = format!("ERROR\t{caller}\terror log test");
    let v1 = format!("INFO\t{caller}\t我是V(1)日志");
    let info = format!(
        "INFO\t{caller}\tKubernetes server info\t{{\"version\": \"v1.36.2-clientgo\", \"platform\": \"{}\", \"goVersion\": \"rust\"}}",
        platform()
    );
    let v3 = format!("INFO\t{caller}\t我是V(3)日志");
    // The default -log_level 2: V(3) fails both klog's -v 2 and zap's level -2.
    let run = run_example("custom_logger_json_file", &[]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    assert_eq!(console_lines(&run.log), [error.as_str(), &v1, &info]);
    // The ERROR line carries the caller's stack on the lines after it.
    assert!(
        run.log[1].ends_with("custom_logger_json_file::run::{{closure}}"),
        "{:?}",
        run.log
    );
    assert!(
        run.log[2].starts_with('\t') && run.log[2].contains(caller),
        "{:?}",
        run.log
    );
    // The seed's `-log_level 3` (a Go-style flag, value after a space) shows V(3).
    let run = run_example("custom_logger_json_file", &["-log_level", "3"]);
    assert_eq!(console_lines(&run.log), [error.as_str(), &v1, &info, &v3]);
    // At -log_level 1 the V(2) lines fail klog's check, the ErrorS one too.
    let run = run_example("custom_logger_json_file", &["-log_level=1"]);
    assert_eq!(console_lines(&run.log), [v1.as_str()]);
}

#[test]
fn custom_logger_json_file_writes_json_to_stderr_and_the_file_with_the_librarys_lines() {
    let name = format!("test-{}.log", std::process::id());
    let run = run_example(
        "custom_logger_json_file",
        &[
            "-log_format=json",
            "-log_level",
            "10",
            "-log_file",
            &name,
            "--keep-log-file",
        ],
    );
    assert_eq!(run.code, 0, "{:?}", run.log);
    let path = custom_logger_json_file::log_file_path(&name);
    assert!(path.starts_with(std::env::temp_dir()), "{}", path.display());
    assert_eq!(run.stdout, [format!("log file {} (kept)", path.display())]);
    let json: Vec<serde_json::Value> = run
        .log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for j in &json {
        let ts = j["ts"].as_str().unwrap_or_else(|| panic!("no ts in {j}"));
        let shape: String = ts
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        assert_eq!(shape, "0000-00-00 00:00:00.00", "{j}");
        assert!(j["caller"].is_string() && j["msg"].is_string(), "{j}");
    }
    let own: Vec<String> = json
        .iter()
        .filter(|j| j["caller"].as_str().is_some_and(|c| c.starts_with("examples/")))
        .map(|j| format!("{} {}", j["level"], j["msg"]))
        .collect();
    assert_eq!(
        own,
        [
            r#""ERROR" "error log test""#,
            r#""INFO" "我是V(1)日志""#,
            r#""INFO" "Kubernetes server info""#,
            r#""INFO" "我是V(3)日志""#
        ]
    );
    let by_msg = |m: &str| {
        json.iter()
            .find(|j| j["msg"] == m)
            .unwrap_or_else(|| panic!("no {m}"))
    };
    assert!(by_msg("error log test")["stacktrace"]
        .as_str()
        .is_some_and(|s| s.starts_with("logging_examples::custom_logger_json_file::run::{{closure}}\n\t")));
    assert_eq!(by_msg("Kubernetes server info")["version"], "v1.36.2-clientgo");
    // The library's lines at -v 6..8 in the same format, and nothing from the embedded server or hyper.
    for j in json
        .iter()
        .filter(|j| !j["caller"].as_str().unwrap().starts_with("examples/"))
    {
        let file = j["caller"].as_str().unwrap().split(':').next();
        assert!(matches!(file, Some("src/debug_log.rs" | "src/loader.rs")), "{j}");
        assert_eq!(j["level"], "INFO", "{j}");
    }
    let request = json
        .iter()
        .find(|j| j["msg"].as_str().is_some_and(|m| m.ends_with("/version 200 OK")))
        .unwrap_or_else(|| panic!("no request line in {json:?}"));
    assert_eq!(request["status"], 200);
    // The server requires TOKEN, so the request carried it: its Authorization header is logged
    // with the scheme only, and no line shows the token.
    let auth: Vec<_> = json.iter().filter(|j| j["header"] == "authorization").collect();
    assert!(
        !auth.is_empty(),
        "the Authorization header is logged (masked) at -v 7"
    );
    for h in auth {
        assert_eq!(h["value"], "Bearer <masked>", "{h}");
    }
    assert!(json.iter().any(|j| j["msg"] == "body"), "-v 8 shows the body");
    assert!(!run.log.iter().any(|l| l.contains(TOKEN)), "{:?}", run.log);
    // The file holds exactly what stderr got.
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(!written.contains(TOKEN), "token in {written}");
    assert_eq!(written.lines().collect::<Vec<_>>(), run.log);
    std::fs::remove_file(&path).unwrap();
    // The example's directory under the temp directory, unless another test's file is in it.
    let _ = std::fs::remove_dir(path.parent().unwrap());
}

#[test]
fn custom_logger_json_file_removes_the_log_file_it_created() {
    let name = format!("removed-{}.log", std::process::id());
    let run = run_example("custom_logger_json_file", &["-log_file", &name]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    let path = custom_logger_json_file::log_file_path(&name);
    assert_eq!(
        run.stdout,
        [format!(
            "log file {} (removed at the end; --keep-log-file keeps it)",
            path.display()
        )]
    );
    assert_eq!(console_lines(&run.log).len(), 3, "{:?}", run.log);
    assert!(!path.exists(), "{} left behind", path.display());
}

/// The `body=` lines of the library's `"body"` events (`"full body"` events when `full`).
fn body_lines(lines: &[String], full: bool) -> Vec<String> {
    let msg = if full { r#"] "full body" "# } else { r#"] "body" "# };
    lines.iter().filter(|l| l.contains(msg)).cloned().collect()
}

#[test]
fn request_bodies_show_at_v8_and_full_bodies_at_v9() {
    // V(7): headers but no bodies.
    let run = run_example("request_bodies", &["-v", "7"]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    assert!(
        run.log.iter().any(|l| l.contains(r#"] "header" "#)),
        "{:?}",
        run.log
    );
    assert!(body_lines(&run.log, false).is_empty(), "{:?}", run.log);

    // V(8): each response body, the long one cut at 1,024 bytes, and no full body.
    let run = run_example("request_bodies", &["-v", "8"]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    let lines = run.log;
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
    let run = run_example("request_bodies", &["-v", "9"]);
    assert_eq!(run.code, 0, "{:?}", run.log);
    let full = body_lines(&run.log, true);
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
    for l in &run.log {
        assert!(!l.contains(TOKEN), "token logged: {l}");
    }
}
