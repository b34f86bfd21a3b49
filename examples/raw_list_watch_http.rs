//! Seeds 001 "list-watch" (S001:L12-28) and 002 "List and Watch" (S002:L31-43): list-watch by
//! hand, in plain HTTP/1.1 written on a TCP connection, as `curl` does through `kubectl proxy`.
//!
//! 1. `GET /api/v1/namespaces/NS/pods`: the list, and the resourceVersion it was read at.
//! 2. The same path with `?watch=true&resourceVersion=RV`: the reply's status line and headers as
//!    they came over the wire (`Content-Type: application/json`, `Transfer-Encoding: chunked`,
//!    no `Content-Length`: the body is a stream of chunks that ends only when the watch does),
//!    then one `{"type":...,"object":...}` line per event as it arrives. Meanwhile the example
//!    creates a pod `raw-watch-demo` in its own namespace, labels it and deletes it.
//! 3. The deprecated `/api/v1/watch/namespaces/NS/pods?resourceVersion=RV` prefix (seed 002's
//!    `curl -i` through the proxy): the same events again, replayed from the same resourceVersion.
//!
//! Header names are case-insensitive: kube-apiserver (Go) writes `Content-Type`, the embedded
//! server `content-type`; the lines are printed as received. A pod's JSON runs to kilobytes on a
//! real cluster, so event lines are cut at `--max-line` characters (`...`, as the seed's are),
//! followed by the event's size, type, pod and resourceVersion.
//!
//! Plain HTTP needs a server that takes it: the embedded one does; a real cluster is HTTPS with
//! credentials, so start `kubectl proxy` (it listens on http://127.0.0.1:8001 and adds the
//! credentials) and pass `--proxy-url http://127.0.0.1:8001`.
//!
//! Run: `cargo run --example raw_list_watch_http [-- --kubeconfig PATH --proxy-url URL]
//! [--timeout-seconds N] [--max-line N] [--no-activity]`

use std::process::ExitCode;

use clientgo::api::core::v1::Pod;
use clientgo::apimachinery::watch::FrameDecoder;
use clientgo::kubernetes::{DeleteOptions, PatchOptions, PatchType, ResourceClient, WriteOptions};
use clientgo_example::pods::busybox_pod;
use clientgo_example::{outln, BoxError, Out, Session};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

/// The example's own options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// A plain-HTTP address of the API server, such as `kubectl proxy`'s http://127.0.0.1:8001
    /// (default: the kubeconfig's server, when it is plain HTTP without credentials).
    #[arg(long, value_name = "URL")]
    pub proxy_url: Option<String>,
    /// The timeoutSeconds of each watch: the server ends it after this long if the pod's
    /// DELETED event has not come by then.
    #[arg(long, default_value_t = 60)]
    pub timeout_seconds: u64,
    /// Print at most this many characters of each event line, then its size, type, name and
    /// resourceVersion (0: whole lines).
    #[arg(long, default_value_t = 120)]
    pub max_line: usize,
}

/// The pod whose events the watches show.
pub const DEMO_POD: &str = "raw-watch-demo";

/// The longest status or header line read (the API server's are far shorter).
const MAX_HEAD_LINE: usize = 16 * 1024;
/// The most header lines read.
const MAX_HEADERS: usize = 100;
/// The largest chunk accepted (a watch event is one object; a list may be one chunk).
const MAX_CHUNK: usize = 64 * 1024 * 1024;
/// The largest list body read.
const MAX_LIST: usize = 64 * 1024 * 1024;

/// Where plain HTTP requests go: `host:port` and a path prefix (empty for the API server itself
/// and for `kubectl proxy`).
#[derive(Debug, Clone)]
struct Base {
    authority: String,
    prefix: String,
    /// Where the address came from.
    via: &'static str,
}

impl Base {
    fn parse(url: &str, via: &'static str) -> Result<Base, BoxError> {
        let uri: hyper::Uri = url.parse().map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!("{url} is not a plain http:// URL").into());
        }
        let authority = uri.authority().ok_or_else(|| format!("{url} names no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        Ok(Base {
            authority: format!("{}:{port}", authority.host()),
            prefix: uri.path().trim_end_matches('/').to_owned(),
            via,
        })
    }

    /// `--proxy-url`, else the kubeconfig's server when plain HTTP will reach it.
    fn choose(session: &Session, args: &Args) -> Result<Base, BoxError> {
        if let Some(url) = &args.proxy_url {
            return Base::parse(url, "--proxy-url");
        }
        let config = session.config();
        let credentials = config.bearer_token.is_some()
            || config.bearer_token_file.is_some()
            || config.username.is_some()
            || config.exec_provider.is_some();
        if config.host.starts_with("http://") && !credentials {
            return Base::parse(&config.host, "the kubeconfig's server");
        }
        Err(format!(
            "the cluster at {} wants HTTPS and credentials, which a plain HTTP request written by \
             hand does not carry: start `kubectl proxy` (it serves the API on http://127.0.0.1:8001 \
             and adds the credentials itself), then run this example again with \
             --proxy-url http://127.0.0.1:8001",
            config.host
        )
        .into())
    }
}

/// A reply's head as it came over the wire, and its body still to be read.
struct Reply {
    status_line: String,
    headers: Vec<String>,
    body: Body,
}

impl Reply {
    /// The value of header `name` (any case).
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|h| {
            let (n, v) = h.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// How the body's end is known.
enum Framing {
    Chunked,
    Length(usize),
    UntilClose,
}

/// A reply body, read piece by piece.
struct Body {
    reader: BufReader<TcpStream>,
    framing: Framing,
    done: bool,
}

impl Body {
    /// The next piece of the body (one HTTP chunk when chunked), or `None` at its end.
    async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, BoxError> {
        if self.done {
            return Ok(None);
        }
        let piece = match self.framing {
            Framing::Chunked => {
                let size_line = read_line(&mut self.reader).await?;
                let hex = size_line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(hex, 16)
                    .map_err(|_| format!("bad chunk size line {size_line:?}"))?;
                if size > MAX_CHUNK {
                    return Err(format!("a chunk of {size} bytes is over the {MAX_CHUNK}-byte limit").into());
                }
                if size == 0 {
                    // Trailers, if any, end with an empty line.
                    while !read_line(&mut self.reader).await?.is_empty() {}
                    self.done = true;
                    return Ok(None);
                }
                let mut data = vec![0; size];
                self.reader.read_exact(&mut data).await?;
                if !read_line(&mut self.reader).await?.is_empty() {
                    return Err("a chunk is not followed by CRLF".into());
                }
                data
            }
            Framing::Length(0) => {
                self.done = true;
                return Ok(None);
            }
            Framing::Length(ref mut left) => {
                let mut data = vec![0; (*left).min(64 * 1024)];
                let n = self.reader.read(&mut data).await?;
                if n == 0 && *left > 0 {
                    return Err("the connection closed before the body's Content-Length".into());
                }
                *left -= n;
                data.truncate(n);
                data
            }
            Framing::UntilClose => {
                let mut data = vec![0; 64 * 1024];
                let n = self.reader.read(&mut data).await?;
                if n == 0 {
                    self.done = true;
                    return Ok(None);
                }
                data.truncate(n);
                data
            }
        };
        Ok(Some(piece))
    }
}

/// One CRLF- (or LF-) ended line, without its ending.
async fn read_line(reader: &mut BufReader<TcpStream>) -> Result<String, BoxError> {
    let mut line = Vec::new();
    let n = (&mut *reader)
        .take(MAX_HEAD_LINE as u64 + 2)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Err("the connection closed in the middle of a reply".into());
    }
    if line.last() != Some(&b'\n') {
        return Err(format!("a line of the reply is over {MAX_HEAD_LINE} bytes").into());
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Sends `GET path` on a new connection and reads the reply's head.
async fn get(base: &Base, path: &str) -> Result<Reply, BoxError> {
    let mut tcp = TcpStream::connect(&base.authority)
        .await
        .map_err(|e| format!("connecting to {}: {e}", base.authority))?;
    let request = format!(
        "GET {}{path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: raw_list_watch_http\r\nAccept: application/json\r\n\r\n",
        base.prefix, base.authority
    );
    tcp.write_all(request.as_bytes()).await?;
    let mut reader = BufReader::new(tcp);
    let status_line = read_line(&mut reader).await?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut reader).await?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(format!("the reply has more than {MAX_HEADERS} headers").into());
        }
        headers.push(line);
    }
    let mut reply = Reply {
        status_line,
        headers,
        body: Body {
            reader,
            framing: Framing::UntilClose,
            done: false,
        },
    };
    reply.body.framing = if reply
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        Framing::Chunked
    } else if let Some(len) = reply.header("content-length") {
        Framing::Length(len.parse().map_err(|_| format!("bad Content-Length {len:?}"))?)
    } else {
        Framing::UntilClose
    };
    Ok(reply)
}

/// Fails with the status line and the start of the body unless the reply is a 200.
async fn expect_ok(mut reply: Reply, path: &str) -> Result<Reply, BoxError> {
    if reply.status_line.split(' ').nth(1) == Some("200") {
        return Ok(reply);
    }
    let start = reply.body.next_piece().await?.unwrap_or_default();
    Err(format!(
        "GET {path}: {}: {}",
        reply.status_line,
        String::from_utf8_lossy(&start[..start.len().min(300)])
    )
    .into())
}

/// The list: its status line, kind, items and resourceVersion. Returns the resourceVersion.
async fn list(out: &Out, base: &Base, path: &str) -> Result<String, BoxError> {
    outln!(out, "GET {path} HTTP/1.1");
    let mut reply = expect_ok(get(base, path).await?, path).await?;
    outln!(out, "{}", reply.status_line);
    let mut body = Vec::new();
    while let Some(piece) = reply.body.next_piece().await? {
        if body.len() + piece.len() > MAX_LIST {
            return Err(format!("the list is over {MAX_LIST} bytes").into());
        }
        body.extend_from_slice(&piece);
    }
    let list: Value = serde_json::from_slice(&body)?;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .ok_or("the list has no metadata.resourceVersion")?
        .to_owned();
    let names: Vec<&str> = list["items"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .collect();
    outln!(
        out,
        "  kind {}, {} items [{}], resourceVersion {rv}",
        list["kind"].as_str().unwrap_or("?"),
        names.len(),
        names.join(", ")
    );
    Ok(rv)
}

/// One watch event as far as the comparison goes: its type and the object's resourceVersion.
type Seen = (String, String);

/// Opens a watch on `path` and prints its head as received, then what the head says about the
/// body.
async fn open_watch(out: &Out, base: &Base, path: &str) -> Result<Body, BoxError> {
    outln!(out, "GET {path} HTTP/1.1");
    let reply = expect_ok(get(base, path).await?, path).await?;
    outln!(out, "{}", reply.status_line);
    for h in &reply.headers {
        outln!(out, "{h}");
    }
    outln!(
        out,
        "(Content-Type {}, Transfer-Encoding {}, Content-Length {}: one JSON event per line, sent in \
         chunks as the events happen, until the watch ends)",
        reply.header("content-type").unwrap_or("missing"),
        reply.header("transfer-encoding").unwrap_or("missing"),
        reply.header("content-length").unwrap_or("none"),
    );
    Ok(reply.body)
}

/// Prints each event line of a watch body (cut at `max_line` characters) until the demo pod's
/// DELETED or the end of the body.
async fn print_events(out: &Out, mut body: Body, max_line: usize) -> Result<Vec<Seen>, BoxError> {
    let mut frames = FrameDecoder::new();
    let mut seen = Vec::new();
    loop {
        let piece = body.next_piece().await?;
        match &piece {
            Some(piece) => frames.push(piece),
            None => frames.finish(),
        }
        while let Some(frame) = frames.next_frame() {
            let line = String::from_utf8_lossy(frame?.bytes()).into_owned();
            let event: Value = serde_json::from_str(&line)?;
            let kind = event["type"].as_str().unwrap_or("").to_owned();
            let meta = &event["object"]["metadata"];
            let name = meta["name"].as_str().unwrap_or("");
            let rv = meta["resourceVersion"].as_str().unwrap_or("").to_owned();
            match cut(&line, max_line) {
                Some(start) => outln!(out, "{start}... [{} bytes: {kind} {name} rv={rv}]", line.len()),
                None => outln!(out, "{line}"),
            }
            let done = kind == "DELETED" && name == DEMO_POD;
            seen.push((kind, rv));
            if done {
                return Ok(seen);
            }
        }
        if piece.is_none() {
            outln!(out, "(the server ended the watch)");
            return Ok(seen);
        }
    }
}

/// The first `max` characters of `line` when it is longer (`max` 0: never cut).
fn cut(line: &str, max: usize) -> Option<&str> {
    match line.char_indices().nth(max) {
        Some((end, _)) if max > 0 => Some(&line[..end]),
        _ => None,
    }
}

/// Creates the demo pod, labels it `app=demo` and deletes it: ADDED, MODIFIED, DELETED (a real
/// cluster's scheduler and kubelet add MODIFIED events of their own).
async fn activity(pods: &ResourceClient<Pod>) -> Result<(), BoxError> {
    pods.create(&busybox_pod(DEMO_POD, &[])?, &WriteOptions::default())
        .await?;
    let label = serde_json::json!({"metadata": {"labels": {"app": "demo"}}});
    pods.patch(DEMO_POD, &PatchType::Merge, &label, &PatchOptions::default())
        .await?;
    pods.delete(DEMO_POD, &DeleteOptions::default()).await?;
    Ok(())
}

/// The list, the `?watch=true` watch while the demo pod comes and goes, and the legacy-path watch
/// from the same resourceVersion; Ctrl-C ends the watching.
pub async fn run(session: &Session, args: &Args) -> Result<(), BoxError> {
    let out = session.out();
    let base = Base::choose(session, args)?;
    let ns = session.namespace().await?;
    outln!(
        out,
        "plain HTTP to http://{}{} ({})",
        base.authority,
        base.prefix,
        base.via
    );
    let pods_path = format!("/api/v1/namespaces/{ns}/pods");
    let rv = list(out, &base, &pods_path).await?;
    tokio::select! {
        watched = watch_twice(session, args, &base, &pods_path, &rv) => watched,
        () = session.interrupted() => Ok(()),
    }
}

/// Watches `pods_path` from `rv` while the demo pod comes and goes, then again on the legacy path.
async fn watch_twice(
    session: &Session,
    args: &Args,
    base: &Base,
    pods_path: &str,
    rv: &str,
) -> Result<(), BoxError> {
    let out = session.out();
    let ns = session.namespace().await?;
    let query = format!("resourceVersion={rv}&timeoutSeconds={}", args.timeout_seconds);
    let watch_path = format!("{pods_path}?watch=true&{query}");
    let body = open_watch(out, base, &watch_path).await?;
    let pods = session.clientset().core_v1().pods(ns);
    let cause = async {
        if session.activity() {
            activity(&pods).await
        } else {
            outln!(
                out,
                "waiting up to {}s for pod {DEMO_POD} to come and go; cause it with",
                args.timeout_seconds
            );
            outln!(
                out,
                "  kubectl -n {ns} run {DEMO_POD} --image=busybox -- sleep 3600 && kubectl -n {ns} label pod {DEMO_POD} app=demo && kubectl -n {ns} delete pod {DEMO_POD}"
            );
            Ok(())
        }
    };
    // A failed activity ends the watch too (the DELETED it waits for will not come).
    let ((), first) = tokio::try_join!(cause, print_events(out, body, args.max_line))?;

    let legacy_path = format!("/api/v1/watch/namespaces/{ns}/pods?{query}");
    let body = open_watch(out, base, &legacy_path).await?;
    let again = print_events(out, body, args.max_line).await?;
    let versions = |v: &[Seen]| {
        v.iter()
            .map(|(t, rv)| format!("{t} {rv}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if again == first {
        outln!(
            out,
            "the legacy path replayed the same {} events from resourceVersion {rv}: {}",
            again.len(),
            versions(&again)
        );
    } else {
        outln!(
            out,
            "the legacy path replayed other events from resourceVersion {rv}: {} (first watch: {})",
            versions(&again),
            versions(&first)
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    Session::main(env!("CARGO_CRATE_NAME"), run).await
}
