//! Reads the recorded real API server exchanges in fixtures/real-apiserver.
//!
//! Each exchange starts with a `################` line, then the request line and headers, then
//! `---- response` and the response exactly as received. Raw chunked bodies keep their chunk-size lines
//! and CRLFs; "decoded" bodies are the plain newline-separated JSON.

use std::path::{Path, PathBuf};

/// The directory of the recorded transcripts.
pub fn fixtures_dir() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/real-apiserver"
    ))
    .to_path_buf()
}

/// One successful watch response found in a transcript.
#[derive(Debug, Clone)]
pub struct WatchBody {
    /// The transcript's file name.
    pub file: String,
    /// The request target, e.g. `/api/v1/namespaces/demo/configmaps?watch=1&...`.
    pub target: String,
    /// The response body with any chunked framing removed.
    pub body: Vec<u8>,
    /// The HTTP chunks as the server sent them, when the transcript kept them.
    pub server_chunks: Option<Vec<Vec<u8>>>,
}

impl WatchBody {
    /// `name (n)`: which watch of which file, for assertion messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.file, self.target)
    }

    /// The query parameter `key`, if present.
    pub fn query(&self, key: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// Every 200 response to a `watch=1`/`watch=true` request in every transcript, in file order.
pub fn watch_bodies() -> Vec<WatchBody> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/real-apiserver in the repository")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let data = std::fs::read(&path).expect("readable transcript");
        let file = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        for exchange in split_exchanges(&data) {
            if let Some(body) = watch_body(&file, exchange) {
                out.push(body);
            }
        }
    }
    out
}

fn split_exchanges(data: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = Vec::new();
    let mut line_start = 0;
    for (i, _) in data.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        if data[line_start..].starts_with(b"################") {
            starts.push(line_start);
        }
        line_start = i + 1;
    }
    if data[line_start..].starts_with(b"################") {
        starts.push(line_start);
    }
    starts.push(data.len());
    starts.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn watch_body(file: &str, exchange: &[u8]) -> Option<WatchBody> {
    let text = String::from_utf8_lossy(exchange);
    let request = text
        .lines()
        .find(|l| l.starts_with("GET ") && l.ends_with(" HTTP/1.1"))?;
    let target = request.split(' ').nth(1)?.to_string();
    if !(target.contains("watch=1") || target.contains("watch=true")) {
        return None;
    }
    let response = find(exchange, b"---- response\n")? + b"---- response\n".len();
    let rest = &exchange[response..];
    if !rest.starts_with(b"HTTP/1.1 200 ") {
        return None;
    }
    let body_start = find(rest, b"\r\n\r\n")? + 4;
    let body = &rest[body_start..];
    let (body, server_chunks) = if starts_with_chunk_size(body) {
        let chunks = dechunk(body, file);
        (chunks.concat(), Some(chunks))
    } else {
        (body.to_vec(), None)
    };
    Some(WatchBody {
        file: file.to_string(),
        target,
        body,
        server_chunks,
    })
}

fn starts_with_chunk_size(body: &[u8]) -> bool {
    let digits = body.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    digits > 0 && body[digits..].starts_with(b"\r\n")
}

/// Strict HTTP/1.1 chunked decoding: size line, exactly that many bytes, CRLF, until size 0.
fn dechunk(mut body: &[u8], file: &str) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    loop {
        let eol = find(body, b"\r\n").unwrap_or_else(|| panic!("{file}: chunk-size line without CRLF"));
        let size_text = std::str::from_utf8(&body[..eol]).expect("ASCII chunk size");
        let size = usize::from_str_radix(size_text, 16)
            .unwrap_or_else(|e| panic!("{file}: bad chunk size {size_text:?}: {e}"));
        body = &body[eol + 2..];
        if size == 0 {
            return chunks;
        }
        assert!(
            body.len() >= size + 2,
            "{file}: chunk of {size} bytes is cut short"
        );
        chunks.push(body[..size].to_vec());
        assert_eq!(
            &body[size..size + 2],
            b"\r\n",
            "{file}: chunk data not followed by CRLF"
        );
        body = &body[size + 2..];
    }
}
