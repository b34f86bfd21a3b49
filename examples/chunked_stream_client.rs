//! Seed 000's client, done right: stream a chunked `/watch` body and print each record the moment it
//! is complete, using the library's [`FrameDecoder`] (client-go's JSON framer) rather than splitting
//! on newlines.
//!
//! HTTP chunk boundaries are not record boundaries. `--demo` feeds a scripted sequence of chunks to
//! both the frame decoder and a naive newline reader (the seed's `bufio.Reader.ReadString('\n')`): a
//! record split over three chunks, two records in one chunk, and a last record without its newline
//! (seed 000's first server). The decoder yields all four records as they complete; the naive reader
//! loses the last one and stalls waiting for a newline that never comes.
//!
//! Run: `cargo run --example chunked_stream_client [-- --url http://127.0.0.1:8897/watch]
//! [--count N]` or `cargo run --example chunked_stream_client -- --demo`.

use std::error::Error;
use std::fmt::Write as _;

use clientgo::apimachinery::watch::FrameDecoder;
use clientgo::rest::{Config, RestClient};
use futures_util::StreamExt as _;

/// Streams `url` and writes one line per record to `on_record`; stops after `count` records (when
/// given) or when the server ends the body. Returns how many records were seen.
pub async fn run(
    url: &str,
    count: Option<usize>,
    mut on_record: impl FnMut(&str),
) -> Result<usize, Box<dyn Error>> {
    let (base, path) = split_url(url)?;
    let client = RestClient::new_unversioned(&Config::new(base))?;
    let mut body = client.get().abs_path(path).stream().await?;
    let mut decoder = FrameDecoder::new();
    let mut seen = 0;
    loop {
        let chunk = body.next().await;
        match &chunk {
            Some(c) => decoder.push(c.as_ref().map_err(|e| e.to_string())?),
            None => decoder.finish(),
        }
        while let Some(frame) = decoder.next_frame() {
            let frame = frame?;
            on_record(&String::from_utf8_lossy(frame.bytes()));
            seen += 1;
            if Some(seen) == count {
                return Ok(seen); // Dropping `body` closes the connection; the server notices.
            }
        }
        if chunk.is_none() {
            return Ok(seen);
        }
    }
}

fn split_url(url: &str) -> Result<(&str, &str), String> {
    let after_scheme = url
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| format!("not an http URL: {url:?}"))?;
    match url[after_scheme..].find('/') {
        Some(i) => Ok(url.split_at(after_scheme + i)),
        None => Ok((url, "/watch")),
    }
}

/// The scripted chunks of `--demo`: what a proxy or a slow network may legitimately deliver.
pub const DEMO_CHUNKS: &[&str] = &[
    "{\"time\":\"2022-10-30",
    "T21:11:59Z\"",
    "}\n",
    "{\"time\":\"2022-10-30T21:12:00Z\"}\n{\"time\":\"2022-10-30T21:12:01Z\"}\n",
    "{\"time\":\"2022-10-30T21:12:02Z\"}",
];

/// Feeds [`DEMO_CHUNKS`] to the frame decoder and to a naive newline reader and reports, chunk by
/// chunk, what each of them could hand on.
pub fn demo(out: &mut String) -> Result<(), Box<dyn Error>> {
    let mut decoder = FrameDecoder::new();
    let mut naive = String::new();
    let (mut framed, mut lines) = (0, 0);
    for (i, chunk) in DEMO_CHUNKS.iter().enumerate() {
        writeln!(out, "chunk {}: {chunk:?}", i + 1)?;
        decoder.push(chunk.as_bytes());
        if i + 1 == DEMO_CHUNKS.len() {
            decoder.finish(); // The body ended.
        }
        while let Some(frame) = decoder.next_frame() {
            framed += 1;
            writeln!(
                out,
                "  frame decoder: {}",
                String::from_utf8_lossy(frame?.bytes())
            )?;
        }
        naive.push_str(chunk);
        while let Some(nl) = naive.find('\n') {
            lines += 1;
            writeln!(out, "  line reader:   {}", &naive[..nl])?;
            naive.drain(..=nl);
        }
    }
    writeln!(out, "frame decoder: {framed} records")?;
    writeln!(
        out,
        "line reader: {lines} records, still waiting for a newline after {:?}",
        naive
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut url = "http://127.0.0.1:8897/watch".to_owned();
    let mut count = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--demo" => {
                let mut out = String::new();
                demo(&mut out)?;
                print!("{out}");
                return Ok(());
            }
            "--url" => url = args.next().ok_or("--url needs a value")?,
            "--count" => count = Some(args.next().ok_or("--count needs a value")?.parse()?),
            other => return Err(format!("unknown flag {other:?}").into()),
        }
    }
    println!("streaming {url}");
    run(&url, count, |rec| println!("{rec}")).await?;
    Ok(())
}
