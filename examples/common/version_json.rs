//! Go's `json.MarshalIndent(v, "", "    ")`: the seed prints the server version with a four-space
//! indent.

use serde::Serialize;

/// `value` as JSON indented by four spaces.
///
/// # Errors
/// When `value` cannot be serialized (never for the version info).
pub fn indent4<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    value.serialize(&mut ser)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
