//! Seed 002 "List and Watch" (S002:L37-43, the watch's wire format) and seed 000's newline FAQ
//! (S000:L49-83): decodes watch streams recorded from a real kube-apiserver and prints one line per
//! event.
//!
//! ```text
//! cargo run --example watch_decode_demo                      # fixtures/real-apiserver/04-watch-raw-chunked.txt
//! cargo run --example watch_decode_demo -- FILE [--chunk-size N]
//! ```
//!
//! FILE is a transcript from fixtures/real-apiserver (every watch response in it is decoded)
//! or a plain file of watch events as the API server writes them (one JSON object per event).
//!
//! The body reaches the decoder the way a network would deliver it: the server's own HTTP chunks,
//! cut again into pieces of at most N bytes (default 64), so frames arrive split across pushes and
//! several to a push. The decoder is clientgo's sans-IO `WatchEventDecoder`: it finds each event by
//! its JSON structure, never by chunk or newline, which is what the seed's newline trap (S000) is
//! about. An ERROR event's Status is decoded too: a 410 Expired says to list again.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use clientgo::apimachinery::{ApiError, DynamicObject, Object, WatchEvent, WatchEventDecoder};
use clientgo_example::{outln, BoxError, Out};

/// The stream decoded when no file is given.
pub const DEFAULT_TRANSCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/real-apiserver/04-watch-raw-chunked.txt"
);

/// Pieces are at most this long unless `--chunk-size` says otherwise.
pub const DEFAULT_CHUNK_SIZE: usize = 64;

/// One watch response body and how it arrived.
struct Body {
    /// The request line, e.g. `GET /api/v1/...?watch=1 HTTP/1.1`, or the file name for a plain file.
    request: String,
    /// What the response head says of the body: its status line, `Content-Type` and
    /// `Transfer-Encoding` as the server wrote them (none for a plain file).
    head: Option<String>,
    /// The HTTP chunks as the server sent them (a single piece when the transcript kept no chunking).
    chunks: Vec<Vec<u8>>,
}

/// What one run decoded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Watch responses decoded.
    pub streams: usize,
    /// Events per type, in the order ADDED, MODIFIED, DELETED, BOOKMARK, ERROR.
    pub by_type: [usize; 5],
    /// Errors the decoder reported (it skips the bad frame and carries on).
    pub errors: usize,
    /// Body bytes fed to the decoder.
    pub bytes: usize,
    /// Pushes it took.
    pub pushes: usize,
}

impl Summary {
    /// Events of every type.
    pub fn events(&self) -> usize {
        self.by_type.iter().sum()
    }
}

/// Decodes every watch response in `input` (a transcript or a plain stream), feeding each body in
/// pieces of at most `chunk_size` bytes, and prints one line per event as it is decoded.
pub fn run(input: &[u8], name: &str, chunk_size: usize, out: &Out) -> Summary {
    let mut summary = Summary::default();
    for body in watch_bodies(input, name) {
        summary.streams += 1;
        let total: usize = body.chunks.iter().map(Vec::len).sum();
        outln!(out, "== {}", body.request);
        if let Some(head) = &body.head {
            outln!(out, "   {head}");
        }
        outln!(
            out,
            "   {total} bytes in {}, fed in pieces of at most {chunk_size} bytes",
            plural(body.chunks.len(), "HTTP chunk")
        );
        let mut decoder = WatchEventDecoder::<DynamicObject>::new();
        for piece in body.chunks.iter().flat_map(|c| c.chunks(chunk_size.max(1))) {
            decoder.push(piece);
            summary.pushes += 1;
            summary.bytes += piece.len();
            while let Some(item) = decoder.next_event() {
                report(item, &mut summary, out);
            }
        }
        decoder.finish();
        while let Some(item) = decoder.next_event() {
            report(item, &mut summary, out);
        }
    }
    let [added, modified, deleted, bookmark, error] = summary.by_type;
    outln!(
        out,
        "summary: {} in {} (ADDED {added}, MODIFIED {modified}, DELETED {deleted}, BOOKMARK {bookmark}, \
         ERROR {error}), {}, {} bytes in {} pushes",
        plural(summary.events(), "event"),
        plural(summary.streams, "watch stream"),
        plural(summary.errors, "decode error"),
        summary.bytes,
        summary.pushes,
    );
    summary
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn report(
    item: Result<WatchEvent<DynamicObject>, clientgo::apimachinery::watch::DecodeError>,
    summary: &mut Summary,
    out: &Out,
) {
    let event = match item {
        Ok(event) => event,
        Err(e) => {
            summary.errors += 1;
            outln!(out, "decode error: {e}");
            return;
        }
    };
    let ty = event.event_type();
    let index = match &event {
        WatchEvent::Added(_) => 0,
        WatchEvent::Modified(_) => 1,
        WatchEvent::Deleted(_) => 2,
        WatchEvent::Bookmark(_) => 3,
        WatchEvent::Error(_) => 4,
    };
    summary.by_type[index] += 1;
    let detail = match &event {
        WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
            let key = match o.namespace() {
                Some(ns) => format!("{ns}/{}", o.name()),
                None => o.name().to_string(),
            };
            let rv = o.metadata().resource_version.as_deref().unwrap_or("");
            format!("{key:<20} rv={rv}")
        }
        WatchEvent::Bookmark(b) if b.is_initial_events_end() => {
            format!("rv={} (initial events end)", b.resource_version())
        }
        WatchEvent::Bookmark(b) => format!("rv={}", b.resource_version()),
        WatchEvent::Error(status) => {
            let err = ApiError::from_status(status.clone());
            let hint = if err.is_gone() {
                " -> resourceVersion too old: relist, then watch again"
            } else {
                ""
            };
            format!("{} {}: {}{hint}", err.code(), err.reason(), err.message())
        }
    };
    outln!(out, "{:<9} {detail}", ty.as_str());
}

/// Every 200 response to a watch request in a transcript, or the whole input when it is not one.
fn watch_bodies(input: &[u8], name: &str) -> Vec<Body> {
    if find(input, b"---- response\n").is_none() {
        return vec![Body {
            request: name.to_string(),
            head: None,
            chunks: vec![input.to_vec()],
        }];
    }
    let mut bodies = Vec::new();
    let mut rest = input;
    while let Some(at) = find(rest, b"---- response\n") {
        let request = rest[..at]
            .split(|&b| b == b'\n')
            .rev()
            .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
            .find(|l| l.ends_with(" HTTP/1.1"))
            .unwrap_or_default();
        rest = &rest[at + b"---- response\n".len()..];
        let next = find(rest, b"\n################").map_or(rest.len(), |n| n + 1);
        let response = &rest[..next];
        rest = &rest[next..];
        let is_watch = request.contains("watch=1") || request.contains("watch=true");
        let Some(head_end) = find(response, b"\r\n\r\n") else {
            continue;
        };
        if !is_watch || !response.starts_with(b"HTTP/1.1 200 ") {
            continue;
        }
        let body = &response[head_end + 4..];
        let chunks = dechunk(body).unwrap_or_else(|| vec![body.to_vec()]);
        let head = Some(describe_head(&response[..head_end]));
        bodies.push(Body {
            request,
            head,
            chunks,
        });
    }
    bodies
}

/// The status line and the headers that say what the body is, as written.
fn describe_head(head: &[u8]) -> String {
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    let about_body = lines.filter(|l| {
        let name = l.split(':').next().unwrap_or_default();
        name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("transfer-encoding")
    });
    std::iter::once(status)
        .chain(about_body)
        .collect::<Vec<_>>()
        .join(", ")
}

/// HTTP/1.1 chunked decoding; `None` when the body does not start with a chunk-size line (the
/// transcript kept the decoded body).
fn dechunk(mut body: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut chunks = Vec::new();
    loop {
        let eol = find(body, b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&body[..eol]).ok()?, 16).ok()?;
        body = &body[eol + 2..];
        if size == 0 {
            return Some(chunks);
        }
        chunks.push(body.get(..size)?.to_vec());
        body = body.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The command line.
#[derive(Debug, clap::Parser)]
#[command(name = "watch_decode_demo")]
pub struct Args {
    /// A transcript from fixtures/real-apiserver, or a plain file of watch events.
    #[arg(value_name = "FILE", default_value = DEFAULT_TRANSCRIPT)]
    pub file: PathBuf,
    /// Feed each body to the decoder in pieces of at most this many bytes.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHUNK_SIZE, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub chunk_size: usize,
}

/// Reads `args.file` and decodes it.
///
/// # Errors
/// When the file cannot be read.
pub fn decode_file(args: &Args, out: &Out) -> Result<Summary, BoxError> {
    let input = std::fs::read(&args.file).map_err(|e| format!("reading {}: {e}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok(run(&input, &name, args.chunk_size, out))
}

fn main() -> ExitCode {
    match decode_file(&Args::parse(), &Out::stdout()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
