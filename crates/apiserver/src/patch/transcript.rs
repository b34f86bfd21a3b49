//! Test support: the exchanges of the recorded real-server transcripts.

use serde_json::Value;

/// One recorded request and its response.
pub(crate) struct Exchange {
    /// The `################ ...` line without the hashes.
    pub header: String,
    /// The request body (empty when none).
    pub request_body: String,
    /// The response's HTTP status code.
    pub status: u16,
    /// The response body.
    pub response_body: String,
}

impl Exchange {
    /// The request body as JSON.
    pub fn request_json(&self) -> Value {
        serde_json::from_str(&self.request_body).expect("request body is JSON")
    }

    /// The response body as JSON.
    pub fn response_json(&self) -> Value {
        serde_json::from_str(&self.response_body).expect("response body is JSON")
    }
}

/// Every exchange of `file` (a name under fixtures/real-apiserver).
pub(crate) fn exchanges(file: &str) -> Vec<Exchange> {
    let path = format!(
        "{}/../../fixtures/real-apiserver/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {path}: {e}"))
        .replace("\r\n", "\n");
    text.split("################ ")
        .filter_map(|block| {
            let (header, rest) = block.split_once('\n')?;
            let (request, response) = rest.split_once("---- response\n")?;
            let request_body = request
                .split_once("\n\n")
                .map_or("", |(_, b)| b)
                .trim()
                .to_owned();
            let status = response.split_whitespace().nth(1)?.parse().ok()?;
            let response_body = response
                .split_once("\n\n")
                .map_or("", |(_, b)| b)
                .trim()
                .to_owned();
            Some(Exchange {
                header: header.to_owned(),
                request_body,
                status,
                response_body,
            })
        })
        .collect()
}

/// The exchanges of `file` whose header contains `needle` and whose status is `status`.
pub(crate) fn find(file: &str, needle: &str, status: u16) -> Vec<Exchange> {
    exchanges(file)
        .into_iter()
        .filter(|e| e.header.contains(needle) && e.status == status)
        .collect()
}
