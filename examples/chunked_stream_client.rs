//! Seed 000 "kube-operator" (S000:L37-83): its `client.go`, which reads the `/watch` stream line
//! by line (`bufio.Reader.ReadString('\n')`) and prints each line as it arrives, and the lesson of
//! its FAQ, the newline.
//!
//! Streaming `chunked_stream_server` prints one time line a second, each the moment it is
//! complete. Against `chunked_stream_server --no-newline` (seed 000's first server) the chunks
//! still arrive one a second, but a line reader has nothing to print: it waits for a newline that
//! never comes, which is what the seed's curl showed. `--chunks N` stops after N pieces of the
//! body and shows what came and what still waits for its newline.
//!
//! `[defect]` corrected: the seed concluded that the server must end every record with `\n`; the
//! bytes were sent all along, and it is the line-oriented reader that holds them back. HTTP chunk
//! boundaries are not record boundaries either: a proxy or a slow network may split a record over
//! chunks or put several in one. `--demo` feeds such chunks of JSON records (the API server's
//! watch format) to a line reader and to clientgo's `FrameDecoder` (client-go's JSON framer),
//! which finds each record by its JSON structure: it hands on every record as soon as it is
//! complete, the last one without a newline too, where the line reader stalls.
//!
//! Run: `cargo run --example chunked_stream_client [-- --url http://127.0.0.1:8897/watch]
//! [--count N] [--chunks N]` or `cargo run --example chunked_stream_client -- --demo`.

use std::future::Future;
use std::process::ExitCode;

use clap::Parser as _;
use clientgo::apimachinery::watch::FrameDecoder;
use clientgo::rest::{Config, RestClient};
use clientgo_example::{outln, BoxError, Out};
use futures_util::StreamExt as _;

/// Seed 000's server.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8897/watch";

/// The longest line the line reader waits for; past it, no newline is coming.
pub const MAX_LINE: usize = 64 * 1024;

/// The command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "chunked_stream_client")]
pub struct Args {
    /// The stream to read (seed 001's is http://127.0.0.1:6789/heart).
    #[arg(long, default_value = DEFAULT_URL)]
    pub url: String,
    /// Stop after this many lines.
    #[arg(long)]
    pub count: Option<usize>,
    /// Stop after this many pieces (HTTP chunks) of the body have arrived.
    #[arg(long)]
    pub chunks: Option<usize>,
    /// Do not connect: feed scripted chunks to a line reader and to clientgo's frame decoder.
    #[arg(long)]
    pub demo: bool,
}

/// Seed 000's `bufio.Reader.ReadString('\n')`: bytes in, complete lines out.
#[derive(Debug, Default)]
pub struct LineReader {
    pending: Vec<u8>,
}

impl LineReader {
    /// Takes the next bytes and returns the lines they complete, without their newlines.
    ///
    /// # Errors
    /// When [`MAX_LINE`] bytes have come without a newline.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, BoxError> {
        self.pending.extend_from_slice(bytes);
        let mut lines = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            lines.push(String::from_utf8_lossy(&line[..end]).into_owned());
        }
        if self.pending.len() > MAX_LINE {
            return Err(
                format!("{MAX_LINE} bytes without a newline: a line reader would wait forever").into(),
            );
        }
        Ok(lines)
    }

    /// The bytes still waiting for their newline.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }
}

/// Why the reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Count,
    Chunks,
    BodyEnded,
    Interrupted,
}

/// Streams `args.url` and prints each line the moment it is complete, until `args.count` lines,
/// `args.chunks` pieces, the end of the body, or `interrupted`; then what arrived and what still
/// waits for a newline. With `args.demo`, runs [`demo`] instead.
///
/// # Errors
/// When the request fails or the body breaks off.
pub async fn run(args: &Args, out: &Out, interrupted: impl Future<Output = ()>) -> Result<(), BoxError> {
    if args.demo {
        demo(out);
        return Ok(());
    }
    let (base, path) = split_url(&args.url)?;
    let client = RestClient::new_unversioned(&Config::new(base))?;
    let mut body = client.get().abs_path(path).stream().await?;
    outln!(
        out,
        "GET {}: the response is open; each line is printed as it arrives",
        args.url
    );
    tokio::pin!(interrupted);
    let mut reader = LineReader::default();
    let (mut pieces, mut bytes, mut lines) = (0, 0, 0);
    let end = 'reading: loop {
        let piece = tokio::select! {
            piece = body.next() => piece,
            () = &mut interrupted => break End::Interrupted,
        };
        let Some(piece) = piece else { break End::BodyEnded };
        let piece = piece?;
        pieces += 1;
        bytes += piece.len();
        for line in reader.push(&piece)? {
            outln!(out, "{line}");
            lines += 1;
            if Some(lines) == args.count {
                break 'reading End::Count;
            }
        }
        if Some(pieces) == args.chunks {
            break End::Chunks;
        }
    };
    // Dropping the body closes the connection: the server notices.
    drop(body);
    let why = match end {
        End::Count => "stopped at --count",
        End::Chunks => "stopped at --chunks",
        End::BodyEnded => "the server ended the body",
        End::Interrupted => "interrupted",
    };
    let waiting = reader.pending();
    let tail = if waiting.is_empty() {
        String::new()
    } else {
        format!(": {:?}", String::from_utf8_lossy(waiting))
    };
    outln!(
        out,
        "{why}: {pieces} chunks ({bytes} bytes) arrived, {lines} lines printed, {} bytes wait for a newline{tail}",
        waiting.len()
    );
    Ok(())
}

/// `http://host:port/path` as the base URL and the path (`/watch` when there is none).
fn split_url(url: &str) -> Result<(&str, &str), BoxError> {
    let after_scheme = url
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| format!("not an http URL: {url:?}"))?;
    Ok(match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, "/watch"),
    })
}

/// The scripted chunks of `--demo`: what a proxy or a slow network may deliver of four JSON
/// records, the last without its newline (seed 000's first server).
pub const DEMO_CHUNKS: &[&str] = &[
    "{\"time\":\"2022-10-30",
    "T21:11:59Z\"",
    "}\n",
    "{\"time\":\"2022-10-30T21:12:00Z\"}\n{\"time\":\"2022-10-30T21:12:01Z\"}\n",
    "{\"time\":\"2022-10-30T21:12:02Z\"}",
];

/// Feeds [`DEMO_CHUNKS`] to the frame decoder and to a line reader and prints, chunk by chunk,
/// what each of them hands on.
pub fn demo(out: &Out) {
    let mut decoder = FrameDecoder::new();
    let mut reader = LineReader::default();
    let (mut framed, mut lines) = (0, 0);
    for (i, chunk) in DEMO_CHUNKS.iter().enumerate() {
        outln!(out, "chunk {}: {chunk:?}", i + 1);
        decoder.push(chunk.as_bytes());
        if i + 1 == DEMO_CHUNKS.len() {
            decoder.finish(); // The body ended.
        }
        while let Some(frame) = decoder.next_frame() {
            match frame {
                Ok(frame) => {
                    framed += 1;
                    outln!(out, "  frame decoder: {}", String::from_utf8_lossy(frame.bytes()));
                }
                Err(e) => outln!(out, "  frame decoder: {e}"),
            }
        }
        // The script's lines are short: the reader's length limit is never reached.
        for line in reader.push(chunk.as_bytes()).unwrap_or_default() {
            lines += 1;
            outln!(out, "  line reader:   {line}");
        }
    }
    outln!(out, "frame decoder: {framed} records");
    outln!(
        out,
        "line reader: {lines} records, still waiting for a newline after {:?}",
        String::from_utf8_lossy(reader.pending())
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let interrupted = match clientgo::controller::setup_signal_handler() {
        Ok(signal) => signal,
        Err(e) => return clientgo_example::report(&e),
    };
    match run(&args, &Out::stdout(), interrupted).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => clientgo_example::report(e.as_ref()),
    }
}
